/**
 * Structured logs for the service (pino, JSON lines on stderr so stdout stays for the address). Host and
 * module log lines become records with `module`; faults carry `module`, `callback`, `code`, `durationMs`.
 */
import pino, { type Logger } from 'pino';
import type { FaultReport, HostLogEntry } from '../host-options.js';

export function createLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { service: 'presence-sandbox' } }, pino.destination(2));
}

/** The host's `log` option, writing to pino. */
export function hostLog(logger: Logger): (entry: HostLogEntry) => void {
  return ({ level, message, module, fault }) => {
    // Faults are logged by faultLog with their fields; skip the host's plain-text copy of them (marked by
    // its `fault` field: a module's own line that reads the same still reaches the log).
    if (fault !== undefined) return;
    logger[level](module ? { module } : {}, message);
  };
}

export function faultLog(logger: Logger): (fault: FaultReport) => void {
  return ({ module, callback, code, message, durationMs }) =>
    logger.warn({ module, callback, code, durationMs: Math.round(durationMs * 1000) / 1000 }, `share skipped: ${message}`);
}
