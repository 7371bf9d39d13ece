/**
 * The JSON Schema editors use: `presence-sandbox schema` prints what the definition generates, the
 * committed docs/config.schema.json is exactly that (regenerate it with the command below when this
 * fails), and it names every key the host takes.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, DEFAULT_SERVICE, configJsonSchema } from '../helpers/host.js';
import { root, runCli } from '../helpers/cli.js';

const committed = join(root, 'docs/config.schema.json');

describe('the config JSON Schema', () => {
  it('is docs/config.schema.json, up to date (else: node dist/host/cli/main.js schema > docs/config.schema.json)', async () => {
    const run = await runCli(['schema']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(await readFile(committed, 'utf8'));
    expect(JSON.parse(run.stdout)).toEqual(configJsonSchema());
  });

  it('names every limit, every service key and the module entry keys, and refuses others', () => {
    const schema = configJsonSchema() as any;
    const entry = schema.definitions.module_entry;
    expect(Object.keys(entry.properties)).toEqual(['module', 'name', 'sha256', 'config', 'sandbox']);
    expect(entry.additionalProperties).toBe(false);
    const moduleLimits = entry.properties.sandbox.anyOf[0];
    expect(Object.keys(moduleLimits.properties)).toEqual(Object.keys(DEFAULT_LIMITS));
    const hostLimits = schema.properties.sandbox.anyOf[0];
    expect(Object.keys(hostLimits.properties)).toEqual([...Object.keys(DEFAULT_LIMITS), 'max_pending_calls']);
    const service = schema.properties.service.anyOf[0];
    for (const key of Object.keys(DEFAULT_SERVICE)) expect(service.properties).toHaveProperty(key);
    expect(schema.additionalProperties).toBe(false);
  });

  it('the bundled config names it for editors', async () => {
    const bundled = await readFile(join(root, 'modules/presence-sandbox.yaml'), 'utf8');
    expect(bundled.split('\n')[0]).toBe('# yaml-language-server: $schema=../docs/config.schema.json');
  });
});
