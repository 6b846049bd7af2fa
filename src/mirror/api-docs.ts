/**
 * The API reference of the public mirror routes (src/mirror/routes.ts). The Statuspage-shaped
 * documents are described by their top-level fields (their full shape is Statuspage's v2 API).
 */
import { z } from 'zod';
import type { RouteDoc } from '../core/api.ts';

const problem = z.object({ error: z.string(), message: z.string() });
const summary = z
  .looseObject({
    page: z.looseObject({ id: z.string(), name: z.string(), url: z.string(), updated_at: z.string() }),
    status: z.object({ indicator: z.enum(['none', 'minor', 'major', 'critical']), description: z.string() }),
    components: z.array(z.looseObject({ id: z.string(), name: z.string(), status: z.string() })),
    incidents: z.array(z.looseObject({ id: z.string(), name: z.string(), status: z.string(), impact: z.string(), incident_updates: z.array(z.looseObject({})) })),
    scheduled_maintenances: z.array(z.looseObject({})),
  })
  .meta({ id: 'StatuspageSummary', description: "Statuspage's v2 summary.json shape" });
const history = z
  .looseObject({ page: z.looseObject({}), incidents: z.array(z.looseObject({})) })
  .meta({ id: 'StatuspageIncidents', description: "Statuspage's v2 incidents.json shape" });

const html = (description: string) => ({ 200: { description, contentType: 'text/html' } });
const doc = (path: string, summaryText: string, responses: RouteDoc['responses'], description?: string): RouteDoc => ({
  method: 'get',
  path,
  summary: summaryText,
  ...(description ? { description } : {}),
  access: 'public',
  tag: 'status',
  responses,
});
const gateway: RouteDoc['responses'] = {
  200: { description: 'the file (or a directory\'s index.html); with `?format=car` or `Accept: application/vnd.ipld.car` a CAR of the whole DAG', contentType: 'application/octet-stream' },
  301: { description: 'a directory without its trailing slash' },
  400: { description: 'not a CID', schema: problem },
  404: { description: 'not pinned here, or no such path', schema: problem },
  503: { description: 'the IPFS node is disabled', schema: problem },
};

export const MIRROR_ROUTES: RouteDoc[] = [
  doc('/status', 'The status page: one self-contained HTML page, the same bytes as the IPFS mirror', html('status page')),
  doc('/status/', 'The status page (folder form: relative links as on IPFS)', html('status page')),
  doc('/status/summary.json', 'Statuspage-compatible summary', { 200: { description: 'summary', schema: summary } }),
  doc('/status/history.json', 'Statuspage-compatible incident history', { 200: { description: 'incidents', schema: history } }),
  doc('/status/feed.xml', 'Atom feed of status updates', { 200: { description: 'Atom', contentType: 'application/atom+xml' } }),
  doc('/feed.xml', 'Atom feed of status updates', { 200: { description: 'Atom', contentType: 'application/atom+xml' } }),
  doc('/api/v2/summary.json', 'Statuspage-compatible summary', { 200: { description: 'summary', schema: summary } }),
  doc('/api/v2/incidents.json', 'Statuspage-compatible incident history', { 200: { description: 'incidents', schema: history } }),
  doc('/api/mirror', 'Where the latest status mirror is', {
    200: {
      description: 'the latest mirror (nulls before the first publication or with IPFS disabled)',
      schema: z.object({ cid: z.string().nullable(), ipns: z.string().nullable(), publishedAt: z.string().nullable(), multiaddrs: z.array(z.string()) }),
    },
  }),
  doc('/ipfs/:cid', 'Local gateway for pinned content (trustless CARs with ?format=car)', gateway),
  doc('/ipfs/:cid/*', 'A path inside pinned content', gateway),
  doc(
    '/ipns/:name',
    "The mirror's IPNS name: the signed record (?format=ipns-record) or a redirect to its content",
    {
      200: { description: 'the signed IPNS record', contentType: 'application/vnd.ipfs.ipns-record' },
      302: { description: 'redirect to /ipfs/<cid>/' },
      404: { description: 'not a name this node publishes', schema: problem },
      503: { description: 'the IPFS node is disabled', schema: problem },
    },
  ),
];
