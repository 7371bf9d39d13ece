/**
 * A pinned module through `serve`'s reload: the pin is checked again on every reload, so a .wasm file
 * replaced under a running sidecar is refused (409, both digests in the reason) while the admitted
 * module keeps serving; putting the new file's digest in the config is what lets it in. Metrics name
 * the module by its `name:`. Sequenced by the service's answers, never by sleeping.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { get } from '../helpers/http.js';
import { root } from '../helpers/cli.js';
import { metric, startCli } from '../helpers/service.js';

const TOKEN = 'test-token-0123456789abcdef';
const wasm = (name: string) => join(root, 'modules', name, 'build', 'release.wasm');
const sha256 = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');
const config = (digest: string) =>
  `modules:\n  - module: ./router.wasm\n    name: friends\n    sha256: "${digest}"\nsandbox:\n  call_timeout_ms: 60000\n  load_timeout_ms: 60000\n`;

async function reload(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: res.status, body: await res.json() };
}

describe('sha256: on reload', () => {
  it('refuses a replaced file until the config pins it, serving the admitted module meanwhile', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pinning-'));
    const router = join(dir, 'router.wasm');
    const file = join(dir, 'config.yaml');
    await copyFile(wasm('custom_presence_router'), router);
    const custom = await sha256(router);
    await writeFile(file, config(custom));
    const served = await startCli(['--config', file, '--port', '0'], { PRESENCE_SANDBOX_ADMIN_TOKEN: TOKEN, LOG_LEVEL: 'warn' });
    try {
      const alice = `${served.url}/v1/interested_users?user_id=@alice:example.com`;
      expect((await get(alice)).body).toEqual({ users: ['@bob:example.com', '@charlie:somewhere.org'] });
      expect(await metric(served.url, 'presence_sandbox_module_calls_total', 'module="friends"')).toBeGreaterThan(0);

      await copyFile(wasm('example_presence_router'), router);
      const example = await sha256(router);
      const refused = await reload(served.url);
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('reload_refused');
      expect(refused.body.error.reason).toBe('module_refused');
      expect(refused.body.error.message).toContain(`friends refused (sha256_mismatch): modules[0].sha256 pins ${custom} but ${router} has SHA-256 ${example}`);
      // The module admitted before (its compiled code, not the file) still answers.
      expect((await get(alice)).body).toEqual({ users: ['@bob:example.com', '@charlie:somewhere.org'] });

      await writeFile(file, config(example));
      expect((await reload(served.url)).status).toBe(200);
      // The example router with no config: nobody is anybody's interest.
      expect((await get(alice)).body).toEqual({ users: [] });
    } finally {
      served.child.kill('SIGTERM');
      expect(await served.exit).toBe(0);
    }
  });
});
