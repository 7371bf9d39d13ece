/**
 * `route --report` and `interested --report` as an operator runs them: a real process on the bundled
 * config. The report goes to stderr (a table, or one line of JSON), the answer on stdout is unchanged.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root, runCli } from '../helpers/cli.js';
import type { ModuleCallReport } from '../helpers/host.js';

const config = join(root, 'modules/presence-sandbox.yaml');
const states = join(root, 'docs/examples/states.json');
const MODULES = ['modules[0] (custom_presence_router)', 'presence.presence_router (example_presence_router)'];
const HEADER = ['module', 'callback', 'outcome', 'fuel', 'wall ms', 'memory', 'bytes in', 'bytes out', 'entries'];

/** The table's rows, split on the two-space gaps between columns. */
function table(stderr: string): string[][] {
  return stderr.trimEnd().split('\n').map((line) => line.split(/ {2,}/));
}

describe('route --report', () => {
  it('prints one row per module and callback on stderr; stdout is the answer alone', async () => {
    const plain = await runCli(['route', '--config', config, '--states', states]);
    const run = await runCli(['route', '--config', config, '--states', states, '--report']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(plain.stdout);
    const [header, ...rows] = table(run.stderr);
    expect(header).toEqual(HEADER);
    expect(rows.map((r) => [r[0], r[1], r[2]])).toEqual([
      [MODULES[0], 'init', 'ok'],
      [MODULES[1], 'init', 'ok'],
      [MODULES[0], 'users_for_states', 'ok'],
      [MODULES[1], 'users_for_states', 'ok'],
    ]);
    for (const row of rows) {
      expect(row[3]).toMatch(/^\d+$/);
      expect(row[4]).toMatch(/^\d+\.\d{3}$/);
      expect(row[5]).toMatch(/^\d+ KiB$/);
    }
    // Each module answered with something (an init answers nothing: 0 bytes out).
    expect(rows.map((r) => Number(r[7]) > 0)).toEqual([false, false, true, true]);
  });

  it('--report=json prints one line of JSON, the reports, on stderr', async () => {
    const run = await runCli(['route', '--config', config, '--states', states, '--report=json']);
    expect(run.code).toBe(0);
    expect(run.stderr.endsWith('\n')).toBe(true);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    const reports = JSON.parse(run.stderr) as ModuleCallReport[];
    expect(reports.map((r) => [r.module, r.callback, r.outcome])).toEqual([
      [MODULES[0], 'init', 'ok'],
      [MODULES[1], 'init', 'ok'],
      [MODULES[0], 'users_for_states', 'ok'],
      [MODULES[1], 'users_for_states', 'ok'],
    ]);
    const [, , custom, example] = reports;
    // Both modules read the same batch; the example router's config is the larger input of the two inits.
    expect(custom!.inputBytes).toBe(example!.inputBytes);
    expect(reports[1]!.inputBytes).toBeGreaterThan(reports[0]!.inputBytes);
    for (const r of reports) {
      expect(r.fuelUsed).toBeGreaterThan(0);
      expect(r.memoryBytes % 65536).toBe(0);
      expect(r.memoryBytes).toBeGreaterThan(0);
    }
  });
});

describe('interested --report', () => {
  it('--report=json: init and interested_users of each module, entries as returned', async () => {
    const run = await runCli(['interested', '--config', config, '--user', '@alice:example.com', '--report=json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(['@bob:example.com', '@charlie:somewhere.org']);
    const reports = JSON.parse(run.stderr) as ModuleCallReport[];
    expect(reports.map((r) => [r.module, r.callback])).toEqual([
      [MODULES[0], 'init'],
      [MODULES[1], 'init'],
      [MODULES[0], 'interested_users'],
      [MODULES[1], 'interested_users'],
    ]);
    expect(reports[2]).toMatchObject({ outcome: 'ok', inputBytes: '@alice:example.com'.length, entries: 2 });
  });

  it('--report=table is the table; any other value is a usage error (exit 2), and --help names the option', async () => {
    const run = await runCli(['interested', '--config', config, '--user', '@alice:example.com', '--report=table']);
    expect(run.code).toBe(0);
    expect(table(run.stderr)[0]).toEqual(HEADER);
    const bad = await runCli(['interested', '--config', config, '--user', '@alice:example.com', '--report=xml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('error: interested: --report must be table or json (got "xml"; see presence-sandbox interested --help)\n');
    for (const command of ['route', 'interested']) {
      expect((await runCli([command, '--help'])).stdout).toContain('--report[=table|json]');
    }
  });
});
