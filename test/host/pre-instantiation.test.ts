/**
 * Every thread instantiates its module before it takes a call: as it starts (a replacement after a kill
 * included) and after a fault, before its next task; the call after a fault goes to a ready instance.
 * Seen through init's log line, which a call carries only when it had to instantiate the module itself:
 * after admission's load, no call carries it again.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { onlineState, PresenceHost, recorder, type UserPresenceState } from '../helpers/host.js';
import { writeWatFixture } from '../helpers/wat.js';

const st = (user_id: string): UserPresenceState => onlineState(user_id);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pre-instantiation-'));
});

describe('pre-instantiation', () => {
  it('no call after a trap or a timeout kill pays for an instantiation: each goes to a ready instance', async () => {
    const rec = recorder();
    const host = await PresenceHost.create(
      {
        modules: [{ module: await writeWatFixture('init_logs_then_faults', dir) }],
        // Unmetered: the loop must end in a kill at the deadline (metered, it would fault in its thread).
        sandbox: { threads: 1, call_timeout_ms: 2000, quarantine_after_faults: 1000, fuel_metering: false },
      },
      { baseDir: dir, ...rec.options },
    );
    const initLogs = () => rec.logs.filter((l) => l.message === 'init ran');
    try {
      // Admission's load delivers init's log, once.
      expect(initLogs()).toHaveLength(1);
      for (let round = 0; round < 3; round++) {
        expect(await host.getUsersForStates([st('@a:example.com')])).toEqual(new Map());
        expect(await host.getInterestedUsers('@a:example.com')).toEqual(new Set());
        expect(await host.getUsersForStates([st('@b:example.com')])).toEqual(new Map());
        expect(await host.getInterestedUsers('@loop:example.com')).toEqual(new Set());
        expect(await host.getInterestedUsers('@b:example.com')).toEqual(new Set());
      }
      expect(rec.faults.map((f) => f.code)).toEqual(Array(3).fill(['trap', 'trap', 'timeout']).flat());
      expect(initLogs()).toHaveLength(1);
      expect(host.stats().modules[0]!.calls).toEqual({ users_for_states: 6, interested_users: 9 });
    } finally {
      await host.close();
    }
  });
});
