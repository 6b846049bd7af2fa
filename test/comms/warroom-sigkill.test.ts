/**
 * SIGKILL of a Firebreak process after Discord made the war-room thread and before the outbox
 * recorded it; a restart on the same PGlite directory finds that thread among the guild's active
 * threads (parent = ops, name starting with the incident id) instead of creating a second one, and
 * the briefing lands in it once.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDiscordDeliverer } from '../../src/comms/discord/deliver.ts';
import { createWarRoomDiscordDeliverer } from '../../src/comms/warroom/discord.ts';
import { silentLogger } from '../../src/core/log.ts';
import { createDeliveryWorker } from '../../src/delivery/worker.ts';
import { listOutbox } from '../../src/store/outbox.ts';
import { createStore } from '../../src/store/store.ts';
import { type DiscordStandin, startDiscordStandin } from '../../src/drill/standins/discord.ts';
import { crashConfig } from './crash-config.ts';
import { until as waitUntil } from '../support/wait.ts';

const NODE = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));
const CHILD = fileURLToPath(new URL('./warroom-crash-child.ts', import.meta.url));

/** this file's conditions get three minutes on a busy machine */
const until = <T,>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 180_000) => waitUntil(what, probe, timeoutMs);

let standin: DiscordStandin;
let dir: string;
beforeAll(async () => {
  standin = await startDiscordStandin();
  dir = mkdtempSync(join(tmpdir(), 'firebreak-warroom-sigkill-'));
});
afterAll(async () => {
  await standin.close();
  rmSync(dir, { recursive: true, force: true });
});

it('SIGKILL between creating the thread and recording it, restart: still one thread, the briefing in it once', async () => {
  standin.holdResponses = true;
  const child = spawn(NODE, [CHILD, dir, standin.api, standin.token], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  try {
    await until(`the child to create the thread (output: ${output})`, () => output.includes('queued') && standin.threads.length >= 1);
  } finally {
    child.kill('SIGKILL');
  }
  expect(await exited).toBe('SIGKILL');
  standin.holdResponses = false;
  expect(standin.threads).toHaveLength(1);
  const made = standin.threads[0]!;
  expect(made.parent_id).toBe('201');
  expect(made.name).toMatch(/^INC-0001 · S1 · Relayer down$/);

  const config = crashConfig(standin.api, standin.token);
  const store = await createStore({ kind: 'pglite', url: dir });
  try {
    const before = await listOutbox(store.db, { channelPrefix: 'warroom-discord:' });
    const open = before.find((r) => r.kind === 'room-open')!;
    // the thread exists on Discord, the outbox does not know it
    expect(open.status).toBe('sending');
    expect(open.result).toBeNull();
    const worker = createDeliveryWorker({
      db: store.db,
      deliverers: [createDiscordDeliverer({ config: config.discord!, db: store.db }), createWarRoomDiscordDeliverer({ config: config.discord!, db: store.db })],
      logger: silentLogger,
      owner: 'restart',
    });
    const rows = await until('every war-room row sent after the restart', async () => {
      await worker.drain();
      const current = await listOutbox(store.db, { channelPrefix: 'warroom-discord:' });
      return current.every((r) => r.status === 'sent') ? current : undefined;
    });
    expect(standin.threads).toHaveLength(1);
    expect(rows.find((r) => r.kind === 'room-open')!.result).toEqual({ threadId: made.id, found: true });
    const briefings = standin.inChannel(made.id).filter((m) => m.embeds[0]?.title?.startsWith('🧭 War room'));
    expect(briefings).toHaveLength(1);
    // one creation request in all: the restart looked the thread up instead of making another
    expect(standin.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/threads'))).toHaveLength(1);
  } finally {
    await store.close();
  }
}, 300_000);
