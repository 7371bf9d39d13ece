/**
 * A pool's deadlines under one timer (host/pool/deadline.ts): a due task is judged by its recheck (the
 * worker's record, in the pool), which may give it more time, stop the watch (its answer is coming) or
 * expire it; a settled task is never looked at again; tasks due at different times are each looked at.
 * Nothing here depends on how late a timer fires: each test waits for an expiry, then checks what was asked.
 */
import { describe, expect, it } from 'vitest';
import { Deadlines, type Deadline, type Verdict } from '../../../dist/host/pool/deadline.js';

/** Resolves with the deadline once it expires (its abort listener runs). */
function expiry(deadline: Deadline): Promise<Deadline> {
  return new Promise((resolve) => deadline.addEventListener('abort', () => resolve(deadline)));
}

describe('Deadlines', () => {
  it('expires a due task whose recheck says so, with the phase it names', async () => {
    const deadlines = new Deadlines();
    const d = deadlines.watch(1, 'call', () => ({ more: 0, during: 'batch check' }));
    expect(d.aborted).toBe(false);
    await expiry(d);
    expect(d.aborted).toBe(true);
    expect(d.expiredDuring).toBe('batch check');
    expect(d.reason?.message).toContain('batch check');
    deadlines.close();
  });

  it('gives more time when the recheck asks for it, then expires', async () => {
    const deadlines = new Deadlines();
    const verdicts: Verdict[] = [{ more: 2, during: 'thread start' }, { more: 1, during: 'call' }, { more: 0, during: 'call' }];
    let looks = 0;
    const d = deadlines.watch(1, 'call', () => verdicts[looks++]!);
    await expiry(d);
    expect(looks).toBe(3);
    expect(d.expiredDuring).toBe('call');
    deadlines.close();
  });

  it('never looks at a dropped task again, nor at one whose answer is coming, while it watches others', async () => {
    const deadlines = new Deadlines();
    let droppedLooks = 0;
    let doneLooks = 0;
    const dropped = deadlines.watch(1, 'call', () => (droppedLooks++, { more: 0, during: 'call' }));
    deadlines.drop(dropped);
    deadlines.watch(1, 'call', () => (doneLooks++, { more: Infinity, during: 'done' }));
    // Due after both: by the time it expires, the timer has passed both of the others.
    const last = deadlines.watch(5, 'call', () => ({ more: 0, during: 'call' }));
    await expiry(last);
    expect(droppedLooks).toBe(0);
    expect(dropped.aborted).toBe(false);
    expect(doneLooks).toBe(1);
    deadlines.close();
  });

  it('looks at a task due before the armed timer, and at every task due at once', async () => {
    const deadlines = new Deadlines();
    const late = deadlines.watch(60_000, 'load', () => ({ more: 0, during: 'load' }));
    const early = [1, 1, 2].map((ms) => deadlines.watch(ms, 'call', () => ({ more: 0, during: 'call' })));
    await Promise.all(early.map(expiry));
    expect(early.every((d) => d.aborted)).toBe(true);
    expect(late.aborted).toBe(false);
    deadlines.close();
  });
});
