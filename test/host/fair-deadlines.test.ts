/**
 * Deadlines charge a module only for the time its own worker spent inside the module. The main thread is
 * stalled on purpose (a synchronous loop, as a burst of large batches or a loaded machine would) for far
 * longer than the call deadline, right after calls are dispatched: the good module's calls take
 * microseconds in their worker, so every one must count, whatever the main thread was doing. A module
 * that really runs too long is still stopped, stall or not.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { onlineState, PresenceHost, PRESENCE_ALL_USERS, recorder, type UserPresenceState } from '../helpers/host.js';
import { writeWatFixture } from '../helpers/wat.js';

const GOOD = '@wat:example.com';
/** The call deadline the stalls overrun several times over; the good module's calls need microseconds. */
const CALL_TIMEOUT_MS = 1000;
const STALL_MS = 3000;
const ROUNDS = 2;

const st = (user_id: string): UserPresenceState => onlineState(user_id);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fair-deadlines-'));
});

/** Keeps the main thread busy, as a burst of synchronous work between awaits would. */
function stallMainThread(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy
  }
}

/** Lets every call started so far be dispatched to its worker (the pool's continuations run). */
function dispatched(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('fair deadlines: a stalled main thread is not charged to a module', () => {
  it('a good module answers every call while the main thread stalls for 3x its deadline after each dispatch', async () => {
    const rec = recorder();
    const host = await PresenceHost.create(
      { modules: [{ module: await writeWatFixture('route_all_to_one', dir) }], sandbox: { threads: 2, call_timeout_ms: CALL_TIMEOUT_MS, quarantine_after_faults: 1000 } },
      { baseDir: dir, ...rec.options },
    );
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const batch = [st(`@a${round}:example.com`), st(`@b${round}:example.org`)];
        const routing = [host.getUsersForStates(batch), host.getUsersForStates(batch)];
        const interest = [host.getInterestedUsers(GOOD), host.getInterestedUsers(GOOD)];
        await dispatched();
        stallMainThread(STALL_MS);
        for (const answer of await Promise.all(routing)) expect([...(answer.get(GOOD) ?? [])]).toEqual(batch);
        for (const answer of await Promise.all(interest)) expect(answer).toBe(PRESENCE_ALL_USERS);
      }
      expect(rec.faults).toEqual([]);
      const stats = host.stats().modules[0]!;
      expect(stats.calls).toEqual({ users_for_states: 2 * ROUNDS, interested_users: 2 * ROUNDS });
      expect(stats.faults).toEqual({ users_for_states: {}, interested_users: {} });
    } finally {
      await host.close();
    }
  });

  it('a module that loops is still stopped at its deadline, stalls or not, and the good share is kept', async () => {
    const rec = recorder();
    // Unmetered: fuel would stop the loop first; the deadline is the backstop for what fuel cannot see.
    const host = await PresenceHost.create(
      {
        modules: [
          { module: await writeWatFixture('route_all_to_one', dir) },
          { module: await writeWatFixture('loop_in_users_for_states', dir), sandbox: { fuel_metering: false } },
        ],
        sandbox: { threads: 1, call_timeout_ms: CALL_TIMEOUT_MS, quarantine_after_faults: 1000 },
      },
      { baseDir: dir, ...rec.options },
    );
    try {
      for (let round = 0; round < 3; round++) {
        const batch = [st(`@a${round}:example.com`)];
        const answer = host.getUsersForStates(batch);
        await dispatched();
        stallMainThread(STALL_MS);
        expect([...((await answer).get(GOOD) ?? [])]).toEqual(batch);
      }
      expect(rec.faults.map((f) => [f.module.slice(0, 10), f.callback, f.code])).toEqual(Array(3).fill(['modules[1]', 'users_for_states', 'timeout']));
      // The looping module's other callback answers at once, on a ready thread.
      expect(await host.getInterestedUsers('@a:example.com')).toEqual(new Set());
    } finally {
      await host.close();
    }
  });
});
