/**
 * Module entries' `sha256:` and `name:` through the real host: a pin is checked on the bytes admission
 * compiles (bundled names and paths alike), a mismatch is refused naming both digests and the entry;
 * the name is what faults, logs and stats call the module, and two entries cannot share one.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PresenceHost, onlineState, recorder, type SandboxError } from '../helpers/host.js';
import { root } from '../helpers/cli.js';
import { writeWatFixture } from '../helpers/wat.js';

const GENEROUS = { call_timeout_ms: 60_000, load_timeout_ms: 60_000 };
const sha256 = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');
const bundled = (name: string) => join(root, 'modules', name, 'build', 'release.wasm');

let dir: string;
let badIndex: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'config-modules-'));
  badIndex = await writeWatFixture('bad_index', dir);
});

async function refusal(config: unknown): Promise<SandboxError> {
  return PresenceHost.create(config, { baseDir: dir }).then(
    async (host) => {
      await host.close();
      throw new Error('config was accepted');
    },
    (e: SandboxError) => e,
  );
}

describe('sha256: pins a module', () => {
  it('serves a bundled module and a path whose digests match (upper-case hex too)', async () => {
    const custom = await sha256(bundled('custom_presence_router'));
    const config = {
      modules: [
        { module: 'custom_presence_router', sha256: custom.toUpperCase() },
        { module: 'bad_index.wasm', sha256: await sha256(badIndex) },
      ],
      sandbox: GENEROUS,
    };
    const host = await PresenceHost.create(config, { baseDir: dir, log: () => {} });
    try {
      expect(await host.getInterestedUsers('@alice:example.com')).toEqual(new Set(['@bob:example.com', '@charlie:somewhere.org']));
    } finally {
      await host.close();
    }
  });

  it('refuses a bundled module whose file differs, naming the entry and both digests', async () => {
    const wrong = '0'.repeat(64);
    const err = await refusal({ modules: [{ module: 'example_presence_router' }, { module: 'custom_presence_router', sha256: wrong }], sandbox: GENEROUS });
    expect(err.code).toBe('module_refused');
    expect(err.reason).toBe('sha256_mismatch');
    expect(err.module).toBe('modules[1] (custom_presence_router)');
    expect(err.message).toContain(`modules[1].sha256 pins ${wrong}`);
    expect(err.message).toContain(await sha256(bundled('custom_presence_router')));
  });

  it('refuses a path whose file differs, under the entry\'s name', async () => {
    const pinned = await sha256(bundled('custom_presence_router'));
    const err = await refusal({ presence: { presence_router: { module: './bad_index.wasm', name: 'indexer', sha256: pinned } }, sandbox: GENEROUS });
    expect(err.reason).toBe('sha256_mismatch');
    expect(err.module).toBe('indexer');
    expect(err.message).toContain(`presence.presence_router.sha256 pins ${pinned} but ${join(dir, 'bad_index.wasm')} has SHA-256 ${await sha256(badIndex)}`);
  });

  it('must be 64 hex digits', async () => {
    const err = await refusal({ modules: [{ module: 'x', sha256: 'sha256:abc' }] });
    expect(err.code).toBe('config_invalid');
    expect(err.message).toContain('modules[0].sha256: must be the .wasm file\'s SHA-256 as 64 hex digits, as sha256sum prints it (got "sha256:abc")');
  });
});

describe('name: names a module', () => {
  it('in faults, logs and stats', async () => {
    const seen = recorder();
    const host = await PresenceHost.create(
      { modules: [{ module: 'custom_presence_router', name: 'friends' }, { module: 'bad_index.wasm', name: 'indexer' }], sandbox: GENEROUS },
      { baseDir: dir, ...seen.options },
    );
    try {
      await host.getUsersForStates([onlineState('@bob:example.com')]);
      expect(seen.faults.map((f) => f.module)).toEqual(['indexer']);
      expect(seen.logs.filter((l) => l.level === 'warn').map((l) => l.module)).toContain('indexer');
      expect(host.stats().modules.map((m) => m.module)).toEqual(['friends', 'indexer']);
    } finally {
      await host.close();
    }
  });

  it('is unique across entries, the legacy slot included', async () => {
    const err = await refusal({ modules: [{ module: 'a', name: 'router' }], presence: { presence_router: { module: 'b', name: 'router' } } });
    expect(err.code).toBe('config_invalid');
    expect(err.path).toBe('presence.presence_router.name');
    expect(err.message).toContain('presence.presence_router.name: "router" is already the name of modules[0]; give each entry its own name');
  });

  it('is a short identifier', async () => {
    const err = await refusal({ modules: [{ module: 'a', name: 'two words' }] });
    expect(err.message).toContain("modules[0].name: must be 1 to 64 letters, digits, '_', '.', ':' or '-', starting with a letter or digit (got \"two words\")");
  });
});
