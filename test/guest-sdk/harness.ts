// Instantiates a compiled harness with @assemblyscript/loader and passes managed arguments safely: each
// string or byte array is pinned while the next is allocated, since an allocation may run the GC.

import { instantiate } from '@assemblyscript/loader';
import { compileHarness } from './compile.js';

export type Arg = string | Uint8Array | number | bigint | boolean;

export interface Harness {
  /** Calls export `fn`; strings and byte arrays are copied into the module first. */
  call(fn: string, ...args: Arg[]): unknown;
  /** Calls `fn` and reads its result as a string. */
  str(fn: string, ...args: Arg[]): string;
  /** Calls `fn` and reads its result as an ArrayBuffer's bytes. */
  bytes(fn: string, ...args: Arg[]): Uint8Array;
  /** What the module passed to presence.log, decoded strictly as UTF-8. */
  logs: Array<[number, string]>;
  /** The raw bytes the module passed to presence.send_local_online_presence_to. */
  sends: Uint8Array[];
}

export async function loadHarness(name: string, target: 'debug' | 'release' = 'debug'): Promise<Harness> {
  const logs: Array<[number, string]> = [];
  const sends: Uint8Array[] = [];
  let memory: WebAssembly.Memory | undefined;
  const view = (ptr: number, len: number) => new Uint8Array(memory!.buffer, ptr, len).slice();
  const { exports } = await instantiate<Record<string, unknown>>(await compileHarness(name, target), {
    presence: {
      log: (level: number, ptr: number, len: number) => {
        logs.push([level, new TextDecoder('utf-8', { fatal: true }).decode(view(ptr, len))]);
      },
      send_local_online_presence_to: (ptr: number, len: number) => { sends.push(view(ptr, len)); },
    },
  });
  memory = exports.memory as WebAssembly.Memory;
  const fns = exports as unknown as Record<string, (...a: unknown[]) => unknown>;

  const call = (fn: string, ...args: Arg[]): unknown => {
    const pinned: number[] = [];
    try {
      const raw = args.map((a) => {
        if (typeof a === 'string') return pin(exports.__newString(a));
        // new Uint8Array(a) copies: a Node Buffer's .buffer is often a shared pool much larger than a.
        if (a instanceof Uint8Array) return pin(exports.__newArrayBuffer(new Uint8Array(a).buffer));
        return typeof a === 'boolean' ? Number(a) : a;
      });
      const f = fns[fn];
      if (typeof f !== 'function') throw new Error(`harness ${name} has no export ${fn}`);
      return f(...raw);
    } finally {
      for (const p of pinned) exports.__unpin(p);
    }
    function pin(ptr: number): number {
      exports.__pin(ptr);
      pinned.push(ptr);
      return ptr;
    }
  };
  return {
    call,
    str: (fn, ...args) => exports.__getString(call(fn, ...args) as number),
    bytes: (fn, ...args) => new Uint8Array(exports.__getArrayBuffer(call(fn, ...args) as number)),
    logs,
    sends,
  };
}

/** Bytes from hex, spaces allowed: hex('cd 01 00'). */
export function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
