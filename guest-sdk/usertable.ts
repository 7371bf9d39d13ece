// The one hash table under the SDK's user ID sets and maps, Routing and InterestedUsers: open addressing
// over UserIds in insertion order. A slot holds the entry's hash next to its position, so a probe compares
// bytes only when the hashes agree. Lookups take bytes where they lie (in a batch's input, or a string's
// UTF-8 in a scratch buffer), so looking up allocates nothing.

import { UserId, hashBytes, scratchPtr, scratchUtf8 } from "./bytes";

const EMPTY: u64 = 0;

export class UserIdTable {
  /** The entries, in the order they were first inserted. */
  readonly ids: UserId[] = [];
  /** (hash << 32) | (entry + 1); 0 is empty. At most half full, so every probe ends. */
  private slots: StaticArray<u64> = new StaticArray<u64>(8);
  private mask: u32 = 7;

  // @ts-ignore: decorator
  @inline get size(): i32 { return this.ids.length; }

  /** The entry holding the `len` bytes at `ptr`, whose hashBytes is `hash`; -1 if none. */
  find(ptr: usize, len: usize, hash: u32): i32 {
    const slots = this.slots;
    const mask = this.mask;
    for (let s = hash & mask; ; s = (s + 1) & mask) {
      const slot = unchecked(slots[s]);
      if (slot == EMPTY) return -1;
      if (<u32>(slot >> 32) != hash) continue;
      const entry = <i32>(<u32>slot) - 1;
      const id = unchecked(this.ids[entry]);
      if (<usize>id.byteLength == len && (id.dataStart == ptr || memory.compare(id.dataStart, ptr, len) == 0)) return entry;
    }
    return -1; // unreachable
  }

  findId(id: UserId): i32 { return this.find(id.dataStart, <usize>id.byteLength, id.hash); }

  findString(s: string): i32 {
    const n = scratchUtf8(s);
    return this.find(scratchPtr(), n, hashBytes(scratchPtr(), n));
  }

  /** The entry for `id`, inserted at the end if it is new. */
  insert(id: UserId): i32 {
    const found = this.findId(id);
    if (found >= 0) return found;
    const entry = this.ids.length;
    this.ids.push(id);
    if (<u32>(entry + 1) * 2 > this.mask + 1) this.grow();
    else this.place(id.hash, entry);
    return entry;
  }

  /** The entry for `s`, inserted (as a new UserId) if it is new. */
  insertString(s: string): i32 {
    const found = this.findString(s);
    return found >= 0 ? found : this.insert(UserId.of(s));
  }

  private place(hash: u32, entry: i32): void {
    const slots = this.slots;
    const mask = this.mask;
    let s = hash & mask;
    while (unchecked(slots[s]) != EMPTY) s = (s + 1) & mask;
    unchecked(slots[s] = (<u64>hash << 32) | <u64>(entry + 1));
  }

  // Doubles the slots and places every entry again.
  private grow(): void {
    const capacity = (this.mask + 1) << 1;
    this.slots = new StaticArray<u64>(<i32>capacity);
    this.mask = capacity - 1;
    const ids = this.ids;
    for (let i = 0; i < ids.length; i++) this.place(unchecked(ids[i]).hash, i);
  }
}
