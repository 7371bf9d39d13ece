// Field projection (docs/abi.md "Field projection"): a module declares the state fields it reads in an
// exported immutable i32 global `presence_fields`, and the host sends each state as an array of only
// those fields, in index order. The SDK reads the same declaration at compile time, so the batch decoder
// expects exactly what the host sends, and a router that reads a field it did not declare traps naming
// the field and the fix instead of reading another field's bytes. A module declares it in its entry file:
//
//     import { Field } from "../../guest-sdk/index";
//     export * from "../../guest-sdk/exports";
//     // @ts-ignore: decorator (@global lets the SDK see the declaration)
//     @global export const presence_fields: i32 = Field.USER_ID;
//
// Without the declaration the module gets full states (ABI v1), as every module before ABI 1.1 did.

import { E_UNDECLARED_FIELD, E_UNDECLARED_FIX } from "./errors";

/** The bits of `presence_fields`: bit i is field i of docs/abi.md's state tuple. */
export namespace Field {
  export const USER_ID: i32 = 1 << 0;
  export const STATE: i32 = 1 << 1;
  export const LAST_ACTIVE_TS: i32 = 1 << 2;
  export const LAST_FEDERATION_UPDATE_TS: i32 = 1 << 3;
  export const LAST_USER_SYNC_TS: i32 = 1 << 4;
  export const STATUS_MSG: i32 = 1 << 5;
  export const CURRENTLY_ACTIVE: i32 = 1 << 6;
  /** Every field: what a module that declares nothing gets. */
  export const ALL: i32 = 0x7f;
}

/**
 * The module's declared fields, a compile-time constant: its `@global presence_fields` if it has one,
 * else Field.ALL. Inlined into every reader, so checks against a declared field fold away. A function,
 * not a constant: the module's global is declared after the SDK's top level is compiled.
 */
// @ts-ignore: decorator
@inline export function declaredFields(): i32 {
  // @ts-ignore: presence_fields is the module's own @global, when it has one
  const fields: i32 = isDefined(presence_fields) ? presence_fields : Field.ALL;
  if ((fields & Field.USER_ID) == 0) ERROR("presence_fields must include Field.USER_ID");
  if ((fields & ~Field.ALL) != 0) ERROR("presence_fields has a bit above Field.CURRENTLY_ACTIVE (bits 0-6 only)");
  return fields;
}

/** True if the module declared `field` (a Field bit). */
// @ts-ignore: decorator
@inline export function declares(field: i32): bool {
  return (declaredFields() & field) != 0;
}

/** Traps unless the module declared `field`: a router read a field the host did not send. */
// @ts-ignore: decorator
@inline export function requireField(field: i32): void {
  if (!declares(field)) undeclared(field);
}

// Out of line, so the inlined check stays one branch.
function undeclared(field: i32): void {
  const name = fieldName(field);
  throw new Error(E_UNDECLARED_FIELD + name + E_UNDECLARED_FIX + constantName(field) + " to presence_fields");
}

/** The field's name in docs/abi.md (`status_msg`). */
export function fieldName(field: i32): string {
  switch (field) {
    case Field.USER_ID: return "user_id";
    case Field.STATE: return "state";
    case Field.LAST_ACTIVE_TS: return "last_active_ts";
    case Field.LAST_FEDERATION_UPDATE_TS: return "last_federation_update_ts";
    case Field.LAST_USER_SYNC_TS: return "last_user_sync_ts";
    case Field.STATUS_MSG: return "status_msg";
    default: return "currently_active";
  }
}

function constantName(field: i32): string {
  switch (field) {
    case Field.USER_ID: return "Field.USER_ID";
    case Field.STATE: return "Field.STATE";
    case Field.LAST_ACTIVE_TS: return "Field.LAST_ACTIVE_TS";
    case Field.LAST_FEDERATION_UPDATE_TS: return "Field.LAST_FEDERATION_UPDATE_TS";
    case Field.LAST_USER_SYNC_TS: return "Field.LAST_USER_SYNC_TS";
    case Field.STATUS_MSG: return "Field.STATUS_MSG";
    default: return "Field.CURRENTLY_ACTIVE";
  }
}
