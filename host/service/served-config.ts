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
import type { ConfigIssue } from '../config/issues.js';

export interface ServedConfig {
  document: Record<string, unknown>;
  baseDir: string;
  service: ServiceSection;
}

export async function readServedConfig(file: string): Promise<ServedConfig> {
  const { text, document, baseDir } = await readConfigDocument(file);
  const empty = unservedIssue(file, text, document);
  if (empty) throw configError(empty.path, empty.message);
  const config = parseConfig(document, baseDir);
  const none = unservedIssue(file, text, document, config.modules.length);
  if (none) throw configError(none.path, none.message);
  const root = document as Record<string, unknown>;
  return { document: root, baseDir, service: parseServiceSection(root.service) };
}

/** Why the service refuses a document the library would serve (`validate` says it too), if it does. */
export function unservedIssue(file: string, text: string, document: unknown, modules?: number): ConfigIssue | undefined {
  if (text.trim() === '') return { path: file, message: 'is empty; to serve no modules on purpose, write `modules: []`' };
  if (document === null || document === undefined) {
    return { path: file, message: 'holds no settings (only comments or an empty document); to serve no modules on purpose, write `modules: []`' };
  }
  const listed = (document as Record<string, unknown>).modules;
  if (modules === 0 && !(Array.isArray(listed) && listed.length === 0)) {
    return { path: file, message: 'names no module; to serve none on purpose, write `modules: []`' };
  }
  return undefined;
}
