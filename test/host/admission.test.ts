/**
 * Admission refuses each kind of bad module before it serves, naming the module as written in the config
 * and the reason; a module with neither callback loads and routes nothing.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PresenceHost, RefusalReason, type SandboxError } from '../helpers/host.js';
import { compileWat, writeWatFixture } from '../helpers/wat.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'admission-'));
});

// Generous deadlines, unless a test sets its own: a module that loads (or refuses its config) must never
// be refused with load_timeout because the machine is busy.
const GENEROUS = { call_timeout_ms: 60_000, load_timeout_ms: 60_000 };

async function refusal(module: string, sandbox?: Record<string, number>): Promise<SandboxError> {
  const err = await PresenceHost.create({ modules: [{ module, sandbox: { ...GENEROUS, ...sandbox } }] }, { baseDir: dir }).then(
    async (host) => {
      await host.close();
      throw new Error(`${module} was admitted`);
    },
    (e: SandboxError) => e,
  );
  expect(err.code).toBe('module_refused');
  expect(err.module).toBe(`modules[0] (${module})`);
  expect(err.message).toContain(`modules[0] (${module}) refused`);
  return err;
}

async function fixture(name: string): Promise<string> {
  await writeWatFixture(name, dir);
  return `./${name}.wasm`;
}

describe('admission refuses', () => {
  it('a file that is not WebAssembly', async () => {
    await writeFile(join(dir, 'text.wasm'), 'this is not wasm');
    const err = await refusal('./text.wasm');
    expect(err.reason).toBe(RefusalReason.NOT_WASM);
  });

  it('a WASI import, naming it', async () => {
    const err = await refusal(await fixture('wasi_import'));
    expect(err.reason).toBe(RefusalReason.FORBIDDEN_IMPORT);
    expect(err.message).toContain('wasi_snapshot_preview1.fd_write');
  });

  it('a module without the ABI exports', async () => {
    const err = await refusal(await fixture('missing_exports'));
    expect(err.reason).toBe(RefusalReason.MISSING_EXPORT);
    expect(err.message).toContain('memory');
  });

  it('a module exporting only one callback (the pairing rule)', async () => {
    const err = await refusal(await fixture('one_callback'));
    expect(err.reason).toBe(RefusalReason.PAIRING);
    expect(err.message).toContain('presence_interested_users');
  });

  it('an ABI version it does not implement, naming both versions', async () => {
    const err = await refusal(await fixture('wrong_abi_version'));
    expect(err.reason).toBe(RefusalReason.ABI_VERSION);
    expect(err.message).toMatch(/is 2; this host implements ABI version 1/);
  });

  // Metered, these run out of fuel first (test/host/fuel.test.ts); unmetered, the deadline is the backstop.
  it('a start function that never returns, unmetered, at the load deadline', async () => {
    const err = await refusal(await fixture('start_loops'), { load_timeout_ms: 500, fuel_metering: false });
    expect(err.reason).toBe(RefusalReason.LOAD_TIMEOUT);
  });

  it('an init that never returns, unmetered, at the load deadline', async () => {
    const err = await refusal(await fixture('init_loops'), { load_timeout_ms: 500, fuel_metering: false });
    expect(err.reason).toBe(RefusalReason.LOAD_TIMEOUT);
  });

  it('a config the module rejects, with the module message', async () => {
    const err = await refusal(await fixture('init_config_error'));
    expect(err.reason).toBe(RefusalReason.CONFIG_REJECTED);
    expect(err.message).toContain('answer: expected 42');
  });

  it('a 64 MiB binary, before reading or compiling it', async () => {
    // A valid module header followed by a 64 MiB custom section: well-formed, just too big.
    const size = 64 * 1024 * 1024;
    const header = Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    const big = new Uint8Array(size);
    big.set(header);
    await writeFile(join(dir, 'big.wasm'), big);
    const err = await refusal('./big.wasm');
    expect(err.reason).toBe(RefusalReason.TOO_LARGE);
    expect(err.message).toContain('sandbox.max_module_bytes');
  });

  it('an unknown bundled module name, listing the bundled ones', async () => {
    const err = await refusal('no_such_router');
    expect(err.reason).toBe(RefusalReason.UNKNOWN_MODULE);
    expect(err.message).toContain('example_presence_router');
  });

  it('a path that does not exist', async () => {
    const err = await refusal('./missing.wasm');
    expect(err.reason).toBe(RefusalReason.UNREADABLE);
  });

  it('a bundled module given a config it rejects, naming the key', async () => {
    const err = await PresenceHost.create({
      modules: [{ module: 'example_presence_router', config: { always_send_to_users: 'not a list' } }],
      sandbox: GENEROUS,
    }).catch((e: SandboxError) => e);
    expect((err as SandboxError).reason).toBe(RefusalReason.CONFIG_REJECTED);
    expect((err as SandboxError).message).toContain('always_send_to_users: expected a list of user IDs');
  });

  it('the whole config when one module of several is refused, stopping the admitted ones', async () => {
    const good = await fixture('route_all_to_one');
    const bad = await fixture('one_callback');
    const err = await PresenceHost.create({ modules: [{ module: good }, { module: bad }], sandbox: GENEROUS }, { baseDir: dir }).catch(
      (e: SandboxError) => e,
    );
    expect((err as SandboxError).module).toBe(`modules[1] (${bad})`);
  });
});

describe('admission accepts', () => {
  it('a module with neither callback, which routes nothing', async () => {
    const host = await PresenceHost.create({ modules: [{ module: await fixture('neither_callback') }], sandbox: GENEROUS }, { baseDir: dir });
    try {
      const state = { user_id: '@a:example.com', state: 'online', last_active_ts: 0, last_federation_update_ts: 0, last_user_sync_ts: 0, status_msg: null, currently_active: false };
      expect(await host.getUsersForStates([state])).toEqual(new Map());
      expect(await host.getInterestedUsers('@a:example.com')).toEqual(new Set());
    } finally {
      await host.close();
    }
  });
});

describe('admission refuses a malformed presence_fields (docs/abi.md, "Field projection")', () => {
  for (const [name, detail] of [
    ['fields_mutable', 'a mutable i32 global'],
    ['fields_i64', 'an immutable i64 global'],
    ['fields_without_user_id', 'is 0x7e, without bit 0'],
    ['fields_past_bit_6', 'is 0xff, which sets bits past the 7 fields'],
    ['fields_negative', 'is 0xffffffff, which sets bits past the 7 fields'],
    ['fields_not_a_global', 'exports presence_fields as a function'],
  ] as const) {
    it(`${name}: abi_type, naming the export and the fix`, async () => {
      const err = await refusal(await fixture(name));
      expect(err.reason).toBe(RefusalReason.ABI_TYPE);
      expect(err.message).toContain('presence_fields');
      expect(err.message).toContain(detail);
      expect(err.message).toContain('docs/abi.md');
    });
  }

  it('a presence_fields computed by its initialiser (global.get), which the host cannot read without running it', async () => {
    // fields_user_ids with presence_fields' `i32.const 1` turned into `global.get 0`: wabt does not write
    // such an initialiser, so the bytes are patched (the second immutable i32 global initialised to 1).
    const binary = await compileWat('fields_user_ids');
    const marker = [0x7f, 0x00, 0x41, 0x01, 0x0b];
    const at = (from: number) => binary.findIndex((_, i) => i >= from && marker.every((b, k) => binary[i + k] === b));
    const fields = at(at(0) + 1);
    expect(fields).toBeGreaterThan(0);
    binary.set([0x23, 0x00], fields + 2);
    await writeFile(join(dir, 'fields_global_get.wasm'), binary);
    const err = await refusal('./fields_global_get.wasm');
    expect(err.reason).toBe(RefusalReason.ABI_TYPE);
    expect(err.message).toContain('presence_fields is not initialised by a single i32.const');
  });
});
