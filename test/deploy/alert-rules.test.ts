/**
 * deploy/prometheus/presence-sandbox.rules.yml under promtool: valid rules, and each alert fires on the
 * series that should fire it and on no other (alert-rules.promtool.yml holds the examples).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runTool } from '../helpers/tools.js';

const rules = fileURLToPath(new URL('../../deploy/prometheus/presence-sandbox.rules.yml', import.meta.url));
const examples = fileURLToPath(new URL('./alert-rules.promtool.yml', import.meta.url));

describe('the alert rules', () => {
  it('pass promtool check rules', async () => {
    const run = await runTool('promtool', ['check', 'rules', rules]);
    expect(run.stdout + run.stderr).toContain('SUCCESS');
    expect(run.code).toBe(0);
  });

  it('fire as promtool test rules expects', async () => {
    const run = await runTool('promtool', ['test', 'rules', examples]);
    expect(run.stdout + run.stderr).toContain('SUCCESS');
    expect(run.code).toBe(0);
  });

  it('promtool check rules does refuse a broken rule (the check above can fail)', async () => {
    const broken = join(await mkdtemp(join(tmpdir(), 'rules-')), 'broken.rules.yml');
    await writeFile(broken, 'groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: rate(x[5m]\n');
    const run = await runTool('promtool', ['check', 'rules', broken]);
    expect(run.code).not.toBe(0);
  });
});
