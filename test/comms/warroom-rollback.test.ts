/**
 * The war-room briefing carries the allowed rollback and how to run it: the same advice the incident
 * got when its "what changed" showed an `Upgraded` of a proxy listed in `rollbacks`
 * (src/governance/rollback/advice.ts writes it). Advice that cannot be used (the proxy runs another
 * implementation, no allowance) and a rollback already done leave the briefing's line out.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createWarRoomSink } from '../../src/comms/warroom/sink.ts';
import { silentLogger } from '../../src/core/log.ts';
import { allowedRollback, ROLLBACK_ADVICE_RULE } from '../../src/core/rollback-advice.ts';
import type { Incident, TimelineEntry } from '../../src/core/types.ts';
import { createIncidentEngine } from '../../src/incidents/engine.ts';
import { listOutbox } from '../../src/store/outbox.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { commsConfig } from './fixtures.ts';

const PROXY = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const V1 = '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512';
const V2 = '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0';
const HOW = `Run it: POST /api/incidents/INC-0001/rollback {"proxy":"${PROXY}"} (write token), Discord \`/incident rollback id:INC-0001 proxy:${PROXY}\``;

/** a recommendation as the rollback advisor records it */
function advice(options: { usable: boolean; running: string; text?: string }): Omit<TimelineEntry, 'at'> {
  return {
    kind: 'recommendation',
    actor: 'firebreak',
    text: options.text ?? `Rollback allowed for drill: governance pre-authorized proxy ${PROXY} from ${V2} back to ${V1}. ${HOW}. A person decides: Firebreak never rolls back by itself.`,
    data: { rule: ROLLBACK_ADVICE_RULE, proxy: PROXY, fromImpl: V2, toImpl: V1, validUntil: 1, usable: options.usable, running: options.running },
  };
}

let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

describe('war-room briefing: the allowed rollback', () => {
  it('an incident whose advice allows a rollback opens its room with the rollback and how to run it', { timeout: 120_000 }, async () => {
    const config = commsConfig({ discord: { token: 'discord-token', channels: { ops: '201', community: '204' }, api: 'http://127.0.0.1:9' } });
    store = await createStore({ kind: 'pglite', url: 'memory://' });
    const engine = createIncidentEngine({ store, config, logger: silentLogger, sinks: [createWarRoomSink({ config })] });
    // S3 has no war room: the advice arrives first, then the incident escalates and the room opens
    const incident = await engine.declare({ title: 'Relayer stuck after an upgrade', severity: 'S3', summary: 'transfers stuck' }, 'api:ops');
    await engine.record(incident.id, [advice({ usable: true, running: V2 })]);
    expect(await listOutbox(store.db, { channelPrefix: 'warroom-discord:' })).toHaveLength(0);
    await engine.setSeverity(incident.id, 'S1', 'api:ops', 'transfers stuck for an hour');
    const rows = await listOutbox(store.db, { channelPrefix: 'warroom-discord:' });
    const briefing = rows.find((r) => r.kind === 'briefing');
    const text = JSON.stringify(briefing?.payload);
    expect(text).toContain('Allowed rollback:');
    expect(text).toContain(`back to ${V1}`);
    expect(text).toContain(`POST /api/incidents/INC-0001/rollback`);
    expect(text).toContain('never rolls back by itself');

    // an incident without the advice: its briefing has no rollback line
    const other = await engine.declare({ title: 'Relayer down', severity: 'S1', summary: 'relayer stopped' }, 'api:ops');
    const plain = (await listOutbox(store.db, { channelPrefix: 'warroom-discord:' })).find((r) => r.incidentId === other.id && r.kind === 'briefing');
    expect(plain).toBeDefined();
    expect(JSON.stringify(plain!.payload)).not.toContain('Allowed rollback');
  });

  it('no line without usable advice, for unusable advice, or once the proxy was rolled back', () => {
    const base = { timeline: [] as TimelineEntry[], governance: [] as Incident['governance'] };
    const at = '2026-01-01T00:00:00.000Z';
    expect(allowedRollback(base)).toBeNull();
    const usable = { ...advice({ usable: true, running: V2 }), at };
    expect(allowedRollback({ ...base, timeline: [usable] })).toBe(usable.text);
    // the allowance starts from V2 but the proxy runs V1 again, or there is no usable allowance
    expect(allowedRollback({ ...base, timeline: [{ ...advice({ usable: true, running: V1, text: 'cannot be used' }), at }] })).toBeNull();
    expect(allowedRollback({ ...base, timeline: [{ ...advice({ usable: false, running: V2, text: 'no usable rollback' }), at }] })).toBeNull();
    // the latest advice for a proxy counts
    expect(allowedRollback({ ...base, timeline: [usable, { ...advice({ usable: false, running: V2, text: 'used' }), at }] })).toBeNull();
    // rolled back already on this incident
    const done = [{ kind: 'rollback', outcome: 'confirmed', chain: 'ethereum', target: PROXY.toLowerCase(), txHash: '0xabc', at }] as Incident['governance'];
    expect(allowedRollback({ timeline: [usable], governance: done })).toBeNull();
  });
});
