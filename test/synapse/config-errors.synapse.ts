/**
 * A bad option in the module's config stops the real Synapse at start-up with a message that names the
 * option (parse_config's ConfigError, which Synapse prefixes with the module's place).
 */
import { describe, expect, it } from 'vitest';
import { freePort } from './harness/processes.js';
import { README_SIDECAR_URL, readmeSnippet, synapseRefusal } from './harness/synapse.js';

describe('the module config, checked by the real Synapse', () => {
  it('a bad timeout_s stops Synapse with a message naming it', async () => {
    const modules = (await readmeSnippet()).replace(/timeout_s: .*/, "timeout_s: 'fast'");
    expect(modules).toContain(README_SIDECAR_URL);
    const output = await synapseRefusal(await freePort(), modules);
    expect(output).toContain('presence_sandbox_synapse: timeout_s: expected a number of seconds');
    expect(output).toContain("'fast'");
  }, 240_000);
});
