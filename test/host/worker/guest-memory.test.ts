/**
 * host/worker/guest-memory.ts on real Wasm memory: the views it keeps between accesses follow the guest's
 * growth (a grow detaches the buffer they were made over), so a range inside the grown memory is read and
 * written, and one past it is still refused.
 */
import { describe, expect, it } from 'vitest';
import { GuestMemory } from '../../../dist/host/worker/guest-memory.js';
import { GuestFailure } from '../../../dist/host/worker/guest-failure.js';
import { BATCH, USER, guestOf, packr } from '../../helpers/guest.js';

const PAGE = 64 * 1024;

describe('guest memory after the guest grows it', () => {
  it('a range past the old size is accepted once memory has grown, and one past the new size is refused', () => {
    const raw = new WebAssembly.Memory({ initial: 1, maximum: 4 });
    const memory = new GuestMemory(raw);
    memory.write(PAGE - 4, new Uint8Array([1, 0, 0, 0]), 'before');
    expect(() => memory.readU32(PAGE, 'past the first page')).toThrow(GuestFailure);
    raw.grow(1);
    expect(memory.byteLength).toBe(2 * PAGE);
    expect(memory.readU32(PAGE - 4, 'kept across the grow')).toBe(1);
    memory.write(PAGE, new Uint8Array([7, 0, 0, 0]), 'in the new page');
    expect(memory.readU32(PAGE, 'in the new page')).toBe(7);
    expect([...memory.view(PAGE, 2, 'view')]).toEqual([7, 0]);
    expect([...memory.copyOut(PAGE - 4, 5, 'copy')]).toEqual([1, 0, 0, 0, 7]);
    expect(() => memory.readU32(2 * PAGE - 2, 'across the end')).toThrow(/range \[131070, 131074\) lies outside memory of 131072 bytes/);
  });

  it('memory_grows_with_batch: results are read after the module grew its memory from inside a call', async () => {
    const guest = await guestOf('memory_grows_with_batch');
    guest.runInit(packr.pack({}));
    expect(guest.memoryBytes).toBe(PAGE);
    for (const n of [1, 3]) {
      const batch = packr.pack(Array.from({ length: n }, () => packr.unpack(BATCH)[0]));
      // The empty map {}: its descriptor and bytes read from the grown memory's fresh buffer.
      expect([...guest.invoke(guest.usersForStates!, batch, 'users_for_states')]).toEqual([0x80]);
      expect(guest.memoryBytes).toBe((1 + n) * PAGE);
      expect([...guest.invoke(guest.interestedUsers!, USER, 'interested_users')]).toEqual([0x90]);
    }
  });
});
