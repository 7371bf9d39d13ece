/** Read a module file without ever holding more than the cap in memory: a 64 GiB "module" costs nothing. */
import { open } from 'node:fs/promises';
import { RefusalReason, moduleRefused } from '../errors.js';

export async function readModuleFile(file: string, label: string, maxBytes: number): Promise<Uint8Array<ArrayBuffer>> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    throw moduleRefused(label, RefusalReason.UNREADABLE, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) throw tooLarge(label, size, maxBytes);
    // Read one byte past the cap so a file that grew after stat() is still caught.
    const buffer = new Uint8Array(Math.min(size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.byteLength - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > maxBytes) throw tooLarge(label, length, maxBytes);
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

function tooLarge(label: string, size: number, maxBytes: number) {
  return moduleRefused(
    label,
    RefusalReason.TOO_LARGE,
    `${size} bytes exceeds sandbox.max_module_bytes (${maxBytes}); raise the limit if the module is trusted to be that big`,
  );
}
