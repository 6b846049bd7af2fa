/**
 * Playbooks are data that operators edit: the severity matrix (thresholds, update cadence, ack
 * timeouts, who hears what), one runbook per detection kind, and the message templates.
 * Loaded and checked here; problems are reported with the file and the path inside it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import type { ConfigIssue } from '../core/errors.ts';
import { parseDuration } from '../core/duration.ts';
import type { SeverityThresholds } from '../core/severity.ts';
import type { Audience, Severity } from '../core/types.ts';
import { SEVERITIES } from '../core/types.ts';
import { type RawThresholds, thresholdsSchema } from './schema.ts';
import { zodIssues } from './zod-issues.ts';

export type RunbookKind = 'bridge-stuck' | 'bridge-exploit' | 'chain-halted' | 'chain-unobservable' | 'alert' | 'manual' | 'monitor-down';
export const RUNBOOK_KINDS: readonly RunbookKind[] = [
  'bridge-stuck',
  'bridge-exploit',
  'chain-halted',
  'chain-unobservable',
  'alert',
  'manual',
  'monitor-down',
];

export interface SeverityLevel {
  thresholds: SeverityThresholds;
  /** cadence of status updates; null = no scheduled updates */
  updateEveryMs: number | null;
  /** how long a paged tier has to acknowledge before the next tier is paged; null = no escalation */
  ackTimeoutMs: number | null;
  /** who hears about incidents at this level */
  audiences: Audience[];
  /** whether on-call is paged at this level */
  page: boolean;
  /** whether a postmortem is due after resolution */
  postmortem: boolean;
  /** whether incidents at this level get a war room (a Discord thread, a Telegram forum topic) */
  warRoom: boolean;
}

export interface Runbook {
  kind: RunbookKind;
  title: string;
  steps: string[];
  /** page on-call only at this severity or worse; null = never page */
  pageMinSeverity: Severity | null;
  actions: { autoPause: boolean; snapshotProposal: boolean; dryRun: boolean };
  /** advice added to the incident when a recent admin change is found (e.g. roll back first) */
  recentChangeAdvice: string | null;
}

export interface Playbooks {
  dir: string;
  levels: Record<Severity, SeverityLevel>;
  quietPeriodMs: number;
  postmortemDueAfterMs: number;
  runbooks: Record<RunbookKind, Runbook>;
  /** template file name (e.g. `declared.community.md`) → its text */
  templates: Record<string, string>;
}

/** Runbook kinds added after playbooks folders were in use: a folder without the file uses ours. */
const ADDED_LATER = new Set<RunbookKind>(['bridge-exploit']);
const SHIPPED_RUNBOOKS = fileURLToPath(new URL('../../playbooks/runbooks', import.meta.url));

const audience = z.enum(['ops', 'dev', 'comms', 'community']);
const levelSchema = z.strictObject({
  thresholds: thresholdsSchema.default({}),
  updateEvery: z.union([z.string(), z.null()]).default(null),
  ackTimeout: z.union([z.string(), z.null()]).default(null),
  audiences: z.array(audience).default(['ops']),
  page: z.boolean().default(false),
  postmortem: z.boolean().default(false),
  // default: S0–S2 get a war room, S3 does not (see loadPlaybooks)
  warRoom: z.boolean().optional(),
});
const severityFileSchema = z.strictObject({
  levels: z.strictObject({ S0: levelSchema, S1: levelSchema, S2: levelSchema, S3: levelSchema }),
  quietPeriod: z.string().default('15m'),
  postmortemDueAfter: z.string().default('24h'),
});
const runbookSchema = z.strictObject({
  kind: z.enum(RUNBOOK_KINDS as [RunbookKind, ...RunbookKind[]]),
  title: z.string().min(1),
  steps: z.array(z.string().min(1)).min(1),
  page: z.strictObject({ minSeverity: z.union([z.enum(['S0', 'S1', 'S2', 'S3']), z.null()]) }),
  actions: z
    .strictObject({
      autoPause: z.boolean().default(false),
      snapshotProposal: z.boolean().default(false),
      dryRun: z.boolean().default(false),
    })
    .default({ autoPause: false, snapshotProposal: false, dryRun: false }),
  recentChangeAdvice: z.string().optional(),
});

function durationOrIssue(
  text: string | null,
  path: string,
  issues: ConfigIssue[],
): number | null {
  if (text === null) return null;
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    issues.push({ path, message: `"${text}" is not a duration (use 90s, 30m, 12h or 3d)` });
    return null;
  }
  return ms;
}

function readYaml(file: string, label: string, issues: ConfigIssue[]): unknown {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    issues.push({ path: label, message: `cannot read ${file}` });
    return undefined;
  }
  const doc = parseDocument(source, { prettyErrors: false });
  if (doc.errors.length > 0) {
    for (const error of doc.errors) issues.push({ path: label, message: `YAML: ${error.message.split('\n')[0]}` });
    return undefined;
  }
  return doc.toJS();
}

/**
 * Load the playbooks folder: `severity.yaml`, `runbooks/<kind>.yaml` and (optionally) `templates/`.
 * `thresholdOverride` is the config's inline `severity:` section, already checked and converted
 * (durations in ms): it replaces the thresholds of the levels it names; everything else about
 * a level (cadence, audiences, paging) still comes from the playbook.
 * Issue paths start with the playbook file (`<dir>/severity.yaml: levels.S1.ackTimeout`).
 */
export function loadPlaybooks(dir: string, thresholdOverride: Partial<Record<Severity, SeverityThresholds>> = {}): {
  playbooks: Playbooks | null;
  issues: ConfigIssue[];
} {
  const issues: ConfigIssue[] = [];
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    return { playbooks: null, issues: [{ path: 'playbooks', message: `${dir} is not a folder` }] };
  }
  const severityLabel = join(dir, 'severity.yaml');
  const raw = readYaml(join(dir, 'severity.yaml'), severityLabel, issues);
  const parsed = raw === undefined ? undefined : severityFileSchema.safeParse(raw, { reportInput: true });
  if (parsed && !parsed.success) issues.push(...zodIssues(parsed.error, severityLabel));

  const levels = {} as Record<Severity, SeverityLevel>;
  let quietPeriodMs = 15 * 60_000;
  let postmortemDueAfterMs = 24 * 3_600_000;
  if (parsed?.success) {
    for (const level of SEVERITIES) {
      const entry = parsed.data.levels[level];
      const path = `${severityLabel}: levels.${level}`;
      const override = thresholdOverride[level];
      const thresholds = override ? { ...override } : thresholdsFrom(entry.thresholds, `${path}.thresholds`, issues);
      levels[level] = {
        thresholds,
        updateEveryMs: durationOrIssue(entry.updateEvery, `${path}.updateEvery`, issues),
        ackTimeoutMs: durationOrIssue(entry.ackTimeout, `${path}.ackTimeout`, issues),
        audiences: entry.audiences,
        page: entry.page,
        postmortem: entry.postmortem,
        warRoom: entry.warRoom ?? level !== 'S3',
      };
    }
    quietPeriodMs = durationOrIssue(parsed.data.quietPeriod, `${severityLabel}: quietPeriod`, issues) ?? quietPeriodMs;
    postmortemDueAfterMs =
      durationOrIssue(parsed.data.postmortemDueAfter, `${severityLabel}: postmortemDueAfter`, issues) ??
      postmortemDueAfterMs;
  }

  const runbooks = {} as Record<RunbookKind, Runbook>;
  for (const kind of RUNBOOK_KINDS) {
    let label = join(dir, 'runbooks', `${kind}.yaml`);
    // a playbooks folder written before a runbook kind existed gets the shipped one for it
    if (ADDED_LATER.has(kind) && !existsSync(label)) label = join(SHIPPED_RUNBOOKS, `${kind}.yaml`);
    const rawRunbook = readYaml(label, label, issues);
    if (rawRunbook === undefined) continue;
    const result = runbookSchema.safeParse(rawRunbook, { reportInput: true });
    if (!result.success) {
      issues.push(...zodIssues(result.error, label));
      continue;
    }
    if (result.data.kind !== kind) issues.push({ path: `${label}: kind`, message: `must be "${kind}" (the file name)` });
    runbooks[kind] = {
      kind,
      title: result.data.title,
      steps: result.data.steps,
      pageMinSeverity: result.data.page.minSeverity,
      actions: result.data.actions,
      recentChangeAdvice: result.data.recentChangeAdvice ?? null,
    };
  }

  // templates are optional here: a missing folder means no templates (the messaging code checks
  // that the ones it needs exist)
  const templates: Record<string, string> = {};
  const templatesDir = join(dir, 'templates');
  if (existsSync(templatesDir)) {
    try {
      for (const file of walk(templatesDir)) templates[relative(templatesDir, file)] = readFileSync(file, 'utf8');
    } catch {
      issues.push({ path: templatesDir, message: 'cannot read the templates folder' });
    }
  }

  if (issues.length > 0) return { playbooks: null, issues };
  return { playbooks: { dir, levels, quietPeriodMs, postmortemDueAfterMs, runbooks, templates }, issues };
}

/** Raw thresholds (oldestStuck a duration string) → SeverityThresholds (oldestStuck in ms). */
export function thresholdsFrom(raw: RawThresholds, path: string, issues: ConfigIssue[]): SeverityThresholds {
  const thresholds: SeverityThresholds = {};
  if (raw.lockedUsd !== undefined) thresholds.lockedUsd = raw.lockedUsd;
  if (raw.stuckTransfers !== undefined) thresholds.stuckTransfers = raw.stuckTransfers;
  if (raw.halted !== undefined) thresholds.halted = raw.halted;
  if (raw.oldestStuck !== undefined) {
    const ms = durationOrIssue(raw.oldestStuck, `${path}.oldestStuck`, issues);
    if (ms !== null) thresholds.oldestStuck = ms;
  }
  return thresholds;
}

function walk(dir: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...walk(path));
    else files.push(path);
  }
  return files;
}
