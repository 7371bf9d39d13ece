/**
 * Reading a WebAssembly binary byte by byte: LEB128 numbers, the section headers, and putting rewritten
 * sections back. Every read is bounds-checked: admission reads binaries before any engine has validated
 * them, so a malformed one must end in a `Malformed` error, never in a wrong answer or an endless loop.
 */

/** The binary is not well-formed WebAssembly; admission refuses it as `not_wasm`. */
export class Malformed extends Error {}

export const SectionId = {
  CUSTOM: 0,
  TYPE: 1,
  IMPORT: 2,
  FUNCTION: 3,
  TABLE: 4,
  MEMORY: 5,
  GLOBAL: 6,
  EXPORT: 7,
  START: 8,
  ELEMENT: 9,
  CODE: 10,
  DATA: 11,
  DATA_COUNT: 12,
  TAG: 13,
} as const;

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** A cursor over `bytes[at, end)`. Offsets stay absolute, so messages can name the byte in the file. */
export class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public at: number,
    readonly end: number,
  ) {}

  get done(): boolean {
    return this.at >= this.end;
  }

  byte(): number {
    if (this.at >= this.end) throw new Malformed(`unexpected end at byte ${this.at}`);
    return this.bytes[this.at++]!;
  }

  /** An unsigned LEB128 of at most 32 bits. */
  u32(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) {
        if (value > 0xffffffff) break;
        return value;
      }
    }
    throw new Malformed(`malformed u32 LEB128 before byte ${this.at}`);
  }

  /** A signed LEB128 of at most 32 bits (an i32.const immediate). */
  s32(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      value |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return shift < 25 && b & 0x40 ? value | (-1 << (shift + 7)) : value | 0;
    }
    throw new Malformed(`malformed i32 LEB128 before byte ${this.at}`);
  }

  /** Skips a signed LEB128 of at most `maxBytes` bytes (5 for i32, 10 for i64, 5 for s33). */
  skipSigned(maxBytes: number): void {
    for (let i = 0; i < maxBytes; i++) if ((this.byte() & 0x80) === 0) return;
    throw new Malformed(`malformed signed LEB128 before byte ${this.at}`);
  }

  skip(n: number): void {
    if (n > this.end - this.at) throw new Malformed(`unexpected end at byte ${this.end}`);
    this.at += n;
  }

  /** A name (u32 length, then bytes), as the raw bytes. */
  name(): Uint8Array {
    const length = this.u32();
    const start = this.at;
    this.skip(length);
    return this.bytes.subarray(start, start + length);
  }

  /** A reader over the next `length` bytes; this one moves past them. */
  sub(length: number): Reader {
    const start = this.at;
    this.skip(length);
    return new Reader(this.bytes, start, start + length);
  }
}

export interface Section {
  id: number;
  /** Offset of the id byte. */
  start: number;
  payloadStart: number;
  end: number;
}

/** The section headers of a binary: a walk over ids and sizes, no payload is read. */
export function readSections(bytes: Uint8Array): Section[] {
  if (bytes.length < HEADER.length || HEADER.some((b, i) => bytes[i] !== b)) {
    throw new Malformed(
      HEADER.slice(0, 4).every((b, i) => bytes[i] === b)
        ? 'not a WebAssembly 1.0 binary (unsupported version)'
        : 'not a WebAssembly binary (no \\0asm header)',
    );
  }
  const sections: Section[] = [];
  const reader = new Reader(bytes, HEADER.length, bytes.length);
  while (!reader.done) {
    const start = reader.at;
    const id = reader.byte();
    const size = reader.u32();
    const payloadStart = reader.at;
    reader.skip(size);
    sections.push({ id, start, payloadStart, end: reader.at });
  }
  return sections;
}

/** A reader over a section's payload. */
export function payload(bytes: Uint8Array, section: Section): Reader {
  return new Reader(bytes, section.payloadStart, section.end);
}

/** `value` as an unsigned LEB128, padded with continuation bytes to at least `minLength` bytes (at most 5). */
export function writeU32(value: number, minLength = 1): number[] {
  const out: number[] = [];
  do {
    let b = value % 128;
    value = Math.floor(value / 128);
    if (value > 0 || out.length + 1 < minLength) b |= 0x80;
    out.push(b);
  } while (value > 0 || out.length < minLength);
  return out;
}

/**
 * The binary with the payloads of some sections replaced (`null`: the section removed); everything else
 * is copied byte for byte.
 */
export function replacePayloads(
  bytes: Uint8Array<ArrayBuffer>,
  replacements: ReadonlyMap<Section, ArrayLike<number> | null>,
): Uint8Array<ArrayBuffer> {
  if (replacements.size === 0) return bytes;
  const ordered = [...replacements].sort(([a], [b]) => a.start - b.start);
  const headers = ordered.map(([section, body]) => (body === null ? [] : [section.id, ...writeU32(body.length)]));
  let length = bytes.length;
  ordered.forEach(([section, body], i) => (length += headers[i]!.length + (body?.length ?? 0) - (section.end - section.start)));
  const out = new Uint8Array(length);
  let from = 0;
  let to = 0;
  ordered.forEach(([section, body], i) => {
    out.set(bytes.subarray(from, section.start), to);
    to += section.start - from;
    out.set(headers[i]!, to);
    to += headers[i]!.length;
    if (body !== null) out.set(body, to);
    to += body?.length ?? 0;
    from = section.end;
  });
  out.set(bytes.subarray(from), to);
  return out;
}
