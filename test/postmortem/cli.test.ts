/**
 * `firebreak postmortem`, `anchor` and `verify` as a user runs them (child processes, a config file
 * pointing at anvil): from the store when no service runs, through the API when one does.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMirrorIntegration } from '../../src/mirror/integration.ts';
import { keccak256 } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Service, startService } from '../../src/app/service.ts';
import { freePort } from '../../src/chain/anvil.ts';
import { claimStore } from '../../src/cli/start.ts';
import { silentLogger } from '../../src/core/log.ts';
import { createIncidentEngine } from '../../src/incidents/engine.ts';
import { getIncident } from '../../src/store/incidents.ts';
import { createStore } from '../../src/store/store.ts';
import { runCli } from '../support/cli.ts';
import { ANCHORER, configOf, type RegistryChain, rawConfig, seedDetection, startRegistryChain } from './support.ts';

let setup: RegistryChain;
let dir: string;
let configFile: string;
let dbDir: string;
let incidentId: string;
let port: number;
let portHolder: Server | undefined;

function writeConfig(name: string, raw: Record<string, unknown>): string {
  const file = join(dir, name);
  // JSON is YAML
  writeFileSync(file, JSON.stringify(raw, null, 2));
  return file;
}

const cli = (args: string[], file = configFile) => runCli([...args, '--config', file], { cwd: dir, timeoutMs: 240_000 });

beforeAll(async () => {
  setup = await startRegistryChain();
  dir = mkdtempSync(join(tmpdir(), 'firebreak-postmortem-'));
  dbDir = join(dir, 'db');
  // the port stays held (by something that is not the service) so that no other test's server
  // can take it meanwhile: the commands must read the store
  portHolder = createServer((_req, res) => void res.writeHead(404).end('held by the test'));
  await new Promise<void>((resolve) => portHolder!.listen(0, '127.0.0.1', resolve));
  port = (portHolder.address() as AddressInfo).port;
  configFile = writeConfig('firebreak.yaml', rawConfig(setup, { storage: `pglite://${dbDir}`, dataDir: join(dir, 'data'), port }));
  // the incident, made through the engine on the same store the CLI will read
  const config = configOf(rawConfig(setup, { storage: `pglite://${dbDir}`, dataDir: join(dir, 'data'), port }));
  const store = await createStore(config.storage);
  try {
    const engine = createIncidentEngine({ store, config, logger: silentLogger });
    const incident = (await engine.observe(seedDetection('S1')))!;
    incidentId = incident.id;
    await engine.acknowledge(incidentId, 'alice');
    await engine.addActionItem(incidentId, { title: 'Alert on relayer lag', owner: 'bob', due: '2030-01-01', priority: 'high' }, 'alice');
    await engine.resolve(incidentId, 'alice', 'relayer restarted');
  } finally {
    await store.close();
  }
}, 600_000);

afterAll(async () => {
  if (portHolder) await new Promise((resolve) => portHolder!.close(resolve));
  await setup?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('without a running service (embedded store)', () => {
  let file: string;
  let anchored: { digest: string; cid: string; txHash: string; chainId: number; registry: string };

  it('postmortem writes the Markdown (same bytes on stdout and in --out)', async () => {
    file = join(dir, 'postmortem.md');
    const written = await cli(['postmortem', incidentId, '--out', file]);
    expect(written.stderr).toContain(`wrote the postmortem of ${incidentId}`);
    expect(written.code).toBe(0);
    const markdown = readFileSync(file, 'utf8');
    expect(markdown).toContain('# Postmortem: Acme bridge: 37 transfers stuck');
    expect(markdown).toContain('| 1 | Alert on relayer lag | bob | 2030-01-01 | high | open |');
    const printed = await cli(['postmortem', incidentId]);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toBe(markdown);
  }, 600_000);

  it('postmortem of an unknown incident: exit 1, one line', async () => {
    const result = await cli(['postmortem', 'INC-9999']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('firebreak postmortem: no incident INC-9999');
  }, 600_000);

  it('anchor prints exactly {digest, cid, txHash, chainId, registry} and records it on the timeline', async () => {
    const result = await cli(['anchor', file, '--incident', incidentId]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    anchored = JSON.parse(lines[0]!);
    expect(Object.keys(anchored)).toEqual(['digest', 'cid', 'txHash', 'chainId', 'registry']);
    expect(anchored.digest).toBe(keccak256(readFileSync(file)));
    expect(anchored.chainId).toBe(31337);
    expect(anchored.registry.toLowerCase()).toBe(setup.registry.toLowerCase());
    expect(anchored.cid).toMatch(/^bafk/);

    const store = await createStore({ kind: 'pglite', url: dbDir });
    try {
      const incident = (await getIncident(store.db, incidentId))!.incident;
      const entries = incident.timeline.filter((e) => e.kind === 'anchored');
      expect(entries).toHaveLength(1);
      expect(entries[0]!.data).toMatchObject({ digest: anchored.digest, txHash: anchored.txHash, cid: anchored.cid });
    } finally {
      await store.close();
    }
  }, 600_000);

  it('verify: 0 on the anchored file, naming who anchored it and when', async () => {
    const result = await cli(['verify', file, '--incident', incidentId]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`anchored by ${ANCHORER}`);
    expect(result.stdout).toMatch(/at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    expect(result.stdout).toContain(anchored.txHash);
  }, 600_000);

  it('verify: 1 with one line when one byte changed, when nothing was anchored, on the wrong chain', async () => {
    const changed = join(dir, 'changed.md');
    const bytes = readFileSync(file);
    bytes[bytes.length - 2] = bytes[bytes.length - 2]! ^ 1;
    writeFileSync(changed, bytes);
    const different = await cli(['verify', changed, '--incident', incidentId]);
    expect(different.code).toBe(1);
    expect(different.stderr.trim().split('\n')).toHaveLength(1);
    expect(different.stderr).toMatch(/^firebreak verify: different digest/);

    const never = await cli(['verify', file, '--incident', 'INC-0404']);
    expect(never.code).toBe(1);
    expect(never.stderr.trim()).toMatch(/^firebreak verify: nothing anchored for incident INC-0404/);

    const wrongChain = writeConfig('wrong-chain.yaml', rawConfig(setup, { storage: `pglite://${dbDir}`, chainId: 1, port }));
    const wrong = await cli(['verify', file, '--incident', incidentId], wrongChain);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim()).toMatch(/^firebreak verify: wrong chain: .*31337.*config says 1$/);
  }, 600_000);

  it('verify: 1 when the submitter is no longer an anchorer', async () => {
    await setup.setAnchorer(ANCHORER, false);
    try {
      const result = await cli(['verify', file, '--incident', incidentId]);
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toMatch(/^firebreak verify: submitter not allowed: 0x[0-9a-fA-F]{40} anchored it/);
    } finally {
      await setup.setAnchorer(ANCHORER, true);
    }
  }, 600_000);

  it('anchor refuses an unknown incident before spending gas, and a bad file', async () => {
    const unknown = await cli(['anchor', file, '--incident', 'INC-7777']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/firebreak anchor: no incident INC-7777/);
    expect(unknown.stdout).toBe('');
    const missing = await cli(['anchor', join(dir, 'nope.md'), '--incident', incidentId]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toMatch(/^firebreak anchor: cannot read .*nope\.md: no such file$/);
  }, 600_000);

  it('another program on server.port (a JSON-RPC node, say) is not taken for the service: the store is read', async () => {
    const foreign = createServer((_req, res) => void res.writeHead(405, { allow: 'POST' }).end('only JSON-RPC over POST'));
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    try {
      const foreignPort = (foreign.address() as AddressInfo).port;
      const elsewhere = writeConfig('foreign-port.yaml', rawConfig(setup, { storage: `pglite://${dbDir}`, dataDir: join(dir, 'data'), port: foreignPort }));
      const result = await cli(['postmortem', incidentId], elsewhere);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('# Postmortem: Acme bridge: 37 transfers stuck');
    } finally {
      await new Promise((resolve) => foreign.close(resolve));
    }
  }, 600_000);

  it('refuses to open an embedded store that another process holds', async () => {
    const claim = claimStore({ kind: 'pglite', url: dbDir }, 'start');
    try {
      const result = await cli(['postmortem', incidentId]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/holds the embedded store .*refusing to open it/);
    } finally {
      claim.release();
    }
  }, 600_000);
});

describe('with a running service', () => {
  let service: Service;
  let serviceConfig: string;
  let id: string;

  beforeAll(async () => {
    const servicePort = await freePort();
    const raw = rawConfig(setup, { storage: 'pglite://memory', port: servicePort }) as Record<string, any>;
    for (const chain of Object.values(raw.chains) as Array<Record<string, unknown>>) chain.haltedAfter = '30d';
    raw.dataDir = join(dir, 'service-data');
    raw.ipfs = { listen: ['/ip4/127.0.0.1/tcp/0'] };
    serviceConfig = writeConfig('service.yaml', raw);
    service = await startService({ config: configOf(raw), logger: silentLogger, tickMs: 3_600_000, integrations: [createMirrorIntegration] });
    const incident = await service.engine.declare({ title: 'Relayer <down> | @everyone', severity: 'S1', summary: 'declared by hand' }, 'alice');
    id = incident.id;
    await service.engine.resolve(id, 'alice');
  }, 600_000);

  afterAll(async () => {
    await service?.stop();
  });

  it('postmortem, anchor and verify go through the API', async () => {
    const file = join(dir, 'from-service.md');
    const written = await cli(['postmortem', id, '--out', file], serviceConfig);
    expect(written.code, written.stderr).toBe(0);
    expect(written.stderr).toContain(`from the ${service.url}`);
    const markdown = readFileSync(file, 'utf8');
    expect(markdown).toBe(await (await service.app.request(`/api/incidents/${id}/postmortem`, { headers: { authorization: 'Bearer postmortem-write-token-0001' } })).text());
    expect(markdown).toContain('# Postmortem: Relayer &lt;down&gt; \\| @everyone');

    const anchor = await cli(['anchor', file, '--incident', id], serviceConfig);
    expect(anchor.code, anchor.stderr).toBe(0);
    const result = JSON.parse(anchor.stdout) as { txHash: string; digest: string };
    const entries = (await service.engine.get(id))!.timeline.filter((e) => e.kind === 'anchored');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor: expect.any(String), data: { txHash: result.txHash, digest: result.digest } });

    expect((await cli(['verify', file, '--incident', id], serviceConfig)).code).toBe(0);
    // the anchored ipfs:// URI resolves on the service's own node, byte for byte
    const served = await service.app.request(`/ipfs/${(JSON.parse(anchor.stdout) as { cid: string }).cid}`);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(readFileSync(file))).toBe(true);
  }, 600_000);
});
