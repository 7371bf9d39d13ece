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
  /** Optional (ABI 1.1): the fields the module reads, a bit per field of the state tuple. */
  FIELDS: 'presence_fields',
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

/** A function type as docs/abi.md writes it, e.g. `(i32, i32) -> (i32)`. */
export interface Signature {
  params: readonly string[];
  results: readonly string[];
}

const CALLBACK_SIGNATURE: Signature = { params: ['i32', 'i32'], results: ['i32'] };

/** The exact type of every ABI function export; admission refuses any other (`abi_type`). */
export const EXPORT_SIGNATURES: ReadonlyMap<string, Signature> = new Map([
  [Export.ALLOC, { params: ['i32'], results: ['i32'] }],
  [Export.INIT, CALLBACK_SIGNATURE],
  [Export.USERS_FOR_STATES, CALLBACK_SIGNATURE],
  [Export.INTERESTED_USERS, CALLBACK_SIGNATURE],
]);

/** The exact type of every allowed import. */
export const IMPORT_SIGNATURES: ReadonlyMap<string, Signature> = new Map([
  ['presence.log', { params: ['i32', 'i32', 'i32'], results: [] }],
  ['presence.send_local_online_presence_to', { params: ['i32', 'i32'], results: [] }],
  ['env.abort', { params: ['i32', 'i32', 'i32', 'i32'], results: [] }],
]);

/** `presence_abi_version`'s type: an immutable i32 (its value is read once, at instantiation). */
export const ABI_VERSION_GLOBAL = { type: 'i32', mutable: false } as const;

export function formatSignature(signature: Signature): string {
  return `(${signature.params.join(', ')}) -> (${signature.results.join(', ')})`;
}

/**
 * Exports the host adds to a metered module (admission/fuel-meter.ts) and reserves: a module that
 * exports either name itself is refused (`reserved_name`). The guest never sees them.
 */
export const FUEL_EXPORT = 'presence_sandbox_fuel';
/** The module's start function, moved to an export so the host runs it with the counter set. */
export const START_EXPORT = 'presence_sandbox_start';

/** `presence.log` levels. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** WebAssembly's page size: memory limits are counted in pages. */
export const WASM_PAGE_BYTES = 65536;

/** The 8-byte result descriptor: u32 pointer, u32 length, little endian. */
export const DESCRIPTOR_BYTES = 8;

/** The interested_users result meaning "everyone". */
export const ALL_USERS = 'ALL';

/**
 * Field projection (ABI 1.1, docs/abi.md): bit i stands for field i of the state tuple below. A module
 * without `presence_fields` reads them all, as in ABI 1.0.
 */
export const ALL_FIELDS = 0x7f;
/** The field every module reads: the user ID, bit 0. */
export const USER_ID_FIELD = 0x01;

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
