/** Compiles a .wat file that lives beside the Synapse tests (test/helpers/wat.ts serves test/fixtures/wat/). */
import { readFile } from 'node:fs/promises';
import wabtInit from 'wabt';

export async function compileWatFile(path: string): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const module = wabt.parseWat(path, await readFile(path, 'utf8'), { mutable_globals: true, sign_extension: true, bulk_memory: true });
  try {
    module.resolveNames();
    module.validate();
    return new Uint8Array(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}
