/** Builds the renderers' input from the live incident store and the config. */
import type { Config } from '../config/types.ts';
import type { IncidentEngine } from '../incidents/engine.ts';
import type { StatusSnapshot } from './render/public.ts';

export interface SnapshotSource {
  config: Config;
  engine: Pick<IncidentEngine, 'list'>;
  now: () => Date;
  pageName: string;
  ipns: () => string | null;
}

export async function liveSnapshot(source: SnapshotSource): Promise<StatusSnapshot> {
  const incidents = await source.engine.list({ status: 'all', limit: 200 });
  return {
    page: { name: source.pageName },
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
