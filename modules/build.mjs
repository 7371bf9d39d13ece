// Builds every modules/<name>/ that has an index.ts into modules/<name>/build/{release,debug}.wasm with
// the AssemblyScript compiler's programmatic API and the targets in asconfig.json, then admits each
// binary with the host's own static checks (dist/host/admission/check-file.js, as `presence-sandbox
// build` does: imports against docs/abi.md's allow-list, exports, markers, features, sizes), so a stray
// `env.seed` or `env.trace` fails the build here, with the host's refusal, instead of at load time; the
// host is compiled first (`npm run build` runs build:host, then this). Modules written in Rust (a
// src/lib.rs) are built by build-rust.mjs, when Debian's rustc is installed; without it they are skipped
// with the install command, and the other modules still build (the Rust module's tests then fail,
// naming that command).
//
//     node modules/build.mjs                      # every module
//     node modules/build.mjs example_presence_router

import asc from "assemblyscript/asc";
import { existsSync, readdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker, isMainThread, parentPort } from "node:worker_threads";
import { RUSTC, RUST_INSTALL_HINT, buildRust, rustModules, rustcAvailable } from "./build-rust.mjs";

const modulesDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(modulesDir);
const TARGETS = ["release", "debug"];
const ADMISSION = join(root, "dist", "host", "admission", "check-file.js");

function moduleNames(only) {
  const all = readdirSync(modulesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(modulesDir, d.name, "index.ts")))
    .map((d) => d.name)
    .concat(rustModules())
    .sort();
  const unknown = only.filter((n) => !all.includes(n));
  if (unknown.length > 0) throw new Error(`no such module: ${unknown.join(", ")} (have: ${all.join(", ")})`);
  return only.length > 0 ? only : all;
}

async function compile(name, target) {
  const outFile = rustModules().includes(name) ? relative(root, await buildRust(name, target)) : await compileAssemblyScript(name, target);
  const { checkModuleFile } = await import(pathToFileURL(ADMISSION).href);
  await checkModuleFile(join(root, outFile), outFile);
  return outFile;
}

async function compileAssemblyScript(name, target) {
  const entry = relative(root, join(modulesDir, name, "index.ts"));
  const outFile = relative(root, join(modulesDir, name, "build", `${target}.wasm`));
  let output = "";
  const sink = { write: (chunk) => { output += chunk; return true; } };
  const { error } = await asc.main(
    [entry, "--baseDir", root, "--config", "asconfig.json", "--target", target, "--outFile", outFile],
    { stdout: sink, stderr: sink },
  );
  if (error) throw new Error(`${name} (${target}): ${error.message}\n${output}`);
  return outFile;
}

// Compiling is CPU-bound and synchronous inside asc, so jobs go to worker threads (each running this
// same file) from one queue: a worker asks for the next job whenever it finishes one.
function runWorker() {
  parentPort.on("message", async ([name, target]) => {
    try {
      parentPort.postMessage({ ok: await compile(name, target) });
    } catch (err) {
      parentPort.postMessage({ error: err instanceof Error ? err.message : String(err) });
    }
  });
}

function runJobs(jobs) {
  const queue = [...jobs];
  const threads = Math.max(1, Math.min(availableParallelism(), jobs.length));
  return Promise.all(Array.from({ length: threads }, () => new Promise((resolve, reject) => {
    const worker = new Worker(fileURLToPath(import.meta.url));
    const next = () => (queue.length > 0 ? worker.postMessage(queue.shift()) : worker.terminate().then(() => resolve()));
    worker.on("message", (m) => {
      if (m.error) { queue.length = 0; worker.terminate(); reject(new Error(m.error)); return; }
      console.log(`built ${m.ok}`);
      next();
    });
    worker.on("error", reject);
    next();
  })));
}

if (!isMainThread) {
  runWorker();
} else {
  try {
    const started = Date.now();
    const only = process.argv.slice(2);
    let names = moduleNames(only);
    if (names.length === 0) throw new Error("no modules/<name>/index.ts found");
    if (!existsSync(ADMISSION)) throw new Error(`no ${relative(root, ADMISSION)}: the host's admission checks every module built; compile the host first (npm run build:host)`);
    if (!rustcAvailable()) {
      const rust = names.filter((n) => rustModules().includes(n));
      if (rust.length > 0 && only.length > 0) throw new Error(`no ${RUSTC} to build ${rust.join(", ")}: ${RUST_INSTALL_HINT}`);
      for (const n of rust) console.warn(`skipped ${n}: no ${RUSTC} (install with: ${RUST_INSTALL_HINT})`);
      names = names.filter((n) => !rust.includes(n));
    }
    await runJobs(names.flatMap((name) => TARGETS.map((target) => [name, target])));
    console.log(`${names.length} module(s) in ${Date.now() - started} ms`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  }
}
