/**
 * The config's JSON Schema, generated from the definition (definition.ts): `presence-sandbox schema`
 * prints it and docs/config.schema.json is it (a test keeps the file up to date). Draft 7, the draft
 * editors' YAML and JSON language servers read best. It says shapes and ranges; the rules across keys
 * (check.ts) are for `presence-sandbox validate`.
 */
import { z } from 'zod';
import { configSchema } from './definition.js';

export function configJsonSchema(): Record<string, unknown> {
  // The module entry has an id (definition.ts), so it is written once, under definitions, not three times.
  return z.toJSONSchema(configSchema(), { target: 'draft-7' }) as Record<string, unknown>;
}
