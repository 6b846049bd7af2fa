/**
 * A loopback stand-in for the Snapshot hub (its sequencer): it takes what snapshot.js posts,
 * `{address, sig, data: {domain, types, message}}`, checks the EIP-712 signature the way the hub
 * does (recovering the signer from the domain, types and message it received), and answers
 * `{id, ipfs, relayer}`. The drill points `governance.snapshot.hub` here; tests read `proposals`
 * and can make it answer 429 / 500 for a while. Like the real sequencer it refuses what snapshot.js's
 * proposal schema refuses (`wrong proposal format`) and bodies over the space's limit (`proposal body
 * length can not exceed 10000 characters`), with HTTP 400 `client_error`.
 */
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { type Address, type Hex, keccak256, toBytes, verifyTypedData } from 'viem';
import { proposalSchemaProblems } from '../../governance/snapshot/client.ts';
import type { ProposalMessage } from '../../governance/snapshot/proposal.ts';

export interface ReceivedProposal {
  id: string;
  address: Address;
  sig: Hex;
  domain: Record<string, unknown>;
  types: Record<string, Array<{ name: string; type: string }>>;
  message: Record<string, unknown> & { title: string; body: string; space: string; choices: string[]; start: number; end: number; snapshot: number };
  receivedAt: Date;
}

export interface SnapshotHubStandIn {
  url: string;
  proposals: ReceivedProposal[];
  /** every POST, accepted or not */
  requests: number;
  /** answer the next `times` posts with this status (429 carries retry-after) */
  failNext(status: 429 | 500 | 503, times?: number): void;
  stop(): Promise<void>;
}

/** the sequencer's answers (snapshot-sequencer src/ingestor.ts, src/writer/proposal.ts; 400 client_error) */
const refusal = (description: string) => ({ error: 'client_error', error_description: description });

const ENVELOPE_ERROR = { error: 'client_error', error_description: 'wrong envelope format' };

function isEnvelope(body: unknown): body is { address: string; sig: string; data: { domain: Record<string, unknown>; types: Record<string, Array<{ name: string; type: string }>>; message: Record<string, unknown> } } {
  const b = body as Record<string, any> | null;
  return (
    !!b &&
    typeof b.address === 'string' &&
    /^0x[0-9a-fA-F]{40}$/.test(b.address) &&
    typeof b.sig === 'string' &&
    /^0x[0-9a-fA-F]+$/.test(b.sig) &&
    !!b.data &&
    typeof b.data.domain === 'object' &&
    typeof b.data.types === 'object' &&
    typeof b.data.message === 'object' &&
    Object.keys(b.data.types ?? {}).length > 0
  );
}

export interface SnapshotHubOptions {
  host?: string;
  port?: number;
  /** the space's body limit, as the sequencer's `space.<type>.body_limit` (default space 10,000; turbo 40,000) */
  bodyLimit?: number;
  turbo?: boolean;
}

export async function startSnapshotHub(options: SnapshotHubOptions = {}): Promise<SnapshotHubStandIn> {
  const bodyLimit = options.bodyLimit ?? (options.turbo ? 40_000 : 10_000);
  const proposals: ReceivedProposal[] = [];
  const failures: number[] = [];
  const state = { requests: 0 };
  const app = new Hono();

  const receive = async (c: import('hono').Context) => {
    state.requests++;
    const failure = failures.shift();
    if (failure !== undefined) {
      if (failure === 429) c.header('retry-after', '1');
      if (failure === 429) return c.json({ error: 'too_many_requests', error_description: 'rate limit exceeded' }, 429);
      return c.json({ error: 'server_error', error_description: 'temporarily unavailable' }, failure === 503 ? 503 : 500);
    }
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return c.json(ENVELOPE_ERROR, 400);
    }
    if (!isEnvelope(body)) return c.json(ENVELOPE_ERROR, 400);
    if (JSON.stringify(body).length > 1e5) return c.json(refusal('too large message'), 400);
    const { address, sig, data } = body;
    const primaryType = Object.keys(data.types)[0]!;
    let valid = false;
    try {
      valid = await verifyTypedData({ address: address as Address, domain: data.domain, types: data.types, primaryType, message: data.message, signature: sig as Hex } as Parameters<typeof verifyTypedData>[0]);
    } catch {
      valid = false;
    }
    if (!valid) return c.json({ error: 'client_error', error_description: 'wrong signature' }, 401);
    const message = data.message as ReceivedProposal['message'];
    if (typeof message.from !== 'string' || message.from.toLowerCase() !== address.toLowerCase()) {
      return c.json({ error: 'client_error', error_description: 'wrong from' }, 400);
    }
    if (primaryType !== 'Proposal') return c.json({ error: 'client_error', error_description: `unsupported type ${primaryType}` }, 400);
    // the sequencer validates the payload with snapshot.js's own schema, then the space's limits
    if ((await proposalSchemaProblems(message as unknown as ProposalMessage)).length > 0) return c.json(refusal('wrong proposal format'), 400);
    if (!(Number(message.end) > Number(message.start))) return c.json(refusal('invalid proposal'), 400);
    if (message.body.length > bodyLimit) return c.json(refusal(`proposal body length can not exceed ${bodyLimit} characters`), 400);
    // the hub's id is the hash of the signed envelope: posting the same signed message again is the same proposal
    const id = keccak256(toBytes(JSON.stringify({ address: address.toLowerCase(), sig, data })));
    const ipfs = `bafkrei${id.slice(2, 54)}`;
    if (!proposals.some((p) => p.id === id)) {
      proposals.push({ id, address: address as Address, sig: sig as Hex, domain: data.domain, types: data.types, message, receivedAt: new Date() });
    }
    return c.json({ id, ipfs, relayer: { address: '0x8BBE4Ac64246d600BC2889ef5d83809D138F03DF', receipt: keccak256(toBytes(`receipt:${id}`)) } });
  };
  app.post('/', receive);
  app.post('/api/msg', receive);
  app.get('/api/proposals', (c) => c.json(proposals.map(({ id, address, message }) => ({ id, address, message }))));

  const host = options.host ?? '127.0.0.1';
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: options.port ?? 0 }, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://${host}:${port}`,
    proposals,
    get requests() {
      return state.requests;
    },
    failNext(status, times = 1) {
      for (let i = 0; i < times; i++) failures.push(status);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}
