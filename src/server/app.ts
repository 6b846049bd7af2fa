/**
 * The HTTP surface (hono). Public: /healthz and the dashboard; everything under /api needs a
 * bearer token (read for GET, write otherwise).
 */
import { Hono } from 'hono';
import type { Config } from '../config/types.ts';
import type { WatchService } from '../watchers/service.ts';
import { type AuthEnv, requireToken } from './auth.ts';
import { renderDashboard } from './dashboard.ts';

export interface ServerDeps {
  config: Config;
  watch: WatchService;
  title?: string;
  /** shown on the dashboard (what this build does not do yet, drill hints) */
  notes?: string[];
  now?: () => number;
}

export function createServerApp(deps: ServerDeps): Hono<AuthEnv> {
  const { config, watch } = deps;
  const now = deps.now ?? Date.now;
  const app = new Hono<AuthEnv>();

  app.get('/healthz', (c) => {
    const chains: Record<string, { head: number | null; headTimestamp: number | null; lagSeconds: number | null; rpc: number }> = {};
    for (const chain of watch.chains()) {
      const head = chain.head;
      chains[chain.name] = {
        head: head?.head ?? null,
        headTimestamp: head?.headTimestamp ?? null,
        lagSeconds: head ? Math.max(0, Math.round(now() / 1000 - head.headTimestamp)) : null,
        rpc: chain.rpc,
      };
    }
    const ok = watch.chains().every((chain) => !chain.unobservableSince);
    return c.json({ ok, role: 'leader', chains }, ok ? 200 : 503);
  });

  app.get('/', (c) =>
    c.html(
      renderDashboard({
        title: deps.title ?? 'Firebreak',
        chains: watch.chains(),
        bridges: config.bridges.map((b) => ({ id: b.id, name: b.name, judgement: watch.judgements().find((j) => j.id === b.id) })),
        notes: deps.notes ?? [],
        nowMs: now(),
      }),
    ),
  );

  app.use('/api/*', requireToken(config.server.apiTokens));
  app.get('/api/bridges', (c) => c.json(watch.judgements()));

  app.notFound((c) => c.json({ error: 'not_found', message: `no route ${c.req.method} ${c.req.path}` }, 404));
  app.onError((error, c) => c.json({ error: 'internal', message: error.message.split('\n')[0] }, 500));
  return app;
}
