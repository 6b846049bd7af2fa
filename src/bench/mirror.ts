/**
 * Mirror publish: the time from "publish now" to the new version being the IPNS name's target and
 * recorded on the open incidents — render, UnixFS add, pin, IPNS publish and the bookkeeping around
 * them — through the publisher the service runs (createPublisher), on the real helia node
 * (startIpfsNode: on disk, loopback-only libp2p) and an on-disk PGlite store, as `start` runs them.
 * The page holds `open` open incidents and `resolved` resolved ones, all made through the incident
 * engine's commands. Each trial follows a change (an update on an open incident), so no publish
 * repeats the last one; the debounce wait is not counted (it is a wait, not work).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FirebreakError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { Config } from '../config/types.ts';
import { createIncidentEngine } from '../incidents/engine.ts';
import { type IpfsNode, startIpfsNode } from '../mirror/ipfs.ts';
import { createPublisher } from '../mirror/publisher.ts';
import { liveSnapshot } from '../mirror/snapshot.ts';
import { createStore } from '../store/store.ts';
import { percentile } from './stats.ts';

export interface MirrorSizes {
  open: number;
  resolved: number;
  /** timed publishes (after one untimed first publish) */
  trials: number;
}

export const MIRROR_SIZES: MirrorSizes = { open: 50, resolved: 500, trials: 20 };

/** one publish, split where the publisher hands over to the node */
export interface MirrorPhases {
  /** read the incidents from the store */
  snapshotMs: number;
  /** render index.html, summary.json, history.json, feed.xml */
  renderMs: number;
  /** UnixFS add of the four files and the directory, and the recursive pin (one node call) */
  addPinMs: number;
  /** sign and store the IPNS record */
  ipnsMs: number;
  /** the publication row, mirror.cid on every open incident, retention of old versions */
  recordMs: number;
}

export interface MirrorResult {
  open: number;
  resolved: number;
  /** incidents on the published page (the snapshot lists the newest ones) */
  pageIncidents: number;
  pageBytes: number;
  trials: number;
  /** the whole publish, p50 and p99 over the trials */
  p50Ms: number;
  p99Ms: number;
  /** render + add + pin + IPNS publish alone (the list), p50 and p99 */
  coreP50Ms: number;
  coreP99Ms: number;
  /** per-phase p50 */
  phasesP50: MirrorPhases;
  /** the first publish after the incidents were made (not a trial: it announces every one of them) */
  firstMs: number;
  setupSeconds: number;
  /** the last version, checked: its IPNS name resolves to it and it is pinned */
  cid: string;
  ipns: string;
}

/** The node, with the start and end of the calls the publisher makes on it noted. */
function timedNode(node: IpfsNode, marks: Record<string, number>): IpfsNode {
  return {
    ...node,
    async addSite(files) {
      marks.addStart = performance.now();
      const cid = await node.addSite(files);
      marks.addEnd = performance.now();
      marks.pageBytes = Object.values(files).reduce((sum, f) => sum + (typeof f === 'string' ? Buffer.byteLength(f) : f.byteLength), 0);
      return cid;
    },
    async publishName(cid) {
      marks.ipnsStart = performance.now();
      await node.publishName(cid);
      marks.ipnsEnd = performance.now();
    },
  };
}

export interface MirrorBenchOptions {
  config: Config;
  logger: Logger;
  sizes?: Partial<MirrorSizes>;
  say?: (line: string) => void;
  /** keep the store and the IPFS repo here (default: a temporary folder, removed afterwards) */
  dir?: string;
}

export async function benchMirror(options: MirrorBenchOptions): Promise<MirrorResult> {
  const { config, logger } = options;
  const sizes = { ...MIRROR_SIZES, ...options.sizes };
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'firebreak-bench-mirror-'));
  const setupStarted = performance.now();
  const store = await createStore({ kind: 'pglite', url: join(dir, 'db') }, logger);
  let node: IpfsNode | null = null;
  try {
    const engine = createIncidentEngine({ store, config, logger });
    // history first, then the open ones: open incidents are the newest, as in production
    for (let i = 0; i < sizes.resolved; i++) {
      const incident = await engine.commands.declare({ title: `Past incident ${i + 1}`, severity: i % 5 === 0 ? 'S2' : 'S3', summary: 'declared by firebreak bench' }, 'bench');
      await engine.commands.resolve(incident.id, 'bench', 'resolved by firebreak bench');
    }
    const openIds: string[] = [];
    for (let i = 0; i < sizes.open; i++) {
      const incident = await engine.commands.declare({ title: `Open incident ${i + 1}`, severity: i % 4 === 0 ? 'S2' : 'S3', summary: 'declared by firebreak bench' }, 'bench');
      openIds.push(incident.id);
    }
    node = await startIpfsNode({ dir: join(dir, 'ipfs'), listen: config.ipfs.listen, ipnsKey: config.ipfs.ipnsKey, logger });
    const marks: Record<string, number> = {};
    const snapshot = async () => {
      const taken = await liveSnapshot({ config, engine, now: () => new Date(), pageName: 'Firebreak bench', ipns: () => node?.ipnsName ?? null });
      marks.snapshotEnd = performance.now();
      return taken;
    };
    const publisher = createPublisher({ db: store.db, engine, node: timedNode(node, marks), snapshot, logger, now: () => new Date(), pinningServices: config.ipfs.pinningServices.length });
    const setupSeconds = (performance.now() - setupStarted) / 1000;
    options.say?.(`  ${sizes.open} open + ${sizes.resolved} resolved incidents made in ${setupSeconds.toFixed(1)} s`);
    try {
      let started = performance.now();
      let cid = await publisher.publishNow();
      const firstMs = performance.now() - started;
      const totals: number[] = [];
      const cores: number[] = [];
      const phases: MirrorPhases[] = [];
      for (let trial = 0; trial < sizes.trials; trial++) {
        await engine.commands.postUpdate(openIds[trial % openIds.length]!, { message: `Still looking into it (update ${trial + 1})` }, 'bench');
        for (const key of Object.keys(marks)) delete marks[key];
        started = performance.now();
        cid = await publisher.publishNow();
        const ended = performance.now();
        const { snapshotEnd, addStart, addEnd, ipnsStart, ipnsEnd } = marks;
        if ([snapshotEnd, addStart, addEnd, ipnsStart, ipnsEnd].some((m) => m === undefined)) throw new FirebreakError('a mirror publish skipped a phase', { code: 'bench_mirror' });
        const phase: MirrorPhases = {
          snapshotMs: snapshotEnd! - started,
          renderMs: addStart! - snapshotEnd!,
          addPinMs: addEnd! - addStart!,
          ipnsMs: ipnsEnd! - ipnsStart!,
          recordMs: ended - ipnsEnd!,
        };
        phases.push(phase);
        totals.push(ended - started);
        cores.push(phase.renderMs + phase.addPinMs + phase.ipnsMs);
      }
      // the figure is only worth something if the version is really out there
      const resolved = await node.resolveName();
      if (resolved !== cid) throw new FirebreakError(`the IPNS name resolves to ${resolved ?? 'nothing'}, not the last published ${cid}`, { code: 'bench_mirror' });
      if (!(await node.isPinned(cid))) throw new FirebreakError(`the last published version ${cid} is not pinned`, { code: 'bench_mirror' });
      const page = await engine.commands.list({ status: 'all', limit: sizes.open + sizes.resolved });
      const missing = page.filter((i) => i.status !== 'resolved' && i.mirror.cid !== cid);
      if (missing.length > 0) throw new FirebreakError(`${missing.length} open incidents do not carry the last CID`, { code: 'bench_mirror' });
      const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
      const p50Of = (key: keyof MirrorPhases) => percentile(sorted(phases.map((p) => p[key])), 50);
      const snap = await liveSnapshot({ config, engine, now: () => new Date(), pageName: 'Firebreak bench', ipns: () => null });
      return {
        open: sizes.open,
        resolved: sizes.resolved,
        pageIncidents: snap.incidents.length,
        pageBytes: marks.pageBytes ?? 0,
        trials: sizes.trials,
        p50Ms: percentile(sorted(totals), 50),
        p99Ms: percentile(sorted(totals), 99),
        coreP50Ms: percentile(sorted(cores), 50),
        coreP99Ms: percentile(sorted(cores), 99),
        phasesP50: { snapshotMs: p50Of('snapshotMs'), renderMs: p50Of('renderMs'), addPinMs: p50Of('addPinMs'), ipnsMs: p50Of('ipnsMs'), recordMs: p50Of('recordMs') },
        firstMs,
        setupSeconds,
        cid,
        ipns: node.ipnsName,
      };
    } finally {
      await publisher.stop();
    }
  } finally {
    await node?.stop().catch(() => {});
    await store.close();
    if (!options.dir) rmSync(dir, { recursive: true, force: true });
  }
}
