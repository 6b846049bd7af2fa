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

/** One line per problem; unknown keys get one line each, since each is its own typo. */
export function zodIssues(error: z.ZodError, prefix = ''): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const join = (path: string) => (prefix ? (path ? `${prefix}: ${path}` : prefix) : path);
  for (const issue of error.issues) {
    const path = formatPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        issues.push({ path: join(formatPath([...issue.path, key])), message: 'unknown key (a typo?)' });
      }
      continue;
    }
    if (issue.code === 'invalid_union') {
      issues.push({ path: join(path), message: unionMessage(issue) });
      continue;
    }
    issues.push({ path: join(path), message: humanMessage(issue) });
  }
  return issues;
}

function humanMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return `is required (expected ${issue.expected})`;
    return `expected ${issue.expected}, got ${describe(issue.input)}`;
  }
  return issue.message;
}

function unionMessage(issue: z.core.$ZodIssue): string {
  // zod reports every branch; the shortest branch message is usually the most useful one
  const branches = (issue as { errors?: z.core.$ZodIssue[][] }).errors ?? [];
  const messages = branches.flat().map((inner) => {
    const where = formatPath(inner.path);
    return (where ? `${where}: ` : '') + humanMessage(inner);
  });
  if (messages.length === 0) return issue.message;
  return `${issue.message}: ${[...new Set(messages)].slice(0, 3).join('; ')}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `"${value.length > 40 ? value.slice(0, 40) + '…' : value}"`;
  return typeof value;
}
