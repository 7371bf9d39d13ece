/**
 * A module's source map, looked for at `<module file>.map` (where AssemblyScript's debug build writes
 * it). The `sourceMappingURL` section inside the binary is not followed: it is the guest's say, and
 * could name any file (a FIFO, /dev/zero, another module's secrets) or a URL. A map is only ever a help
 * for trap messages, so anything wrong with it (absent, not a regular file, over the cap, unreadable)
 * means no map, never a refusal; its content is checked when it is decoded (worker/source-map.ts).
 */
import { open, stat } from 'node:fs/promises';
import { MAX_SOURCE_MAP_BYTES } from '../worker/source-map.js';

export async function readSourceMapFile(moduleFile: string): Promise<string | undefined> {
  const file = `${moduleFile}.map`;
  try {
    // stat before open: opening a FIFO would wait for a writer.
    const info = await stat(file);
    if (!info.isFile() || info.size > MAX_SOURCE_MAP_BYTES) return undefined;
    const handle = await open(file, 'r');
    try {
      // One byte past the cap, so a file that grew after stat() is still refused.
      const buffer = Buffer.alloc(info.size + 1);
      let length = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, length, buffer.byteLength - length, null);
        if (bytesRead === 0) break;
        length += bytesRead;
        if (length > info.size) return undefined;
      }
      return buffer.toString('utf8', 0, length);
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}
