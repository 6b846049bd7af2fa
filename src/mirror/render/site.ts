/** The files of one mirror version: what goes into the UnixFS directory. Pure. */
import { renderFeed } from './feed.ts';
import { renderStatusPage } from './page.ts';
import type { StatusSnapshot } from './public.ts';
import { renderHistory, renderSummary } from './summary.ts';

export type SiteFiles = Record<string, string>;

export function renderSite(snapshot: StatusSnapshot): SiteFiles {
  return {
    'index.html': renderStatusPage(snapshot),
    'summary.json': JSON.stringify(renderSummary(snapshot), null, 2) + '\n',
    'history.json': JSON.stringify(renderHistory(snapshot), null, 2) + '\n',
    'feed.xml': renderFeed(snapshot),
  };
}
