/**
 * `firebreak start` and `firebreak status` as users run them: start holds the embedded store,
 * status asks the running service, refuses to open a store another process holds, reads it when
 * nobody does, and start stops cleanly on SIGTERM.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/core/types.ts';
import { freePort, type StartedService, startServiceProcess } from '../incidents/start-process.ts';
import { loadConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/core/log.ts';
import { createIncidentEngine } from '../../src/incidents/engine.ts';
import { createStore } from '../../src/store/store.ts';
import { runCli } from '../support/cli.ts';
import { createTestDatabase } from '../support/postgres.ts';
import { requirePostgres } from '../support/requires.ts';

const WRITE = 'write-token-0123456789';
const cli = (args: string[]) => runCli(args, { timeoutMs: 180_000 });
const READ = 'read-token-0123456789ab';

function writeConfig(dir: string, name: string, port: number, storage: string): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    stringify({
      dataDir: join(dir, 'data'),
      storage: { url: storage },
      server: {
        host: '127.0.0.1',
        port,
        apiTokens: [
          { name: 'ops', token: WRITE, scope: 'write' },
          { name: 'viewer', token: READ, scope: 'read' },
        ],
      },
      // the IPFS mirror is not what these tests are about (and its default port is shared by every test)
      ipfs: { enabled: false },
      // nothing answers there: the chains are unobservable, which is fine for these tests
      chains: {
        ethereum: { chainId: 1, rpc: ['http://127.0.0.1:9'], pollIntervalMs: 60_000 },
        arbitrum: { chainId: 42161, rpc: ['http://127.0.0.1:9'], pollIntervalMs: 60_000 },
      },
      bridges: [
        {
          id: 'acme',
          stuckAfter: '30m',
          source: {
            chain: 'ethereum',
            address: '0x3ee18b2214aff97000d974cf647e7c347e8fa585',
            event: 'event TokensLocked(uint64 indexed nonce, address token, uint256 amount)',
            fields: { id: 'nonce', amount: 'amount' },
          },
          destination: {
            chain: 'arbitrum',
            address: '0x8eb8a3b98659cce290402893d0123abb75e3ab28',
            event: 'event TokensReleased(uint64 indexed nonce)',
            fields: { id: 'nonce' },
          },
          defaultToken: { symbol: 'USDC', decimals: 6, priceUsd: 1 },
        },
      ],
    }),
  );
  return file;
}

let dir: string;
let configFile: string;
let otherPortConfig: string;
let service: StartedService | undefined;
let declared: Incident;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'firebreak-start-'));
  const db = join(dir, 'data', 'db');
  configFile = writeConfig(dir, 'firebreak.yaml', await freePort(), `pglite://${db}`);
  // same store, a port where nothing listens: "the service does not answer"
  otherPortConfig = writeConfig(dir, 'other.yaml', await freePort(), `pglite://${db}`);
  service = await startServiceProcess(configFile);
  const response = await fetch(`${service.url}/api/incidents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${WRITE}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Relayer wallet empty', severity: 'S1', summary: 'gas ran out' }),
  });
  expect(response.status).toBe(201);
  declared = (await response.json()) as Incident;
}, 240_000);

afterAll(async () => {
  if (service && service.child.exitCode === null && service.child.signalCode === null) await service.signal('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

// each step spawns the CLI (a few seconds, much more on a busy machine)
describe('firebreak start / status', () => {
  it('start and status are commands now', async () => {
    const help = await cli(['--help']);
    expect(help.stdout).toMatch(/\n\s+start\s/);
    expect(help.stdout).toMatch(/\n\s+status\s/);
    expect(help.stdout).not.toMatch(/not in this build yet:.*\bstart\b/);
  }, 240_000);

  it('status asks the running service (human table and --json)', async () => {
    const json = await cli(['status', '--json', '-c', configFile]);
    expect(json.code, json.stderr).toBe(0);
    const incidents = JSON.parse(json.stdout) as Incident[];
    expect(incidents.map((i) => i.id)).toContain(declared.id);
    expect(incidents.find((i) => i.id === declared.id)).toMatchObject({ severity: 'S1', status: 'investigating' });

    const human = await cli(['status', '-c', configFile]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`from service ${service!.url}`);
    expect(human.stdout).toMatch(new RegExp(`${declared.id}\\s+S1\\s+investigating`));
    expect(human.stdout).toContain('Relayer wallet empty');
  }, 240_000);

  it('refuses to open the embedded store that the running service holds', async () => {
    const result = await cli(['status', '-c', otherPortConfig]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/holds the embedded store/);
    expect(result.stderr).toMatch(/pid \d+/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 240_000);

  it('a second start on the same embedded store refuses instead of corrupting it', async () => {
    const result = await cli(['start', '-c', otherPortConfig]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/in use by firebreak start \(pid \d+\)/);
  }, 240_000);

  it('stops cleanly on SIGTERM; then status reads the store itself', async () => {
    const code = await service!.signal('SIGTERM');
    expect(code).toBe(0);
    expect(service!.stderr()).toContain('"msg":"stopped"');
    expect(existsSync(join(dir, 'data', 'db.pid'))).toBe(false);

    const json = await cli(['status', '--json', '-c', configFile]);
    expect(json.code, json.stderr).toBe(0);
    const incidents = JSON.parse(json.stdout) as Incident[];
    expect(incidents.find((i) => i.id === declared.id)).toMatchObject({ title: 'Relayer wallet empty', severity: 'S1' });
    const human = await cli(['status', '-c', configFile]);
    expect(human.stdout).toContain('pglite store (no service answered)');
    expect(existsSync(join(dir, 'data', 'db.pid'))).toBe(false);
  }, 240_000);

  it('PostgreSQL: with no service, status reads the store (several processes may share it)', async (ctx) => {
    if (!(await requirePostgres('firebreak status on PostgreSQL (test/cli/start-status.test.ts)'))) return ctx.skip();
    const database = await createTestDatabase('firebreak_status');
    try {
      const file = writeConfig(dir, 'postgres.yaml', await freePort(), database.url);
      const config = loadConfig(file).config;
      const store = await createStore(config.storage);
      try {
        await createIncidentEngine({ store, config, logger: silentLogger }).declare({ title: 'Stored in PostgreSQL', severity: 'S2' }, 'test');
      } finally {
        await store.close();
      }
      const result = await cli(['status', '--json', '-c', file]);
      expect(result.code, result.stderr).toBe(0);
      expect((JSON.parse(result.stdout) as Incident[]).map((i) => i.title)).toEqual(['Stored in PostgreSQL']);
    } finally {
      await database.drop();
    }
  }, 240_000);

  it('an in-memory store with no service: a clear message', async () => {
    const file = writeConfig(dir, 'memory.yaml', await freePort(), 'pglite://memory');
    const result = await cli(['status', '-c', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no service answers at http:\/\/127\.0\.0\.1:\d+ and the store is in memory/);
  }, 240_000);
});
