/**
 * How an HTTP route describes itself for the API reference (OpenAPI 3.1, built in
 * src/server/openapi.ts). Each module that registers routes exports the descriptions of its own
 * routes next to them; a test checks that every registered route has one. Types only: the zod
 * schemas are converted to JSON Schema where the document is built.
 */
import type { z } from 'zod';

/** public: no token; read: a read or write bearer token; write: a write token; signed: the caller's own signature (webhooks) */
export type RouteAccess = 'public' | 'read' | 'write' | 'signed';

export interface RouteResponseDoc {
  description: string;
  /** JSON body schema (content type application/json unless `contentType` says otherwise) */
  schema?: z.ZodType;
  contentType?: string;
}

export interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** hono path: `:param` for a parameter, a trailing `*` for the rest of the path */
  path: string;
  summary: string;
  description?: string;
  access: RouteAccess;
  tag: string;
  /** query parameters (an object of optional strings) */
  query?: z.ZodObject;
  /** JSON request body */
  body?: z.ZodType;
  /** a body that may be empty */
  bodyOptional?: boolean;
  responses: Record<number, RouteResponseDoc>;
}
