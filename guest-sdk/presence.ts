// The presence data a router sees, shaped like Synapse's `UserPresenceState` and `PRESENCE_ALL_USERS`.

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
 * was given.
 */
export class UserPresenceState {
  // Module authors: a state kept past the call keeps its whole batch's input alive until its statusMsg
  // is read; read statusMsg (or copy the fields you need) before keeping a state.
  //
  // A state from a batch holds its status_msg as UTF-8 bytes in the call's input, already validated, and
  // decodes them on the first read of statusMsg: most routers never read it. The reference keeps the
  // input alive for as long as the state is (input buffers are GC-managed, exports.ts), and is dropped
  // once decoded. Set only by the batch decoder (wire.ts), through a subclass.
  protected msgInput: ArrayBuffer | null = null;
  protected msgAt: u32 = 0;
  protected msgLength: u32 = 0;
  private msg: string | null;

  constructor(
    readonly userId: string,
    readonly state: string,
    /** Milliseconds since the epoch. */
    readonly lastActiveTs: i64,
    readonly lastFederationUpdateTs: i64,
    readonly lastUserSyncTs: i64,
    statusMsg: string | null,
    readonly currentlyActive: bool,
    /** Position in the batch; -1 for a state the module built itself, which cannot be routed. */
    readonly index: i32 = -1,
  ) {
    this.msg = statusMsg;
  }

  /** The status message, or null if there is none. */
  get statusMsg(): string | null {
    const input = this.msgInput;
    if (input !== null) {
      this.msg = String.UTF8.decodeUnsafe(changetype<usize>(input) + this.msgAt, this.msgLength);
      this.msgInput = null;
    }
    return this.msg;
  }
}
