// The presence data a router sees, shaped like Synapse's `UserPresenceState` and `PRESENCE_ALL_USERS`.

import { Field, requireField } from "./fields";

/** The presence states Synapse knows (`state` of a UserPresenceState). */
export namespace PresenceState {
  export const ONLINE = "online";
  export const UNAVAILABLE = "unavailable";
  export const OFFLINE = "offline";
  /** MSC3026's busy state, under its unstable name as Synapse uses it. */
  export const BUSY = "org.matrix.msc3026.busy";
}

/** True if `state` is one of the four PresenceState values. */
export function isPresenceState(state: string): bool {
  return state == PresenceState.ONLINE || state == PresenceState.UNAVAILABLE
    || state == PresenceState.OFFLINE || state == PresenceState.BUSY;
}

/** Returned through InterestedUsers.all(): the user receives everyone's presence. */
export const PRESENCE_ALL_USERS = "ALL";

/**
 * One user's presence, with Synapse's seven fields in Synapse's order, plus its position in the batch
 * the host sent: a router's answer travels back as these indices, so a module can only route states it
 * was given. A state from a batch traps when a router reads a field the module does not declare in
 * `presence_fields` (fields.ts): the host did not send it.
 */
export class UserPresenceState {
  // Module authors: a state kept past the call keeps its whole batch's input alive until its statusMsg
  // is read; read statusMsg (or copy the fields you need) before keeping a state.
  //
  // A state from a batch holds its status_msg as UTF-8 bytes in the call's input, already validated, and
  // decodes them on the first read of statusMsg: most routers never read it. The reference keeps the
  // input alive for as long as the state is (input buffers are GC-managed, exports.ts), and is dropped
  // once decoded. Set only by the batch (batch.ts), through a subclass.
  protected msgInput: ArrayBuffer | null = null;
  protected msgAt: u32 = 0;
  protected msgLength: u32 = 0;
  private msg: string | null;
  private readonly presence: string;
  private readonly active: i64;
  private readonly federationUpdate: i64;
  private readonly userSync: i64;
  private readonly activeNow: bool;

  constructor(
    readonly userId: string,
    state: string,
    /** Milliseconds since the epoch. */
    lastActiveTs: i64,
    lastFederationUpdateTs: i64,
    lastUserSyncTs: i64,
    statusMsg: string | null,
    currentlyActive: bool,
    /** Position in the batch; -1 for a state the module built itself, which cannot be routed. */
    readonly index: i32 = -1,
  ) {
    this.presence = state;
    this.active = lastActiveTs;
    this.federationUpdate = lastFederationUpdateTs;
    this.userSync = lastUserSyncTs;
    this.msg = statusMsg;
    this.activeNow = currentlyActive;
  }

  /** One of the PresenceState constants. */
  get state(): string {
    if (this.index >= 0) requireField(Field.STATE);
    return this.presence;
  }

  /** Milliseconds since the epoch. */
  get lastActiveTs(): i64 {
    if (this.index >= 0) requireField(Field.LAST_ACTIVE_TS);
    return this.active;
  }

  get lastFederationUpdateTs(): i64 {
    if (this.index >= 0) requireField(Field.LAST_FEDERATION_UPDATE_TS);
    return this.federationUpdate;
  }

  get lastUserSyncTs(): i64 {
    if (this.index >= 0) requireField(Field.LAST_USER_SYNC_TS);
    return this.userSync;
  }

  /** The status message, or null if there is none. */
  get statusMsg(): string | null {
    if (this.index >= 0) requireField(Field.STATUS_MSG);
    const input = this.msgInput;
    if (input !== null) {
      this.msg = String.UTF8.decodeUnsafe(changetype<usize>(input) + this.msgAt, this.msgLength);
      this.msgInput = null;
    }
    return this.msg;
  }

  get currentlyActive(): bool {
    if (this.index >= 0) requireField(Field.CURRENTLY_ACTIVE);
    return this.activeNow;
  }
}
