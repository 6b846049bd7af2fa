/**
 * New-head subscriptions (JSON-RPC `eth_subscribe` "newHeads" over WebSocket). Only a wake-up
 * signal for the watchers: polling stays the source of truth, so a lost notification costs at
 * most one poll interval. The chain's `rpc` list is reused: ws(s):// entries as they are,
 * http(s):// entries with the ws(s) scheme (anvil, geth, reth and most providers serve both on
 * the same URL). Endpoints are tried in order; when none subscribes, or an open subscription
 * drops, one line is logged and it is retried later with backoff. URLs carry API keys: endpoints
 * are named by their index in `rpc`, never by URL.
 */
import type { Logger } from '../core/log.ts';

export interface NewHead {
  number: number;
  timestamp: number;
}

export interface HeadSubscriptionOptions {
  chain: string;
  /** the chain's `rpc` list */
  urls: string[];
  logger: Logger;
  onHead(head: NewHead): void;
  /** an open subscription was lost (heads may have gone unannounced meanwhile) */
  onLost?(): void;
  /** connect + subscribe must answer within this (default 5 s) */
  openTimeoutMs?: number;
  /** first retry delay after a failure; doubles up to retryMaxMs (defaults 1 s, 60 s) */
  retryMinMs?: number;
  retryMaxMs?: number;
}

export interface HeadSubscriptionState {
  /** a subscription is open right now */
  subscribed: boolean;
  /** index in `rpc` of the endpoint subscribed to, when subscribed */
  rpc: number | null;
  notifications: number;
}

export interface HeadSubscription {
  start(): void;
  /** eth_unsubscribe, close the socket, clear every timer */
  stop(): Promise<void>;
  state(): HeadSubscriptionState;
}

/** The WebSocket URL for an `rpc` entry, or null when the entry cannot have one. */
export function wsUrlFor(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol === 'http:') parsed.protocol = 'ws:';
  else if (parsed.protocol === 'https:') parsed.protocol = 'wss:';
  else if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') return null;
  return parsed.toString();
}

interface JsonRpcMessage {
  id?: number;
  method?: string;
  result?: unknown;
  error?: { message?: string };
  params?: { subscription?: string; result?: { number?: string; timestamp?: string } };
}

export function createHeadSubscription(options: HeadSubscriptionOptions): HeadSubscription {
  const { chain, logger, onHead } = options;
  const openTimeoutMs = options.openTimeoutMs ?? 5_000;
  const retryMinMs = options.retryMinMs ?? 1_000;
  const retryMaxMs = options.retryMaxMs ?? 60_000;
  const endpoints = options.urls.map((url, rpc) => ({ rpc, url: wsUrlFor(url) })).filter((e): e is { rpc: number; url: string } => e.url !== null);

  let started = false;
  let stopped = false;
  let socket: WebSocket | undefined;
  let subscription: string | null = null;
  let subscribedRpc: number | null = null;
  let retryTimer: NodeJS.Timeout | undefined;
  let backoff = retryMinMs;
  // logged once per fall back to polling, not once per failed retry
  let degraded = false;
  let notifications = 0;
  let nextId = 1;
  const replies = new Map<number, (message: JsonRpcMessage) => void>();
  let onClosed: (() => void) | undefined;

  function send(ws: WebSocket, method: string, params: unknown[], reply: (message: JsonRpcMessage) => void): void {
    const id = nextId++;
    replies.set(id, reply);
    ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
  }

  function connect(position: number): void {
    if (stopped) return;
    const endpoint = endpoints[position]!;
    let ws: WebSocket;
    try {
      ws = new WebSocket(endpoint.url);
    } catch {
      failed(position, 'not a usable WebSocket URL', false);
      return;
    }
    socket = ws;
    ws.binaryType = 'arraybuffer';
    let reason: string | undefined;
    let wasSubscribed = false;
    let ended = false;
    // once per socket, whichever comes first: its close event, or giving up on it
    const end = (why: string) => {
      if (ended) return;
      ended = true;
      clearTimeout(openTimer);
      ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
      if (socket === ws) socket = undefined;
      subscription = null;
      subscribedRpc = null;
      const waiting = [...replies.values()];
      replies.clear();
      if (stopped) {
        for (const reply of waiting) reply({});
        onClosed?.();
        return;
      }
      failed(position, why, wasSubscribed);
      if (wasSubscribed) options.onLost?.();
    };
    // give up on a socket without waiting for its close event (a peer that never answers the close)
    const abandon = (why: string) => {
      ws.close();
      end(why);
    };
    // covers the upgrade and the eth_subscribe answer; after an event-loop stall the timer would run
    // before the I/O that already answered, so the answer gets its turn first (setImmediate)
    const openTimer = setTimeout(
      () => setImmediate(() => !ended && !wasSubscribed && abandon(`no subscription within ${openTimeoutMs} ms`)),
      openTimeoutMs,
    );
    ws.onopen = () => {
      send(ws, 'eth_subscribe', ['newHeads'], (message) => {
        if (ended) return;
        if (typeof message.result !== 'string') {
          abandon(`eth_subscribe refused: ${message.error?.message ?? 'no subscription id'}`);
          return;
        }
        clearTimeout(openTimer);
        if (stopped) return;
        subscription = message.result;
        subscribedRpc = endpoint.rpc;
        wasSubscribed = true;
        backoff = retryMinMs;
        if (degraded) logger.info({ chain, rpc: endpoint.rpc }, 'head subscription open again');
        else logger.debug({ chain, rpc: endpoint.rpc }, 'head subscription open');
        degraded = false;
      });
    };
    ws.onmessage = (event: MessageEvent) => {
      let message: JsonRpcMessage;
      try {
        const text = typeof event.data === 'string' ? event.data : Buffer.from(event.data as ArrayBuffer).toString();
        message = JSON.parse(text) as JsonRpcMessage;
      } catch {
        return; // not JSON: nothing to wake up for
      }
      if (message.method === 'eth_subscription') {
        const head = message.params?.result;
        if (!subscription || message.params?.subscription !== subscription || !head?.number) return;
        notifications++;
        onHead({ number: Number(head.number), timestamp: Number(head.timestamp ?? 0) });
        return;
      }
      if (typeof message.id === 'number') {
        const reply = replies.get(message.id);
        replies.delete(message.id);
        reply?.(message);
      }
    };
    ws.onerror = () => {
      reason ??= 'connection failed';
    };
    ws.onclose = (event: CloseEvent) => end(reason ?? `closed by the endpoint (code ${event.code})`);
  }

  function failed(position: number, reason: string, wasSubscribed: boolean): void {
    if (stopped) return;
    // a subscription that never opened: the next endpoint in the list right away
    if (!wasSubscribed && position + 1 < endpoints.length) {
      connect(position + 1);
      return;
    }
    const retryInMs = wasSubscribed ? retryMinMs : backoff;
    if (!wasSubscribed) backoff = Math.min(retryMaxMs, backoff * 2);
    if (!degraded) {
      degraded = true;
      logger.warn({ chain, rpc: endpoints[position]!.rpc, reason, retryInMs }, 'head subscription unavailable; polling only');
    } else logger.debug({ chain, rpc: endpoints[position]!.rpc, reason, retryInMs }, 'head subscription retry failed');
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      connect(0);
    }, retryInMs);
  }

  return {
    start(): void {
      if (started || stopped) return;
      started = true;
      if (endpoints.length === 0) {
        degraded = true;
        logger.warn({ chain, reason: 'no rpc entry can be reached over WebSocket' }, 'head subscription unavailable; polling only');
        return;
      }
      connect(0);
    },
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      clearTimeout(retryTimer);
      retryTimer = undefined;
      const ws = socket;
      if (!ws) return;
      let timer: NodeJS.Timeout | undefined;
      const bounded = (ms: number, wait: (done: () => void) => void) =>
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, ms);
          wait(resolve);
        }).finally(() => clearTimeout(timer));
      if (ws.readyState === WebSocket.OPEN && subscription) {
        const id = subscription;
        await bounded(1_000, (done) => send(ws, 'eth_unsubscribe', [id], () => done()));
      }
      if (ws.readyState !== WebSocket.CLOSED) {
        await bounded(2_000, (done) => {
          onClosed = done;
          ws.close();
        });
      }
      // a peer that never answers the close: drop the handlers so nothing fires after stop
      ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
      socket = undefined;
      onClosed = undefined;
      subscription = null;
      subscribedRpc = null;
    },
    state: () => ({ subscribed: subscription !== null, rpc: subscribedRpc, notifications }),
  };
}
