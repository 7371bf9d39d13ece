/**
 * Issue 16 item 7: a config of 300 000 user IDs (the bundled example router's always_send_to_users)
 * loads within the default limits (128 MiB of memory, default fuel) and routes by it, through
 * PresenceHost on a real worker. Before the SDK's lean config tree the same init needed more than 128 MiB
 * and was refused.
 */
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { PRESENCE_ALL_USERS, PresenceHost, onlineState, type ModuleCallReport } from '../helpers/host.js';

const wasm = fileURLToPath(new URL('../../modules/example_presence_router/build/release.wasm', import.meta.url));
const USERS = Array.from({ length: 300_000 }, (_, i) => `@user${i}:example.com`);
const DEFAULT_MEMORY = 128 * 2 ** 20;

it('loads a 300 000-user always_send_to_users in the default memory and routes by it', async () => {
  const reports: ModuleCallReport[] = [];
  // Generous deadlines only: the verdict is the memory and the routing, never the time.
  const host = await PresenceHost.create(
    {
      modules: [{ module: wasm, config: { always_send_to_users: USERS, blacklisted_users: ['@user7:example.com'] } }],
      sandbox: { threads: 1, call_timeout_ms: 300_000, load_timeout_ms: 300_000 },
    },
    { log: () => {}, onModuleCall: (r) => reports.push(r) },
  );
  try {
    const init = reports.find((r) => r.callback === 'init');
    expect(init?.outcome).toBe('ok');
    expect(init!.memoryBytes).toBeLessThanOrEqual(DEFAULT_MEMORY);
    expect(await host.getInterestedUsers('@user299999:example.com')).toBe(PRESENCE_ALL_USERS);
    expect(await host.getInterestedUsers('@nobody:example.com')).toEqual(new Set());
  } finally {
    await host.close();
  }
}, 600_000);
