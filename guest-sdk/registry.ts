// The one router of this module instance. A module registers a factory at the top level of its entry
// file (that runs in the Wasm start function); presence_init builds the router from the config.

import { Config } from "./config";
import { PresenceRouter } from "./router";
import { E_NO_ROUTER, E_NOT_INITIALISED } from "./errors";

/** Builds the router from the config; a plain function, since AssemblyScript has no closures. */
export type RouterFactory = (config: Config) => PresenceRouter;

let factory: RouterFactory | null = null;
let router: PresenceRouter | null = null;

/**
 * Registers the module's router. Call it once, at the top level of the module's `index.ts`:
 *
 *     registerRouter((config: Config): PresenceRouter => new MyRouter(config));
 */
export function registerRouter(f: RouterFactory): void {
  factory = f;
}

/** Builds the router from `config`; returns the config error (the router is then not served) or null. */
export function initRouter(config: Config): string | null {
  router = null;
  const f = factory;
  if (f === null) return E_NO_ROUTER;
  const built = f(config);
  if (config.error !== null) return config.error;
  router = built;
  return null;
}

/** The router built by a successful init; traps if init has not succeeded (a host bug). */
export function currentRouter(): PresenceRouter {
  const r = router;
  if (r === null) throw new Error(E_NOT_INITIALISED);
  return r;
}
