// Builds every modules/<name>/ that has a src/lib.rs (a module written in Rust, docs/abi.md "Writing a
// module in Rust") into modules/<name>/build/{release,debug}.wasm with Debian's rustc, its wasm32 std
// and lld: no cargo, no crates. Called by modules/build.mjs; also runnable alone:
//
//     node modules/build-rust.mjs [name ...]

import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const modulesDir = dirname(fileURLToPath(import.meta.url));

/** Debian's compiler, never a hand-installed one earlier on PATH (CI has only Debian's). */
export const RUSTC = process.env.PRESENCE_RUSTC ?? "/usr/bin/rustc";
export const RUST_INSTALL_HINT = "bash .ci/rust-tools.sh (apt-get install rustc libstd-rust-dev-wasm32 lld)";

const FLAGS = {
  release: ["-C", "opt-level=s", "-C", "lto", "-C", "strip=symbols"],
  debug: ["-C", "opt-level=1", "-g"],
};

export function rustModules() {
  return readdirSync(modulesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(modulesDir, d.name, "src", "lib.rs")))
    .map((d) => d.name)
    .sort();
}

export function rustcAvailable() {
  return existsSync(RUSTC);
}

/** modules/<name>/build/<target>.wasm from modules/<name>/src/lib.rs; returns the output path. */
export async function buildRust(name, target) {
  const dir = join(modulesDir, name);
  const outFile = join(dir, "build", `${target}.wasm`);
  mkdirSync(dirname(outFile), { recursive: true });
  const args = [
    "--edition", "2021", "--crate-type", "cdylib", "--target", "wasm32-unknown-unknown", "--crate-name", name,
    "-C", "panic=abort", ...FLAGS[target], "-o", outFile, join(dir, "src", "lib.rs"),
  ];
  try {
    await promisify(execFile)(RUSTC, args, { maxBuffer: 16 << 20 });
  } catch (err) {
    throw new Error(`${name} (${target}): ${RUSTC} failed: ${err.stderr || err.message}\ninstall the toolchain with: ${RUST_INSTALL_HINT}`);
  }
  return outFile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const names = process.argv.length > 2 ? process.argv.slice(2) : rustModules();
  try {
    if (!rustcAvailable()) throw new Error(`no ${RUSTC}: ${RUST_INSTALL_HINT}`);
    for (const name of names) for (const target of Object.keys(FLAGS)) console.log(`built ${await buildRust(name, target)}`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  }
}
