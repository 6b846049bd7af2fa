/**
 * The service with the comms integration on a PGlite directory, as a child process that the crash
 * test kills with SIGKILL and starts again. Protocol on stdout, one line each:
 *   `declared <id>` after declaring (when DECLARE=1), then `drained <json rows>` whenever no
 *   telegram/pagerduty row is open any more.
 */
import { startService } from '../../src/app/service.ts';
import { createCommsIntegration } from '../../src/comms/integration.ts';
import { silentLogger } from '../../src/core/log.ts';
import { listOutbox } from '../../src/store/outbox.ts';
import { testConfig } from './telegram-harness.ts';

const env = process.env;
const config = testConfig((raw) => {
  raw.storage = { url: `pglite://${env.DB_DIR}` };
  raw.telegram = { token: env.TG_TOKEN, apiRoot: env.TG_API_ROOT, chats: { ops: '-100200', community: '@crash_status' }, allowedUserIds: [] };
  raw.oncall = { pagerduty: { eventsUrl: env.PD_URL }, tiers: [{ name: 'primary', pagerduty: env.PD_KEY }] };
});
const service = await startService({ config, logger: silentLogger, listen: false, tickMs: 3_600_000, integrations: [createCommsIntegration] });
if (env.DECLARE === '1') {
  const incident = await service.engine.declare({ title: 'Crash drill', severity: 'S1', summary: 'killed mid-delivery' }, 'test');
  process.stdout.write(`declared ${incident.id}\n`);
}
setInterval(async () => {
  const rows = (await listOutbox(service.store.db)).filter((r) => r.channel.startsWith('telegram:') || r.channel.startsWith('pagerduty:'));
  if (rows.length > 0 && rows.every((r) => r.status === 'sent' || r.status === 'skipped' || r.status === 'failed')) {
    process.stdout.write(`drained ${JSON.stringify(rows.map((r) => ({ key: r.key, status: r.status, channel: r.channel, text: (r.payload as { text?: string }).text ?? null })))}\n`);
  }
}, 250);
