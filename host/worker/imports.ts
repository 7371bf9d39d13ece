/**
 * The host functions a module may import (docs/abi.md's allow-list) and nothing else. Each checks its
 * arguments like any other guest output: JavaScript imports accept whatever signature a module declares,
 * so a module importing `log` as `(f64) -> i64` reaches these checks instead of a type error.
 *
 * An import that fails the call throws, and with Wasm exception handling a module can catch that throw
 * (`catch_all`) and go on to answer normally. So a failure is also written into the call record, which
 * the guest cannot reach: Guest checks it whenever guest code returns to the host, and fails the call
 * whatever the guest did afterwards. Once a call has failed, every later import in it fails at once.
 */
import { LOG_LEVELS } from '../protocol/abi.js';
import type { GuestLog } from '../protocol/envelopes.js';
import { GuestAbort, badOutput } from './guest-failure.js';
import type { GuestMemory } from './guest-memory.js';
import { readUtf16leCut, readUtf8Cut } from './guest-text.js';
import { readUserIdList } from './output-reader.js';

/** Longest log or abort text kept; the rest is cut so a module cannot flood the host's logs. */
const MAX_TEXT_BYTES = 1024;
/** Most log lines kept per call. */
const MAX_LOGS_PER_CALL = 100;
/** Most send_local_online_presence_to calls kept per call. */
const MAX_SENDS_PER_CALL = 16;
/** Largest send_local_online_presence_to argument. */
const MAX_SEND_BYTES = 1024 * 1024;
/** Most user IDs in one send_local_online_presence_to call. */
const MAX_SEND_USERS = 10_000;

/** What imports record during one call; reset by the caller before each call. */
export interface CallRecord {
  logs: GuestLog[];
  sends: string[][];
  /** What the first failing import threw: the call has failed, whatever the guest does next. */
  failure?: unknown;
}

function u32(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw badOutput(`${what}: expected an i32 argument`);
  return value >>> 0;
}

/** `body` as an import whose every failure poisons the call record before it is thrown to the guest. */
function poisoning<A extends unknown[], R>(
  record: () => CallRecord,
  body: (rec: CallRecord, ...args: A) => R,
): (...args: A) => R {
  return (...args: A): R => {
    const rec = record();
    if (rec.failure !== undefined) throw rec.failure;
    try {
      return body(rec, ...args);
    } catch (err) {
      rec.failure = err;
      throw err;
    }
  };
}

export function createImports(memory: () => GuestMemory, record: () => CallRecord): WebAssembly.Imports {
  return {
    presence: {
      log: poisoning(record, (rec, level: unknown, ptr: unknown, len: unknown): void => {
        const lvl = u32(level, 'presence.log level');
        // The whole range is checked before anything is cut: a length past memory fails the call.
        const bytes = memory().view(u32(ptr, 'presence.log pointer'), u32(len, 'presence.log length'), 'presence.log message');
        if (rec.logs.length >= MAX_LOGS_PER_CALL) return;
        const { text, cut } = readUtf8Cut(bytes, MAX_TEXT_BYTES, 'presence.log message');
        rec.logs.push({ level: LOG_LEVELS[lvl] ?? 'info', message: cut ? `${text}…` : text });
      }),
      send_local_online_presence_to: poisoning(record, (rec, ptr: unknown, len: unknown): void => {
        const length = u32(len, 'send_local_online_presence_to length');
        if (length > MAX_SEND_BYTES) throw badOutput(`send_local_online_presence_to: ${length} bytes exceeds ${MAX_SEND_BYTES}`);
        const bytes = memory().copyOut(u32(ptr, 'send_local_online_presence_to pointer'), length, 'send_local_online_presence_to');
        const users = readUserIdList(bytes, 'send_local_online_presence_to argument', MAX_SEND_USERS);
        if (rec.sends.length < MAX_SENDS_PER_CALL) rec.sends.push(users);
      }),
    },
    env: {
      abort: poisoning(record, (_rec, message: unknown, file: unknown, line: unknown, column: unknown): never => {
        const mem = memory();
        const text = readAssemblyScriptString(mem, u32(message, 'abort message'), 'abort message') ?? 'abort';
        const where = readAssemblyScriptString(mem, u32(file, 'abort file'), 'abort file');
        throw new GuestAbort(text, where !== undefined ? `${where}:${u32(line, 'abort line')}:${u32(column, 'abort column')}` : undefined);
      }),
    },
  };
}

/**
 * An AssemblyScript string (UTF-16LE code units, byte length in the u32 just before the pointer), or
 * undefined for 0. Read by hand (not with @assemblyscript/loader) so abort works for any module that
 * imports it. The whole range is checked against memory first, then at most MAX_TEXT_BYTES are read; a
 * range outside memory or a lone surrogate is the module's error (`bad_output`), as in any argument.
 */
function readAssemblyScriptString(mem: GuestMemory, ptr: number, what: string): string | undefined {
  if (ptr === 0) return undefined;
  if (ptr < 4) throw badOutput(`${what}: pointer ${ptr} leaves no room for the length before it`);
  const bytes = mem.view(ptr, mem.readU32(ptr - 4, `${what} length`), what);
  const { text, cut } = readUtf16leCut(bytes, MAX_TEXT_BYTES, what);
  return cut ? `${text}…` : text;
}
