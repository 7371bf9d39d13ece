// The Rust module(s) under modules/ (a src/lib.rs), as `npm run build` built them with Debian's rustc
// (modules/build-rust.mjs). Without rustc the build skips them; then every test that uses one fails here,
// naming the install command, rather than passing without them.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The Rust twin of modules/example_presence_router (same config, answers and messages). */
export const RUST_EXAMPLE_ROUTER = 'example_presence_router_rust';

/** The example router in both languages, for tests run over each. */
export const EXAMPLE_ROUTERS = ['example_presence_router', RUST_EXAMPLE_ROUTER] as const;

/** modules/<name>/build/release.wasm, or an error saying how to get it. */
export function rustModulePath(name: string): string {
  const path = join(ROOT, 'modules', name, 'build', 'release.wasm');
  if (!existsSync(path)) {
    throw new Error(
      `${path} is missing: the Rust module is built by \`npm run build\` only when /usr/bin/rustc exists; `
        + 'install it with `bash .ci/rust-tools.sh` (apt-get install rustc libstd-rust-dev-wasm32 lld), then run `npm run build`',
    );
  }
  return path;
}

export async function rustModuleBinary(name: string): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await readFile(rustModulePath(name)));
}
