/**
 * The drill's local Snapshot hub: the governance module ships a stand-in
 * (src/drill/standins/snapshot-hub.ts) that receives EIP-712 signed proposals like
 * hub.snapshot.org. It is loaded only when present, so the drill runs (with a draft proposal
 * instead of a sent one) in a build without it.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface SnapshotHubHandle {
  url: string;
  stop(): Promise<void>;
}

const STANDIN = new URL('./standins/snapshot-hub.ts', import.meta.url);

export async function startDrillSnapshotHub(): Promise<SnapshotHubHandle | null> {
  // TODO(drill): no stand-in in this build → governance.snapshot gets no signer and the proposal is a draft file
  if (!existsSync(fileURLToPath(STANDIN))) return null;
  const mod = (await import(STANDIN.href)) as Record<string, unknown>;
  const start = Object.entries(mod).find(([name, value]) => typeof value === 'function' && /^start\w*Hub/i.test(name))?.[1] as
    | ((options?: Record<string, unknown>) => Promise<Record<string, unknown>>)
    | undefined;
  if (!start) return null;
  const hub = await start({});
  const url = String(hub.url ?? '');
  const stopFn = (hub.stop ?? hub.close) as (() => Promise<void>) | undefined;
  return { url, stop: async () => stopFn?.call(hub) };
}
