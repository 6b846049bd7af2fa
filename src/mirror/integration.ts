/**
 * The status mirror as a service integration: the public routes (always), and with `ipfs.enabled`
 * the helia node, the debounced publisher and remote pinning through the outbox.
 */
import { join } from 'node:path';
import { FirebreakError, reasonOf } from '../core/errors.ts';
import type { IntegrationContext, IntegrationFactory, Integration } from '../incidents/integration.ts';
import type { DeliveryEvent } from '../delivery/worker.ts';
import type { EffectSink } from '../store/effects.ts';
import { type IpfsNode, type IpnsKeyStore, startIpfsNode } from './ipfs.ts';
import { storeKeyStore } from './keys.ts';
import { type PinPayload, type PinResult, createPinDeliverer } from './pinning.ts';
import { type MirrorState, type Publisher, createPublisher } from './publisher.ts';
import { MIRROR_ROUTES } from './api-docs.ts';
import { mirrorRoutes } from './routes.ts';
import type { StatusSnapshot } from './render/public.ts';
import { liveSnapshot } from './snapshot.ts';

const PUBLIC_SNAPSHOT_MS = 1_000;

export interface MirrorOptions {
  pageName?: string;
  /** where the IPNS key lives (default: a file under `<dataDir>/ipfs/keys`) */
  keyStore?: IpnsKeyStore;
  quietMs?: number;
  maxDelayMs?: number;
  keepVersions?: number;
  fetch?: typeof fetch;
  pinPollForMs?: number;
}

export interface MirrorIntegration extends Integration {
  /** for the dashboard: the latest mirror version and how to reach it */
  mirrorState(): MirrorState;
  /** the running node (null when disabled or not started) */
  node(): IpfsNode | null;
  /** add and pin a file on the node (the postmortem's `addToIpfs`); served at /ipfs/<cid> */
  addFile(bytes: Uint8Array): Promise<string>;
  /** render and publish right away (tests, drill); null when IPFS is disabled */
  publishNow(): Promise<string | null>;
}

const DISABLED: MirrorState = { enabled: false, cid: null, ipns: null, publishedAt: null, multiaddrs: [], peerId: null, pending: false, lastError: null };

export function mirrorIntegration(options: MirrorOptions = {}): IntegrationFactory {
  return (ctx) => createMirror(ctx, options);
}

export const createMirrorIntegration: IntegrationFactory = (ctx) => createMirror(ctx, {});

function createMirror(ctx: IntegrationContext, options: MirrorOptions): MirrorIntegration {
  const { config, engine, store, now } = ctx;
  const logger = ctx.logger.child({ component: 'mirror' });
  const enabled = config.ipfs.enabled;
  let node: IpfsNode | null = null;
  let publisher: Publisher | null = null;
  const pageName = options.pageName ?? (config.bridges.length === 1 ? config.bridges[0]!.name : 'Firebreak');
  const snapshot = () => liveSnapshot({ config, engine, now, pageName, ipns: () => node?.ipnsName ?? null });
  // the public routes are what everybody reloads during an incident: serve them from a snapshot
  // that any incident change here invalidates (the next request waits for the new state). Past a
  // second it is refreshed in the background while the last one is still served: the store query
  // takes tens of ms, and every request of that moment waiting for it is what made the p99 (another
  // instance's changes on a shared PostgreSQL, and silent updates, are seen one refresh later)
  let cached: { at: number; snapshot: Promise<StatusSnapshot> } | null = null;
  let refreshing: Promise<StatusSnapshot> | null = null;
  engine.onChange(() => {
    cached = null;
    refreshing = null;
  });
  const publicSnapshot = (): Promise<StatusSnapshot> => {
    const at = Date.now();
    if (!cached) {
      const fresh = snapshot();
      cached = { at, snapshot: fresh };
      fresh.catch(() => {
        if (cached?.snapshot === fresh) cached = null;
      });
    } else if (at - cached.at > PUBLIC_SNAPSHOT_MS && !refreshing) {
      const fresh = snapshot();
      refreshing = fresh;
      // a change while this ran cleared `refreshing`: its result may predate the change, drop it.
      // A failure is not hidden behind the old snapshot: the next request loads (and reports) again
      const settle = (ok: boolean) => {
        if (refreshing !== fresh) return;
        refreshing = null;
        cached = ok ? { at, snapshot: fresh } : null;
      };
      fresh.then(() => settle(true), () => settle(false));
    }
    return cached.snapshot;
  };

  // the publish effect only marks a republish as due; the publisher's loop does the work
  const sink: EffectSink = {
    name: 'mirror',
    async plan(_trx, effect) {
      if (effect.type === 'publish') publisher?.markDue();
    },
  };
  let unsubscribe: (() => void) | null = null;

  return {
    name: 'mirror',
    sinks: enabled ? [sink] : [],
    deliverers: enabled && config.ipfs.pinningServices.length > 0 ? [createPinDeliverer({ services: config.ipfs.pinningServices, fetch: options.fetch, pollForMs: options.pinPollForMs })] : [],
    routes: mirrorRoutes({ snapshot: publicSnapshot, state: () => publisher?.state() ?? DISABLED, node: () => node, logger }),
    apiDocs: MIRROR_ROUTES,
    mirrorState: () => publisher?.state() ?? DISABLED,
    node: () => node,
    async addFile(bytes) {
      if (!node) throw new FirebreakError('the IPFS node is not running (ipfs.enabled: false, or the service is not started)', { code: 'ipfs_disabled', status: 503 });
      return node.addFile(bytes);
    },
    publishNow: async () => (publisher ? publisher.publishNow() : null),
    async onDelivered(event: DeliveryEvent) {
      if (!event.row.channel.startsWith('pin:') || event.outcome === 'retry') return;
      const payload = event.row.payload as PinPayload;
      const result = event.result as PinResult | undefined;
      const text =
        event.outcome === 'sent'
          ? `Status mirror pinned at ${result?.service ?? 'the pinning service'}: ipfs://${payload.cid}`
          : `Remote pinning of ipfs://${payload.cid} failed: ${event.error ?? 'unknown error'}`;
      // failures always reach the timeline; successes only for versions that were announced there
      const incidents = event.outcome === 'failed' && payload.incidents.length === 0 && event.row.incidentId ? [event.row.incidentId] : payload.incidents;
      for (const id of incidents) {
        await engine.record(id, [{ kind: 'pin', text, actor: 'firebreak', data: { cid: payload.cid, outcome: event.outcome, outbox: event.row.id } }]).catch((error: unknown) =>
          logger.warn({ incident: id, reason: reasonOf(error) }, 'recording the pin failed'),
        );
      }
    },
    async start() {
      if (!enabled) {
        logger.info({}, 'ipfs disabled: status page served without a mirror');
        return;
      }
      // several instances share PostgreSQL: the IPNS key lives there so any of them signs under the same name
      const keyStore = options.keyStore ?? (config.storage.kind === 'postgres' ? storeKeyStore(store.db) : undefined);
      node = await startIpfsNode({ dir: join(config.dataDir, 'ipfs'), listen: config.ipfs.listen, ipnsKey: config.ipfs.ipnsKey, keyStore, logger });
      publisher = createPublisher({
        db: store.db,
        engine,
        node,
        snapshot,
        logger,
        now,
        pinningServices: config.ipfs.pinningServices.length,
        quietMs: options.quietMs,
        maxDelayMs: options.maxDelayMs,
        keepVersions: options.keepVersions,
        isLeader: ctx.isLeader,
      });
      // after commit too: the sink runs inside the transaction, this restarts the quiet period
      unsubscribe = engine.onChange((change) => {
        if (change.effects.some((e) => e.type === 'publish')) publisher?.markDue();
      });
      await publisher.start();
    },
    onLeadership(leader) {
      // a change a follower kept pending, or the state since the last leader's version
      if (leader) publisher?.markDue();
    },
    async stop() {
      unsubscribe?.();
      await publisher?.stop();
      await node?.stop().catch((error: unknown) => logger.warn({ reason: reasonOf(error) }, 'ipfs node stop failed'));
      publisher = null;
      node = null;
    },
  };
}
