/**
 * Compiles one of the test suite's hand-written hostile modules (test/fixtures/wat/*.wat) with wabt, as
 * test/helpers/wat.ts does, and writes the binary to a temporary directory for a host to load by path.
 * The repository holds only the readable text.
 */
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';

// dist/bench/lib/wat.js → the package root.
const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/wat/', import.meta.url));

export async function watModule(name: string): Promise<string> {
  const wabt = await wabtInit();
  const text = await readFile(join(FIXTURES, `${name}.wat`), 'utf8');
  const module = wabt.parseWat(`${name}.wat`, text, { mutable_globals: true, sign_extension: true, bulk_memory: true });
  try {
    module.resolveNames();
    module.validate();
    const dir = await mkdtemp(join(tmpdir(), 'presence-bench-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, `${name}.wasm`);
    await writeFile(path, module.toBinary({}).buffer);
    return path;
  } finally {
    module.destroy();
  }
}
