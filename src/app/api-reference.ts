/**
 * The whole API reference as `firebreak start` serves it (its own routes plus every default
 * integration's), and the generated reference files under docs/ (`npm run docs`).
 */
import { COMMS_ROUTES } from '../comms/api-docs.ts';
import { renderConfigReference } from '../config/reference.ts';
import { MIRROR_ROUTES } from '../mirror/api-docs.ts';
import { apiDocument } from '../server/app.ts';

export function serviceApiDocument(): Record<string, unknown> {
  return apiDocument([...MIRROR_ROUTES, ...COMMS_ROUTES]);
}

/** Generated files, by path relative to the repository root, with their current contents. */
export function generatedDocs(): Record<string, string> {
  return {
    'docs/configuration.md': renderConfigReference(),
    'docs/openapi.json': `${JSON.stringify(serviceApiDocument(), null, 2)}\n`,
  };
}
