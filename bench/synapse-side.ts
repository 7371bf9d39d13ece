/**
 * The cost on Synapse's side, in the chroot's real Synapse and Python (bench/README.md, "Synapse side"):
 *
 * - synapse_side_cpu_vs_in_process: CPU of Synapse's process per get_users_for_states of 1000 states,
 *   PresenceSandboxRouter (encode, call the sidecar, decode, map back) ÷ the seed's example router
 *   in-process (bench/synapse/cpu.py).
 * - synapse_update_latency_vs_in_process: from bob's presence PUT to alice's pending /sync long-poll
 *   answering with it, the seed's custom router running through the sandbox ÷ the same router in-process.
 *
 * Run: `npm run bench:synapse` (full: merges its figures into bench/results/latest.json) or
 * `npm run bench:synapse -- --quick` (bench/results/tmp/synapse.json only).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { User, presenceOf } from '../test/synapse/harness/matrix.js';
import { Child, freePort, REPO, startSidecar, until } from '../test/synapse/harness/processes.js';
import { README_SIDECAR_URL, chrootPath, readmeSnippet, startSynapse, type Synapse } from '../test/synapse/harness/synapse.js';

const quick = process.argv.includes('--quick');
const SAMPLES = quick ? 8 : 30;

const EXAMPLE_CONFIG = `presence:
  presence_router:
    module: example_presence_router
    config:
      always_send_to_users: ["@presence_gobbler:example.org", "@ops:example.net", "@audit:example.com"]
      blacklisted_users: ["@alice:example.com", "@bob:example.com", "@u7:example.org", "@u42:matrix.example"]
`;
const CUSTOM_CONFIG = 'modules:\n  - module: custom_presence_router\n';
const IN_PROCESS_MODULES = 'modules:\n  - module: reference_routers.CustomRouter\n';

function chroot(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/sbin/chroot', [chrootPath(), ...args], { env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: '/tmp' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`chroot ${args.join(' ')}: exit ${code}: ${err}`))));
  });
}

async function cpuQuestion(dir: string): Promise<Record<string, unknown>> {
  const config = join(dir, 'example.yaml');
  writeFileSync(config, EXAMPLE_CONFIG);
  const port = await freePort();
  const sidecar = await startSidecar(config, port);
  // The same config on a Unix socket in the chroot's /tmp (one file, seen from both sides).
  const socketInside = `/tmp/presence-sandbox-bench-${process.pid}.sock`;
  const socket = join(chrootPath(), socketInside);
  rmSync(socket, { force: true });
  const onSocket = new Child('sidecar', spawn(process.execPath, ['dist/host/cli/main.js', 'serve', '--config', config, '--socket', socket], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] }));
  try {
    await until('the sidecar on its socket', () => {
      if (!onSocket.running) throw new Error(`the sidecar exited: ${onSocket.output}`);
      return onSocket.output.includes('serving');
    });
    const args = ['/usr/bin/python3', '/opt/presence-sandbox-bench/cpu.py', `http://127.0.0.1:${port}`, `--unix=unix:${socketInside}`, ...(quick ? ['--quick'] : [])];
    return JSON.parse((await chroot(args)).trim().split('\n').at(-1)!);
  } finally {
    await sidecar.stop();
    await onSocket.stop();
    rmSync(socket, { force: true });
  }
}

/** One sample: alice's long-poll is in Synapse (its access log says so), bob's PUT, the answer's arrival. */
async function updateLatency(synapse: Synapse, alice: User, bob: User, i: number, since: string): Promise<{ ms: number; since: string }> {
  const poll = alice.sync(since, 120_000);
  await until('the long-poll in Synapse', async () => (await synapse.log()).includes(`since=${encodeURIComponent(since)}`) || (await synapse.log()).includes(`since=${since}`));
  const status = `sample ${i}`;
  const start = performance.now();
  const put = bob.setPresence('online', status);
  const answer = await poll;
  const ms = performance.now() - start;
  await put;
  if (presenceOf(answer, bob.id)?.content.status_msg !== status) throw new Error(`sample ${i}: alice's sync did not carry bob's update`);
  return { ms, since: answer.nextBatch };
}

async function latencyQuestion(name: string, modules: string, env: Record<string, string>): Promise<number[]> {
  const synapse = await startSynapse(await freePort(), modules, env);
  try {
    const [alice, bob] = await Promise.all([User.register(synapse, 'alice'), User.register(synapse, 'bob')]);
    let since = (await alice.sync()).nextBatch;
    const samples: number[] = [];
    for (let i = 0; i < SAMPLES + 2; i++) {
      const sample = await updateLatency(synapse, alice, bob, i, since);
      since = sample.since;
      if (i >= 2) samples.push(sample.ms); // the first two warm Synapse's caches
      process.stderr.write(`\r${name}: ${samples.length}/${SAMPLES}`);
    }
    process.stderr.write('\n');
    return samples;
  } finally {
    await synapse.stop();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))]!;

async function main(): Promise<void> {
  const started = Date.now();
  const loadAtStart = loadavg()[0]!;
  const dir = join(tmpdir(), `presence-sandbox-bench-synapse-${process.pid}`);
  mkdirSync(dir, { recursive: true });

  const cpu = await cpuQuestion(dir);

  const customConfig = join(dir, 'custom.yaml');
  writeFileSync(customConfig, CUSTOM_CONFIG);
  const port = await freePort();
  let sidecar: Child | undefined = await startSidecar(customConfig, port);
  let inProcess: number[];
  let sandbox: number[];
  try {
    inProcess = await latencyQuestion('in-process', IN_PROCESS_MODULES, { PYTHONPATH: '/opt/presence-sandbox-bench' });
    sandbox = await latencyQuestion('sandbox', (await readmeSnippet()).replace(README_SIDECAR_URL, `http://127.0.0.1:${port}`), {});
  } finally {
    await sidecar.stop();
    sidecar = undefined;
  }

  const latency = {
    samples: SAMPLES,
    in_process_median_ms: median(inProcess),
    in_process_p90_ms: p90(inProcess),
    sandbox_median_ms: median(sandbox),
    sandbox_p90_ms: p90(sandbox),
  };
  const ratios = {
    synapse_side_cpu_vs_in_process: cpu.ratio as number,
    synapse_update_latency_vs_in_process: latency.sandbox_median_ms / latency.in_process_median_ms,
  };
  const targets = [
    { ratio: 'synapse_side_cpu_vs_in_process', value: ratios.synapse_side_cpu_vs_in_process, target: '≤ 1', met: ratios.synapse_side_cpu_vs_in_process <= 1 },
    { ratio: 'synapse_update_latency_vs_in_process', value: ratios.synapse_update_latency_vs_in_process, target: '≤ 2', met: ratios.synapse_update_latency_vs_in_process <= 2 },
  ];
  const synapse = {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    duration_s: Math.round((Date.now() - started) / 1000),
    load_at_start: loadAtStart,
    load_at_end: loadavg()[0]!,
    synapse_version: (await chroot(['/usr/bin/python3', '-c', 'import synapse; print(synapse.__version__)'])).trim(),
    cpu_per_1000_states: cpu,
    update_latency: latency,
  };

  console.log('\nSynapse side');
  console.log(`  CPU per get_users_for_states of 1000 states: in-process ${(cpu.in_process_us as number).toFixed(0)} µs, sandbox ${(cpu.sandbox_us as number).toFixed(0)} µs (encode ${(cpu.encode_us as number).toFixed(0)}, decode + map back ${(cpu.decode_and_map_back_us as number).toFixed(0)}, HTTP and the rest ${(cpu.http_and_rest_us as number).toFixed(0)})`);
  if (typeof cpu.sandbox_unix_socket_us === 'number') console.log(`  the same over a Unix socket: sandbox ${cpu.sandbox_unix_socket_us.toFixed(0)} µs (${(cpu.sandbox_unix_socket_us / (cpu.in_process_us as number)).toFixed(2)} × in-process)`);
  console.log(`  update → receiver's /sync: in-process median ${latency.in_process_median_ms.toFixed(1)} ms (p90 ${latency.in_process_p90_ms.toFixed(1)}), sandbox median ${latency.sandbox_median_ms.toFixed(1)} ms (p90 ${latency.sandbox_p90_ms.toFixed(1)})`);
  for (const t of targets) console.log(`  ${t.ratio.padEnd(40)} ${t.value.toFixed(2).padStart(8)}  target ${t.target}  ${t.met ? 'met' : 'missed'}`);
  console.log(`  load average ${loadAtStart.toFixed(2)} at the start, ${synapse.load_at_end.toFixed(2)} at the end`);

  if (quick) {
    mkdirSync(join(REPO, 'bench/results/tmp'), { recursive: true });
    writeFileSync(join(REPO, 'bench/results/tmp/synapse.json'), `${JSON.stringify({ ratios, targets, synapse }, null, 2)}\n`);
    return;
  }
  // Merge into latest.json without touching what other questions wrote there.
  const file = join(REPO, 'bench/results/latest.json');
  const latest = JSON.parse(readFileSync(file, 'utf8'));
  latest.ratios = { ...latest.ratios, ...ratios };
  latest.targets = [...(latest.targets ?? []).filter((t: { ratio: string }) => !(t.ratio in ratios)), ...targets];
  latest.synapse = synapse;
  writeFileSync(file, `${JSON.stringify(latest, null, 2)}\n`);
  console.log(`merged into ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
