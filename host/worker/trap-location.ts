/**
 * Names where a trap happened in the author's own source, for modules that come with a source map
 * (docs/abi.md, "Where a trap happened"): an AssemblyScript bounds check aborts in `~lib/array.ts`, but
 * the author needs the line of their own that indexed the array. The error's V8 call sites give each
 * Wasm frame's byte offset in the compiled binary; admission's table of the bytes fuel metering inserted
 * (`inserted`, admission/inserted-runs.ts) and its `codeShift` (caps and metering rewrite sections before
 * the code) turn it into an offset in the binary as built, which the map turns into a position.
 *
 * Runs only for a call that already trapped, in the worker. The map is decoded on the first trap and
 * kept for the thread's life; a map that does not decode is remembered as unusable, and any surprise
 * here leaves the message as it was: a trap's message is never worse than without a map.
 */
import { FaultCode } from '../errors.js';
import type { Failure, SourceMapSetup } from '../protocol/envelopes.js';
import { originalOffset } from '../admission/inserted-runs.js';
import { GuestAbort } from './guest-failure.js';
import { decodeSourceMap, lookup, type SourceMapTable, type SourcePosition } from './source-map.js';

/** Frames kept on errors in a worker whose module has a map: the author's frame can sit under the SDK's. */
export const TRAP_STACK_FRAMES = 64;

export class TrapLocator {
  private table: SourceMapTable | null | undefined;

  constructor(private readonly setup: SourceMapSetup) {}

  /** `failure` with the author's position added when `err` (what the guest threw) is a trap the map covers. */
  describe(failure: Failure, err: unknown): Failure {
    if (failure.code !== FaultCode.TRAP || !(err instanceof Error)) return failure;
    try {
      const where = this.authorPosition(err);
      if (where === undefined) return failure;
      const at = `${where.source}:${where.line}:${where.column}`;
      if (err instanceof GuestAbort) {
        if (err.at === undefined || isAuthorFile(err.at)) return failure;
        return { code: failure.code, message: `abort: ${err.text} at ${at} (in ${err.at})` };
      }
      return { code: failure.code, message: `${failure.message} at ${at}` };
    } catch {
      return failure;
    }
  }

  /** The first Wasm frame in the author's files, else the first one mapped at all. */
  private authorPosition(err: Error): SourcePosition | undefined {
    const table = this.decoded();
    if (table === undefined) return undefined;
    const { inserted, codeShift } = this.setup;
    let first: SourcePosition | undefined;
    for (const offset of wasmOffsets(err)) {
      const position = lookup(table, (inserted === undefined ? offset : originalOffset(inserted, offset)) + codeShift);
      if (position === undefined) continue;
      if (isAuthorFile(position.source)) return position;
      first ??= position;
    }
    return first;
  }

  private decoded(): SourceMapTable | undefined {
    if (this.table === undefined) this.table = decodeSourceMap(this.setup.text) ?? null;
    return this.table ?? undefined;
  }
}

/** Not the AssemblyScript standard library, not the SDK (in this repository or installed from npm). */
function isAuthorFile(source: string): boolean {
  return !source.startsWith('~lib/') && !/(^|\/)(guest-sdk|node_modules)\//.test(source);
}

/**
 * The byte offset of each Wasm frame of the error's stack, innermost first, read from V8's structured
 * call sites (never by parsing the stack text, which holds function names the guest chose). Empty when
 * the stack was already formatted (nothing here formats it first).
 */
export function wasmOffsets(err: Error): number[] {
  const prepare = Error.prepareStackTrace;
  let sites: NodeJS.CallSite[] = [];
  Error.prepareStackTrace = (_error, callSites) => {
    sites = callSites;
    return '';
  };
  try {
    void err.stack;
  } finally {
    Error.prepareStackTrace = prepare;
  }
  const offsets: number[] = [];
  for (const site of sites) {
    // For a Wasm frame V8 reports the byte offset, plus one, as the column.
    const column = site.getFileName()?.startsWith('wasm://') ? site.getColumnNumber() : null;
    if (typeof column === 'number' && column >= 1) offsets.push(column - 1);
  }
  return offsets;
}
