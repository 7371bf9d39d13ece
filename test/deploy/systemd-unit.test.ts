/**
 * deploy/presence-sandbox.service under systemd's own checks, which read unit files without a running
 * systemd: `systemd-analyze verify` (no unknown or malformed directive, its commands exist) and
 * `systemd-analyze security --offline` with an exposure threshold of 1.0.
 *
 * Why 1.0: systemd rates this unit 0.9 ("SAFE"). What is left is what the service needs: IP and Unix
 * sockets (it serves Synapse over loopback or a socket), the host's root directory (Node and the modules
 * are installed there), and writable executable memory (V8's JIT compiles the modules' WebAssembly).
 * Dropping any real protection (the system call filter, the empty capability set, the dynamic user,
 * private users, the address family or IP restrictions) takes it over 1.0.
 */
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runTool } from '../helpers/tools.js';

const unitPath = fileURLToPath(new URL('../../deploy/presence-sandbox.service', import.meta.url));
const envExample = fileURLToPath(new URL('../../deploy/presence-sandbox.env.example', import.meta.url));
const cli = fileURLToPath(new URL('../../dist/host/cli/main.js', import.meta.url));
const THRESHOLD = 10; // systemd counts exposure in tenths: 10 is 1.0

/** The unit's directives (comments and blank lines left out), as `Key=value` lines in file order. */
async function directives(): Promise<string[]> {
  return (await readFile(unitPath, 'utf8')).split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('['));
}

/** The unit as shipped, in a folder of its own, its ExecStart pointed at this checkout's CLI. */
async function unitHere(text?: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'unit-'));
  const path = join(dir, 'presence-sandbox.service');
  const shipped = text ?? (await readFile(unitPath, 'utf8'));
  const here = shipped.replace(/^ExecStart=\/usr\/local\/bin\/presence-sandbox /m, `ExecStart=${cli} `);
  expect(here).not.toBe(shipped);
  await writeFile(path, here);
  return path;
}

describe('deploy/presence-sandbox.service', () => {
  it('passes systemd-analyze verify, without a warning', async () => {
    const run = await runTool('systemd-analyze', ['verify', await unitHere()]);
    expect(run.stdout + run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  it('systemd-analyze verify does flag an unknown directive (the check above can fail)', async () => {
    const shipped = await readFile(unitPath, 'utf8');
    const run = await runTool('systemd-analyze', ['verify', await unitHere(shipped.replace('[Service]\n', '[Service]\nProtectEverything=yes\n'))]);
    expect(run.stdout + run.stderr).toContain("Unknown key 'ProtectEverything'");
  });

  it(`has an exposure of at most ${THRESHOLD / 10} under systemd-analyze security`, async () => {
    const run = await runTool('systemd-analyze', ['security', '--offline=yes', `--threshold=${THRESHOLD}`, '--no-pager', unitPath]);
    const exposure = /Overall exposure level for \S+: ([\d.]+)/.exec(run.stdout + run.stderr)?.[1];
    expect(Number(exposure)).toBeLessThanOrEqual(THRESHOLD / 10);
    expect(run.code).toBe(0);
  });

  it('the threshold does fail a unit without the hardening', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'unit-'));
    const bare = join(dir, 'bare.service');
    await writeFile(bare, `[Service]\nExecStart=${cli} serve --config /dev/null\n`);
    const run = await runTool('systemd-analyze', ['security', '--offline=yes', `--threshold=${THRESHOLD}`, '--no-pager', bare]);
    expect(run.code).not.toBe(0);
  });

  it('sets the sandboxing options, and leaves MemoryDenyWriteExecute off (V8 compiles Wasm at run time)', async () => {
    const set = await directives();
    for (const d of ['ProtectSystem=strict', 'NoNewPrivileges=yes', 'PrivateTmp=yes', 'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6', 'SystemCallFilter=@system-service', 'CapabilityBoundingSet=', 'DynamicUser=yes']) {
      expect(set).toContain(d);
    }
    expect(set.filter((d) => d.startsWith('MemoryDenyWriteExecute='))).toEqual([]);
    expect(set).toContain('ExecReload=/bin/kill -HUP $MAINPID');
  });

  it('its environment file example sets only variables the service reads', async () => {
    const names = [...(await readFile(envExample, 'utf8')).matchAll(/^#?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(0);
    const host = fileURLToPath(new URL('../../host/', import.meta.url));
    const files = (await readdir(host, { recursive: true })).filter((f) => f.endsWith('.ts'));
    const sources = await Promise.all(files.map((f) => readFile(join(host, f), 'utf8')));
    for (const name of names) if (name !== 'NODE_OPTIONS') expect(sources.join('\n'), name).toContain(name);
  });
});
