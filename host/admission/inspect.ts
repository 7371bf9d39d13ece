/**
 * Static admission on the main thread: validate, compile once, and check imports and exports against
 * docs/abi.md. No guest code runs here (instantiation, and so the start function, happens in a worker).
 */
import { RefusalReason, moduleRefused } from '../errors.js';
import { ALLOWED_IMPORTS, CALLBACK_EXPORTS, REQUIRED_EXPORTS } from '../protocol/abi.js';

export async function compileAndInspect(
  bytes: Uint8Array<ArrayBuffer>,
  label: string,
  rewrite: (valid: Uint8Array<ArrayBuffer>) => Uint8Array<ArrayBuffer>,
): Promise<WebAssembly.Module> {
  if (!WebAssembly.validate(bytes)) {
    const magic = bytes[0] === 0x00 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;
    throw moduleRefused(
      label,
      RefusalReason.NOT_WASM,
      magic ? 'not a valid WebAssembly module (failed validation)' : 'not a WebAssembly binary (no \\0asm header)',
    );
  }
  const module = await WebAssembly.compile(rewrite(bytes));

  for (const { module: from, name, kind } of WebAssembly.Module.imports(module)) {
    const key = `${from}.${name}`;
    if (ALLOWED_IMPORTS.get(key) !== kind) {
      throw moduleRefused(
        label,
        RefusalReason.FORBIDDEN_IMPORT,
        `imports ${kind} ${key}, which is not in the ABI's allow-list (${[...ALLOWED_IMPORTS.keys()].join(', ')})`,
      );
    }
  }

  const exports = new Map(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]));
  for (const [name, kind] of REQUIRED_EXPORTS) {
    const found = exports.get(name);
    if (found !== kind) {
      const got = found === undefined ? 'it is missing' : `it is a ${found}`;
      throw moduleRefused(label, RefusalReason.MISSING_EXPORT, `must export ${kind} ${name}, but ${got} (see docs/abi.md)`);
    }
  }
  const callbacks = CALLBACK_EXPORTS.filter((name) => exports.get(name) === 'function');
  if (callbacks.length === 1) {
    const missing = CALLBACK_EXPORTS.find((name) => !callbacks.includes(name));
    throw moduleRefused(
      label,
      RefusalReason.PAIRING,
      `exports ${callbacks[0]} without ${missing}: a presence router registers both callbacks or neither`,
    );
  }
  return module;
}
