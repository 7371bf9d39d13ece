/**
 * Host ↔ guest wire types: everything docs/abi.md fixes, in one place. If this file and docs/abi.md
 * disagree, that is a bug in one of them.
 */

export const ABI_VERSION = 1;

export const Export = {
  MEMORY: 'memory',
  ABI_VERSION: 'presence_abi_version',
  ALLOC: 'presence_alloc',
  INIT: 'presence_init',
  USERS_FOR_STATES: 'presence_users_for_states',
  INTERESTED_USERS: 'presence_interested_users',
} as const;

/** Exports every module needs, with their kind. */
export const REQUIRED_EXPORTS: ReadonlyArray<readonly [string, WebAssembly.ImportExportKind]> = [
  [Export.MEMORY, 'memory'],
  [Export.ABI_VERSION, 'global'],
  [Export.ALLOC, 'function'],
  [Export.INIT, 'function'],
];

/** The two callbacks: both or neither (Synapse's pairing rule). */
export const CALLBACK_EXPORTS = [Export.USERS_FOR_STATES, Export.INTERESTED_USERS] as const;

/** The complete import allow-list: `module.name` → kind. Anything else refuses the module. */
export const ALLOWED_IMPORTS: ReadonlyMap<string, WebAssembly.ImportExportKind> = new Map([
  ['presence.log', 'function'],
  ['presence.send_local_online_presence_to', 'function'],
  ['env.abort', 'function'],
]);

/** `presence.log` levels. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** WebAssembly's page size: memory limits are counted in pages. */
export const WASM_PAGE_BYTES = 65536;

/** The 8-byte result descriptor: u32 pointer, u32 length, little endian. */
export const DESCRIPTOR_BYTES = 8;

/** The interested_users result meaning "everyone". */
export const ALL_USERS = 'ALL';

/** Wire form of one state: Synapse's seven fields, in Synapse's order. */
export type WireState = [
  user_id: string,
  state: string,
  last_active_ts: number,
  last_federation_update_ts: number,
  last_user_sync_ts: number,
  status_msg: string | null,
  currently_active: boolean,
];
