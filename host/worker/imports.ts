/**
 * The host functions a module may import (docs/abi.md's allow-list) and nothing else. Each checks its
 * arguments like any other guest output: JavaScript imports accept whatever signature a module declares,
 * so a module importing `log` as `(f64) -> i64` reaches these checks instead of a type error.
 */
import { LOG_LEVELS } from '../protocol/abi.js';
import type { GuestLog } from '../protocol/envelopes.js';
import { GuestFailure, badOutput } from './guest-failure.js';
import { GuestMemory, decodeUtf8 } from './guest-memory.js';
import { readUserIdList } from './output-reader.js';
import { FaultCode } from '../errors.js';

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

const lenientUtf8 = new TextDecoder('utf-8');

/** What imports record during one call; reset by the caller before each call. */
export interface CallRecord {
  logs: GuestLog[];
  sends: string[][];
}

function u32(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw badOutput(`${what}: expected an i32 argument`);
  return value >>> 0;
}

export function createImports(memory: () => GuestMemory, record: () => CallRecord): WebAssembly.Imports {
  return {
    presence: {
      log(level: unknown, ptr: unknown, len: unknown): void {
        const lvl = u32(level, 'presence.log level');
        const fullLength = u32(len, 'presence.log length');
        const length = Math.min(fullLength, MAX_TEXT_BYTES);
        const bytes = memory().view(u32(ptr, 'presence.log pointer'), length, 'presence.log message');
        const logs = record().logs;
        if (logs.length >= MAX_LOGS_PER_CALL) return;
        // A message cut at MAX_TEXT_BYTES may end inside a character: only then decode leniently.
        const message =
          length < fullLength ? lenientUtf8.decode(bytes) + '…' : decodeUtf8(bytes, 'presence.log message');
        logs.push({ level: LOG_LEVELS[lvl] ?? 'info', message });
      },
      send_local_online_presence_to(ptr: unknown, len: unknown): void {
        const length = u32(len, 'send_local_online_presence_to length');
        if (length > MAX_SEND_BYTES) throw badOutput(`send_local_online_presence_to: ${length} bytes exceeds ${MAX_SEND_BYTES}`);
        const bytes = memory().copyOut(u32(ptr, 'send_local_online_presence_to pointer'), length, 'send_local_online_presence_to');
        const users = readUserIdList(bytes, 'send_local_online_presence_to argument', MAX_SEND_USERS);
        const sends = record().sends;
        if (sends.length < MAX_SENDS_PER_CALL) sends.push(users);
      },
    },
    env: {
      abort(message: unknown, file: unknown, line: unknown, column: unknown): never {
        const mem = memory();
        const text = readAssemblyScriptString(mem, u32(message, 'abort message')) ?? 'abort';
        const where = readAssemblyScriptString(mem, u32(file, 'abort file'));
        const at = where ? ` at ${where}:${u32(line, 'abort line')}:${u32(column, 'abort column')}` : '';
        throw new GuestFailure(FaultCode.TRAP, `abort: ${text}${at}`);
      },
    },
  };
}

/**
 * An AssemblyScript string: UTF-16LE code units, byte length in the u32 just before the pointer. Read by
 * hand (not with @assemblyscript/loader) so abort works for any module that imports it, and bounded.
 */
function readAssemblyScriptString(mem: GuestMemory, ptr: number): string | undefined {
  if (ptr === 0 || ptr < 4) return undefined;
  try {
    const byteLength = Math.min(mem.readU32(ptr - 4, 'abort string'), MAX_TEXT_BYTES) & ~1;
    const bytes = mem.copyOut(ptr, byteLength, 'abort string');
    return new TextDecoder('utf-16le').decode(bytes);
  } catch {
    return '(unreadable message)';
  }
}
