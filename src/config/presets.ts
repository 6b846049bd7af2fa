/**
 * A `preset:` bridge entry (SPEC §10): the preset knows both sides' events; the entry gives the
 * chains, addresses, fromBlocks and the preset's `params` (checked here: an unknown preset or
 * param, a missing required one, a bad value — each one line naming its path).
 */
import type { Address } from 'viem';
import { presetNamed, PRESETS } from '../core/presets/index.ts';
import { eventAbi } from '../core/presets/abi.ts';
import type { Preset } from '../core/presets/model.ts';
import type { RawBridge } from './schema.ts';
import type { BridgeConfig, EventSourceConfig, TokenConfig } from './types.ts';

export interface PresetChecks {
  fail(path: string, message: string): void;
  address(path: string, text: string): Address;
  checkChain(path: string, name: string): void;
  chainId(name: string): number | undefined;
  duration(path: string, text: string): number;
}

function side(raw: RawBridge['source'], path: string, preset: Preset, role: 'source' | 'destination', checks: PresetChecks): EventSourceConfig {
  checks.checkChain(`${path}.chain`, raw.chain);
  if (raw.event !== undefined) checks.fail(`${path}.event`, `is set by preset ${preset.name}: remove it`);
  if (raw.fields !== undefined) checks.fail(`${path}.fields`, `are set by preset ${preset.name}: remove them`);
  const first = eventAbi(preset[role][0]!.signature);
  return {
    chain: raw.chain,
    address: checks.address(`${path}.address`, raw.address),
    event: first.signature,
    abiEvent: first.abiEvent,
    selector: first.topic0,
    fields: { id: '' },
    fromBlock: BigInt(raw.fromBlock),
  };
}

export function resolveParams(raw: RawBridge, path: string, preset: Preset, checks: PresetChecks): Record<string, unknown> {
  const given = raw.params ?? {};
  const params: Record<string, unknown> = {};
  const known = new Set(preset.params.map((p) => p.name));
  for (const name of Object.keys(given)) {
    if (!known.has(name)) {
      checks.fail(`${path}.params.${name}`, `is not a parameter of preset ${preset.name} (known: ${[...known].join(', ') || 'none'})`);
    }
  }
  const route = {
    sourceChainId: checks.chainId(raw.source.chain) ?? 0,
    destinationChainId: checks.chainId(raw.destination.chain) ?? 0,
    sourceAddress: raw.source.address.toLowerCase(),
    destinationAddress: raw.destination.address.toLowerCase(),
  };
  for (const param of preset.params) {
    const value = given[param.name] ?? param.default?.(route);
    const where = `${path}.params.${param.name}`;
    if (value === undefined) {
      checks.fail(where, `is required by preset ${preset.name} (${param.description})${param.default ? '; no default for these chains' : ''}`);
      continue;
    }
    const problem = param.check?.(value);
    if (problem) checks.fail(where, problem);
    params[param.name] = value;
  }
  return params;
}

export function normalizePresetBridge(raw: RawBridge, path: string, checks: PresetChecks, tokens: Record<string, TokenConfig>): BridgeConfig {
  const preset = presetNamed(raw.preset!);
  if (!preset) {
    checks.fail(`${path}.preset`, `"${raw.preset}" is not a preset (known: ${Object.keys(PRESETS).join(', ')})`);
    const empty = (r: RawBridge['source']): EventSourceConfig => ({ chain: r.chain, address: '0x' as Address, event: '', abiEvent: { type: 'event', name: 'Invalid', inputs: [] }, selector: '0x', fields: { id: '' }, fromBlock: 0n });
    return { id: raw.id, name: raw.name ?? raw.id, stuckAfterMs: 0, source: empty(raw.source), destination: empty(raw.destination), tokens };
  }
  const stuckAfter = raw.stuckAfter ?? preset.stuckAfter;
  return {
    id: raw.id,
    name: raw.name ?? raw.id,
    stuckAfterMs: checks.duration(`${path}.stuckAfter`, stuckAfter),
    source: side(raw.source, `${path}.source`, preset, 'source', checks),
    destination: side(raw.destination, `${path}.destination`, preset, 'destination', checks),
    tokens,
    preset: { name: preset.name, params: resolveParams(raw, path, preset, checks) },
  };
}
