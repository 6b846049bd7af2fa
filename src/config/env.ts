/**
 * `${NAME}` in any string is replaced by the environment variable NAME (SPEC §2). A missing variable
 * removes the value; the schema then reports it if the key was required (with the variable's name),
 * and it is a warning otherwise (an optional integration left unconfigured).
 */
import { formatPath } from './zod-issues.ts';

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export interface MissingVariable {
  path: string;
  name: string;
}

export function interpolateEnv(
  value: unknown,
  env: Record<string, string | undefined>,
): { value: unknown; missing: MissingVariable[] } {
  const missing: MissingVariable[] = [];
  const visit = (node: unknown, path: Array<string | number>): unknown => {
    if (typeof node === 'string') {
      let absent: string | undefined;
      const replaced = node.replace(REFERENCE, (_, name: string) => {
        const found = env[name];
        if (found === undefined || found === '') {
          absent ??= name;
          return '';
        }
        return found;
      });
      if (absent !== undefined) {
        missing.push({ path: formatPath(path), name: absent });
        return undefined;
      }
      return replaced;
    }
    if (Array.isArray(node)) {
      return node.map((item, index) => visit(item, [...path, index])).filter((item) => item !== undefined);
    }
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
  return { value: visit(value, []), missing };
}
