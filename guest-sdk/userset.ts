// Sets and maps of user IDs (and a set of server names) that compare UTF-8 bytes: a hash of the bytes,
// then byte equality, which for well-formed text is string equality (bytes.ts). A router builds them
// once from its config and looks a batch's user IDs up where they lie in the input (`hasUserOf`), with
// no string and no allocation per state; lookups by string encode into a reused buffer.

import { Batch } from "./batch";
import { UserId, hashBytes } from "./bytes";
import { UserIdTable } from "./usertable";

/** A set of user IDs, in insertion order. */
export class UserIdSet {
  private readonly table: UserIdTable = new UserIdTable();

  static of(ids: UserId[]): UserIdSet {
    const set = new UserIdSet();
    for (let i = 0; i < ids.length; i++) set.add(unchecked(ids[i]));
    return set;
  }

  static ofStrings(ids: string[]): UserIdSet {
    const set = new UserIdSet();
    for (let i = 0; i < ids.length; i++) set.table.insertString(unchecked(ids[i]));
    return set;
  }

  add(id: UserId): UserIdSet {
    this.table.insert(id);
    return this;
  }

  addString(userId: string): UserIdSet {
    this.table.insertString(userId);
    return this;
  }

  has(userId: string): bool { return this.table.findString(userId) >= 0; }

  hasId(id: UserId): bool { return this.table.findId(id) >= 0; }

  /** True if the `len` bytes of UTF-8 at `ptr` are a member. */
  hasBytes(ptr: usize, len: usize): bool { return this.table.find(ptr, len, hashBytes(ptr, len)) >= 0; }

  /** True if the user of `batch`'s state `i` is a member. */
  hasUserOf(batch: Batch, i: i32): bool {
    return this.table.find(batch.userIdPtr(i), batch.userIdLength(i), batch.userIdHash(i)) >= 0;
  }

  get size(): i32 { return this.table.size; }

  /** The i-th member, in insertion order. */
  at(i: i32): UserId { return this.table.ids[i]; }

  /** The members, in insertion order (a copy). */
  get ids(): UserId[] { return this.table.ids.slice(); }
}

/** A map from user IDs to `V` (a reference type), in insertion order of the keys. */
export class UserIdMap<V> {
  private readonly table: UserIdTable = new UserIdTable();
  private readonly items: V[] = [];

  /** Sets `key`'s value, replacing an earlier one. */
  set(key: UserId, value: V): UserIdMap<V> {
    const e = this.table.insert(key);
    if (e == this.items.length) this.items.push(value);
    else unchecked(this.items[e] = value);
    return this;
  }

  setString(key: string, value: V): UserIdMap<V> { return this.set(UserId.of(key), value); }

  has(userId: string): bool { return this.table.findString(userId) >= 0; }

  /** `userId`'s value, or null. */
  get(userId: string): V | null { return this.valueOf(this.table.findString(userId)); }

  getId(key: UserId): V | null { return this.valueOf(this.table.findId(key)); }

  /** The value of the user of `batch`'s state `i`, or null. */
  getUserOf(batch: Batch, i: i32): V | null {
    return this.valueOf(this.table.find(batch.userIdPtr(i), batch.userIdLength(i), batch.userIdHash(i)));
  }

  get size(): i32 { return this.table.size; }

  /** The i-th key and value, in insertion order of the keys. */
  keyAt(i: i32): UserId { return this.table.ids[i]; }

  valueAt(i: i32): V { return this.items[i]; }

  private valueOf(entry: i32): V | null {
    return entry < 0 ? null : unchecked(this.items[entry]);
  }
}

/** A set of server names (`example.com`, `[::1]:8448`), matched against the server of a user ID. */
export class ServerNameSet {
  private readonly table: UserIdTable = new UserIdTable();

  static of(names: string[]): ServerNameSet {
    const set = new ServerNameSet();
    for (let i = 0; i < names.length; i++) set.add(unchecked(names[i]));
    return set;
  }

  add(name: string): ServerNameSet {
    this.table.insertString(name);
    return this;
  }

  has(name: string): bool { return this.table.findString(name) >= 0; }

  get size(): i32 { return this.table.size; }

  /** True if the user of `batch`'s state `i` is on a member server (everything after its first ':'). */
  hasServerOf(batch: Batch, i: i32): bool {
    const start = batch.userIdPtr(i);
    const end = start + batch.userIdLength(i);
    let p = start + 1; // after the sigil
    while (p < end && load<u8>(p) != 0x3a) p++;
    if (p == end) return false;
    p++;
    return this.table.find(p, end - p, hashBytes(p, end - p)) >= 0;
  }
}
