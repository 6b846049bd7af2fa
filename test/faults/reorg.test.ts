/**
 * Fault injection, reorgs deeper than `confirmations` under a running service (anvil_reorg on the
 * drill's source chain, confirmations 2): deposits the watcher had already read vanish from the
 * canonical chain. No phantom: transfers that no longer exist never become stuck, never open an
 * incident, and an incident that counted them has its impact corrected by the next reading.
 * Nothing lost: the deposits made again on the new fork are seen and counted.
 */
import type { Hex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Service, startService } from '../../src/app/service.ts';
import { silentLogger } from '../../src/core/log.ts';
import type { Incident } from '../../src/core/types.ts';
import { DRILL_TOKENS, type DrillTransfer, transferIdFor } from '../../src/drill/bridge.ts';
import type { LocalChain } from '../../src/drill/chains.ts';
import { SEED, seedStuckBridge } from '../../src/drill/seed.ts';
import type { BridgeJudgement } from '../../src/watchers/bridge.ts';
import { configFor, type DrillChains, startDrillChains } from '../support/drill.ts';
import { held } from '../support/faults.ts';
import { getCheckpoints } from '../../src/store/checkpoints.ts';
import { until } from '../support/wait.ts';

const CONFIRMATIONS = 2;
const HOUR = 3600;

function usdc(seed: string, count: number, dollars: number): DrillTransfer[] {
  return Array.from({ length: count }, (_, i) => ({ id: transferIdFor(seed, i), token: DRILL_TOKENS.usdc.address, amount: BigInt(dollars) * 10n ** 6n }));
}

describe('fault: reorgs deeper than confirmations', () => {
  let chains: DrillChains;
  let service: Service;

  beforeAll(async () => {
    chains = await startDrillChains();
    const config = configFor(chains.bridge, { confirmations: CONFIRMATIONS, stuckAfter: '30m' });
    service = await startService({ config, logger: silentLogger, listen: false, tickMs: 3_600_000 });
  }, 180_000);
  afterAll(async () => {
    await service?.stop();
    await chains?.stop();
  });

  async function blockOf(chain: LocalChain, tx: Hex): Promise<bigint> {
    return (await chain.publicClient.getTransactionReceipt({ hash: tx })).blockNumber;
  }

  /** replace every block from `fromBlock` to the head with empty ones (a reorg `depth` deep) */
  async function reorgFrom(chain: LocalChain, fromBlock: bigint): Promise<number> {
    const head = await chain.publicClient.getBlockNumber();
    const depth = Number(head - fromBlock + 1n);
    expect(depth).toBeGreaterThan(CONFIRMATIONS);
    await chain.testClient.request({ method: 'anvil_reorg' as never, params: [depth, []] as never });
    return depth;
  }

  function judgement(): BridgeJudgement | undefined {
    return service.watch.judgements().find((j) => j.id === 'drill');
  }

  /**
   * Move the source chain `seconds` on, confirm it, and wait for the service's reading of it: the
   * deposits checkpoint on a canonical block at or above it, then two judgements made after that.
   * (Block time is no guide: anvil_reorg can mine the new fork with earlier timestamps.)
   */
  async function passAndRead(seconds: number): Promise<BridgeJudgement> {
    await chains.source.advance(seconds);
    const target = await chains.source.publicClient.getBlock();
    await chains.source.mine(CONFIRMATIONS + 1);
    await chains.destination.mine(1);
    await until(`the deposits read up to block ${target.number} of the canonical chain`, async () => {
      const point = (await getCheckpoints(service.store.db, 'ethereum')).find((c) => c.source === 'bridge:drill:source');
      if (!point || point.blockNumber < Number(target.number)) return false;
      return (await chains.source.publicClient.getBlock({ blockNumber: BigInt(point.blockNumber) })).hash === point.blockHash;
    });
    let seen = judgement();
    for (let fresh = 0; fresh < 2; fresh++) {
      const previous = seen;
      seen = await until('a fresh judgement', async () => {
        const now = judgement();
        return now && now !== previous ? now : undefined;
      });
    }
    return seen!;
  }

  async function incidents(): Promise<Incident[]> {
    return service.engine.list({ status: 'all', limit: 100 });
  }

  async function stuckIncident(expected: { stuck: number; usd: number }): Promise<Incident> {
    let seen = '';
    try {
      return await until(`the incident showing ${expected.stuck} stuck / $${expected.usd}`, async () => {
        const open = (await incidents()).filter((i) => i.key === 'bridge:drill:stuck');
        seen = JSON.stringify(open.map((i) => i.impact));
        return open.length === 1 && open[0]!.impact.stuckTransfers === expected.stuck && open[0]!.impact.lockedUsd === expected.usd ? open[0] : undefined;
      });
    } catch (error) {
      throw new Error(`${(error as Error).message}; last seen: ${seen}`);
    }
  }

  it('deposits read and then reorged out never become stuck: no phantom incident; one made again is seen', async () => {
    const deposits = usdc('reorged-before-stuck', 3, 1_000);
    const depositBlock = await blockOf(chains.source, await chains.bridge.deposit(deposits));
    await chains.source.mine(CONFIRMATIONS + 1);
    // the watcher has read them (pending, not stuck yet)
    await until('the three deposits read as pending', async () => judgement()?.pending === 3);

    const depth = await reorgFrom(chains.source, depositBlock);
    // an hour later they would be stuck, if they still existed
    const afterReorg = await passAndRead(HOUR);
    expect(afterReorg.pending).toBe(0);
    expect(afterReorg.stuck).toBe(0);
    expect(await incidents()).toHaveLength(0);

    // the first of them is made again on the new fork: seen, and stuck an hour later
    const again = deposits[0]!;
    await chains.bridge.deposit([again]);
    const later = await passAndRead(HOUR);
    expect(later.transfers.map((t) => t.id)).toEqual([again.id]);
    expect(later.stuck).toBe(1);
    const incident = await stuckIncident({ stuck: 1, usd: 1_000 });
    expect(incident.peakImpact.stuckTransfers).toBe(1);
    expect(await incidents()).toHaveLength(1);
    held(
      `reorg ${depth} blocks deep (confirmations ${CONFIRMATIONS}) removing 3 deposits the watcher had read`,
      'they never became stuck and opened no incident; the one deposited again on the new fork was seen (1 stuck, $1,000)',
    );
  }, 240_000);

  it('an open incident that counted reorged-out deposits is corrected by the next reading; deposits made again are counted', async () => {
    // the seed case on top: 37 more stuck, $40,000 (the earlier transfer is 12 h older too)
    const seeded = await seedStuckBridge(chains.bridge, CONFIRMATIONS);
    // its 5 fresh transfers complete, so that the hours passed below make only our deposits stuck
    await chains.bridge.finalize(seeded.fresh.map((t) => t.id));
    await chains.destination.mine(CONFIRMATIONS + 1);
    await stuckIncident({ stuck: SEED.stuck + 1, usd: SEED.lockedUsd + 1_000 });

    const extra = usdc('reorged-after-stuck', 4, 2_500);
    const depositBlock = await blockOf(chains.source, await chains.bridge.deposit(extra));
    await passAndRead(HOUR);
    const counted = await stuckIncident({ stuck: SEED.stuck + 1 + 4, usd: SEED.lockedUsd + 1_000 + 10_000 });
    expect(counted.peakImpact.lockedUsd).toBe(51_000);

    // the four deposits vanish; two of them are made again on the new fork
    const depth = await reorgFrom(chains.source, depositBlock);
    await chains.bridge.deposit(extra.slice(0, 2));
    const reading = await passAndRead(HOUR);
    const ids = reading.transfers.map((t) => t.id);
    expect(ids).toEqual(expect.arrayContaining(extra.slice(0, 2).map((t) => t.id)));
    for (const gone of extra.slice(2)) expect(ids).not.toContain(gone.id);
    expect(reading.stuck).toBe(SEED.stuck + 1 + 2);

    const corrected = await stuckIncident({ stuck: SEED.stuck + 1 + 2, usd: SEED.lockedUsd + 1_000 + 5_000 });
    expect(corrected.status).not.toBe('resolved');
    // the same incident, corrected in place: never a second one
    expect(corrected.id).toBe(counted.id);
    // the only incident, corrected in place: neither the reorg nor the seed's completed transfers
    // (released while their deposits were being read) may read as an unbacked release
    expect((await incidents()).filter((i) => i.source !== 'manual').map((i) => i.key)).toEqual(['bridge:drill:stuck']);
    held(
      `reorg ${depth} blocks deep removing 4 stuck deposits ($10,000) counted by the open S1 incident, 2 made again on the new fork`,
      `the same incident corrected by the next reading to ${SEED.stuck + 3} stuck / $46,000; the 2 vanished transfers gone, the 2 made again counted; no second incident`,
    );
  }, 300_000);
});
