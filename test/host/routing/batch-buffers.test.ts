/**
 * host/routing/batch-buffers.ts: shared buffers for encoded batches are reused, but never while a call
 * still holds one.
 */
import { describe, expect, it } from 'vitest';
import { BatchBuffers } from '../../../dist/host/routing/batch-buffers.js';

describe('BatchBuffers', () => {
  it('hands out views of exactly the length asked, over shared memory', () => {
    const buffers = new BatchBuffers();
    for (const length of [0, 1, 4096, 4097, 100_000]) {
      const bytes = buffers.acquire(length);
      expect(bytes.byteLength).toBe(length);
      expect(bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
    }
  });

  it('reuses a buffer only after it is released', () => {
    const buffers = new BatchBuffers();
    const first = buffers.acquire(5000);
    const second = buffers.acquire(5000);
    expect(second.buffer).not.toBe(first.buffer);
    buffers.release(first);
    expect(buffers.acquire(6000).buffer).toBe(first.buffer);
    expect(buffers.acquire(6000).buffer).not.toBe(first.buffer);
  });

  it('keeps no buffer it did not make, and none of the largest batches', () => {
    const buffers = new BatchBuffers();
    buffers.release(new Uint8Array(new SharedArrayBuffer(5000)));
    const huge = buffers.acquire(5 * 1024 * 1024);
    expect(huge.buffer.byteLength).toBe(5 * 1024 * 1024);
    buffers.release(huge);
    expect(buffers.acquire(5 * 1024 * 1024).buffer).not.toBe(huge.buffer);
    expect(buffers.acquire(5000).buffer.byteLength).toBe(8192);
  });
});
