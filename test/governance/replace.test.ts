/**
 * A pause transaction that is not mined is replaced with higher fees under the SAME nonce, never
 * duplicated: on anvil with automine off, the first send sits in the pool, the deliverer signs a
 * replacement, and when a block comes exactly one pause is mined.
 */
import type { Hex } from 'viem';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log.ts';
import type { GovernanceAction, Incident, TimelineEntry } from '../../src/core/types.ts';
import { createPauseDeliverer, type SignedPause } from '../../src/governance/pause/deliverer.ts';
import type { PausePayload } from '../../src/governance/pause/sink.ts';
import { incidentIdHash } from '../../src/governance/policy.ts';
import type { OutboxRow } from '../../src/store/outbox.ts';
import { configFor, type DrillChains, startDrillChains } from '../support/drill.ts';
import { deployGovernedTarget, GUARDIAN, GUARDIAN_KEY, waitFor } from './support.ts';

let chains: DrillChains;

beforeAll(async () => {
  chains = await startDrillChains();
}, 180_000);

afterAll(async () => {
  await chains?.stop();
});

it('replaces a stuck pause transaction with higher fees, same nonce, one pause', { timeout: 240_000 }, async () => {
  const fixture = await deployGovernedTarget(chains.source);
  const config = configFor(chains.bridge, {
    patch: (raw) => {
      raw.bridges[0].pausable = fixture.target;
      raw.governance = { rollbackGovernor: { chain: 'ethereum', address: fixture.governor, signer: GUARDIAN_KEY, autoPause: [{ bridge: 'drill', minSeverity: 'S1' }] } };
    },
  });
  // the incident side, in memory: what the deliverer records
  const incident = { id: 'INC-0042', governance: [] as GovernanceAction[], timeline: [] as TimelineEntry[] } as unknown as Incident;
  const recorder = {
    get: async () => incident,
    record: async (_id: string, entries: Array<Omit<TimelineEntry, 'at'>>, patch?: (i: Incident) => Incident) => {
      const patched = patch ? patch(incident) : incident;
      incident.governance = patched.governance;
      incident.timeline.push(...entries.map((e) => ({ ...e, at: new Date().toISOString() })));
      return incident;
    },
  };
  const payload: PausePayload = {
    incidentId: incident.id,
    chain: 'ethereum',
    governor: fixture.governor,
    target: fixture.target,
    bridge: 'drill',
    incidentIdHash: incidentIdHash(incident.id),
    dryRun: false,
    summary: 'pause',
  };
  const row = { id: 1, key: 'INC-0042:pause:drill', incidentId: incident.id, channel: 'governor:pause', kind: 'pause', payload, status: 'sending', attempts: 1, result: null } as unknown as OutboxRow;
  const states: SignedPause[] = [];
  const nonceBefore = await chains.source.publicClient.getTransactionCount({ address: GUARDIAN, blockTag: 'latest' });
  const deliverer = createPauseDeliverer({ config, engine: recorder, logger: silentLogger, replaceAfterMs: 1_500, maxReplacements: 20, pollMs: 100 });

  await chains.source.testClient.setAutomine(false);
  try {
    const delivery = deliverer.deliver(row, { logger: silentLogger, progress: async (state) => void states.push(state as SignedPause) });
    delivery.catch(() => {}); // awaited below
    await waitFor('a replacement to be signed', async () => states.length >= 2);
    // the replacement reached the node's pool before a block is mined
    await waitFor('the replacement in the pool', async () => chains.source.publicClient.getTransaction({ hash: states[1]!.hash }).then(() => true, () => false));
    await chains.source.testClient.mine({ blocks: 1 });
    const result = (await delivery) as { txHash: Hex; status: string };
    expect(result.status).toBe('confirmed');
    // every signature shares the first nonce; each replacement remembers the hashes before it
    for (const state of states) expect(state.nonce).toBe(states[0]!.nonce);
    expect(states[1]!.hashes).toEqual([states[0]!.hash, states[1]!.hash]);
    // a replacement was mined, not the stuck original, and only one of them
    const hashes = states.map((state) => state.hash);
    expect(hashes.slice(1)).toContain(result.txHash);
    for (const hash of hashes.filter((h) => h !== result.txHash)) await expect(chains.source.publicClient.getTransactionReceipt({ hash })).rejects.toThrow();
    expect(await chains.source.publicClient.getTransactionCount({ address: GUARDIAN, blockTag: 'latest' })).toBe(nonceBefore + 1);
    expect(await fixture.paused()).toBe(true);
    expect(incident.governance.filter((g) => g.outcome === 'confirmed').map((g) => g.txHash)).toEqual([result.txHash]);
  } finally {
    await chains.source.testClient.setAutomine(true);
  }
});
