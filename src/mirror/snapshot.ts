/** Builds the renderers' input from the live incident store and the config. */
import type { Config } from '../config/types.ts';
import type { IncidentEngine } from '../incidents/engine.ts';
import { type StatusSnapshot, statusPageUrl } from './render/public.ts';

export interface SnapshotSource {
  config: Config;
  engine: Pick<IncidentEngine, 'list'>;
  now: () => Date;
  pageName: string;
  ipns: () => string | null;
}

const RESOLVED_SHOWN = 200;
/** far above any real number of open incidents; it bounds one page's size */
const MAX_OPEN = 1_000;

export async function liveSnapshot(source: SnapshotSource): Promise<StatusSnapshot> {
  // every open incident is on the page however many were resolved since; history is the newest 200
  const [open, resolved] = await Promise.all([
    source.engine.list({ status: 'open', limit: MAX_OPEN }),
    source.engine.list({ status: 'resolved', limit: RESOLVED_SHOWN }),
  ]);
  const incidents = [...open, ...resolved];
  return {
    page: { name: source.pageName, url: statusPageUrl(source.config.server.publicUrl) },
    generatedAt: source.now(),
    incidents,
    maintenance: source.config.maintenance,
    components: {
      bridges: source.config.bridges.map((b) => ({ id: b.id, name: b.name })),
      chains: Object.keys(source.config.chains),
    },
    ipns: source.ipns(),
  };
}
