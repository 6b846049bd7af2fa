/**
 * SIGKILL of a Firebreak process in the middle of delivering (Discord made the message, our record
 * of it never happened; other messages still only queued), then a restart on the same PGlite
 * directory: every message arrives exactly once (the resend carries the same nonce with
 * enforce_nonce, so Discord returns the message it already made).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDiscordDeliverer } from '../../src/comms/discord/deliver.ts';
import { silentLogger } from '../../src/core/log.ts';
import { createDeliveryWorker } from '../../src/delivery/worker.ts';
import { listOutbox } from '../../src/store/outbox.ts';
import { createStore } from '../../src/store/store.ts';
import { type DiscordStandin, startDiscordStandin } from '../../src/drill/standins/discord.ts';
import { crashConfig } from './crash-config.ts';
import { until as waitUntil } from '../support/wait.ts';

const NODE = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));
const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

/** this file's conditions get three minutes on a busy machine */
const until = <T,>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 180_000) => waitUntil(what, probe, timeoutMs);

let standin: DiscordStandin;
let dir: string;
beforeAll(async () => {
  standin = await startDiscordStandin();
  dir = mkdtempSync(join(tmpdir(), 'firebreak-sigkill-'));
});
afterAll(async () => {
  await standin.close();
  rmSync(dir, { recursive: true, force: true });
});

it('SIGKILL mid-delivery, restart: each message arrives exactly once', async () => {
  standin.holdResponses = true;
  const child = spawn(NODE, [CHILD, dir, standin.api, standin.token], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  try {
    await until(`the child to queue and start sending (output: ${output})`, () => output.includes('queued') && standin.messages.length >= 1);
  } finally {
    child.kill('SIGKILL');
  }
  expect(await exited).toBe('SIGKILL');
  standin.holdResponses = false;
  // each channel's head row was in flight (channels are sent concurrently): Discord made those
  const madeBeforeCrash = standin.messages.map((m) => ({ id: m.id, nonce: m.nonce }));
  expect(madeBeforeCrash.length).toBeGreaterThanOrEqual(1);

  const config = crashConfig(standin.api, standin.token);
  const store = await createStore({ kind: 'pglite', url: dir });
  try {
    const before = await listOutbox(store.db, { channelPrefix: 'discord:' });
    const inFlight = before.filter((r) => r.status === 'sending');
    expect(inFlight).toHaveLength(madeBeforeCrash.length);
    expect(before.filter((r) => r.status === 'pending').length).toBeGreaterThan(1);
    const worker = createDeliveryWorker({ db: store.db, deliverers: [createDiscordDeliverer({ config: config.discord!, db: store.db })], logger: silentLogger, owner: 'restart' });
    const rows = await until('every Discord row sent after the restart', async () => {
      await worker.drain();
      const current = await listOutbox(store.db, { channelPrefix: 'discord:' });
      return current.every((r) => r.status === 'sent' || r.status === 'skipped') ? current : undefined;
    });
    const sent = rows.filter((r) => r.status === 'sent');
    expect(standin.messages).toHaveLength(sent.length);
    expect(new Set(standin.messages.map((m) => m.nonce)).size).toBe(sent.length);
    // the rows that died mid-send were resent and got back the messages Discord had already made
    for (const row of inFlight) {
      const resent = rows.find((r) => r.id === row.id)!;
      const made = madeBeforeCrash.find((m) => m.nonce === (row.payload as { nonce: string }).nonce)!;
      expect((resent.result as { messageId: string }).messageId).toBe(made.id);
    }
  } finally {
    await store.close();
  }
}, 300_000);
