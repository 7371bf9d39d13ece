/**
 * check's headroom (issue 15, item 5): the worst fuel and memory a module's calls used while it was
 * checked, next to the limits its config gives it, on a real host running real Wasm.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatHeadroom, withSubject } from '../helpers/consistency.js';
import { onlineState } from '../helpers/host.js';
import { writeWatFixture } from '../helpers/wat.js';

const states = (n: number) => Array.from({ length: n }, (_, i) => onlineState(`@u${i}:example.com`));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'headroom-'));
});

describe('headroom', () => {
  it('the worst of every call, per callback, next to max_fuel_* and max_memory_bytes', async () => {
    const module = await writeWatFixture('fuel_by_batch_size', dir);
    const sandbox = { max_fuel_per_call: 50_000_000, max_fuel_init: 2_000_000, max_memory_bytes: 16 * 1024 * 1024 };
    await withSubject([{ module, sandbox }], async (subject) => {
      const spec = subject.target.modules[0]!;
      // The largest batch in the middle: the worst is the largest call, not the last one.
      for (const n of [1, 8, 2]) await subject.route(states(n));
      const worst = subject.usage.of(spec.label, 'users_for_states')!;
      expect(worst.calls).toBe(3);
      const alone = await withSubject([{ module, sandbox }], async (other) => {
        await other.route(states(8));
        return other.usage.of(spec.label, 'users_for_states')!.fuel;
      });
      expect(worst.fuel).toBe(alone);
      expect(worst.memoryBytes).toBe(64 * 1024);

      const lines = formatHeadroom(spec, subject.usage);
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^headroom {2}init {14}fuel [\d,]+ of 2,000,000 \(<0\.01%\) +memory 64 KiB of 16 MiB \(0\.39%\) +\(1 call\)$/);
      expect(lines[1]).toContain(`users_for_states  fuel ${alone!.toLocaleString('en-US')} of 50,000,000 (`);
      expect(lines[1]).toMatch(/memory 64 KiB of 16 MiB \(0\.39%\) +\(3 calls\)$/);
    });
  });

  it('a module that is not metered says so', async () => {
    const module = await writeWatFixture('route_all_to_one', dir);
    await withSubject([{ module, sandbox: { fuel_metering: false } }], async (subject) => {
      await subject.route(states(3));
      expect(await subject.interestedUsers('@wat:example.com')).toBe('ALL');
      const lines = formatHeadroom(subject.target.modules[0]!, subject.usage);
      expect(lines.map((l) => l.split(/ {2,}/).slice(1, 3))).toEqual([
        ['init', 'fuel not metered'],
        ['users_for_states', 'fuel not metered'],
        ['interested_users', 'fuel not metered'],
      ]);
    });
  });
});
