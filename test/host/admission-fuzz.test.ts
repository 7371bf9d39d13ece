/**
 * The static check reads binaries no engine has validated yet, so it must answer for any bytes: admitted
 * or refused with a reason, never an exception, never a hang. And it must not refuse a module the engine
 * accepts for a reason it made up: when a mutated binary is valid, a refusal names a real cause.
 * Mutations of real fixtures (flipped, inserted and deleted bytes, truncation) reach far deeper into the
 * section and instruction walks than random bytes would.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../helpers/host.js';
import { checkStatically } from '../../dist/host/admission/static-check.js';
import { compileWat } from '../helpers/wat.js';

const SEEDS = ['route_all_to_one', 'many_declarations', 'eh_catch_all', 'simd_and_tail_calls', 'table_grow_unbounded', 'announce'];
const REASONS = ['not_wasm', 'forbidden_import', 'missing_export', 'pairing', 'memory_refused', 'resource_limit', 'feature_refused', 'abi_type'];

let binaries: Uint8Array<ArrayBuffer>[];
beforeAll(async () => {
  binaries = await Promise.all(SEEDS.map((name) => compileWat(name)));
});

type Mutation = { kind: 'flip' | 'insert' | 'delete'; at: number; byte: number } | { kind: 'truncate'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constantFrom('flip' as const, 'insert' as const, 'delete' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

function mutate(binary: Uint8Array, mutations: Mutation[]): Uint8Array<ArrayBuffer> {
  let bytes = [...binary];
  for (const m of mutations) {
    const at = m.at % (bytes.length + 1);
    if (m.kind === 'flip' && at < bytes.length) bytes[at] = m.byte;
    else if (m.kind === 'insert') bytes.splice(at, 0, m.byte);
    else if (m.kind === 'delete') bytes.splice(at, 1);
    else if (m.kind === 'truncate') bytes = bytes.slice(0, Math.max(8, at));
  }
  return Uint8Array.from(bytes);
}

describe('the static check on mutated binaries', () => {
  it('always answers: admitted, or refused with a known reason; a valid binary is never refused by a made-up reason', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 4 }), async (seed, mutations) => {
        const bytes = mutate(binaries[seed % binaries.length]!, mutations);
        const valid = WebAssembly.validate(bytes);
        const answer = await checkStatically(new Uint8Array(bytes), DEFAULT_LIMITS);
        if (answer.ok) {
          expect(valid).toBe(true);
          return;
        }
        expect(REASONS).toContain(answer.reason);
        expect(answer.message.length).toBeGreaterThan(0);
        if (valid) {
          // The engine accepts it: the walk must not have stumbled (a malformed read or an instruction it
          // does not know); a refused feature, a limit or the ABI are real causes.
          expect(answer.reason, answer.message).not.toBe('not_wasm');
          expect(answer.message).not.toMatch(/does not know/);
        }
      }),
      { numRuns: 400 },
    );
  });
});
