/**
 * Bounds-checked access to a guest's linear memory. Every pointer and length comes from untrusted code,
 * so each read checks the whole range first. `memory.buffer` is re-read on every access because the
 * guest may have grown (and so detached) it since.
 */
import { badOutput } from './guest-failure.js';

export class GuestMemory {
  constructor(private readonly memory: WebAssembly.Memory) {}

  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  private checkRange(ptr: number, len: number, what: string): void {
    const size = this.byteLength;
    // ptr and len arrive as i32 and may be negative when read as signed: normalise to unsigned first.
    if (ptr < 0 || len < 0 || ptr + len > size) {
      throw badOutput(`${what}: range [${ptr}, ${ptr + len}) lies outside memory of ${size} bytes`);
    }
  }

  /** A copy of guest bytes: later guest writes cannot change what the host decodes. */
  copyOut(ptr: number, len: number, what: string): Uint8Array {
    this.checkRange(ptr, len, what);
    return new Uint8Array(this.memory.buffer, ptr, len).slice();
  }

  /** A view for immediate decoding only (UTF-8 text that is used at once). */
  view(ptr: number, len: number, what: string): Uint8Array {
    this.checkRange(ptr, len, what);
    return new Uint8Array(this.memory.buffer, ptr, len);
  }

  write(ptr: number, bytes: Uint8Array, what: string): void {
    this.checkRange(ptr, bytes.byteLength, what);
    new Uint8Array(this.memory.buffer, ptr, bytes.byteLength).set(bytes);
  }

  readU32(ptr: number, what: string): number {
    this.checkRange(ptr, 4, what);
    return new DataView(this.memory.buffer).getUint32(ptr, true);
  }
}
