// The host's services as module authors use them, over the raw imports in env.ts.

import * as env from "./env";
import { Writer } from "./msgpack/writer";
import { userIdError } from "./userid";
import { E_BAD_SEND } from "./errors";

export enum LogLevel {
  DEBUG = 0,
  INFO = 1,
  WARN = 2,
  ERROR = 3,
}

/** Logs `message` through the host, which tags it with the module's name (and keeps at most 1 KiB). */
export function log(level: LogLevel, message: string): void {
  const bytes = String.UTF8.encode(message, false, String.UTF8.ErrorMode.REPLACE);
  env.log(<i32>level, changetype<usize>(bytes), <usize>bytes.byteLength);
}

/**
 * Asks the homeserver to send `users` the online presence of the local users they are interested in
 * (Synapse's `ModuleApi.send_local_online_presence_to`). Traps on a malformed user ID, which the host
 * would refuse anyway. From a callback, delivery waits until the callback returns successfully.
 */
export function sendLocalOnlinePresenceTo(users: string[]): void {
  const w = new Writer();
  w.writeArrayHeader(<u32>users.length);
  for (let i = 0; i < users.length; i++) {
    if (userIdError(users[i]) !== null) throw new Error(E_BAD_SEND + users[i]);
    w.writeString(users[i]);
  }
  env.send_local_online_presence_to(changetype<usize>(w.buffer), <usize>w.length);
}
