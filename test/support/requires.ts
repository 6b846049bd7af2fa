/**
 * What some tests need that `npm install` does not bring: Chromium (Debian `chromium`), a
 * PostgreSQL server at 127.0.0.1:5432 or its binaries, promtool (Debian `prometheus`). On a fresh
 * machine such a test is skipped with ONE loud line naming what is missing and how to get it; under
 * CI (`CI=true`, where .ci/run installs all of them) a missing one fails instead, so nothing is
 * skipped there unnoticed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { postgresAvailable } from './postgres.ts';
import { pgClusterAvailable } from './pg-cluster.ts';

export const CHROMIUM_PATH = process.env.FIREBREAK_CHROMIUM ?? '/usr/bin/chromium';

const announced = new Set<string>();

/** true when present; otherwise one loud line (once per process and test) — or, under CI, an error. */
function requirement(present: boolean, missing: string, install: string, what: string): boolean {
  if (present) return true;
  const line = `!!! SKIPPED ${what}: ${missing} is missing (${install}; .ci/run installs it) !!!`;
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`CI must run every test, but ${line.replace(/!!! ?/g, '')}`);
  if (!announced.has(line)) {
    announced.add(line);
    console.warn(line);
  }
  return false;
}

export function requireChromium(what: string): boolean {
  return requirement(existsSync(CHROMIUM_PATH), `Chromium (${CHROMIUM_PATH})`, 'apt-get install -y chromium', what);
}

/** A PostgreSQL server answering at 127.0.0.1:5432 (FIREBREAK_TEST_PG to point elsewhere). */
export async function requirePostgres(what: string): Promise<boolean> {
  return requirement(await postgresAvailable(), 'PostgreSQL at 127.0.0.1:5432', 'apt-get install -y postgresql, then start it', what);
}

/** PostgreSQL's own binaries (initdb, pg_ctl) for tests that run a private cluster. */
export function requirePostgresBinaries(what: string): boolean {
  return requirement(pgClusterAvailable(), 'PostgreSQL binaries under /usr/lib/postgresql', 'apt-get install -y postgresql', what);
}

export function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** promtool (Prometheus' rule checker) on the PATH. */
export function requirePromtool(what: string): boolean {
  return requirement(hasCommand('promtool'), 'promtool', 'apt-get install -y prometheus', what);
}
