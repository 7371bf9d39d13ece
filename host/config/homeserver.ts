/**
 * A whole Synapse homeserver.yaml, read for what concerns presence-sandbox: its `modules:` list and its
 * `presence:` section (`sandbox:` and `service:` too, should the file carry them); every other Synapse key
 * (server_name, listeners, database, presence.enabled, ...) is ignored, in this mode only.
 * Each module entry is one of three kinds, by its `module:`:
 *  - the Synapse module `presence_sandbox_synapse.PresenceSandboxRouter` (the bridge): its `config:` is
 *    checked as that module checks it (bridge.ts), and the sidecars it names are returned;
 *  - a sandbox module (a bundled module's name or a .wasm path): checked as a sidecar config's entry,
 *    at its place in the homeserver's list (a file written in homeserver.yaml's shape);
 *  - any other Python class (another Synapse module): skipped, and listed as skipped.
 */
import { describe } from '../errors.js';
import { BRIDGE_CLASS, checkBridgeConfig, type BridgeSidecar } from './bridge.js';
import type { ConfigIssue } from './issues.js';
import { isMap } from './validate.js';

/** `package.module.Class`: how Synapse names a Python module; a .wasm path is not one. */
const PYTHON_CLASS = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$/;

export interface HomeserverPick {
  /** The sandbox's part, as a sidecar config document. */
  document: Record<string, unknown>;
  /** Where each of the document's `modules[j]` is in the homeserver's list. */
  modulePaths: string[];
  bridges: { path: string; sidecars: BridgeSidecar[] }[];
  /** Other Synapse modules, e.g. `modules[0] (synapse_auto_accept_invite.InviteAutoAccepter)`. */
  skipped: string[];
  issues: ConfigIssue[];
}

export function pickFromHomeserver(root: unknown): HomeserverPick {
  const pick: HomeserverPick = { document: {}, modulePaths: [], bridges: [], skipped: [], issues: [] };
  if (!isMap(root)) {
    pick.issues.push({ path: '(homeserver.yaml)', message: `expected Synapse's config, a map (got ${describe(root)})` });
    return pick;
  }
  for (const key of ['sandbox', 'service'] as const) if (root[key] !== undefined) pick.document[key] = root[key];
  if (Array.isArray(root.modules)) {
    const modules: unknown[] = [];
    root.modules.forEach((entry, i) => {
      const path = `modules[${i}]`;
      if (classify(entry, path, pick) === 'sandbox') {
        modules.push(entry);
        pick.modulePaths.push(path);
      }
    });
    pick.document.modules = modules;
  } else if (root.modules != null) {
    pick.issues.push({ path: 'modules', message: `expected Synapse's list of module entries (got ${describe(root.modules)})` });
  }
  if (isMap(root.presence)) {
    const presence: Record<string, unknown> = {};
    for (const key of ['presence_router', 'routing_module'] as const) {
      const entry = root.presence[key];
      if (entry == null) continue;
      const kind = classify(entry, `presence.${key}`, pick);
      if (kind === 'sandbox') presence[key] = entry;
      if (kind === 'bridge') {
        pick.issues.push({ path: `presence.${key}.module`, message: `${BRIDGE_CLASS} is a modules: entry (it registers its callbacks itself); move it to modules:` });
      }
    }
    if (Object.keys(presence).length > 0) pick.document.presence = presence;
  }
  if (pick.bridges.length === 0 && pick.modulePaths.length === 0 && pick.document.presence === undefined) {
    pick.issues.push({ path: 'modules', message: `no entry loads ${BRIDGE_CLASS}: add one (README, "Use it with Synapse")` });
  }
  return pick;
}

function classify(entry: unknown, path: string, pick: HomeserverPick): 'bridge' | 'sandbox' | 'other' | 'invalid' {
  if (!isMap(entry) || typeof entry.module !== 'string') {
    const message = isMap(entry) ? `expected a string (got ${describe(entry.module)})` : `expected a module entry, a map with module: (got ${describe(entry)})`;
    pick.issues.push({ path: isMap(entry) ? `${path}.module` : path, message });
    return 'invalid';
  }
  if (entry.module === BRIDGE_CLASS) {
    const { issues, sidecars } = checkBridgeConfig(entry.config, path);
    pick.issues.push(...issues);
    pick.bridges.push({ path, sidecars });
    return 'bridge';
  }
  if (PYTHON_CLASS.test(entry.module) && !entry.module.endsWith('.wasm')) {
    pick.skipped.push(`${path} (${entry.module})`);
    return 'other';
  }
  return 'sandbox';
}
