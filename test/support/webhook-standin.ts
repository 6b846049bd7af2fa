/**
 * A loopback receiver of Firebreak's signed outbound webhooks. It verifies `X-Firebreak-Signature`
 * (HMAC-SHA256 of the raw body) as a real receiver would, answers 401 to a bad signature, and
 * records what it got, including whether the signature verified.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  raw: string;
  body: { event: string; tier: string | null; escalation: boolean; sentAt: string; incident: { id: string; [key: string]: unknown } };
  verified: boolean;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  failNext(...statuses: number[]): void;
  close(): Promise<void>;
}

/** Written independently of src/comms/paging/webhook.ts so that the test checks the documented format. */
function verify(raw: Buffer, header: string | undefined, secret: string): boolean {
  if (!header?.startsWith('sha256=')) return false;
  const expected = createHmac('sha256', secret).update(raw).digest();
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const failures: number[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const failure = failures.shift();
    if (failure) {
      res.writeHead(failure).end();
      return;
    }
    const verified = verify(raw, req.headers['x-firebreak-signature'] as string | undefined, secret);
    received.push({ headers: req.headers, raw: raw.toString('utf8'), body: JSON.parse(raw.toString('utf8')), verified });
    res.writeHead(verified ? 204 : 401).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/firebreak?token=url-secret-123`,
    received,
    failNext(...statuses) {
      failures.push(...statuses);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
