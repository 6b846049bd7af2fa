/**
 * The benchmark's chain traffic: many drill-bridge events per transaction (depositBatch /
 * finalizeBatch), sent back to back without waiting for each receipt so that anvil mines as fast
 * as it can. Half the events are deposits, half finalizations; every 100th finalization names an
 * id that was never deposited, so 1 % of the deposits stay pending — both indexers must find
 * exactly those (a correctness check that rides along with the timing).
 */
import { type Address, encodeFunctionData, type Hex } from 'viem';
import { FirebreakError } from '../core/errors.ts';
import { loadArtifact } from '../chain/artifacts.ts';
import type { DrillBridge } from '../drill/bridge.ts';
import type { LocalChain } from '../drill/chains.ts';
import { DRILL_TOKENS } from '../drill/bridge.ts';

export interface EmitOptions {
  /** total events over both chains (half deposits, half finalizations) */
  events: number;
  /** events per transaction */
  perTx?: number;
  /** distinguishes the ids of separate runs on the same chains */
  salt?: string;
}

export interface EmittedTraffic {
  deposits: number;
  finalizations: number;
  /** deposits that no finalization matches */
  pending: number;
  source: { fromBlock: number; toBlock: number };
  destination: { fromBlock: number; toBlock: number };
  seconds: number;
}

/** Deterministic, cheap ids: salt (16 hex digits) and the index, as one bytes32. */
export function benchTransferId(salt: string, index: number): Hex {
  return `0x${salt.padStart(16, '0').slice(0, 16)}${index.toString(16).padStart(48, '0')}` as Hex;
}

/** Every `PENDING_EVERY`th deposit is never finalized (its finalization names an unknown id instead). */
export const PENDING_EVERY = 100;

const GAS_PER_EVENT = 6_000n;

export async function emitTraffic(bridge: DrillBridge, options: EmitOptions): Promise<EmittedTraffic> {
  const started = performance.now();
  const perTx = options.perTx ?? 1_000;
  const salt = options.salt ?? Date.now().toString(16);
  const orphanSalt = `f${salt}`.slice(0, 16);
  const half = Math.floor(options.events / 2);
  const sourceAbi = loadArtifact('DrillBridgeSource').abi;
  const destinationAbi = loadArtifact('DrillBridgeDestination').abi;
  const [sourceStart, destinationStart] = await Promise.all([
    bridge.source.publicClient.getBlockNumber(),
    bridge.destination.publicClient.getBlockNumber(),
  ]);

  const depositCalls: Hex[] = [];
  const finalizeCalls: Hex[] = [];
  for (let i = 0; i < half; i += perTx) {
    const n = Math.min(perTx, half - i);
    const ids: Hex[] = [];
    const tokens: Address[] = [];
    const amounts: bigint[] = [];
    const finals: Hex[] = [];
    for (let k = i; k < i + n; k++) {
      ids.push(benchTransferId(salt, k));
      const usdc = k % 2 === 0;
      tokens.push(usdc ? DRILL_TOKENS.usdc.address : DRILL_TOKENS.weth.address);
      amounts.push(usdc ? BigInt(100 + (k % 1000)) * 10n ** 6n : 10n ** 17n);
      finals.push(k % PENDING_EVERY === PENDING_EVERY - 1 ? benchTransferId(orphanSalt, k) : benchTransferId(salt, k));
    }
    depositCalls.push(encodeFunctionData({ abi: sourceAbi, functionName: 'depositBatch', args: [ids, tokens, amounts] }));
    finalizeCalls.push(encodeFunctionData({ abi: destinationAbi, functionName: 'finalizeBatch', args: [finals] }));
  }

  await Promise.all([
    sendAll(bridge.source, bridge.sourceAddress, depositCalls, perTx),
    sendAll(bridge.destination, bridge.destinationAddress, finalizeCalls, perTx),
  ]);
  const [sourceEnd, destinationEnd] = await Promise.all([
    bridge.source.publicClient.getBlockNumber(),
    bridge.destination.publicClient.getBlockNumber(),
  ]);
  return {
    deposits: half,
    finalizations: half,
    pending: Math.floor(half / PENDING_EVERY),
    source: { fromBlock: Number(sourceStart) + 1, toBlock: Number(sourceEnd) },
    destination: { fromBlock: Number(destinationStart) + 1, toBlock: Number(destinationEnd) },
    seconds: (performance.now() - started) / 1000,
  };
}

/** Send every call from the chain's dev account (anvil keeps it unlocked), then check every receipt. */
async function sendAll(chain: LocalChain, to: Address, calls: Hex[], perTx: number): Promise<void> {
  const from = chain.walletClient.account.address;
  const gas = `0x${(GAS_PER_EVENT * BigInt(perTx) + 100_000n).toString(16)}`;
  const hashes: Hex[] = [];
  for (const data of calls) {
    hashes.push((await chain.publicClient.request({ method: 'eth_sendTransaction', params: [{ from, to, data, gas }] } as never)) as Hex);
  }
  const deadline = Date.now() + 120_000;
  for (let i = 0; i < hashes.length; ) {
    const slice = hashes.slice(i, i + 200);
    const response = await fetch(chain.anvil.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(slice.map((hash, j) => ({ jsonrpc: '2.0', id: j, method: 'eth_getTransactionReceipt', params: [hash] }))),
    });
    const receipts = (await response.json()) as Array<{ id: number; result: { status: string } | null }>;
    const failed = receipts.filter((r) => r.result && r.result.status !== '0x1');
    if (failed.length > 0) {
      throw new FirebreakError(`${chain.name}: ${failed.length} benchmark transactions reverted (gas limit?)`, { code: 'bench_emit' });
    }
    if (receipts.some((r) => r.result === null)) {
      // anvil mines right after answering: wait for the last blocks
      if (Date.now() > deadline) throw new FirebreakError(`${chain.name}: benchmark transactions were not mined`, { code: 'bench_emit' });
      await new Promise((resolve) => setTimeout(resolve, 20));
      continue;
    }
    i += 200;
  }
}
