/**
 * A Firebreak process for the war-room SIGKILL test: opens the PGlite store in argv[2], declares an
 * S1 incident (its room and messages are queued in the same transaction), prints `queued`, then
 * delivers to the Discord stand-in at argv[3] until it is killed. Run with Node 24 (type stripping).
 */
import { createDiscordDeliverer } from '../../src/comms/discord/deliver.ts';
import { createCommsSink } from '../../src/comms/sink.ts';
import { createWarRoomDiscordDeliverer } from '../../src/comms/warroom/discord.ts';
import { createWarRoomSink } from '../../src/comms/warroom/sink.ts';
import { silentLogger } from '../../src/core/log.ts';
import { createDeliveryWorker } from '../../src/delivery/worker.ts';
import { createIncidentEngine } from '../../src/incidents/engine.ts';
import { createStore } from '../../src/store/store.ts';
import { crashConfig } from './crash-config.ts';

const [dir, api, token] = process.argv.slice(2) as [string, string, string];
const config = crashConfig(api, token);
const store = await createStore({ kind: 'pglite', url: dir });
const engine = createIncidentEngine({ store, config, logger: silentLogger, sinks: [createCommsSink({ config }), createWarRoomSink({ config })] });
await engine.declare({ title: 'Relayer down', severity: 'S1', summary: 'relayer stopped' }, 'api:ops');
process.stdout.write('queued\n');
const worker = createDeliveryWorker({
  db: store.db,
  deliverers: [createDiscordDeliverer({ config: config.discord!, db: store.db }), createWarRoomDiscordDeliverer({ config: config.discord!, db: store.db })],
  logger: silentLogger,
  owner: 'child',
  // a short claim so that the restarted process may resend the row this one died sending
  claimMs: 1_000,
});
worker.start();
setInterval(() => {}, 60_000);
