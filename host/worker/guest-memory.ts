/**
 * Bounds-checked access to a guest's linear memory. Every pointer and length comes from untrusted code,
 * so each read checks the whole range first.
 *
 * The views of the buffer are kept between accesses and made again once the guest has grown its memory:
 * growing detaches the old buffer (a module's memory is never shared: admission refuses threads), and a
 * view of a detached buffer has length 0, so a stale view is never read, only replaced. Making views per
 * access cost the interested_users path more than its range checks (bench/interested-hops.ts).
 */
import { badOutput } from './guest-failure.js';

export class GuestMemory {
  private bytes: Uint8Array;
  private words: DataView;

  constructor(private readonly memory: WebAssembly.Memory) {
    this.bytes = new Uint8Array(memory.buffer);
    this.words = new DataView(memory.buffer);
  }

  get byteLength(): number {
    return this.current().byteLength;
  }

  /** The view of the buffer as it is now. */
  private current(): Uint8Array {
    if (this.bytes.byteLength === 0) {
      const buffer = this.memory.buffer;
      this.bytes = new Uint8Array(buffer);
      this.words = new DataView(buffer);
    }
    return this.bytes;
  }

  private checkRange(ptr: number, len: number, what: string): Uint8Array {
    const bytes = this.current();
    const size = bytes.byteLength;
    // ptr and len arrive as i32 and may be negative when read as signed: normalise to unsigned first.
    if (ptr < 0 || len < 0 || ptr + len > size) {
      throw badOutput(`${what}: range [${ptr}, ${ptr + len}) lies outside memory of ${size} bytes`);
    }
    return bytes;
  }

  /** A copy of guest bytes: later guest writes cannot change what the host decodes. */
  copyOut(ptr: number, len: number, what: string): Uint8Array {
    return this.checkRange(ptr, len, what).slice(ptr, ptr + len);
  }

  /** A view for immediate decoding only (UTF-8 text that is used at once). */
  view(ptr: number, len: number, what: string): Uint8Array {
    return this.checkRange(ptr, len, what).subarray(ptr, ptr + len);
  }

  write(ptr: number, bytes: Uint8Array, what: string): void {
    this.checkRange(ptr, bytes.byteLength, what).set(bytes, ptr);
  }

  readU32(ptr: number, what: string): number {
    this.checkRange(ptr, 4, what);
    return this.words.getUint32(ptr, true);
  }
}
