/**
 * New-head subscriptions on real anvil chains: a notification wakes the chain's pass long before
 * the poll timer would; passes never overlap; when the WebSocket path fails (an upgrade refused,
 * a connection dropped) polling carries on alone with one log line and the subscription comes
 * back; stop() unsubscribes and closes everything. A loopback relay in front of anvil (HTTP
 * forwarded, WebSocket relayed) lets the tests break the WebSocket path while HTTP keeps working.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { WebSocket as WsClient, WebSocketServer } from 'ws';
import { wireChains } from '../../src/app/watch.ts';
import { createHeadSubscription, type NewHead } from '../../src/chain/heads.ts';
import { type Logger, silentLogger } from '../../src/core/log.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { createWatchService, type WatchService } from '../../src/watchers/service.ts';
import { configFor, type DrillChains, startDrillChains } from '../support/drill.ts';
import { deadUrl } from '../support/rpc-proxy.ts';
import { until } from '../support/wait.ts';

interface Relay {
  url: string;
  /** refuse WebSocket upgrades (HTTP keeps working) */
  refuse: boolean;
  /** swallow subscription notifications, keep the connection (a silently dead socket) */
  mute: boolean;
  /** JSON-RPC methods received over WebSocket, in order */
  wsMethods: string[];
  open(): number;
  /** cut every WebSocket connection */
  drop(): void;
  close(): Promise<void>;
}

async function startRelay(upstreamHttp: string, upstreamWs: string): Promise<Relay> {
  const clients = new Set<WsClient>();
  const wss = new WebSocketServer({ noServer: true });
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const answer = await fetch(upstreamHttp, { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) });
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text());
  });
  const relay: Relay = {
    url: '',
    refuse: false,
    mute: false,
    wsMethods: [],
    open: () => clients.size,
    drop() {
      for (const client of clients) client.terminate();
    },
    close: async () => {
      relay.drop();
      wss.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  server.on('upgrade', (req, socket, head) => {
    if (relay.refuse) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (client) => {
      clients.add(client);
      const upstream = new WsClient(upstreamWs);
      const queue: string[] = [];
      upstream.on('open', () => queue.splice(0).forEach((m) => upstream.send(m)));
      upstream.on('message', (data) => {
        const text = data.toString();
        if (relay.mute && text.includes('"eth_subscription"')) return;
        if (client.readyState === WsClient.OPEN) client.send(text);
      });
      client.on('message', (data) => {
        const text = data.toString();
        relay.wsMethods.push((JSON.parse(text) as { method: string }).method);
        if (upstream.readyState === WsClient.OPEN) upstream.send(text);
        else queue.push(text);
      });
      const end = () => {
        clients.delete(client);
        client.terminate();
        upstream.terminate();
      };
      client.on('close', end);
      upstream.on('close', end);
      upstream.on('error', end);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  relay.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return relay;
}

/** a logger that keeps the messages it is given */
function recordingLogger(): Logger & { lines: Array<{ level: string; msg?: string; obj: object }> } {
  const lines: Array<{ level: string; msg?: string; obj: object }> = [];
  const logger = {
    lines,
    debug: (obj: object, msg?: string) => void lines.push({ level: 'debug', obj, msg }),
    info: (obj: object, msg?: string) => void lines.push({ level: 'info', obj, msg }),
    warn: (obj: object, msg?: string) => void lines.push({ level: 'warn', obj, msg }),
    error: (obj: object, msg?: string) => void lines.push({ level: 'error', obj, msg }),
    child: () => logger,
  };
  return logger;
}

const FALLBACK = 'head subscription unavailable; polling only';

describe('new-head subscriptions', () => {
  let chains: DrillChains;
  let relay: Relay;
  const open: Array<{ stop(): Promise<unknown> }> = [];

  beforeAll(async () => {
    chains = await startDrillChains();
    relay = await startRelay(chains.source.anvil.url, chains.source.anvil.wsUrl);
  });
  afterAll(async () => {
    for (const thing of open.splice(0)) await thing.stop().catch(() => {});
    await relay?.close();
    await chains?.stop();
  });

  async function watching(options: { rpc: string; pollIntervalMs: number; logger?: Logger }) {
    const logger = options.logger ?? silentLogger;
    const config = configFor(chains.bridge, {
      patch: (raw) => {
        raw.chains.ethereum.rpc = [options.rpc];
        for (const chain of Object.values(raw.chains) as Array<{ pollIntervalMs: number }>) chain.pollIntervalMs = options.pollIntervalMs;
      },
    });
    const store: Store = await createStore({ kind: 'pglite', url: 'memory://' });
    // passes of one chain: started (head polled) minus finished (liveness reported)
    let inPass = 0;
    let maxInPass = 0;
    const wiring = wireChains({ config, store, logger });
    const sync = wiring.syncs.ethereum!;
    const pollHead = sync.pollHead.bind(sync);
    sync.pollHead = () => {
      maxInPass = Math.max(maxInPass, ++inPass);
      return pollHead();
    };
    const watch: WatchService = createWatchService({
      config,
      store,
      logger,
      ...wiring,
      onChainPass(view) {
        if (view.name === 'ethereum') inPass--;
      },
    });
    const handle = {
      watch,
      maxInPass: () => maxInPass,
      head: () => watch.chains().find((c) => c.name === 'ethereum')?.head?.head ?? -1,
      heads: () => watch.heads().find((h) => h.name === 'ethereum')!,
      stopped: false,
      async stop() {
        if (handle.stopped) return;
        handle.stopped = true;
        await watch.stop();
        await store.close();
      },
    };
    // stopped even when the test fails, so that no socket of it outlives the test
    onTestFinished(() => handle.stop().catch(() => {}));
    watch.start();
    await until('caught up', () => watch.chains().every((c) => c.caughtUp), 60_000, 20);
    return handle;
  }

  async function mine(blocks = 1): Promise<number> {
    await chains.source.testClient.mine({ blocks });
    return Number(await chains.source.publicClient.getBlockNumber({ cacheTime: 0 }));
  }

  it('a new head wakes the pass long before the poll timer, and passes never overlap', { timeout: 90_000 }, async () => {
    // a poll every 10 minutes: only a notification can explain a pass within the test
    const w = await watching({ rpc: relay.url, pollIntervalMs: 600_000 });
    await until('subscribed', () => w.heads().subscribed, 30_000, 20);
    const target = await mine();
    await until(`head ${target} read`, () => w.head() >= target, 30_000, 20);
    expect(w.heads().wakeups).toBeGreaterThanOrEqual(1);

    // a burst of heads while passes run: coalesced, never two passes at once, nothing missed
    for (let i = 0; i < 15; i++) await chains.source.testClient.mine({ blocks: 1 });
    const last = Number(await chains.source.publicClient.getBlockNumber({ cacheTime: 0 }));
    await until(`head ${last} read`, () => w.head() >= last, 30_000, 20);
    expect(w.maxInPass()).toBe(1);
    await w.stop();
  });

  it('falls back to polling when the WebSocket path breaks, and subscribes again when it is back', { timeout: 120_000 }, async () => {
    const logger = recordingLogger();
    const w = await watching({ rpc: relay.url, pollIntervalMs: 200, logger });
    await until('subscribed', () => w.heads().subscribed, 30_000, 20);
    onTestFinished(() => {
      relay.refuse = false;
    });
    const mark = logger.lines.length;
    relay.refuse = true;
    relay.drop();
    await until('subscription lost', () => !w.heads().subscribed, 30_000, 20);
    const target = await mine();
    await until(`head ${target} read by polling`, () => w.head() >= target, 30_000, 20);
    // let a few retries fail (1 s, then 2 s): still one line, for the source chain only
    await until('two failed retries', () => logger.lines.filter((l) => l.msg === 'head subscription retry failed').length >= 2, 30_000);
    const fallbacks = logger.lines.slice(mark).filter((l) => l.msg === FALLBACK && (l.obj as { chain?: string }).chain === 'ethereum');
    expect(fallbacks).toHaveLength(1);
    expect(fallbacks[0]!.obj).toMatchObject({ chain: 'ethereum', rpc: 0 });
    expect(JSON.stringify(logger.lines)).not.toContain(relay.url.replace('http://', ''));

    relay.refuse = false;
    await until('subscribed again', () => w.heads().subscribed, 60_000, 50);
    expect(logger.lines.some((l) => l.msg === 'head subscription open again')).toBe(true);
    const again = await mine();
    await until(`head ${again} read`, () => w.head() >= again, 30_000, 20);
    await w.stop();
  });

  it('a socket that goes silent is noticed by the poll and replaced', { timeout: 120_000 }, async () => {
    const logger = recordingLogger();
    const w = await watching({ rpc: relay.url, pollIntervalMs: 200, logger });
    await until('subscribed', () => w.heads().subscribed, 30_000, 20);
    onTestFinished(() => {
      relay.mute = false;
    });
    relay.mute = true;
    const opened = relay.wsMethods.filter((m) => m === 'eth_subscribe').length;
    // blocks keep coming; only the (slowed) poll sees them, until the socket is judged silent
    await until(
      'silence noticed',
      async () => {
        await mine();
        return logger.lines.some((l) => l.msg === 'head subscription silent; reconnecting');
      },
      60_000,
      300,
    );
    const target = Number(await chains.source.publicClient.getBlockNumber({ cacheTime: 0 }));
    await until(`head ${target} read`, () => w.head() >= target, 30_000, 20);
    relay.mute = false;
    await until('subscribed anew', () => relay.wsMethods.filter((m) => m === 'eth_subscribe').length > opened && w.heads().subscribed, 30_000, 20);
    const notified = w.heads().notifications;
    const again = await mine();
    await until('notified on the new socket', () => w.heads().notifications > notified, 30_000, 20);
    await until(`head ${again} read`, () => w.head() >= again, 30_000, 20);
    await w.stop();
    await until('every socket closed', () => relay.open() === 0, 10_000, 20);
  });

  it('an RPC without WebSocket (upgrade refused): polling alone still detects new heads', { timeout: 90_000 }, async () => {
    const httpOnly = await startRelay(chains.source.anvil.url, chains.source.anvil.wsUrl);
    httpOnly.refuse = true;
    open.push({ stop: () => httpOnly.close() });
    const logger = recordingLogger();
    const w = await watching({ rpc: httpOnly.url, pollIntervalMs: 200, logger });
    await until('fallback logged', () => logger.lines.some((l) => l.msg === FALLBACK), 30_000, 20);
    const target = await mine();
    await until(`head ${target} read by polling`, () => w.head() >= target, 30_000, 20);
    expect(w.heads().subscribed).toBe(false);
    expect(w.heads().notifications).toBe(0);
    await w.stop();
  });

  it('stop() unsubscribes and closes the socket', { timeout: 90_000 }, async () => {
    const w = await watching({ rpc: relay.url, pollIntervalMs: 600_000 });
    await until('subscribed', () => w.heads().subscribed, 30_000, 20);
    expect(relay.open()).toBe(1);
    const before = relay.wsMethods.filter((m) => m === 'eth_unsubscribe').length;
    await w.stop();
    expect(relay.wsMethods.filter((m) => m === 'eth_unsubscribe').length).toBe(before + 1);
    await until('relay sees the socket closed', () => relay.open() === 0, 10_000, 20);
    expect(w.heads().subscribed).toBe(false);
    // nothing left scheduled: new heads wake no pass of a stopped service
    const notifications = w.heads().notifications;
    await mine();
    expect(w.heads().notifications).toBe(notifications);
  });

  it('takes ws:// entries (for HTTP too) and the rpc list in order', { timeout: 60_000 }, async () => {
    const heads: NewHead[] = [];
    const sub = createHeadSubscription({
      chain: 'ethereum',
      urls: [await deadUrl(), chains.source.anvil.wsUrl],
      logger: silentLogger,
      onHead: (head) => heads.push(head),
    });
    open.push(sub);
    sub.start();
    await until('subscribed', () => sub.state().subscribed, 30_000, 20);
    expect(sub.state().rpc).toBe(1);
    const target = await mine();
    await until('notified', () => heads.some((h) => h.number === target), 30_000, 20);
    expect(heads.find((h) => h.number === target)!.timestamp).toBeGreaterThan(0);
    await sub.stop();
    expect(sub.state().subscribed).toBe(false);

    // a ws:// entry alone serves the watcher both ways: HTTP at the same address, and heads
    const w = await watching({ rpc: chains.source.anvil.wsUrl, pollIntervalMs: 600_000 });
    await until('subscribed', () => w.heads().subscribed, 30_000, 20);
    const next = await mine();
    await until(`head ${next} read`, () => w.head() >= next, 30_000, 20);
    expect(w.watch.chains().find((c) => c.name === 'ethereum')!.lastError).toBeNull();
    await w.stop();
  });

  // last: it leaves the chain with a minute between blocks in chain time
  it('a block announced right after a pass is read at once, not a block time later', { timeout: 90_000 }, async () => {
    // a minute per block in chain time: passes are kept a block time apart (60 s, below the poll interval)
    await chains.source.testClient.mine({ blocks: 300, interval: 60 });
    const w = await watching({ rpc: relay.url, pollIntervalMs: 600_000 });
    await until('subscribed', () => w.heads().subscribed, 30_000, 20);
    const first = await mine();
    await until(`head ${first} read`, () => w.head() >= first, 30_000, 20);
    // the next block lands just after that pass: a gap of a block time would hold it back a minute
    const second = await mine();
    await until(`head ${second} read`, () => w.head() >= second, 20_000, 20);
    await w.stop();
  });

});
