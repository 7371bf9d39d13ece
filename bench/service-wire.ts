/**
 * Question: what does the binary wire (docs/wire.md) buy a homeserver that calls the service? The
 * service (`presence-sandbox serve`, its own process, loopback HTTP, keep-alive) on the binary wire,
 * against the same service on the JSON path, against the library API in this process, for the example
 * router at batch 1000 with every core's thread. The three run in turn, round after round, so that each
 * round's ratios compare the same moment of a shared machine; the ratios reported are the medians of the
 * rounds' ratios.
 *
 * The client pays what a homeserver would pay anyway and no more: each request body is encoded once
 * before timing (the homeserver's encoder is its own cost, measured on Synapse's side), and an answer
 * is read to its last byte but not decoded. Server CPU per call is read from /proc for the service's
 * process (every thread) and from process.cpuUsage() for the library (this process, every thread); the
 * main thread's own share from /proc for both, since the point of the wire is what that thread is spared.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Packr, unpack } from 'msgpackr';
import { BATCH_MEDIA_TYPE, PresenceHost, type UserPresenceState } from '../host/index.js';
import { EXAMPLE_CONFIG, makeBatch, toTuple } from './lib/batches.js';
import { canonical, expectSameRouting } from './lib/canonical.js';
import { ratioOf, recordRatio, roundsOf } from './lib/interleave.js';
import { closedLoop, median, quantile } from './lib/measure.js';
import { Reporter, main, options } from './lib/question.js';
import { SANDBOX } from './lib/systems.js';

const QUESTION = 'service-wire';
const BATCH = 1000;
const cli = fileURLToPath(new URL('../host/cli/main.js', import.meta.url));

type Variant = 'binary' | 'json' | 'library';
const LABEL: Record<Variant, string> = {
  binary: 'service over HTTP, binary wire',
  json: 'service over HTTP, JSON',
  library: 'library API (PresenceHost.getUsersForStates)',
};

main(async () => {
  const opts = options();
  const report = new Reporter(QUESTION);
  const threads = availableParallelism();
  const concurrency = 2 * threads;
  // More rounds than a sweep's case, each shorter: the ratios are medians over the rounds (lib/interleave.ts).
  const { rounds } = roundsOf(opts);
  const timing = opts.quick ? opts : { warmupMs: 200, timeMs: 1000 };
  const variants: Variant[] = ['binary', 'json', 'library'];
  report.plan(rounds * variants.length);

  const states = makeBatch(BATCH);
  const dir = await mkdtemp(join(tmpdir(), 'presence-bench-wire-'));
  const config = join(dir, 'wire.yaml');
  await writeFile(config, `${JSON.stringify({ modules: [{ module: 'example_presence_router', config: EXAMPLE_CONFIG }], sandbox: { threads } }, null, 2)}\n`);
  const server = spawn(process.execPath, [cli, 'serve', '--config', config, '--port', '0'], { env: { ...process.env, LOG_LEVEL: 'error' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const library = await PresenceHost.fromFile(config, { log: () => {} });
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    const url = await listening(server);
    const binaryBody = new Packr({ useRecords: false }).pack(states.map(toTuple));
    const jsonBody = Buffer.from(JSON.stringify({ states }));
    const post = (body: Uint8Array, type: string) => () => call(agent, `${url}/v1/users_for_states`, body, type);
    const run = {
      binary: post(binaryBody, BATCH_MEDIA_TYPE),
      json: post(jsonBody, 'application/json'),
      library: () => library.getUsersForStates(states),
    } satisfies Record<Variant, () => Promise<unknown>>;

    // Same answers before anything is timed: indices mapped back to the states, against the JSON path and the library.
    const expected = canonical(await library.getUsersForStates(states));
    const fromIndices = unpack(await run.binary()) as Record<string, number[]>;
    expectSameRouting('binary wire vs library', canonical(new Map(Object.entries(fromIndices).map(([d, ix]) => [d, ix.map((i) => states[i]!)]))), expected);
    const fromJson = JSON.parse(String(await run.json())) as { routing: Record<string, UserPresenceState[]> };
    expectSameRouting('JSON path vs library', canonical(new Map(Object.entries(fromJson.routing))), expected);
    report.note(`check: the binary wire, the JSON path and the library give the same routing (example_presence_router, batch ${BATCH})`);

    // The service is a fresh process: its JIT warms up on the first few hundred calls, longer than a
    // case's own warm-up, so every variant runs a while before the first round.
    for (const v of variants) await closedLoop(run[v] as () => Promise<unknown>, concurrency, { warmupMs: 0, timeMs: opts.quick ? 1000 : 3000 });

    const rates: Record<Variant, number[]> = { binary: [], json: [], library: [] };
    const cpu: Record<Variant, number[]> = { binary: [], json: [], library: [] };
    const mainCpu: Record<Variant, number[]> = { binary: [], json: [], library: [] };
    const p50: Record<Variant, number[]> = { binary: [], json: [], library: [] };
    for (let r = 0; r < rounds; r++) {
      for (const v of variants) {
        report.start(`${LABEL[v]}, round ${r + 1}`);
        const clock = v === 'library' ? processCpuMs : () => cpuMs(`/proc/${server.pid}/stat`);
        const pid = v === 'library' ? process.pid : server.pid!;
        const mainClock = () => cpuMs(`/proc/${pid}/task/${pid}/stat`);
        const [before, mainBefore] = [clock(), mainClock()];
        const result = await closedLoop(run[v] as () => Promise<unknown>, concurrency, timing);
        // The warm-up's CPU is in this figure too: per call, over warm-up and measured calls alike.
        const calls = result.ops * (1 + timing.warmupMs / timing.timeMs);
        cpu[v].push((clock() - before) / calls);
        mainCpu[v].push((mainClock() - mainBefore) / calls);
        rates[v].push(result.opsPerSec * BATCH);
        p50[v].push(quantile(result.latencies, 0.5));
      }
    }
    const perRound = (a: Variant, b: Variant) => ratioOf(rates[a], rates[b]).median;
    for (const v of variants) {
      report.record(v === 'library' ? SANDBOX : 'presence-sandbox-service', `example_presence_router, batch ${BATCH}, ${threads} threads: ${LABEL[v]}`, { module: 'example_presence_router', batch: BATCH, threads, concurrency, wire: v, rounds }, {
        states_per_sec: median(rates[v]),
        p50_ms: median(p50[v]),
        server_cpu_ms_per_call: median(cpu[v]),
        main_thread_cpu_ms_per_call: median(mainCpu[v]),
        ...(v === 'binary' ? { vs_json: perRound('binary', 'json'), vs_library: perRound('binary', 'library') } : {}),
      });
    }
    const what = `example_presence_router, batch ${BATCH}, ${threads} threads`;
    recordRatio(report, 'service_binary_vs_json', `${what}: binary wire ÷ JSON path`, ratioOf(rates.binary, rates.json));
    recordRatio(report, 'service_binary_vs_library', `${what}: binary wire ÷ library API`, ratioOf(rates.binary, rates.library));
  } finally {
    agent.destroy();
    server.kill('SIGTERM');
    await library.close();
  }
  report.finish();
});

function listening(server: ReturnType<typeof spawn>): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (d) => {
      out += d;
      const found = /on (http:\/\/\S+)/.exec(out)?.[1];
      if (found) resolve(found);
    });
    server.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
}

/** One POST; resolves to the answer's bytes, read in full; rejects on anything but a 200. */
function call(agent: Agent, url: string, body: Uint8Array, type: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, method: 'POST', headers: { 'content-type': type, 'content-length': body.byteLength } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`HTTP ${res.statusCode}: ${Buffer.concat(chunks)}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** CPU time from a /proc stat file: a process's (every thread) or one thread's; user + system, in ms. */
function cpuMs(statFile: string): number {
  const fields = readFileSync(statFile, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of stat, counted from the state field (3) here.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / 100;
}

function processCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
