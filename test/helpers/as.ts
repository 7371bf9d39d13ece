/**
 * Compiles the AssemblyScript fixtures in `test/fixtures/as/` (modules built with our SDK that misbehave
 * on purpose) in the test run, so the repository holds only their source, never a binary. They are built
 * exactly as modules/build.mjs builds a module's release.wasm: asconfig.json's release target (runtime
 * minimal, optimizeLevel 3, nontrapping-f2i disabled, no runtime exports).
 *
 * @example
 * const path = await compileAsFixture("alloc_bomb", tmpDir);
 * // load `path` with the host and expect memory_limit from users_for_states
 */
import { access, mkdir, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import asc from "assemblyscript/asc";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FIXTURE_DIR = join(ROOT, "test", "fixtures", "as");

/** Absolute path of `test/fixtures/as/<name>.ts`. */
export function asFixturePath(name: string): string {
  return join(FIXTURE_DIR, `${name}.ts`);
}

/**
 * Compiles `test/fixtures/as/<name>.ts` with asconfig.json's release target (or its debug one, which
 * also writes the source map, `<name>.wasm.map`) and writes it to `<dir>/<name>.wasm` (creating `dir`). Resolves to the written path; rejects with the fixture's path and
 * the compiler's messages when it does not compile.
 */
export async function compileAsFixture(name: string, dir: string, target: "release" | "debug" = "release"): Promise<string> {
  const entry = asFixturePath(name);
  try {
    await access(entry);
  } catch (cause) {
    throw new Error(`as fixture ${entry}: cannot read: ${(cause as Error).message}`, { cause });
  }
  let wasm: Uint8Array | undefined;
  let map: string | undefined;
  let output = "";
  const sink = { write: (chunk: string | Uint8Array) => { output += String(chunk); return true; } };
  const { error } = await asc.main(
    [
      relative(ROOT, entry), "--baseDir", ROOT, "--config", "asconfig.json", "--target", target,
      "--outFile", `${name}.wasm`,
    ],
    {
      stdout: sink,
      stderr: sink,
      // Keep the binary in memory (asc would write it under --baseDir); only the .wasm is wanted.
      writeFile: (file, contents) => {
        if (file.endsWith(".wasm")) wasm = new Uint8Array(contents as Uint8Array);
        if (file.endsWith(".wasm.map")) map = String(contents);
      },
    },
  );
  if (error || wasm === undefined) {
    throw new Error(`as fixture ${entry}: ${error?.message ?? "no output"}\n${output}`.trim());
  }
  const path = join(dir, `${name}.wasm`);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, wasm);
  if (map !== undefined) await writeFile(`${path}.map`, map);
  return path;
}
