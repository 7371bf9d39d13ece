// The raw host imports, exactly as docs/abi.md's allow-list names them. Nothing else in the SDK may
// declare an import: the host refuses a module that imports anything not on the list. `env.abort` is
// AssemblyScript's own builtin and needs no declaration here.

/** Logs `len` bytes of UTF-8 at `ptr`; level 0 debug, 1 info, 2 warn, 3 error. */
// @ts-ignore: decorator (asc reads it; TypeScript allows no decorator on a function)
@external("presence", "log")
export declare function log(level: i32, ptr: usize, len: usize): void;

/** Hands the host a msgpack array of user IDs at `ptr`, `len` bytes long. */
// @ts-ignore: decorator (asc reads it; TypeScript allows no decorator on a function)
@external("presence", "send_local_online_presence_to")
export declare function send_local_online_presence_to(ptr: usize, len: usize): void;
