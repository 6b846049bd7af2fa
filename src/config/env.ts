/**
 * `${NAME}` in any string is replaced by the environment variable NAME (SPEC §2). A missing (or
 * empty) variable removes the value: the loader reports an error naming the variable when the key
 * is required (or is a list item), and a warning otherwise (an optional integration left unset).
 * Values are never echoed in messages: the variables are where the secrets live.
 */
import { formatPath } from './zod-issues.ts';

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export interface MissingVariable {
  path: string;
  name: string;
}

export interface Interpolated {
  value: unknown;
  missing: MissingVariable[];
  /** paths of every value that came (in part) from the environment */
  interpolated: string[];
}

export function interpolateEnv(value: unknown, env: Record<string, string | undefined>): Interpolated {
  const missing: MissingVariable[] = [];
  const interpolated: string[] = [];
  const visit = (node: unknown, path: Array<string | number>): unknown => {
    if (typeof node === 'string') {
      let absent: string | undefined;
      let used = false;
      const replaced = node.replace(REFERENCE, (_, name: string) => {
        used = true;
        const found = env[name];
        if (found === undefined || found === '') {
          absent ??= name;
          return '';
        }
        return found;
      });
      if (used) interpolated.push(formatPath(path));
      if (absent !== undefined) {
        missing.push({ path: formatPath(path), name: absent });
        return undefined;
      }
      return replaced;
    }
    // list items keep their place (undefined), so that the paths of later items do not shift
    if (Array.isArray(node)) return node.map((item, index) => visit(item, [...path, index]));
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(node)) {
        const next = visit(child, [...path, key]);
        if (next !== undefined) out[key] = next;
      }
      return out;
    }
    return node;
  };
  return { value: visit(value, []), missing, interpolated };
}
