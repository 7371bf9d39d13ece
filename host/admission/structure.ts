/**
 * A module's declarations, read by hand from the binary (Node 20 has no Wasm type reflection): types,
 * imports, functions, tables, memories, globals, exports and the segment counts. Every count a module
 * could inflate is checked against its sandbox limit when its section header is read, before anything
 * proportional to it is built; the memory and tables are kept as parsed so their maxima can be rewritten.
 */
import { RefusalReason } from '../errors.js';
import type { SandboxLimits } from '../config/schema.js';
import { ALLOWED_IMPORTS, Export as AbiExport } from '../protocol/abi.js';
import { Proposal, checkValType, featureRefused, isReferenceType } from './features.js';
import { Refusal } from './refusal.js';
import { Malformed, Reader, SectionId, payload, readSections, type Section } from './sections.js';

export interface Limits {
  flags: number;
  min: number;
  max: number | undefined;
}

export interface Table {
  elemType: number;
  limits: Limits;
}

export interface FuncType {
  params: number[];
  results: number[];
}

export interface Global {
  valType: number;
  mutable: boolean;
  /** The value when the initialiser is exactly one `i32.const` (how an ABI marker is declared), else undefined. */
  i32Const: number | undefined;
}

export interface Export {
  kind: number;
  index: number;
}

export const ExternKind = { FUNCTION: 0, TABLE: 1, MEMORY: 2, GLOBAL: 3, TAG: 4 } as const;

export interface ModuleStructure {
  sections: Section[];
  /** The type of each function, imported ones first (the function index space). */
  functionType(index: number): FuncType | undefined;
  /** The type at a type index. */
  type(index: number): FuncType | undefined;
  /** Defined globals (imported globals are refused by the allow-list). */
  globals: Global[];
  tables: Table[];
  memories: Limits[];
  /** The ABI's exports by name (docs/abi.md); other exports are not kept. */
  exports: Map<string, Export>;
  /** Each distinct function import (`module.name`) with its type index, whatever the number of copies. */
  imports: { key: string; type: number }[];
  code: Section | undefined;
}

/** Sections in the order the spec requires (the tag section sits between memory and global). */
const ORDER = [SectionId.TYPE, SectionId.IMPORT, SectionId.FUNCTION, SectionId.TABLE, SectionId.MEMORY, SectionId.TAG,
  SectionId.GLOBAL, SectionId.EXPORT, SectionId.START, SectionId.ELEMENT, SectionId.DATA_COUNT, SectionId.CODE, SectionId.DATA];
const FUNC_TYPE_FORM = 0x60;
const TABLE_WITH_INIT = 0x40;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const ABI_EXPORT_NAMES = new Set<string>(Object.values(AbiExport));

export function readStructure(bytes: Uint8Array, limits: SandboxLimits): ModuleStructure {
  const sections = readSections(bytes);
  let typeOffsets: Uint32Array = new Uint32Array(0);
  const importTypes: number[] = [];
  const imports: { key: string; type: number }[] = [];
  let definedTypes: Uint32Array = new Uint32Array(0);
  const structure: ModuleStructure = {
    sections,
    functionType(index) {
      const type = index < importTypes.length ? importTypes[index] : definedTypes[index - importTypes.length];
      return type === undefined ? undefined : this.type(type);
    },
    type(index) {
      return index >= typeOffsets.length ? undefined : readFuncType(new Reader(bytes, typeOffsets[index]!, bytes.length));
    },
    globals: [],
    tables: [],
    memories: [],
    exports: new Map(),
    imports,
    code: undefined,
  };
  let rank = -1;
  for (const section of sections) {
    const r = payload(bytes, section);
    if (section.id !== SectionId.CUSTOM) {
      const next = ORDER.indexOf(section.id as (typeof ORDER)[number]);
      if (next < 0) throw new Malformed(`unknown section id ${section.id} at byte ${section.start}`);
      if (next <= rank) throw new Malformed(`section ${section.id} out of order or repeated at byte ${section.start}`);
      rank = next;
    }
    switch (section.id) {
      case SectionId.TYPE:
        typeOffsets = readTypeOffsets(r);
        break;
      case SectionId.IMPORT:
        readImports(r, typeOffsets.length, limits.max_functions, importTypes, imports);
        break;
      case SectionId.FUNCTION: {
        const count = r.u32();
        if (count + importTypes.length > limits.max_functions) {
          throw new Refusal(
            RefusalReason.RESOURCE_LIMIT,
            `declares ${count} functions and imports ${importTypes.length}, over the limit of ${limits.max_functions} (sandbox.max_functions)`,
          );
        }
        definedTypes = new Uint32Array(count);
        for (let i = 0; i < count; i++) definedTypes[i] = r.u32();
        break;
      }
      case SectionId.TABLE: {
        const count = bounded(r, limits.max_tables, 'tables', 'max_tables');
        for (let i = 0; i < count; i++) structure.tables.push(readTable(r));
        break;
      }
      case SectionId.MEMORY: {
        const count = r.u32();
        if (count > 1) throw featureRefused(Proposal.MULTI_MEMORY, `${count} memories`, section.start);
        for (let i = 0; i < count; i++) structure.memories.push(readMemoryLimits(r));
        break;
      }
      case SectionId.TAG:
        throw featureRefused(Proposal.EXCEPTIONS, 'a tag section', section.start);
      case SectionId.GLOBAL: {
        const count = bounded(r, limits.max_globals, 'globals', 'max_globals');
        for (let i = 0; i < count; i++) {
          const at = r.at;
          const valType = r.byte();
          checkValType(valType, at);
          const mutability = r.byte();
          if (mutability > 1) throw new Malformed(`global mutability 0x${mutability.toString(16)} at byte ${r.at - 1}`);
          const init = r.at;
          skipConstExpr(r);
          structure.globals.push({ valType, mutable: mutability === 1, i32Const: constI32(bytes, init, r.at) });
        }
        break;
      }
      case SectionId.EXPORT:
        readExports(r, structure.exports);
        break;
      case SectionId.ELEMENT:
        bounded(r, limits.max_element_segments, 'element segments', 'max_element_segments');
        break;
      case SectionId.DATA:
        bounded(r, limits.max_data_segments, 'data segments', 'max_data_segments');
        break;
      case SectionId.CODE:
        structure.code = section;
        break;
    }
  }
  return structure;
}

/** A vector's length, refused past its sandbox limit (before a single entry is read). */
function bounded(r: Reader, max: number, what: string, key: string): number {
  const count = r.u32();
  if (count > max) throw new Refusal(RefusalReason.RESOURCE_LIMIT, `declares ${count} ${what}, over the limit of ${max} (sandbox.${key})`);
  return count;
}

/** Where each type starts; the types themselves are decoded only when an ABI export needs one. */
function readTypeOffsets(r: Reader): Uint32Array {
  const count = r.u32();
  // Every function type takes at least 3 bytes: a count this large cannot be true.
  if (count > (r.end - r.at) / 3) throw new Malformed(`type count ${count} larger than its section`);
  const offsets = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    offsets[i] = r.at;
    const form = r.byte();
    if (form !== FUNC_TYPE_FORM) {
      // 0x5e array, 0x5f struct, 0x50/0x4f sub types, 0x4e recursion groups: all GC.
      if (form === 0x5e || form === 0x5f || form === 0x50 || form === 0x4f || form === 0x4e) {
        throw featureRefused(Proposal.GC, `type form 0x${form.toString(16)}`, r.at - 1);
      }
      throw new Malformed(`unknown type form 0x${form.toString(16)} at byte ${r.at - 1}`);
    }
    for (let list = 0; list < 2; list++) {
      const n = r.u32();
      for (let j = 0; j < n; j++) checkValType(r.byte(), r.at - 1);
    }
  }
  return offsets;
}

function readFuncType(r: Reader): FuncType {
  r.byte(); // the form, checked when the section was read
  const params = Array.from({ length: r.u32() }, () => r.byte());
  const results = Array.from({ length: r.u32() }, () => r.byte());
  return { params, results };
}

/** Each import must be an allowed function; anything else is refused at the first one. */
function readImports(r: Reader, typeCount: number, maxFunctions: number, importTypes: number[], imports: ModuleStructure['imports']): void {
  const count = bounded(r, maxFunctions, 'imports', 'max_functions');
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const at = r.at;
    const key = `${name(r)}.${name(r)}`;
    const kind = r.byte();
    if (kind === ExternKind.TAG) throw featureRefused(Proposal.EXCEPTIONS, `imported tag ${key}`, at);
    const kindName = ['function', 'table', 'memory', 'global'][kind];
    if (kindName === undefined) throw new Malformed(`unknown import kind ${kind} at byte ${r.at - 1}`);
    if (ALLOWED_IMPORTS.get(key) !== kindName) {
      throw new Refusal(
        RefusalReason.FORBIDDEN_IMPORT,
        `imports ${kindName} ${key}, which is not in the ABI's allow-list (${[...ALLOWED_IMPORTS.keys()].join(', ')})`,
      );
    }
    const type = r.u32();
    if (type >= typeCount) throw new Malformed(`import ${key} names type ${type}, past the type section`);
    importTypes.push(type);
    if (!seen.has(`${key} ${type}`)) {
      seen.add(`${key} ${type}`);
      imports.push({ key, type });
    }
  }
}

/** Keeps only the ABI's exports: other exports are allowed and ignored (and may be many). */
function readExports(r: Reader, exports: Map<string, Export>): void {
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    const exportName = name(r);
    const kind = r.byte();
    const index = r.u32();
    if (ABI_EXPORT_NAMES.has(exportName)) exports.set(exportName, { kind, index });
  }
}

function readLimits(r: Reader, what: string): Limits {
  const at = r.at;
  const flags = r.byte();
  if (flags & 0x04) throw featureRefused(Proposal.MEMORY64, `a 64-bit ${what}`, at);
  if (flags & 0x02) throw featureRefused(Proposal.THREADS, `a shared ${what}`, at);
  if (flags > 0x01) throw new Malformed(`unknown limits flags 0x${flags.toString(16)} at byte ${at}`);
  const min = r.u32();
  const max = flags === 0x01 ? r.u32() : undefined;
  return { flags, min, max };
}

function readMemoryLimits(r: Reader): Limits {
  return readLimits(r, 'memory');
}

function readTable(r: Reader): Table {
  const at = r.at;
  const elemType = r.byte();
  if (elemType === TABLE_WITH_INIT) throw featureRefused(Proposal.TYPED_REFERENCES, 'a table with an initialiser', at);
  checkValType(elemType, at);
  if (!isReferenceType(elemType)) throw new Malformed(`table of a non-reference type at byte ${at}`);
  return { elemType, limits: readLimits(r, 'table') };
}

function name(r: Reader): string {
  const at = r.at;
  try {
    return utf8.decode(r.name());
  } catch (err) {
    if (err instanceof Malformed) throw err;
    throw new Malformed(`a name that is not UTF-8 at byte ${at}`);
  }
}

/** The value of a constant expression [start, end) that is `i32.const v; end` and nothing else. */
function constI32(bytes: Uint8Array, start: number, end: number): number | undefined {
  if (bytes[start] !== 0x41) return undefined;
  const r = new Reader(bytes, start + 1, end);
  const value = r.s32();
  return r.at === end - 1 ? value : undefined;
}

/**
 * Skips a constant expression up to its `end`. The immediates are decoded, not scanned for 0x0b,
 * because `i32.const 11` is the bytes 41 0b. The engine validates the expression itself.
 */
function skipConstExpr(r: Reader): void {
  for (;;) {
    const at = r.at;
    const op = r.byte();
    switch (op) {
      case 0x0b: // end
        return;
      case 0x41: // i32.const
        r.skipSigned(5);
        break;
      case 0x42: // i64.const
        r.skipSigned(10);
        break;
      case 0x43: // f32.const
        r.skip(4);
        break;
      case 0x44: // f64.const
        r.skip(8);
        break;
      case 0x23: // global.get
      case 0xd2: // ref.func
        r.u32();
        break;
      case 0xd0: // ref.null
        checkValType(r.byte(), r.at - 1);
        break;
      case 0x6a: case 0x6b: case 0x6c: case 0x7c: case 0x7d: case 0x7e: // extended-const add, sub, mul
        break;
      case 0xfd: // v128.const
        if (r.u32() !== 0x0c) throw new Malformed(`non-constant SIMD instruction in a constant expression at byte ${at}`);
        r.skip(16);
        break;
      case 0xfb:
        throw featureRefused(Proposal.GC, 'a GC instruction in a constant expression', at);
      default:
        throw new Malformed(`opcode 0x${op.toString(16)} in a constant expression at byte ${at}`);
    }
  }
}
