/**
 * The ABI's exports and imports checked against docs/abi.md, from the binary's own declarations: kinds,
 * the exact function signatures and `presence_abi_version`'s type, so a module whose callbacks would
 * fail every call (or "work" by accident, as `(f64, f64) -> f64` does through JS number conversion) never
 * loads. The global's value is read in the worker at instantiation (host/worker/guest.ts).
 */
import { RefusalReason } from '../errors.js';
import {
  ABI_VERSION_GLOBAL,
  CALLBACK_EXPORTS,
  EXPORT_SIGNATURES,
  Export,
  IMPORT_SIGNATURES,
  REQUIRED_EXPORTS,
  formatSignature,
  type Signature,
} from '../protocol/abi.js';
import { ValType } from './features.js';
import { Refusal } from './refusal.js';
import { ExternKind, type FuncType, type Global, type ModuleStructure } from './structure.js';

const KIND_NAMES = ['function', 'table', 'memory', 'global', 'tag'];
const TYPE_NAMES = new Map<number, string>([
  [ValType.I32, 'i32'],
  [ValType.I64, 'i64'],
  [ValType.F32, 'f32'],
  [ValType.F64, 'f64'],
  [ValType.V128, 'v128'],
  [ValType.FUNCREF, 'funcref'],
  [ValType.EXTERNREF, 'externref'],
]);

export function checkContract(structure: ModuleStructure): void {
  for (const { key, type } of structure.imports) checkSignature(`import ${key}`, structure.type(type), IMPORT_SIGNATURES.get(key)!);

  for (const [name, kind] of REQUIRED_EXPORTS) {
    const found = structure.exports.get(name);
    if (found === undefined || KIND_NAMES[found.kind] !== kind) {
      const got = found === undefined ? 'it is missing' : `it is a ${KIND_NAMES[found.kind] ?? `kind ${found.kind}`}`;
      throw new Refusal(RefusalReason.MISSING_EXPORT, `must export ${kind} ${name}, but ${got} (see docs/abi.md)`);
    }
  }

  const callbacks = CALLBACK_EXPORTS.filter((name) => structure.exports.has(name));
  for (const name of callbacks) {
    if (structure.exports.get(name)!.kind !== ExternKind.FUNCTION) {
      throw new Refusal(RefusalReason.MISSING_EXPORT, `exports ${name} as a ${KIND_NAMES[structure.exports.get(name)!.kind]}; it must be a function`);
    }
  }
  if (callbacks.length === 1) {
    const missing = CALLBACK_EXPORTS.find((name) => !callbacks.includes(name));
    throw new Refusal(
      RefusalReason.PAIRING,
      `exports ${callbacks[0]} without ${missing}: a presence router registers both callbacks or neither`,
    );
  }

  for (const [name, signature] of EXPORT_SIGNATURES) {
    const found = structure.exports.get(name);
    if (found !== undefined) checkSignature(`export ${name}`, structure.functionType(found.index), signature);
  }

  exportedMarker(structure, Export.ABI_VERSION);
}

/**
 * An ABI marker export (`presence_abi_version`, `presence_fields`): an immutable i32 global whose value
 * the host reads, never a value the module computes. The one place such an export's declaration is
 * checked. Undefined when the module does not export `name`.
 */
export function exportedMarker(structure: ModuleStructure, name: string): Global | undefined {
  const found = structure.exports.get(name);
  if (found === undefined) return undefined;
  if (found.kind !== ExternKind.GLOBAL) {
    throw new Refusal(
      RefusalReason.ABI_TYPE,
      `exports ${name} as a ${KIND_NAMES[found.kind] ?? `kind ${found.kind}`}; the ABI requires an immutable i32 global (docs/abi.md)`,
    );
  }
  const global = structure.globals[found.index];
  if (global === undefined) throw new Refusal(RefusalReason.MISSING_EXPORT, `${name} names global ${found.index}, which does not exist`);
  const type = TYPE_NAMES.get(global.valType);
  if (type !== ABI_VERSION_GLOBAL.type || global.mutable !== ABI_VERSION_GLOBAL.mutable) {
    throw new Refusal(
      RefusalReason.ABI_TYPE,
      `${name} is ${global.mutable ? 'a mutable' : 'an immutable'} ${type} global; the ABI requires an immutable i32 (docs/abi.md)`,
    );
  }
  return global;
}

function checkSignature(what: string, type: FuncType | undefined, wanted: Signature): void {
  if (type === undefined) throw new Refusal(RefusalReason.MISSING_EXPORT, `${what} names a function that does not exist`);
  const got: Signature = { params: type.params.map(typeName), results: type.results.map(typeName) };
  if (formatSignature(got) !== formatSignature(wanted)) {
    throw new Refusal(
      RefusalReason.ABI_TYPE,
      `${what} has type ${formatSignature(got)}; the ABI requires ${formatSignature(wanted)} (docs/abi.md)`,
    );
  }
}

function typeName(byte: number): string {
  return TYPE_NAMES.get(byte) ?? `0x${byte.toString(16)}`;
}
