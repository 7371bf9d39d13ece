/** Worker-side tests that drive host/worker/guest.ts on this thread, on real Wasm compiled from a fixture. */
import { Packr } from 'msgpackr';
import { expect } from 'vitest';
import { Guest } from '../../dist/host/worker/guest.js';
import { GuestFailure } from '../../dist/host/worker/guest-failure.js';
import { compileWat } from './wat.js';

export const packr = new Packr({ useRecords: false });
export const OUTPUT_CAP = 16 * 1024 * 1024;
/** One online user, as the host packs a batch for users_for_states. */
export const BATCH = packr.pack([['@a:example.com', 'online', 1, 2, 3, null, true]]);
export const USER = new TextEncoder().encode('@alice:example.com');

/** A Guest over the compiled WAT fixture `name`, with the default output cap. */
export async function guestOf(name: string): Promise<Guest> {
  return new Guest(new WebAssembly.Module(await compileWat(name)), OUTPUT_CAP);
}

/** What `run` throws, which must be a GuestFailure. */
export function failure(run: () => unknown): GuestFailure {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(GuestFailure);
    return err as GuestFailure;
  }
  return expect.fail('expected a failure');
}
