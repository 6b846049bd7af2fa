/** `preset:` bridge entries (SPEC §10): names, params and token kinds checked at load, one line each. */
import { describe, expect, it } from 'vitest';
import { checkConfigObject } from '../../src/config/load.ts';

const A = '0x' + '11'.repeat(20);
const B = '0x' + '22'.repeat(20);

function base(bridge: Record<string, unknown>) {
  return {
    chains: { ethereum: { chainId: 1, rpc: 'http://127.0.0.1:1' }, arbitrum: { chainId: 42161, rpc: 'http://127.0.0.1:2' }, local: { chainId: 31337, rpc: 'http://127.0.0.1:3' } },
    bridges: [{ id: 'x', source: { chain: 'ethereum', address: A }, destination: { chain: 'arbitrum', address: B }, ...bridge }],
  };
}
const errors = (raw: unknown) => checkConfigObject(raw, { baseDir: process.cwd() }).errors.map((e) => `${e.path}: ${e.message}`);

describe('preset bridges', () => {
  it('a preset fills in events, stuckAfter and params defaulted from the chains', () => {
    const { config, errors: problems } = checkConfigObject(base({ preset: 'cctp-v1' }), { baseDir: process.cwd() });
    expect(problems).toEqual([]);
    const bridge = config!.bridges[0]!;
    expect(bridge.preset).toEqual({ name: 'cctp-v1', params: { sourceDomain: 0, destinationDomain: 3 } });
    expect(bridge.stuckAfterMs).toBe(3_600_000);
    expect(bridge.source.selector).toBe('0x2fa9ca894982930190727e75500a97d8dc500233a5065e0f3126c48fbe0343c0');
  });
  it('an unknown preset names the path and the known ones', () => {
    expect(errors(base({ preset: 'acros-v3' }))).toEqual([expect.stringMatching(/^bridges\[0\]\.preset: "acros-v3" is not a preset \(known: across-v3, /)]);
  });
  it('a required param without a default for these chains, an unknown param, a bad value', () => {
    const raw = base({ preset: 'cctp-v1', params: { destinationDomain: -1, color: 'red' } });
    (raw.bridges[0]!.source as Record<string, unknown>).chain = 'local';
    expect(errors(raw).sort()).toEqual([
      'bridges[0].params.color: is not a parameter of preset cctp-v1 (known: sourceDomain, destinationDomain)',
      'bridges[0].params.destinationDomain: must be a CCTP domain number (Ethereum 0, Arbitrum 3, Base 6, …)',
      "bridges[0].params.sourceDomain: is required by preset cctp-v1 (the source chain's CCTP domain); no default for these chains",
    ]);
    expect(errors(base({ preset: 'erc721-lock-mint' }))).toEqual([
      'bridges[0].params.escrow: is required by preset erc721-lock-mint (the address that holds locked items on the source chain)',
    ]);
  });
  it('event and fields are refused with a preset, required without one', () => {
    const raw = base({ preset: 'across-v3' });
    (raw.bridges[0]!.source as Record<string, unknown>).event = 'event Deposit(bytes32 indexed id)';
    expect(errors(raw)).toEqual(['bridges[0].source.event: is set by preset across-v3: remove it']);
    expect(errors(base({ stuckAfter: '30m' }))).toContain('bridges[0].source.event: is required (or use a `preset`, SPEC §10)');
    expect(errors(base({ stuckAfter: '30m', params: {} }))).toContain('bridges[0].params: is only for a `preset` bridge');
  });
  it('token kinds: NFTs need no decimals and may price by tokenId; fungible tokens need decimals', () => {
    const ok = base({ preset: 'erc721-lock-mint', params: { escrow: A }, tokens: { [A]: { symbol: 'APE', kind: 'erc721', priceUsd: 10, prices: { '7': 25 } } } });
    const { config, errors: problems } = checkConfigObject(ok, { baseDir: process.cwd() });
    expect(problems).toEqual([]);
    expect(config!.bridges[0]!.tokens[A]).toEqual({ symbol: 'APE', kind: 'erc721', decimals: 0, priceUsd: 10, prices: { '7': 25 } });
    expect(errors(base({ preset: 'across-v3', tokens: { [A]: { symbol: 'USDC', priceUsd: 1 } } }))).toEqual([`bridges[0].tokens["${A}"].decimals: is required for a erc20 token`]);
    expect(errors(base({ preset: 'across-v3', tokens: { [A]: { symbol: 'USDC', decimals: 6, priceUsd: 1, prices: { '1': 2 } } } }))).toEqual([
      `bridges[0].tokens["${A}"].prices: per-tokenId prices are for erc721 and erc1155 tokens (set kind)`,
    ]);
  });
});
