/** Options for creating a host, beyond the config itself. */
import type { FaultCode } from './errors.js';
import type { LogLevel } from './protocol/abi.js';

export interface HostLogEntry {
  level: LogLevel;
  message: string;
  /** The module as written in the config, when the entry concerns one. */
  module?: string;
  /**
   * Set on the host's own line about a module's fault (the fault `onFault` also reports), never on a
   * module's log line: tell the two apart by this field, not by the message text.
   */
  fault?: FaultCode;
}

/** A module misbehaved during a call: its share of that call was skipped. */
export interface FaultReport {
  module: string;
  callback: 'users_for_states' | 'interested_users';
  code: FaultCode;
  message: string;
  durationMs: number;
}

/** One module's part of one call, for metrics: how long it took and how it ended. */
export interface ModuleCallReport {
  module: string;
  callback: 'users_for_states' | 'interested_users';
  durationMs: number;
  /** 'ok', or the fault code. */
  outcome: 'ok' | FaultCode;
}

export interface HostOptions {
  /** Directory that relative module paths in an object config resolve against (default: the current directory). */
  baseDir?: string;
  /** Where host and module log lines go (default: warnings and errors to stderr). */
  log?: (entry: HostLogEntry) => void;
  /** A module called send_local_online_presence_to(users): forward it to the homeserver. */
  onSendLocalOnlinePresenceTo?: (users: string[], module: string) => void;
  /** A module's call faulted (after it was logged). */
  onFault?: (fault: FaultReport) => void;
  /** Every module call that ran and counted, faulted or not (skipped and discarded ones are not reported). */
  onModuleCall?: (call: ModuleCallReport) => void;
  /**
   * The clock quarantine periods are measured on, in milliseconds (default Date.now). Tests pass a clock
   * they move by hand, so that a quarantine's end never depends on how busy the machine is.
   */
  now?: () => number;
  /**
   * @internal For tests only, not a documented option: send every module full states whatever its
   * `presence_fields` declares, so that a test can compare a projected batch's routing with a full one's.
   */
  sendFullStates?: boolean;
}

export function defaultLog(entry: HostLogEntry): void {
  if (entry.level === 'warn' || entry.level === 'error') {
    const who = entry.module ? ` [${entry.module}]` : '';
    process.stderr.write(`${entry.level}${who}: ${entry.message}\n`);
  }
}
