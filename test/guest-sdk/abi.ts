// A minimal host for ABI v1 as docs/abi.md states it, enough to drive a built module from a test:
// raw WebAssembly (no loader), input through presence_alloc, results through the 8-byte descriptor.

import { Packr, Unpackr } from 'msgpackr';

const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

export const ALLOWED_IMPORTS = ['env.abort', 'presence.log', 'presence.send_local_online_presence_to'];

export interface Guest {
  exports: WebAssembly.Exports;
  /** presence_init with `config` packed as msgpack: null when accepted, else the error message. */
  init(config: unknown): string | null;
  /**
   * presence_users_for_states with `batch` (full seven-field states) packed as msgpack, each state
   * projected to the fields the module's presence_fields declares, as the host sends it; the decoded map
   * of dest -> indices.
   */
  usersForStates(batch: unknown[]): Record<string, number[]>;
  /** The module's presence_fields export, or 0x7f (every field) without one. */
  fields: number;
  /** presence_users_for_states with raw input bytes. */
  usersForStatesRaw(input: Uint8Array): Record<string, number[]>;
  /** presence_interested_users with the UTF-8 bytes of `userId`; 'ALL' or a list of user IDs. */
  interestedUsers(userId: string | Uint8Array): 'ALL' | string[];
  sends: unknown[];
}

interface AbiExports {
  memory: WebAssembly.Memory;
  presence_alloc(size: number): number;
  presence_init(ptr: number, len: number): number;
  presence_users_for_states(ptr: number, len: number): number;
  presence_interested_users(ptr: number, len: number): number;
}

export async function instantiateGuest(wasm: Uint8Array<ArrayBuffer>): Promise<Guest> {
  let memory: WebAssembly.Memory | undefined;
  const sends: unknown[] = [];
  const bytes = (ptr: number, len: number) => new Uint8Array(memory!.buffer.slice(ptr, ptr + len));
  // AssemblyScript strings: UTF-16LE, byte length in the u32 before the pointer.
  const asString = (ptr: number) =>
    ptr === 0 ? 'null' : Buffer.from(bytes(ptr, new DataView(memory!.buffer).getUint32(ptr - 4, true))).toString('utf16le');
  const { instance } = await WebAssembly.instantiate(wasm, {
    presence: {
      log: () => {},
      send_local_online_presence_to: (ptr: number, len: number) => { sends.push(unpackr.unpack(bytes(ptr, len))); },
    },
    env: {
      abort: (msg: number, file: number, line: number, col: number) => {
        throw new Error(`abort: ${asString(msg)} (${asString(file)}:${line}:${col})`);
      },
    },
  });
  const ex = instance.exports as unknown as AbiExports;
  memory = ex.memory;
  const put = (input: Uint8Array): [number, number] => {
    const ptr = ex.presence_alloc(input.length);
    new Uint8Array(memory!.buffer, ptr, input.length).set(input);
    return [ptr, input.length];
  };
  const result = (descriptor: number): Uint8Array => {
    const view = new DataView(memory!.buffer);
    return bytes(view.getUint32(descriptor, true), view.getUint32(descriptor + 4, true));
  };
  const usersForStatesRaw = (input: Uint8Array) =>
    unpackr.unpack(result(ex.presence_users_for_states(...put(input)))) as Record<string, number[]>;
  const declared = instance.exports.presence_fields as WebAssembly.Global | undefined;
  const fields = declared === undefined ? ALL_FIELDS : Number(declared.value);
  return {
    exports: instance.exports,
    fields,
    init(config) {
      const err = ex.presence_init(...put(packr.pack(config)));
      return err === 0 ? null : new TextDecoder('utf-8', { fatal: true }).decode(result(err));
    },
    usersForStates: (batch) => usersForStatesRaw(packr.pack(batch.map((s) => project(s as unknown[], fields)))),
    usersForStatesRaw,
    interestedUsers(userId) {
      const input = typeof userId === 'string' ? new TextEncoder().encode(userId) : userId;
      return unpackr.unpack(result(ex.presence_interested_users(...put(input))));
    },
    sends,
  };
}

/** Every field of docs/abi.md's state tuple: presence_fields' default. */
export const ALL_FIELDS = 0x7f;

/** Field bits, as docs/abi.md "Field projection" numbers them. */
export const FIELD = {
  user_id: 1, state: 2, last_active_ts: 4, last_federation_update_ts: 8, last_user_sync_ts: 16, status_msg: 32,
  currently_active: 64,
} as const;

/** `fields` of a full state, in index order, as the host sends it to a module declaring `fields`. */
export function project(state: unknown[], fields: number): unknown[] {
  return state.filter((_, i) => (fields & (1 << i)) !== 0);
}

/** A state as the host sends it: Synapse's seven fields in order. */
export function state(userId: string, presence = 'online', statusMsg: string | null = null): unknown[] {
  return [userId, presence, 1_700_000_000_000, 1_700_000_000_000, 2 ** 53, statusMsg, true];
}
