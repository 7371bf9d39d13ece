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

/**
 * One module's part of one call: what it cost and how it ended (docs/security.md, "Per-call report").
 * Measured in the worker, around the guest code only: the thread hop, the host's check of the input and
 * its decoding of the result are not counted in `wallMs` (they are in `durationMs`).
 *
 * @example
 * onModuleCall: (r) => console.log(r.module, r.callback, r.outcome, r.fuelUsed, r.memoryBytes)
 */
export interface ModuleCallReport {
  module: string;
  /** `init`: once per module, at admission (the instance admission checked: its start function and init). */
  callback: 'users_for_states' | 'interested_users' | 'init';
  /** 'ok', the fault code, or 'quarantined' (skipped without running: every measure is 0). */
  outcome: 'ok' | FaultCode | 'quarantined';
  /** Fuel the call used; null when metering is off, or the worker never answered (a timeout, a crash). */
  fuelUsed: number | null;
  /**
   * Time inside the module's code, measured in the worker, in ms. A call whose worker never answered
   * (terminated at a deadline, or dead) has the main thread's `durationMs` instead.
   */
  wallMs: number;
  /** The instance's linear memory after the call (its high water: memory never shrinks); 0 when unknown. */
  memoryBytes: number;
  /** Bytes handed to the module: the msgpack batch as the module reads it, the user ID, the config. */
  inputBytes: number;
  /** Bytes of the result the host read. */
  outputBytes: number;
  /** Distinct entries returned: destinations plus indices (users_for_states) or user IDs ("ALL" holds none). */
  entries: number;
  /** The whole call as the main thread saw it, thread hop and queueing included, in ms. */
  durationMs: number;
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
  /**
   * Every module call: each that ran and counted (faulted or not), each skipped by quarantine, and each
   * module's init at admission. Not reported: calls never settled (modules after the first ALL of an
   * interested_users call) and binary-wire calls whose batch was refused before the module ran.
   * A callback that throws is logged; the call goes on.
   */
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
