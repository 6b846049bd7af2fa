/**
 * The OpenAPI 3.1 document of the HTTP API, built from the route descriptions each module exports
 * next to its routes (RouteDoc, src/core/api.ts); zod schemas become JSON Schema 2020-12 (OpenAPI
 * 3.1's dialect) through zod's own `z.toJSONSchema`. Schemas named with `.meta({ id })` go to
 * `components.schemas` once and are referenced from everywhere else.
 */
import { z } from 'zod';
import type { RouteDoc } from '../core/api.ts';

type Json = Record<string, unknown>;

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

/** `/api/incidents/:id` → `/api/incidents/{id}`; a trailing `*` → `{path}` (the rest of the path). */
export function openApiPath(honoPath: string): string {
  return honoPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\/\*$/, '/{path}');
}

function pathParameters(path: string): Json[] {
  return [...path.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string' },
    ...(name === 'path' ? { description: 'the rest of the path (may contain slashes)' } : {}),
  }));
}

/** JSON Schema of a zod schema, its named parts hoisted into `components` (shared by every call). */
function converter(components: Record<string, Json>) {
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (!node || typeof node !== 'object') return node;
    const out: Json = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith('#/$defs/')) out[key] = `#/components/schemas/${value.slice('#/$defs/'.length)}`;
      else if (key !== '$schema' && key !== 'id') out[key] = rewrite(value);
    }
    return out;
  };
  return (schema: z.ZodType, io: 'input' | 'output'): Json => {
    const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any', reused: 'inline' }) as Json;
    const { $defs, ...rest } = json as Json & { $defs?: Record<string, Json> };
    for (const [name, def] of Object.entries($defs ?? {})) components[name] = rewrite(def) as Json;
    return rewrite(rest) as Json;
  };
}

const ACCESS_TEXT: Record<RouteDoc['access'], string> = {
  public: 'Public: no token.',
  read: 'Needs `Authorization: Bearer <apiToken>` (a read or write token).',
  write: 'Needs `Authorization: Bearer <apiToken>` with scope write; the token\'s name is recorded as the actor.',
  signed: 'Carries its own signature (see below); no bearer token.',
};

export function buildOpenApi(routes: RouteDoc[], info: OpenApiInfo): Json {
  const schemas: Record<string, Json> = {};
  const toSchema = converter(schemas);
  const paths: Record<string, Record<string, Json>> = {};
  const error = { type: 'object', properties: { error: { type: 'string' }, message: { type: 'string' } }, required: ['error'] };
  // sorted: the document does not depend on the order modules were plugged in
  const sorted = [...routes].sort((a, b) => (a.path === b.path ? a.method.localeCompare(b.method) : a.path.localeCompare(b.path)));
  for (const route of sorted) {
    const path = openApiPath(route.path);
    const responses: Record<string, Json> = {};
    for (const [status, response] of Object.entries(route.responses)) {
      const contentType = response.contentType ?? (response.schema ? 'application/json' : undefined);
      responses[status] = {
        description: response.description,
        ...(contentType ? { content: { [contentType]: response.schema ? { schema: toSchema(response.schema, 'output') } : {} } } : {}),
      };
    }
    if (route.access === 'read' || route.access === 'write') {
      responses['401'] ??= { description: 'no token, or an unknown one', content: { 'application/json': { schema: error } } };
      if (route.access === 'write') responses['403'] ??= { description: 'a read-only token', content: { 'application/json': { schema: error } } };
    }
    const parameters = [
      ...pathParameters(path),
      ...Object.entries(route.query?.shape ?? {}).map(([name, schema]) => ({ name, in: 'query', required: false, schema: toSchema(schema as z.ZodType, 'input') })),
    ];
    const operation: Json = {
      operationId: `${route.method}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: route.summary,
      description: [ACCESS_TEXT[route.access], route.description].filter(Boolean).join('\n\n'),
      tags: [route.tag],
      security: route.access === 'read' || route.access === 'write' ? [{ bearer: [] }] : [],
      'x-firebreak-access': route.access,
      ...(parameters.length ? { parameters } : {}),
      ...(route.body
        ? { requestBody: { required: !route.bodyOptional, content: { 'application/json': { schema: toSchema(route.body, 'input') } } } }
        : {}),
      responses,
    };
    paths[path] ??= {};
    if (paths[path]![route.method]) throw new Error(`two descriptions of ${route.method.toUpperCase()} ${route.path}`);
    paths[path]![route.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info,
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    tags: [...new Set(routes.map((r) => r.tag))].sort().map((name) => ({ name })),
    paths,
    components: {
      schemas,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'one of server.apiTokens: a read token for GET, a write token for the rest' } },
    },
  };
}
