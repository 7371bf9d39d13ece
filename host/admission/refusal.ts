/**
 * A refusal raised while reading a binary, before the module's config label is at hand (the static check
 * runs in its own thread): a reason and a message, turned into `moduleRefused` on the main thread.
 */
import type { RefusalReason } from '../errors.js';

export class Refusal extends Error {
  constructor(
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(message);
  }
}
