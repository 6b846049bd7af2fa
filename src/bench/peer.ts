/**
 * The peer: the same bridge indexed by Ponder (a dev dependency of the benchmark only), the way a
 * team would build this on Ponder: a deposits table and a finalizations table filled by indexing
 * functions, its default PGlite store, and the pending set (deposits without a finalization)
 * queried over its HTTP API at the end. It runs as its own process with a project generated in a
 * temporary directory; the clock runs from spawning it to the pending count arriving, which is
 * what a user waits for (ours is timed the same way: `firebreak scan` as a process, start to result).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../chain/anvil.ts';
import type { DrillBridge } from '../drill/bridge.ts';
import type { EmittedTraffic } from './emit.ts';

export type PeerResult =
  | { name: string; available: true; version: string; events: number; seconds: number; logsPerSec: number; pendingFound: number }
  | { name: string; available: false; reason: string };

const NAME = 'ponder';

function ponderEntry(): { bin: string; version: string; modules: string } | undefined {
  try {
    // its exports map hides package.json: find the package folder from its entry point
    let dir = dirname(fileURLToPath(import.meta.resolve('ponder')));
    while (!existsSync(join(dir, 'package.json')) || JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== 'ponder') {
      if (dirname(dir) === dir) return undefined;
      dir = dirname(dir);
    }
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string; bin: { ponder: string } };
    // the project folder must resolve ponder, viem and hono the way an app's node_modules would
    return { bin: join(dir, pkg.bin.ponder), version: pkg.version, modules: resolve(dir, '..') };
  } catch {
    return undefined;
  }
}

function projectFiles(bridge: DrillBridge): Record<string, string> {
  const chain = (name: string, id: number, url: string) =>
    `    ${name}: { id: ${id}, rpc: http(${JSON.stringify(url)}, { maxResponseBodySize: false }), disableCache: true },`;
  return {
    'package.json': JSON.stringify({ name: 'bench-peer', private: true, type: 'module' }),
    'ponder.config.ts': `import { createConfig } from 'ponder';
import { http } from 'viem';

export default createConfig({
  database: { kind: 'pglite', directory: './.ponder/pglite' },
  chains: {
${chain('source', bridge.source.chain.id, bridge.source.anvil.url)}
${chain('destination', bridge.destination.chain.id, bridge.destination.anvil.url)}
  },
  contracts: {
    Source: {
      chain: 'source',
      address: '${bridge.sourceAddress}',
      startBlock: 0,
      abi: [{ type: 'event', name: 'Deposit', inputs: [
        { name: 'transferId', type: 'bytes32', indexed: true },
        { name: 'sender', type: 'address', indexed: true },
        { name: 'token', type: 'address', indexed: false },
        { name: 'amount', type: 'uint256', indexed: false },
      ] }] as const,
    },
    Destination: {
      chain: 'destination',
      address: '${bridge.destinationAddress}',
      startBlock: 0,
      abi: [{ type: 'event', name: 'Finalized', inputs: [{ name: 'transferId', type: 'bytes32', indexed: true }] }] as const,
    },
  },
});
`,
    'ponder.schema.ts': `import { onchainTable } from 'ponder';

export const deposit = onchainTable('deposit', (t) => ({
  id: t.hex().primaryKey(),
  token: t.hex().notNull(),
  amount: t.bigint().notNull(),
  timestamp: t.bigint().notNull(),
}));

export const finalization = onchainTable('finalization', (t) => ({
  id: t.hex().primaryKey(),
  timestamp: t.bigint().notNull(),
}));
`,
    'src/index.ts': `import { ponder } from 'ponder:registry';
import { deposit, finalization } from 'ponder:schema';

ponder.on('Source:Deposit', async ({ event, context }) => {
  await context.db
    .insert(deposit)
    .values({ id: event.args.transferId, token: event.args.token, amount: event.args.amount, timestamp: event.block.timestamp })
    .onConflictDoNothing();
});

ponder.on('Destination:Finalized', async ({ event, context }) => {
  await context.db.insert(finalization).values({ id: event.args.transferId, timestamp: event.block.timestamp }).onConflictDoNothing();
});
`,
    'src/api/index.ts': `import { db } from 'ponder:api';
import { deposit, finalization } from 'ponder:schema';
import { Hono } from 'hono';
import { count, eq, isNull } from 'ponder';

const app = new Hono();

app.get('/pending', async (c) => {
  const [row] = await db
    .select({ pending: count() })
    .from(deposit)
    .leftJoin(finalization, eq(deposit.id, finalization.id))
    .where(isNull(finalization.id));
  return c.json({ pending: Number(row?.pending ?? 0) });
});

export default app;
`,
  };
}

async function getJson(url: string): Promise<{ status: number; body: unknown } | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body };
  } catch {
    return undefined;
  }
}

export async function benchPeer(options: {
  bridge: DrillBridge;
  traffic: EmittedTraffic;
  timeoutMs?: number;
  keepProject?: boolean;
}): Promise<PeerResult> {
  const entry = ponderEntry();
  if (!entry) return { name: NAME, available: false, reason: 'ponder is not installed (it is a dev dependency of the benchmark)' };
  // Ponder indexes only blocks deeper than its finality depth (30 for these chain ids): make sure all are
  const depth = 31;
  await Promise.all([options.bridge.source.mine(depth), options.bridge.destination.mine(depth)]);

  const dir = mkdtempSync(join(tmpdir(), 'firebreak-bench-ponder-'));
  for (const [file, text] of Object.entries(projectFiles(options.bridge))) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  if (!existsSync(join(dir, 'node_modules'))) symlinkSync(entry.modules, join(dir, 'node_modules'), 'dir');
  const port = await freePort();
  const events = options.traffic.deposits + options.traffic.finalizations;
  let stderr = '';
  let child: ChildProcess | undefined;
  const started = performance.now();
  try {
    child = spawn(
      process.execPath,
      [entry.bin, '--root', dir, '--log-format', 'json', '--log-level', 'warn', 'start', '--port', String(port), '--schema', 'bench'],
      { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DATABASE_URL: '', NODE_ENV: 'production' } },
    );
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    const deadline = Date.now() + (options.timeoutMs ?? 600_000);
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        return { name: NAME, available: false, reason: `ponder exited with code ${child.exitCode}: ${lastLine(stderr)}` };
      }
      const ready = await getJson(`http://127.0.0.1:${port}/ready`);
      if (ready?.status === 200) {
        const answer = await getJson(`http://127.0.0.1:${port}/pending`);
        const pending = (answer?.body as { pending?: number } | undefined)?.pending;
        if (answer?.status === 200 && typeof pending === 'number') {
          const seconds = (performance.now() - started) / 1000;
          return { name: NAME, available: true, version: entry.version, events, seconds, logsPerSec: events / seconds, pendingFound: pending };
        }
        return { name: NAME, available: false, reason: `ponder's pending query failed (HTTP ${answer?.status ?? 'no answer'}): ${lastLine(stderr)}` };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return { name: NAME, available: false, reason: `ponder did not finish indexing within ${(options.timeoutMs ?? 600_000) / 1000} s: ${lastLine(stderr)}` };
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child!.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    if (!options.keepProject) rmSync(dir, { recursive: true, force: true });
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n').filter(Boolean);
  return (lines[lines.length - 1] ?? 'no output').slice(0, 300);
}
