/**
 * The files `presence-sandbox init DIR` writes: a module author's project outside this repo. The router
 * is a RouteTable on the SDK's public API (presence-sandbox/guest-sdk), like modules/example_presence_router
 * (the same router under other key names), so an author who extends it keeps both callbacks consistent; the
 * unit test uses only the host's public API (PresenceHost) and node:test, so it needs nothing installed
 * beyond what `npm install` of this package.json brings.
 */

export interface TemplateVersions {
  /** This package's version, for the author's devDependency on it. */
  presenceSandbox: string;
  /** The AssemblyScript range this package's SDK is written for (its peerDependency). */
  assemblyscript: string;
}

const ROUTER = `// A presence router: every state whose user is not in hidden_users goes to each user in watchers
// (a help desk, an audit account), and the watchers are interested in everyone. It is a route table:
// the SDK derives both callbacks from the same declarations, so they agree however you extend it
// (receive, route, group, routeServer: node_modules/presence-sandbox/docs/abi.md). Check it with
// \`npx presence-sandbox check --config presence-sandbox.yaml\`.

import { Config, Field, PresenceRouter, RouteTable, registerRouter } from "presence-sandbox/guest-sdk";

export * from "presence-sandbox/guest-sdk/exports";
/** The router reads only user IDs, so the host sends nothing else. */
// @ts-ignore: decorator (@global lets the SDK see the declaration)
@global export const presence_fields: i32 = Field.USER_ID;

registerRouter((config: Config): PresenceRouter => {
  config.allowKeys(["watchers", "hidden_users"]);
  return new RouteTable()
    .receiveAll(config.userIdBytesList("watchers"))
    .exclude(config.userIdBytesList("hidden_users"));
});
`;

function projectConfig(name: string): string {
  return `# The module as an operator would serve it: presence-sandbox serve --config presence-sandbox.yaml
modules:
  - module: build/release.wasm
    name: ${name}
    config:
      watchers: ["@helpdesk:example.org"]
      hidden_users: ["@ceo:example.org"]
`;
}

const UNIT_TEST = `// Unit test of the built module through the real host (real worker threads, real Wasm): npm test.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { PRESENCE_ALL_USERS, PresenceHost } from "presence-sandbox";

const module = fileURLToPath(new URL("../build/release.wasm", import.meta.url));
const config = { watchers: ["@helpdesk:example.org"], hidden_users: ["@ceo:example.org"] };
const state = (user_id) => ({
  user_id, state: "online", last_active_ts: 1, last_federation_update_ts: 0, last_user_sync_ts: 0,
  status_msg: null, currently_active: true,
});

test("watchers receive every state but the hidden users'", async () => {
  const host = await PresenceHost.create({ modules: [{ module, config }] });
  try {
    const routing = await host.getUsersForStates([state("@ann:example.org"), state("@ceo:example.org")]);
    assert.deepEqual([...routing.keys()], ["@helpdesk:example.org"]);
    assert.deepEqual([...routing.get("@helpdesk:example.org")].map((s) => s.user_id), ["@ann:example.org"]);
  } finally {
    await host.close();
  }
});

test("watchers are interested in everyone, others in no one", async () => {
  const host = await PresenceHost.create({ modules: [{ module, config }] });
  try {
    assert.equal(await host.getInterestedUsers("@helpdesk:example.org"), PRESENCE_ALL_USERS);
    assert.equal((await host.getInterestedUsers("@ann:example.org")).size, 0);
  } finally {
    await host.close();
  }
});
`;

// A batch to try the router on (`route --states states.json`): Synapse's UserPresenceState fields.
const STATES = `[
  {"user_id": "@bob:example.org", "state": "online", "last_active_ts": 1733000000000,
   "last_federation_update_ts": 0, "last_user_sync_ts": 0, "status_msg": null, "currently_active": true},
  {"user_id": "@ceo:example.org", "state": "online", "last_active_ts": 1733000000000,
   "last_federation_update_ts": 0, "last_user_sync_ts": 0, "status_msg": "board meeting", "currently_active": true}
]
`;

function readme(name: string): string {
  return `# ${name}

A Matrix presence router module for [presence-sandbox](https://www.npmjs.com/package/presence-sandbox),
in AssemblyScript.

\`\`\`sh
npm install                     # presence-sandbox and the AssemblyScript compiler
npx presence-sandbox build .    # build/release.wasm and build/debug.wasm, checked as the host admits them
npm test                        # build, then the unit tests in test/ (node --test)
npx presence-sandbox route --config presence-sandbox.yaml --states states.json
npx presence-sandbox check --config presence-sandbox.yaml   # do the two callbacks agree?
\`\`\`

- \`index.ts\`: the router, a route table (a walk-through: node_modules/presence-sandbox/docs/authoring.md;
  the SDK's API: node_modules/presence-sandbox/docs/abi.md).
- \`presence-sandbox.yaml\`: the module and its config, as an operator serves it.
- \`states.json\`: a batch of presence states to route.
- \`asconfig.json\` extends \`presence-sandbox/asconfig.json\`, the compiler settings the host expects.
`;
}

/** Relative path → content of every file init writes. */
export function templateFiles(name: string, versions: TemplateVersions): Record<string, string> {
  const manifest = {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: { build: 'presence-sandbox build .', test: 'presence-sandbox build . && node --test' },
    devDependencies: { assemblyscript: versions.assemblyscript, 'presence-sandbox': `^${versions.presenceSandbox}` },
  };
  const asconfig = {
    extends: 'presence-sandbox/asconfig.json',
    entries: ['index.ts'],
    targets: { release: { outFile: 'build/release.wasm' }, debug: { outFile: 'build/debug.wasm' } },
  };
  const tsconfig = { extends: 'presence-sandbox/tsconfig.json', include: ['./*.ts'] };
  return {
    'package.json': JSON.stringify(manifest, null, 2) + '\n',
    'asconfig.json': JSON.stringify(asconfig, null, 2) + '\n',
    'tsconfig.json': JSON.stringify(tsconfig, null, 2) + '\n',
    'index.ts': ROUTER,
    'presence-sandbox.yaml': projectConfig(name),
    'test/router.test.mjs': UNIT_TEST,
    'states.json': STATES,
    'README.md': readme(name),
    '.gitignore': 'node_modules/\nbuild/\n',
  };
}
