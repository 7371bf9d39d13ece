/**
 * A real Synapse (Debian's matrix-synapse in the chroot that .ci/synapse-chroot.sh builds), configured
 * with the README's homeserver.yaml snippet exactly as written, except the sidecar's port.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Child, REPO, until } from './processes.js';

export const SERVER_NAME = 'example.com';
export const README_SIDECAR_URL = 'http://127.0.0.1:8880';

export function chrootPath(): string {
  const root = process.env.SYNAPSE_CHROOT;
  if (!root || !existsSync(join(root, '.ready'))) {
    throw new Error('SYNAPSE_CHROOT is not a ready chroot: run these tests with `npm run test:synapse` (it sets the chroot up)');
  }
  return root;
}

/** The first yaml block of the README's "Use it with Synapse" section: what an operator pastes. */
export async function readmeSnippet(): Promise<string> {
  const readme = await readFile(join(REPO, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Use it with Synapse'));
  const block = section?.match(/```yaml\n([\s\S]*?)```/);
  if (!block) throw new Error('README.md has no yaml block under "## Use it with Synapse"');
  if (!block[1]!.includes(README_SIDECAR_URL)) throw new Error(`the README's snippet no longer names ${README_SIDECAR_URL}`);
  return block[1]!;
}

export interface Synapse {
  child: Child;
  url: string;
  registrationSecret: string;
  /** Synapse's log so far (INFO, and DEBUG for requests received). */
  log(): Promise<string>;
  stop(): Promise<void>;
}

function logConfig(file: string): string {
  return `version: 1
formatters:
  precise:
    format: '%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(message)s'
handlers:
  file:
    class: logging.FileHandler
    filename: ${file}
    formatter: precise
loggers:
  synapse.storage.SQL: { level: WARNING }
  # "Received request" lines: the tests wait for a long-poll to be in Synapse before acting.
  synapse.access: { level: DEBUG }
root:
  level: INFO
  handlers: [file]
disable_existing_loggers: false
`;
}

function homeserverYaml(dir: string, port: number, secret: string, modules: string): string {
  return `server_name: ${SERVER_NAME}
pid_file: ${dir}/homeserver.pid
listeners:
  - port: ${port}
    bind_addresses: ['127.0.0.1']
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
database:
  name: sqlite3
  args:
    database: ${dir}/homeserver.db
log_config: ${dir}/log.config
media_store_path: ${dir}/media
signing_key_path: ${dir}/signing.key
registration_shared_secret: ${secret}
macaroon_secret_key: ${randomBytes(16).toString('hex')}
form_secret: ${randomBytes(16).toString('hex')}
report_stats: false
trusted_key_servers: []
suppress_key_server_warning: true
enable_metrics: false
bcrypt_rounds: 4
presence:
  enabled: true
rc_login:
  address: { per_second: 1000, burst_count: 1000 }
  account: { per_second: 1000, burst_count: 1000 }
  failed_attempts: { per_second: 1000, burst_count: 1000 }
rc_presence:
  per_user: { per_second: 1000, burst_count: 1000 }
rc_message: { per_second: 1000, burst_count: 1000 }
rc_registration: { per_second: 1000, burst_count: 1000 }
${modules}`;
}

/** Runs Synapse with `modules` expecting it to refuse to start; resolves with its output once it exits. */
export async function synapseRefusal(port: number, modules: string): Promise<string> {
  const { root, inside, dir } = await prepare(port, modules);
  const child = new Child('synapse', spawnSynapse(root, inside, {}));
  const log = async () => (await readFile(join(dir, 'homeserver.log'), 'utf8').catch(() => '')) + child.output;
  try {
    await until('Synapse to exit', () => !child.running, 120_000);
    return await log();
  } finally {
    await child.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function prepare(port: number, modules: string): Promise<{ root: string; inside: string; dir: string; secret: string }> {
  const root = chrootPath();
  const inside = `/tmp/presence-sandbox-e2e-${process.pid}-${port}`;
  const dir = join(root, inside);
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'media'), { recursive: true });
  const secret = randomBytes(16).toString('hex');
  // Synapse would generate one with --generate-keys (another slow start): an ed25519 seed is 32 bytes.
  await writeFile(join(dir, 'signing.key'), `ed25519 a_e2e ${randomBytes(32).toString('base64').replace(/=+$/, '')}\n`);
  await writeFile(join(dir, 'log.config'), logConfig(`${inside}/homeserver.log`));
  await writeFile(join(dir, 'homeserver.yaml'), homeserverYaml(inside, port, secret, modules));
  return { root, inside, dir, secret };
}

function spawnSynapse(root: string, inside: string, extraEnv: Record<string, string>) {
  return spawn('/usr/sbin/chroot', [root, '/usr/bin/python3', '-m', 'synapse.app.homeserver', '-c', `${inside}/homeserver.yaml`], {
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', HOME: '/tmp', SYNAPSE_CACHE_FACTOR: '0.5', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * Starts Synapse with `modules` (homeserver.yaml text, e.g. the README's snippet) and resolves once its
 * /health answers (7-18 s here; the limit is generous).
 */
export async function startSynapse(port: number, modules: string, extraEnv: Record<string, string> = {}): Promise<Synapse> {
  const { root, inside, dir, secret } = await prepare(port, modules);
  const child = new Child('synapse', spawnSynapse(root, inside, extraEnv));
  const url = `http://127.0.0.1:${port}`;
  const log = async () => (await readFile(join(dir, 'homeserver.log'), 'utf8').catch(() => '')) + child.output;
  await until(
    'Synapse /health',
    async () => {
      if (!child.running) throw new Error(`Synapse exited: ${(await log()).slice(-4000)}`);
      const res = await fetch(`${url}/health`);
      return res.status === 200;
    },
    120_000,
  );
  return {
    child,
    url,
    registrationSecret: secret,
    log,
    async stop() {
      await child.stop();
      // Kept for whoever reads a red run.
      await mkdir(join(REPO, 'test/.out'), { recursive: true });
      await writeFile(join(REPO, 'test/.out/synapse-homeserver.log'), await log());
      await rm(dir, { recursive: true, force: true });
    },
  };
}
