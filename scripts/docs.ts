/**
 * `npm run docs`: regenerate the reference files under docs/ from their sources (the config
 * schema, the route descriptions). `--check`: change nothing, exit 1 naming the stale files.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatedDocs } from '../src/app/api-reference.ts';

const root = join(import.meta.dirname, '..');
const check = process.argv.includes('--check');
const stale: string[] = [];
for (const [path, text] of Object.entries(generatedDocs())) {
  const file = join(root, path);
  let current: string | null = null;
  try {
    current = readFileSync(file, 'utf8');
  } catch {}
  if (current === text) continue;
  stale.push(path);
  if (!check) writeFileSync(file, text);
}
if (check && stale.length > 0) {
  console.error(`stale: ${stale.join(', ')}; run \`npm run docs\` and commit the result`);
  process.exit(1);
}
console.error(stale.length ? `docs: wrote ${stale.join(', ')}` : 'docs: up to date');
