/**
 * Builds a large, valid, good module for admission tests and benches: a compiled
 * test/fixtures/wat/large_module.wat with its last function's type repeated over thousands of generated
 * function bodies, each a long straight run of loads, adds and local stores, until the binary is
 * `targetBytes` long (within a few bytes). No imports, so bench/ can use it too.
 *
 * @example
 * const binary = inflateModule(await compileWat("large_module"), 16 * 1024 * 1024 - 4096);
 */

const FUNCTION_SECTION = 3;
const CODE_SECTION = 10;
/** Body bytes of one generated function (its instructions are 9 bytes each). */
const BODY_BYTES = 8 * 1024;
/** local.get 0; i32.load offset=64; i32.const 1; i32.add; local.set 0 */
const STEP = [0x20, 0x00, 0x28, 0x02, 0x40, 0x41, 0x01, 0x6a, 0x21, 0x00];

/** Reads the unsigned LEB128 at `at`: its value and the offset just past it. */
export function readLeb(bytes: Uint8Array, at: number): [value: number, end: number] {
  let value = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = bytes[at++]!;
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return [value, at];
  }
}

/** The unsigned LEB128 bytes of `value`. */
export function leb(value: number): number[] {
  const out: number[] = [];
  do {
    const low = value % 128;
    value = Math.floor(value / 128);
    out.push(value > 0 ? low | 0x80 : low);
  } while (value > 0);
  return out;
}

function body(steps: number): Uint8Array {
  const code = [0x00]; // no locals beyond the parameter
  for (let i = 0; i < steps; i++) code.push(...STEP);
  code.push(0x20, 0x00, 0x0b); // local.get 0; end
  return Uint8Array.from([...leb(code.length), ...code]);
}

export function inflateModule(base: Uint8Array, targetBytes: number): Uint8Array<ArrayBuffer> {
  const sections: { id: number; payload: Uint8Array }[] = [];
  for (let at = 8; at < base.length; ) {
    const [size, start] = readLeb(base, at + 1);
    sections.push({ id: base[at]!, payload: base.subarray(start, start + size) });
    at = start + size;
  }
  const functions = sections.find((s) => s.id === FUNCTION_SECTION)!;
  const code = sections.find((s) => s.id === CODE_SECTION)!;
  const [defined, typesAt] = readLeb(functions.payload, 0);
  const fillerType = functions.payload[functions.payload.length - 1]!; // a one-byte type index
  const one = body(Math.floor(BODY_BYTES / STEP.length));
  // Each extra function costs its body plus one byte in the function section (and LEB growth).
  const extra = Math.max(0, Math.floor((targetBytes - base.length - 16) / (one.length + 1)));
  const [, bodiesAt] = readLeb(code.payload, 0);
  const functionPayload = [...leb(defined + extra), ...functions.payload.subarray(typesAt), ...new Array<number>(extra).fill(fillerType)];
  const codeHead = [...leb(defined + extra)];
  const oldBodies = code.payload.subarray(bodiesAt);
  const codeLength = codeHead.length + oldBodies.length + extra * one.length;

  const parts: Uint8Array[] = [base.subarray(0, 8)];
  for (const s of sections) {
    if (s.id === FUNCTION_SECTION) parts.push(Uint8Array.from([FUNCTION_SECTION, ...leb(functionPayload.length), ...functionPayload]));
    else if (s.id === CODE_SECTION) {
      parts.push(Uint8Array.from([CODE_SECTION, ...leb(codeLength), ...codeHead]), oldBodies);
      for (let i = 0; i < extra; i++) parts.push(one);
    } else parts.push(Uint8Array.from([s.id, ...leb(s.payload.length)]), s.payload);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
