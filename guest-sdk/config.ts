// The module's config, as the operator wrote it under `config:`, with typed accessors that name the key
// in every error. AssemblyScript cannot throw, so the first error is recorded here, accessors return
// empty values from then on, and presence_init hands the error to the host as the load error.

import { Kind, Value, decodeValue } from "./value";
import { Reader } from "./msgpack/reader";
import { isValidServerName, userIdError } from "./userid";
import { UserId } from "./bytes";
import { UserIdMap, UserIdSet } from "./userset";
import {
  E_CFG_BOOL, E_CFG_KEY_NOT_STR, E_CFG_MSGPACK, E_CFG_NOT_MAP, E_CFG_NOT_SERVER_NAME, E_CFG_NOT_USER_ID,
  E_CFG_SERVER_NAMES, E_CFG_STRING, E_CFG_STRINGS, E_CFG_UNKNOWN_KEY, E_CFG_USER_ID_MAP, E_CFG_USER_IDS,
} from "./errors";

export class Config {
  /** The first error, worded for the operator, or null while the config is acceptable. */
  error: string | null = null;
  private root: Value;

  /** Wraps an already decoded config map (an absent config is an empty map). */
  constructor(root: Value) {
    this.root = root;
    if (root.kind == Kind.Nil) root.kind = Kind.Map;
    this.fail(rootError(root));
  }

  /** Decodes the msgpack config at `[ptr, ptr + len)`; decoding errors become the config's error. */
  static decode(ptr: usize, len: usize): Config {
    const r = new Reader(ptr, len);
    const root = decodeValue(r);
    r.finish();
    if (r.ok) return new Config(root);
    const config = new Config(new Value());
    config.fail(E_CFG_MSGPACK + r.error!);
    return config;
  }

  get ok(): bool { return this.error === null; }

  /** Records `message` as the config error, unless an earlier error is already recorded. */
  fail(message: string | null): void {
    if (this.error === null) this.error = message;
  }

  /** True if `key` is present with a value other than null. */
  has(key: string): bool {
    const v = this.root.get(key);
    return v !== null && !v.isNil;
  }

  /** The raw value under `key` (null if absent), for types the accessors below do not cover. */
  get(key: string): Value | null { return this.root.get(key); }

  /** Every top-level key must be one of `keys`: `unknown key "foo" (allowed: a, b)`. */
  allowKeys(keys: string[]): void {
    const present = this.root.keys;
    for (let i = 0; i < present.length && this.ok; i++) {
      const k = present[i].str;
      if (!keys.includes(k)) {
        this.fail(E_CFG_UNKNOWN_KEY + quote(k) + " (allowed: " + (keys.length ? keys.join(", ") : "none") + ")");
      }
    }
  }

  /** An optional list of well-formed user IDs (absent or null is empty). */
  userIdList(key: string): string[] {
    return this.userIds(key, this.root.get(key));
  }

  /** An optional list of strings (absent or null is empty). */
  stringList(key: string): string[] {
    return this.strings(this.root.get(key), key + E_CFG_STRINGS);
  }

  /** An optional list of server names such as `example.com` or `[::1]:8448` (absent or null is empty). */
  serverNameList(key: string): string[] {
    const names = this.strings(this.root.get(key), key + E_CFG_SERVER_NAMES);
    for (let i = 0; i < names.length && this.ok; i++) {
      if (!isValidServerName(names[i])) this.fail(key + ": " + quote(names[i]) + E_CFG_NOT_SERVER_NAME);
    }
    return this.ok ? names : [];
  }

  /** An optional string, `fallback` when absent or null. */
  string(key: string, fallback: string = ""): string {
    const v = this.root.get(key);
    if (v === null || v.isNil || !this.ok) return fallback;
    if (v.kind != Kind.Str) { this.fail(key + E_CFG_STRING); return fallback; }
    return v.str;
  }

  /** An optional boolean, `fallback` when absent or null. */
  bool(key: string, fallback: bool = false): bool {
    const v = this.root.get(key);
    if (v === null || v.isNil || !this.ok) return fallback;
    if (v.kind != Kind.Bool) { this.fail(key + E_CFG_BOOL); return fallback; }
    return v.bool;
  }

  /**
   * An optional map from string names to lists of user IDs (absent or null is empty), for groups and
   * custom routes. Errors inside name the entry: `groups.sales: expected a list of user IDs`.
   */
  userIdListMap(key: string): Map<string, string[]> {
    const out = new Map<string, string[]>();
    const v = this.root.get(key);
    if (v === null || v.isNil || !this.ok) return out;
    if (v.kind != Kind.Map) { this.fail(key + E_CFG_USER_ID_MAP); return out; }
    for (let i = 0; i < v.keys.length && this.ok; i++) {
      const name = v.keys[i];
      if (name.kind != Kind.Str) { this.fail(key + E_CFG_USER_ID_MAP); break; }
      out.set(name.str, this.userIds(key + "." + name.str, v.items[i]));
    }
    return this.ok ? out : new Map<string, string[]>();
  }

  /** userIdList as UserIds (UTF-8 bytes), for Routing.addIndex and byte-compared lookups. */
  userIdBytesList(key: string): UserId[] { return UserId.all(this.userIdList(key)); }

  /** userIdList as a set that compares bytes (duplicates kept once, in order). */
  userIdSet(key: string): UserIdSet { return UserIdSet.ofStrings(this.userIdList(key)); }

  /** userIdListMap with the lists as UserIds: `groups: { sales: [...] }`. */
  userIdGroups(key: string): Map<string, UserId[]> {
    const lists = this.userIdListMap(key);
    const out = new Map<string, UserId[]>();
    const names = lists.keys();
    for (let i = 0; i < names.length; i++) out.set(names[i], UserId.all(lists.get(names[i])));
    return out;
  }

  /**
   * An optional map from user IDs to lists of user IDs (absent or null is empty), e.g. receiver ->
   * senders; a key that is not a user ID is an error naming it: `routes: "bob" is not a valid user ID`.
   */
  userIdKeyedLists(key: string): UserIdMap<UserId[]> {
    const lists = this.userIdListMap(key);
    const out = new UserIdMap<UserId[]>();
    const names = lists.keys();
    for (let i = 0; i < names.length && this.ok; i++) {
      this.checkUserId(key, names[i]);
      out.setString(names[i], UserId.all(lists.get(names[i])));
    }
    return this.ok ? out : new UserIdMap<UserId[]>();
  }

  private userIds(path: string, v: Value | null): string[] {
    const ids = this.strings(v, path + E_CFG_USER_IDS);
    for (let i = 0; i < ids.length && this.ok; i++) this.checkUserId(path, ids[i]);
    return this.ok ? ids : [];
  }

  // `path: "bob" is not a valid user ID (must start with @)`
  private checkUserId(path: string, id: string): void {
    const reason = userIdError(id);
    if (reason !== null) this.fail(path + ": " + quote(id) + E_CFG_NOT_USER_ID + " (" + reason + ")");
  }

  // A list whose elements are all strings; `message` is the error for anything else.
  private strings(v: Value | null, message: string): string[] {
    const out: string[] = [];
    if (v === null || v.isNil || !this.ok) return out;
    if (v.kind != Kind.Array) { this.fail(message); return out; }
    for (let i = 0; i < v.items.length; i++) {
      const item = v.items[i];
      if (item.kind != Kind.Str) { this.fail(message); return []; }
      out.push(item.str);
    }
    return out;
  }
}

// Why a decoded config cannot be a config at all, or null.
function rootError(root: Value): string | null {
  if (root.kind != Kind.Map) return E_CFG_NOT_MAP;
  for (let i = 0; i < root.keys.length; i++) if (root.keys[i].kind != Kind.Str) return E_CFG_KEY_NOT_STR;
  return null;
}

function quote(s: string): string { return "\"" + s + "\""; }
