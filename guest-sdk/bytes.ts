// UTF-8 byte strings as the SDK's sets, maps and answers hold user IDs: hashed and compared as bytes, so
// a user ID read from a batch is looked up where it lies in the input, without becoming a string. Two
// user IDs are equal exactly when their UTF-8 bytes are (UTF-8 is a bijection on well-formed text, and
// every user ID the SDK holds is well-formed), so byte equality is string equality.

/** murmur3's 32-bit hash of the `len` bytes at `ptr`, four bytes at a time. */
export function hashBytes(ptr: usize, len: usize): u32 {
  let h: u32 = 0x9747b28c ^ <u32>len;
  let p = ptr;
  const end4 = ptr + (len & ~3);
  while (p < end4) {
    h ^= mixWord(load<u32>(p));
    h = rotl<u32>(h, 13) * 5 + 0xe6546b64;
    p += 4;
  }
  let tail: u32 = 0;
  const rest = len & 3;
  if (rest == 3) tail = <u32>load<u8>(p, 2) << 16;
  if (rest >= 2) tail |= <u32>load<u8>(p, 1) << 8;
  if (rest >= 1) h ^= mixWord(tail | <u32>load<u8>(p));
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  return h ^ (h >> 16);
}

// @ts-ignore: decorator
@inline function mixWord(k: u32): u32 {
  return rotl<u32>(k * 0xcc9e2d51, 15) * 0x1b873593;
}

/** True if the `len` bytes at `a` and at `b` are the same. */
// @ts-ignore: decorator
@inline export function bytesEqual(a: usize, b: usize, len: usize): bool {
  return a == b || memory.compare(a, b, len) == 0;
}

// A reused buffer for the UTF-8 of a string being looked up, so a lookup by string allocates nothing
// once it has grown to the longest string seen.
let scratch = new ArrayBuffer(256);

/** The UTF-8 of `s`, in a buffer reused by the next call; returns its byte length (at `scratchPtr()`). */
export function scratchUtf8(s: string): usize {
  const n = <usize>String.UTF8.byteLength(s);
  if (n > <usize>scratch.byteLength) scratch = new ArrayBuffer(<i32>max<usize>(n, <usize>scratch.byteLength << 1));
  return String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, changetype<usize>(scratch), false,
    String.UTF8.ErrorMode.WTF8); // as UserId.of writes it
}

/** Where scratchUtf8 wrote. */
// @ts-ignore: decorator
@inline export function scratchPtr(): usize { return changetype<usize>(scratch); }

/**
 * A user ID held as its UTF-8 bytes and their hash, as the SDK's sets, maps, Routing and InterestedUsers
 * keep them: made once (from the config, say) and then compared and written as bytes.
 */
export class UserId {
  /** The UTF-8 bytes. */
  readonly bytes: ArrayBuffer;
  /** hashBytes of the bytes. */
  readonly hash: u32;

  constructor(bytes: ArrayBuffer) {
    this.bytes = bytes;
    this.hash = hashBytes(changetype<usize>(bytes), <usize>bytes.byteLength);
  }

  /**
   * `s` as UTF-8. A lone surrogate, which no valid user ID holds, is written as WTF-8 does, so that
   * distinct strings still have distinct bytes (U+FFFD would make "@\uD800:x" equal "@\uFFFD:x").
   */
  static of(s: string): UserId {
    return new UserId(String.UTF8.encode(s, false, String.UTF8.ErrorMode.WTF8));
  }

  /** A copy of the `len` bytes at `ptr`. */
  static copyOf(ptr: usize, len: usize): UserId {
    const bytes = new ArrayBuffer(<i32>len);
    memory.copy(changetype<usize>(bytes), ptr, len);
    return new UserId(bytes);
  }

  /** Each of `strings` as a UserId. */
  static all(strings: string[]): UserId[] {
    const out = new Array<UserId>(strings.length);
    for (let i = 0; i < strings.length; i++) unchecked(out[i] = UserId.of(unchecked(strings[i])));
    return out;
  }

  // @ts-ignore: decorator
  @inline get dataStart(): usize { return changetype<usize>(this.bytes); }

  // @ts-ignore: decorator
  @inline get byteLength(): i32 { return this.bytes.byteLength; }

  /** True if the `len` bytes at `ptr`, whose hash is `hash`, are this user ID. */
  // @ts-ignore: decorator
  @inline matches(ptr: usize, len: usize, hash: u32): bool {
    return this.hash == hash && <usize>this.bytes.byteLength == len && bytesEqual(this.dataStart, ptr, len);
  }

  equals(other: UserId): bool {
    return this === other || this.matches(other.dataStart, <usize>other.byteLength, other.hash);
  }

  /** True if this is `s`. */
  is(s: string): bool {
    const n = scratchUtf8(s);
    return this.matches(scratchPtr(), n, hashBytes(scratchPtr(), n));
  }

  /** The user ID as a string (decoded on every call: keep the string if you need it often). */
  toString(): string {
    return String.UTF8.decodeUnsafe(this.dataStart, <usize>this.bytes.byteLength);
  }
}
