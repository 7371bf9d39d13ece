/**
 * Tests drive the built package (dist/), as an operator would: real worker threads run the compiled
 * worker file, so `npm test` builds first (pretest).
 */
export * from '../../dist/host/index.js';
import type { HostLogEntry, FaultReport, UserPresenceState } from '../../dist/host/index.js';

/** Collects what a host reports, for assertions. */
export function recorder() {
  const logs: HostLogEntry[] = [];
  const faults: FaultReport[] = [];
  const sends: { users: string[]; module: string }[] = [];
  return {
    logs,
    faults,
    sends,
    options: {
      log: (e: HostLogEntry) => logs.push(e),
      onFault: (f: FaultReport) => faults.push(f),
      onSendLocalOnlinePresenceTo: (users: string[], module: string) => sends.push({ users, module }),
    },
  };
}

/** An online user's presence state with fixed timestamps; `extra` overrides fields. */
export function onlineState(user_id: string, extra: Partial<UserPresenceState> = {}): UserPresenceState {
  return {
    user_id,
    state: 'online',
    last_active_ts: 1,
    last_federation_update_ts: 2,
    last_user_sync_ts: 3,
    status_msg: null,
    currently_active: true,
    ...extra,
  };
}
