/**
 * The reference docs under docs/ are current (generated from the config schema and the route
 * descriptions), every config key is described, the OpenAPI document is valid OpenAPI 3.1 (checked
 * by @seriousme/openapi-schema-validator), and every route the real service registers is in it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedDocs, serviceApiDocument } from '../../src/app/api-reference.ts';
import { defaultIntegrations } from '../../src/app/integrations.ts';
import { type Service, startService } from '../../src/app/service.ts';
import { undescribedKeys } from '../../src/config/reference.ts';
import { silentLogger } from '../../src/core/log.ts';
import { openApiPath } from '../../src/server/openapi.ts';
import { testConfig } from '../comms/telegram-harness.ts';

const root = join(import.meta.dirname, '..', '..');

describe('generated reference docs', () => {
  for (const [path, text] of Object.entries(generatedDocs())) {
    it(`${path} is current`, () => {
      let committed = '';
      try {
        committed = readFileSync(join(root, path), 'utf8');
      } catch {}
      expect(committed === text, `${path} is stale: run \`npm run docs\` and commit it`).toBe(true);
    });
  }

  it('every config key has a description', () => {
    expect(undescribedKeys(), 'add a line to src/config/descriptions.ts (or .describe() in the schema), then `npm run docs`').toEqual([]);
  });

  it('the OpenAPI document is valid OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(serviceApiDocument());
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('the validator does refuse a broken document (it is not a rubber stamp)', async () => {
    const broken = structuredClone(serviceApiDocument()) as { paths: Record<string, Record<string, Record<string, unknown>>> };
    delete broken.paths['/healthz']!.get!.responses;
    broken.paths['/healthz']!.get!.parameters = [{ name: 'x', in: 'nowhere' }];
    const result = await new Validator().validate(broken);
    expect(result.valid).toBe(false);
  });
});

describe('the served API reference', () => {
  let service: Service;
  beforeAll(async () => {
    const config = testConfig((raw) => {
      raw.server = { apiTokens: [{ name: 'ops', token: 'write-token-0123456789', scope: 'write' }] };
      raw.ipfs = { enabled: false };
      raw.discord = { publicKey: 'a'.repeat(64), channels: {} };
      raw.telegram = { token: '1:abc', webhookSecret: 'secret-0123456789', chats: {} };
    });
    service = await startService({ config, logger: silentLogger, listen: false, tickMs: 3_600_000, integrations: defaultIntegrations(config) });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('GET /api/openapi.json is public and is the committed document', async () => {
    const response = await service.app.request('/api/openapi.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.json()).toEqual(serviceApiDocument());
  });

  it('every route the service registers is in the document, and nothing else', async () => {
    const document = (await (await service.app.request('/api/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    const registered = new Set(
      service.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method.toLowerCase()} ${openApiPath(r.path)}`),
    );
    const documented = new Set(Object.entries(document.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`)));
    expect(registered.size).toBeGreaterThan(30);
    expect([...registered].filter((r) => !documented.has(r)), 'routes without a RouteDoc (add one next to the route)').toEqual([]);
    expect([...documented].filter((d) => !registered.has(d)), 'documented routes the service does not register').toEqual([]);
  });

  it('a write route is documented with bearer auth, a public one without', async () => {
    const document = serviceApiDocument() as { paths: Record<string, Record<string, { security: unknown[] }>> };
    expect(document.paths['/api/incidents']!.post!.security).toEqual([{ bearer: [] }]);
    expect(document.paths['/status']!.get!.security).toEqual([]);
    // and the server agrees: no token → 401 on the first, 200 on the second
    expect((await service.app.request('/api/incidents', { method: 'POST', body: '{}' })).status).toBe(401);
    expect((await service.app.request('/status')).status).toBe(200);
  });
});
