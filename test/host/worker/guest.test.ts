/**
 * host/worker/guest.ts on this thread, on real Wasm (the host-level tests run it in real workers): a call
 * whose host import failed stays failed, whatever the module does next. Run directly so that the proof
 * does not depend on admission, which may refuse modules that use exception handling at load.
 */
import { describe, expect, it } from 'vitest';
import { GuestFailure } from '../../../dist/host/worker/guest-failure.js';
import { BATCH, failure, guestOf, packr, USER } from '../../helpers/guest.js';

describe('a call whose import failed stays failed, whatever the module does next', () => {
  it('caught_host_trap: a caught abort fails users_for_states (trap), nothing of its answer is read', async () => {
    const guest = await guestOf('caught_host_trap');
    guest.runInit(packr.pack({}));
    const err = failure(() => guest.invoke(guest.usersForStates!, BATCH, 'users_for_states'));
    expect(err.code).toBe('trap');
    expect(err.message).toBe('abort: abort (caught by the module in users_for_states, which went on: the call fails all the same)');
    // The record keeps the first failure: every later import of this call would fail at once.
    expect(guest.record.failure).toBeInstanceOf(GuestFailure);
  });

  it('caught_host_trap: a caught bad log range fails interested_users (bad_output); the later log is not kept', async () => {
    const guest = await guestOf('caught_host_trap');
    guest.runInit(packr.pack({}));
    const err = failure(() => guest.invoke(guest.interestedUsers!, USER, 'interested_users'));
    expect(err.code).toBe('bad_output');
    expect(err.message).toMatch(/^presence\.log message: range \[2147483632, 2147483648\) lies outside memory/);
    expect(guest.record.logs).toEqual([]);
  });

  it('caught_host_trap: a caught abort in init fails init', async () => {
    const guest = await guestOf('caught_host_trap');
    const err = failure(() => guest.runInit(packr.pack({ any: 'thing' })));
    expect(err.code).toBe('trap');
    expect(err.message).toMatch(/caught by the module in presence_init/);
  });
});
