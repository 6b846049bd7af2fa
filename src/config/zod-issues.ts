import type { z } from 'zod';
import type { ConfigIssue } from '../core/errors.ts';

/** `bridges[0].source.event` from zod's path array. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else {
      const key = String(part);
      out += /^[A-Za-z_$][\w$-]*$/.test(key) ? (out ? `.${key}` : key) : `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}

export interface ZodIssueOptions {
  /** prefix for every path, e.g. a playbook file name */
  prefix?: string;
  /** paths whose value must never be shown (it came from the environment, it may be a secret) */
  hideValue?: (path: string) => boolean;
}

/**
 * One line per problem; unknown keys get one line each, since each is its own typo.
 * Parse with `{ reportInput: true }` so that type errors can say what they got.
 */
export function zodIssues(error: z.ZodError, options: ZodIssueOptions | string = {}): ConfigIssue[] {
  const { prefix = '', hideValue = () => false } = typeof options === 'string' ? { prefix: options } : options;
  const issues: ConfigIssue[] = [];
  const join = (path: string) => (prefix ? (path ? `${prefix}: ${path}` : prefix) : path);
  const visit = (issue: z.core.$ZodIssue, base: ReadonlyArray<PropertyKey>) => {
    const fullPath = [...base, ...issue.path];
    const path = formatPath(fullPath);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        issues.push({ path: join(formatPath([...fullPath, key])), message: 'unknown key (a typo?)' });
      }
      return;
    }
    if (issue.code === 'invalid_union') {
      const branch = likelyBranch(issue);
      if (branch) {
        for (const inner of branch) visit(inner, fullPath);
        return;
      }
      issues.push({ path: join(path), message: unionMessage(issue, hideValue(path)) });
      return;
    }
    if (issue.code === 'invalid_key') {
      const inner = (issue as { issues?: z.core.$ZodIssue[] }).issues?.[0];
      issues.push({ path: join(path), message: `invalid key: ${inner ? inner.message : issue.message}` });
      return;
    }
    issues.push({ path: join(path), message: humanMessage(issue, hideValue(path)) });
  };
  for (const issue of error.issues) visit(issue, []);
  return issues;
}

/**
 * A union fails on every branch. When exactly one branch got past the type check (the value is an
 * object and one branch is an object schema), its problems are the useful ones.
 */
function likelyBranch(issue: z.core.$ZodIssue): z.core.$ZodIssue[] | undefined {
  const branches = (issue as { errors?: z.core.$ZodIssue[][] }).errors ?? [];
  const typed = branches.filter(
    (branch) => !branch.every((inner) => inner.code === 'invalid_type' && inner.path.length === 0),
  );
  return typed.length === 1 ? typed[0] : undefined;
}

function isDefaultMessage(message: string): boolean {
  return /^Invalid input/.test(message);
}

function humanMessage(issue: z.core.$ZodIssue, hidden: boolean): string {
  if (issue.code === 'invalid_type') {
    const input = (issue as { input?: unknown }).input;
    const custom = isDefaultMessage(issue.message) ? undefined : issue.message;
    if (input === undefined) return `is required (${custom ?? `expected ${issue.expected}`})`;
    const got = hidden ? describeType(input) : describe(input);
    return custom ? `${custom}, got ${got}` : `expected ${issue.expected}, got ${got}`;
  }
  return issue.message;
}

function unionMessage(issue: z.core.$ZodIssue, hidden: boolean): string {
  const branches = (issue as { errors?: z.core.$ZodIssue[][] }).errors ?? [];
  const messages = branches.flat().map((inner) => {
    const where = formatPath(inner.path);
    return (where ? `${where}: ` : '') + humanMessage(inner, hidden);
  });
  if (messages.length === 0) return 'invalid value';
  return `invalid value: ${[...new Set(messages)].slice(0, 3).join('; ')}`;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

/** Strings are never echoed: a type error is enough said, and the string may be a secret. */
function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return describeType(value);
}
