/**
 * Failures inside a worker, classified into stable codes before they cross back to the main thread
 * (where an Error would arrive without its class).
 */
import { FaultCode, type RefusalReason } from '../errors.js';
import type { Failure } from '../protocol/envelopes.js';

export class GuestFailure extends Error {
  constructor(
    readonly code: FaultCode | RefusalReason,
    message: string,
  ) {
    super(message);
  }
}

/** A module's call of `env.abort` (AssemblyScript's assertion and bounds failures). */
export class GuestAbort extends GuestFailure {
  constructor(
    /** The abort's message. */
    readonly text: string,
    /** `file:line:column` as the module gave it, if it did. */
    readonly at: string | undefined,
  ) {
    super(FaultCode.TRAP, `abort: ${text}${at === undefined ? '' : ` at ${at}`}`);
  }
}

export function badOutput(message: string): GuestFailure {
  return new GuestFailure(FaultCode.BAD_OUTPUT, message);
}

/** Map anything thrown while guest code ran to a fault code. */
export function classify(err: unknown): Failure {
  if (err instanceof GuestFailure) return { code: err.code, message: err.message };
  if (err instanceof RangeError && /call stack/i.test(err.message)) {
    return { code: FaultCode.STACK_OVERFLOW, message: 'stack overflow (recursion too deep)' };
  }
  if (err instanceof RangeError && /memory/i.test(err.message)) {
    return { code: FaultCode.MEMORY_LIMIT, message: err.message };
  }
  if (err instanceof WebAssembly.RuntimeError) return { code: FaultCode.TRAP, message: `trap: ${err.message}` };
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return { code: FaultCode.TRAP, message };
}
