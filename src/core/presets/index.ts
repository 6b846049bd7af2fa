/**
 * The preset registry (SPEC §10): names are fixed; one file per preset.
 */
import { acrossV3 } from './across-v3.ts';
import { ccipV16 } from './ccip-v1-6.ts';
import { cctpV1 } from './cctp-v1.ts';
import { erc721LockMint } from './erc721-lock-mint.ts';
import { layerzeroOft } from './layerzero-oft.ts';
import { layerzeroOnft721 } from './layerzero-onft721.ts';
import type { Preset } from './model.ts';
import { opStackDeposits } from './op-stack-deposits.ts';
import { opStackWithdrawals } from './op-stack-withdrawals.ts';
import { wormholeTokenBridge } from './wormhole-token-bridge.ts';

export const PRESETS: Readonly<Record<string, Preset>> = Object.fromEntries(
  [acrossV3, cctpV1, layerzeroOft, layerzeroOnft721, ccipV16, opStackDeposits, opStackWithdrawals, wormholeTokenBridge, erc721LockMint].map((p) => [p.name, p]),
);

export function presetNamed(name: string): Preset | undefined {
  return Object.hasOwn(PRESETS, name) ? PRESETS[name] : undefined;
}

export type { Preset } from './model.ts';
