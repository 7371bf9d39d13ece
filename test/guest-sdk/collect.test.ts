// guest-sdk/collect.ts: modules build with AssemblyScript's minimal runtime, which never collects on its
// own, so the SDK must. Many calls through the real ABI exports of real modules: their memory must stay
// bounded (without collections, these calls allocate hundreds of MiB), and what a router keeps must
// survive the collections (its answers stay right).

import { beforeAll, describe, expect, it } from 'vitest';
import { instantiateGuest, state } from './abi.js';
import { compileModule } from './compile.js';

const MiB = 1024 * 1024;
let example: Uint8Array<ArrayBuffer>;
let teams: Uint8Array<ArrayBuffer>;

beforeAll(async () => {
  example = await compileModule('example_presence_router');
  teams = await compileModule('team_groups_router');
}, 120_000);

const memoryOf = (g: { exports: WebAssembly.Exports }) => (g.exports.memory as WebAssembly.Memory).buffer.byteLength;

describe('garbage is collected between calls', () => {
  it('users_for_states: 1000 batches of 1000 states in bounded memory, with right answers throughout', async () => {
    const g = await instantiateGuest(example);
    expect(g.init({ always_send_to_users: ['@gob:example.org'], blacklisted_users: ['@u1:example.com'] })).toBeNull();
    const batch = Array.from({ length: 1000 }, (_, i) => state(`@u${i}:example.com`, 'online', `status ${i} ✓`));
    const want = Array.from({ length: 1000 }, (_, i) => i).filter((i) => i !== 1);
    for (let call = 0; call < 1000; call++) {
      const answer = g.usersForStates(batch);
      if (call % 100 === 0) expect(answer).toEqual({ '@gob:example.org': want });
    }
    expect(memoryOf(g)).toBeLessThan(16 * MiB);
  });

  it('interested_users: a large config is kept across collections, and memory stays bounded', async () => {
    const groups = Object.fromEntries(Array.from({ length: 200 }, (_, t) => [
      `team${t}`, Array.from({ length: 20 }, (_, m) => `@m${(t * 7 + m) % 1500}:example.com`),
    ]));
    const g = await instantiateGuest(teams);
    expect(g.init({ groups })).toBeNull();
    const before = g.interestedUsers('@m0:example.com');
    expect((before as string[]).length).toBeGreaterThan(0);
    for (let call = 0; call < 20_000; call++) g.interestedUsers(`@m${call % 1500}:example.com`);
    expect(g.interestedUsers('@m0:example.com')).toEqual(before);
    expect(memoryOf(g)).toBeLessThan(32 * MiB);
  });
});
