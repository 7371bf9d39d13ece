/**
 * `module:` names a bundled module (`example_presence_router`) or a .wasm file relative to the config file.
 * A bare name (letters, digits, `_`) is a bundled module; anything else is a path.
 */
import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { RefusalReason, moduleRefused } from '../errors.js';
import type { ModuleSpec } from '../config/schema.js';
import { modulesDir } from '../paths.js';

const BUNDLED_NAME = /^[A-Za-z0-9_]+$/;

export function bundledModulePath(name: string): string {
  return join(modulesDir, name, 'build', 'release.wasm');
}

export function bundledModuleNames(): string[] {
  return readdirSync(modulesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(bundledModulePath(d.name)))
    .map((d) => d.name)
    .sort();
}

export function resolveModuleFile(spec: ModuleSpec, baseDir: string): string {
  if (!BUNDLED_NAME.test(spec.module)) {
    return isAbsolute(spec.module) ? spec.module : resolve(baseDir, spec.module);
  }
  const file = bundledModulePath(spec.module);
  if (!existsSync(file)) {
    const known = bundledModuleNames();
    throw moduleRefused(
      spec.label,
      RefusalReason.UNKNOWN_MODULE,
      `no bundled module named ${JSON.stringify(spec.module)} (bundled: ${known.join(', ') || 'none built; run npm run build'}; a path to a .wasm file also works)`,
    );
  }
  return file;
}
