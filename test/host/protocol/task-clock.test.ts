/**
 * The shared task record that deadlines are judged on (host/protocol/task-clock.ts): a worker's marks
 * reach the reader, a task reads only its own record, and a worker whose task was given up (its slot
 * handed to the next task) cannot write over the next task's record. One thread plays both sides here;
 * the worker threads are exercised by test/host/fair-deadlines.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { Phase, TaskClock } from '../../../dist/host/protocol/task-clock.js';

describe('TaskClock', () => {
  it('a claimed slot reads waiting, then each phase the worker marks', () => {
    const clock = TaskClock.create(2);
    const slot = clock.claim(7);
    expect(clock.read(slot, 7)?.phase).toBe(Phase.waiting);
    for (const phase of [Phase.instantiating, Phase.calling, Phase.reinstantiating, Phase.done]) {
      clock.mark(slot, 7, phase);
      const reading = clock.read(slot, 7)!;
      expect(reading.phase).toBe(phase);
      expect(reading.elapsedMs).toBeGreaterThanOrEqual(0);
    }
  });

  it('a worker sharing the buffer writes what the pool reads', () => {
    const pool = TaskClock.create(4);
    const worker = new TaskClock(pool.buffer, pool.epoch);
    const slot = pool.claim(123_456);
    worker.mark(slot, 123_456, Phase.calling);
    expect(pool.read(slot, 123_456)?.phase).toBe(Phase.calling);
  });

  it('reads nothing for another task, and ignores marks for another task', () => {
    const clock = TaskClock.create(1);
    const slot = clock.claim(1);
    expect(clock.read(slot, 2)).toBeUndefined();
    clock.mark(slot, 2, Phase.done);
    expect(clock.read(slot, 1)?.phase).toBe(Phase.waiting);
  });

  it('a given-up task cannot write over the next task of its slot', () => {
    const clock = TaskClock.create(1);
    const first = clock.claim(1);
    clock.mark(first, 1, Phase.calling);
    clock.release(first);
    const second = clock.claim(2);
    expect(second).toBe(first);
    // The killed worker of task 1, still running for a moment, marks it done: nothing changes.
    clock.mark(first, 1, Phase.done);
    clock.mark(first, 1, Phase.reinstantiating);
    expect(clock.read(second, 2)?.phase).toBe(Phase.waiting);
    expect(clock.read(second, 1)).toBeUndefined();
  });

  it('tags are ids modulo 2^28: ids past it still read their own record', () => {
    const clock = TaskClock.create(1);
    const id = 2 ** 28 + 5;
    const slot = clock.claim(id);
    clock.mark(slot, id, Phase.calling);
    expect(clock.read(slot, id)?.phase).toBe(Phase.calling);
  });

  it('hands out at most its slots; a task without one has no record (-1)', () => {
    const clock = TaskClock.create(2);
    const a = clock.claim(1);
    const b = clock.claim(2);
    expect(new Set([a, b])).toEqual(new Set([0, 1]));
    expect(clock.claim(3)).toBe(-1);
    expect(clock.read(-1, 3)).toBeUndefined();
    clock.mark(-1, 3, Phase.done);
    clock.release(a);
    expect(clock.claim(4)).toBe(a);
  });
});
