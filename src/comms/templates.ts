/**
 * The template set a config uses: the shipped templates, overridden file by file by the
 * playbooks folder's own `templates/`. A custom playbooks folder without templates still speaks
 * (silence is the worst response); one that changes a single file changes only that message.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLED_PLAYBOOKS } from '../config/load.ts';
import type { Config } from '../config/types.ts';

let shipped: Record<string, string> | undefined;

function shippedTemplates(): Record<string, string> {
  if (shipped) return shipped;
  const dir = join(BUNDLED_PLAYBOOKS, 'templates');
  const files: Record<string, string> = {};
  if (existsSync(dir)) for (const name of readdirSync(dir)) if (name.endsWith('.md')) files[name] = readFileSync(join(dir, name), 'utf8');
  shipped = files;
  return files;
}

export function templatesFor(config: Pick<Config, 'playbooks'>): Record<string, string> {
  return { ...shippedTemplates(), ...config.playbooks.templates };
}
