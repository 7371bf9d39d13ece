/**
 * The binary wire from a client's side, for tests: a msgpack writer that can spell every value in any of
 * its legal encodings (a homeserver's encoder may pick any), and a POST of a batch over real HTTP.
 * Written here, sharing no code with the host's reader, so that the two can disagree.
 */
import { unpack } from 'msgpackr';
import type { UserPresenceState } from './host.js';

export const BATCH_TYPE = 'application/vnd.presence-sandbox.batch+msgpack';
export const ROUTING_TYPE = 'application/vnd.presence-sandbox.routing+msgpack';

/** A value to write: a plain tree, or bytes written as they are (for hostile bodies). */
export type Value = null | boolean | number | string | Value[] | { raw: Uint8Array };

/** Picks one of `n` legal encodings; 0 is always the smallest. */
export type Choose = (n: number) => number;
export const smallest: Choose = () => 0;

export function toTuple(s: UserPresenceState): Value[] {
  return [s.user_id, s.state, s.last_active_ts, s.last_federation_update_ts, s.last_user_sync_ts, s.status_msg, s.currently_active];
}

export function encode(value: Value, choose: Choose = smallest): Uint8Array {
  const out: number[] = [];
  write(value, choose, out);
  return Uint8Array.from(out);
}

function be(out: number[], value: bigint, bytes: number): void {
  for (let i = bytes - 1; i >= 0; i--) out.push(Number((value >> BigInt(8 * i)) & 0xffn));
}

function write(value: Value, choose: Choose, out: number[]): void {
  if (value === null) out.push(0xc0);
  else if (value === true) out.push(0xc3);
  else if (value === false) out.push(0xc2);
  else if (typeof value === 'number') writeNumber(value, choose, out);
  else if (typeof value === 'string') {
    const bytes = new TextEncoder().encode(value);
    const forms = [bytes.length < 32 ? 'fix' : null, bytes.length < 0x100 ? 'str8' : null, bytes.length < 0x10000 ? 'str16' : null, 'str32'].filter((f) => f !== null);
    const form = forms[choose(forms.length)];
    if (form === 'fix') out.push(0xa0 | bytes.length);
    else if (form === 'str8') out.push(0xd9, bytes.length);
    else if (form === 'str16') (out.push(0xda), be(out, BigInt(bytes.length), 2));
    else (out.push(0xdb), be(out, BigInt(bytes.length), 4));
    out.push(...bytes);
  } else if (Array.isArray(value)) {
    const forms = [value.length < 16 ? 'fix' : null, value.length < 0x10000 ? 'array16' : null, 'array32'].filter((f) => f !== null);
    const form = forms[choose(forms.length)];
    if (form === 'fix') out.push(0x90 | value.length);
    else if (form === 'array16') (out.push(0xdc), be(out, BigInt(value.length), 2));
    else (out.push(0xdd), be(out, BigInt(value.length), 4));
    for (const v of value) write(v, choose, out);
  } else out.push(...value.raw);
}

/** An integer in any encoding that holds it (or a float64); a fraction or a negative as msgpack writes it. */
function writeNumber(n: number, choose: Choose, out: number[]): void {
  const float64 = () => {
    out.push(0xcb);
    const b = new DataView(new ArrayBuffer(8));
    b.setFloat64(0, n);
    for (let i = 0; i < 8; i++) out.push(b.getUint8(i));
  };
  if (!Number.isInteger(n) || Math.abs(n) > 2 ** 53) return float64();
  const v = BigInt(n);
  const forms: (() => void)[] = [];
  if (n >= 0 && n < 0x80) forms.push(() => out.push(n));
  if (n < 0 && n >= -32) forms.push(() => out.push(n + 0x100));
  if (n >= 0 && n < 0x100) forms.push(() => (out.push(0xcc), be(out, v, 1)));
  if (n >= 0 && n < 0x10000) forms.push(() => (out.push(0xcd), be(out, v, 2)));
  if (n >= 0 && n < 2 ** 32) forms.push(() => (out.push(0xce), be(out, v, 4)));
  if (n >= 0) forms.push(() => (out.push(0xcf), be(out, v, 8)));
  if (n >= -128 && n < 128) forms.push(() => (out.push(0xd0), be(out, BigInt.asUintN(8, v), 1)));
  if (n >= -32768 && n < 32768) forms.push(() => (out.push(0xd1), be(out, BigInt.asUintN(16, v), 2)));
  if (n >= -(2 ** 31) && n < 2 ** 31) forms.push(() => (out.push(0xd2), be(out, BigInt.asUintN(32, v), 4)));
  forms.push(() => (out.push(0xd3), be(out, BigInt.asUintN(64, v), 8)));
  forms.push(float64);
  forms[choose(forms.length)]!();
}

export interface WireAnswer {
  status: number;
  type: string | null;
  /** The routing ({destination: indices}) for a 200, the JSON error body otherwise. */
  body: any;
}

/** POST /v1/users_for_states on the binary wire. */
export async function postBatch(baseUrl: string, body: Uint8Array, contentType = BATCH_TYPE): Promise<WireAnswer> {
  const res = await fetch(`${baseUrl}/v1/users_for_states`, { method: 'POST', headers: { 'content-type': contentType }, body });
  const type = res.headers.get('content-type');
  const bytes = new Uint8Array(await res.arrayBuffer());
  const decoded = type === ROUTING_TYPE ? unpack(bytes) : JSON.parse(new TextDecoder().decode(bytes));
  return { status: res.status, type, body: decoded };
}
