/**
 * The config file as the service reads it, at start and on every reload. Stricter than the library:
 * a file that is empty, only whitespace or comments, or that names no module without saying so
 * (`modules: []`) is refused. A reload that raced an editor's truncating write, or a deploy that wrote
 * nothing, must not swap in zero modules and silently stop all presence routing.
 */
import { readConfigDocument } from '../config/load.js';
import { parseConfig } from '../config/parse.js';
import { parseServiceSection, type ServiceSection } from '../config/service-options.js';
import { configError } from '../errors.js';

export interface ServedConfig {
  document: Record<string, unknown>;
  baseDir: string;
  service: ServiceSection;
}

export async function readServedConfig(file: string): Promise<ServedConfig> {
  const { text, document, baseDir } = await readConfigDocument(file);
  if (text.trim() === '') throw configError(file, 'is empty; to serve no modules on purpose, write `modules: []`');
  if (document === null || document === undefined) {
    throw configError(file, 'holds no settings (only comments or an empty document); to serve no modules on purpose, write `modules: []`');
  }
  const config = parseConfig(document, baseDir);
  const root = document as Record<string, unknown>;
  if (config.modules.length === 0 && !(Array.isArray(root.modules) && root.modules.length === 0)) {
    throw configError(file, 'names no module; to serve none on purpose, write `modules: []`');
  }
  return { document: root, baseDir, service: parseServiceSection(root.service) };
}
