/**
 * Compiles the hand-written `.wat` fixtures in `test/fixtures/wat/` with wabt, in the test run, so the
 * repository holds only the readable text of every hostile module, never a binary.
 *
 * @example
 * const path = await writeWatFixture("start_loops", tmpDir);
 * // load `path` with the host and expect a load-deadline refusal
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import wabtInit from "wabt";

const FIXTURE_DIR = fileURLToPath(new URL("../fixtures/wat/", import.meta.url));

/** What docs/abi.md promises a module may use, and nothing more, so a fixture cannot drift past it. */
const FEATURES = {
  mutable_globals: true,
  sign_extension: true,
  bulk_memory: true,
} as const;

/**
 * A fixture that uses more (a refused proposal, or tables beyond one) says so in a comment line of its
 * own, `;; Features: exceptions reference_types`, naming wabt's feature flags.
 */
function featuresOf(text: string): Record<string, boolean> {
  const line = /^;; Features: (.+)$/m.exec(text);
  const extra = line ? line[1]!.trim().split(/[\s,]+/) : [];
  return { ...FEATURES, ...Object.fromEntries(extra.map((name) => [name, true])) };
}

type Wabt = Awaited<ReturnType<typeof wabtInit>>;

// wabt's Emscripten build takes a while to start; one instance serves every fixture of a test file.
let wabtInstance: Promise<Wabt> | undefined;

/** Absolute path of `test/fixtures/wat/<name>.wat`. */
export function watFixturePath(name: string): string {
  return join(FIXTURE_DIR, `${name}.wat`);
}

/**
 * Reads `test/fixtures/wat/<name>.wat` and returns the Wasm binary.
 * Rejects with the fixture's path and wabt's message when the text does not parse or validate.
 */
export async function compileWat(name: string): Promise<Uint8Array<ArrayBuffer>> {
  const path = watFixturePath(name);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new Error(`wat fixture ${path}: cannot read: ${(cause as Error).message}`, { cause });
  }
  wabtInstance ??= wabtInit();
  const wabt = await wabtInstance;
  let module: ReturnType<Wabt["parseWat"]> | undefined;
  try {
    module = wabt.parseWat(`${name}.wat`, text, featuresOf(text));
    module.resolveNames();
    // A fixture that must be invalid (to prove the host refuses it) says so on a line of its own.
    if (!/^;; Not validated/m.test(text)) module.validate();
    // Copy out of wabt's heap: its buffer is a view that the next compile may overwrite.
    return new Uint8Array(module.toBinary({}).buffer);
  } catch (cause) {
    throw new Error(`wat fixture ${path}: ${(cause as Error).message.trim()}`, { cause });
  } finally {
    module?.destroy();
  }
}

/**
 * Compiles fixture `name` and writes it to `<dir>/<name>.wasm` (creating `dir`), for tests that load
 * modules from paths as an operator would. Resolves to the written path.
 */
export async function writeWatFixture(name: string, dir: string): Promise<string> {
  const binary = await compileWat(name);
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name}.wasm`);
  await writeFile(path, binary);
  return path;
}
