/**
 * Question: does the HTTP service hold a load of thousands of requests per second on loopback, with a
 * hostile module loaded, without failing a request? The service runs as `presence-sandbox serve` in its
 * own process, with the bundled seed routers plus loop_in_users_for_states.wat (every users_for_states
 * call runs into its deadline until the module is quarantined, then again on probation). This process
 * drives a closed loop of keep-alive requests: three GET /v1/interested_users for each
 * POST /v1/users_for_states of 10 states. A failed request is any answer but 200, or a transport error.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeBatch } from './lib/batches.js';
import { quantile } from './lib/measure.js';
import { Reporter, main, options } from './lib/question.js';
import { watModule } from './lib/wat.js';

const QUESTION = 'service-load';
const CONNECTIONS = 32;
const cli = fileURLToPath(new URL('../host/cli/main.js', import.meta.url));

interface Tally {
  ok: number;
  failed: number;
  latencies: number[];
}

main(async () => {
  const opts = options();
  const report = new Reporter(QUESTION);
  const seconds = opts.quick ? 4 : 15;
  report.plan(2);
  const hostile = await watModule('loop_in_users_for_states');
  const dir = await mkdtemp(join(tmpdir(), 'presence-bench-load-'));
  const config = join(dir, 'load.yaml');
  await writeFile(
    config,
    [
      'modules:',
      '  - module: custom_presence_router',
      `  - module: ${JSON.stringify(hostile)}`,
      '    sandbox: { call_timeout_ms: 100 }',
      'presence:',
      '  presence_router:',
      '    module: example_presence_router',
      '    config: { always_send_to_users: ["@presence_gobbler:example.org"], blacklisted_users: ["@alice:example.com"] }',
      '',
    ].join('\n'),
  );
  const server = spawn(process.execPath, [cli, 'serve', '--config', config, '--port', '0'], { env: { ...process.env, LOG_LEVEL: 'error' } });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      const found = /on (http:\/\/\S+)/.exec(out)?.[1];
      if (found) resolve(found);
    });
    server.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const body = JSON.stringify({ states: makeBatch(10) });
  const users = ['@alice:example.com', '@presence_gobbler:example.org', '@bob:example.com', '@someone:example.org'];

  const call = (i: number) =>
    new Promise<number>((resolve) => {
      const post = i % 4 === 3;
      const path = post ? '/v1/users_for_states' : `/v1/interested_users?user_id=${encodeURIComponent(users[i % users.length]!)}`;
      const req = request(`${url}${path}`, { agent, method: post ? 'POST' : 'GET', headers: post ? { 'content-type': 'application/json' } : {} }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', () => resolve(0));
      req.end(post ? body : undefined);
    });

  const drive = async (ms: number): Promise<Tally> => {
    const tally: Tally = { ok: 0, failed: 0, latencies: [] };
    const end = performance.now() + ms;
    let next = 0;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (performance.now() < end) {
          const start = performance.now();
          const status = await call(next++);
          tally.latencies.push(performance.now() - start);
          if (status === 200) tally.ok++;
          else tally.failed++;
        }
      }),
    );
    return tally;
  };

  try {
    report.start('warm-up');
    await drive(opts.quick ? 500 : 2000);
    report.start(`${seconds} s of load, ${CONNECTIONS} connections`);
    const start = performance.now();
    const tally = await drive(seconds * 1000);
    const elapsed = (performance.now() - start) / 1000;
    const metrics = await fetch(`${url}/metrics`).then((r) => r.text());
    const sum = (re: RegExp) => [...metrics.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
    report.record('presence-sandbox', `HTTP service, seed routers + a looping module, ${CONNECTIONS} connections`, { connections: CONNECTIONS, seconds, mix: '3 GET interested : 1 POST 10 states' }, {
      requests_per_sec: (tally.ok + tally.failed) / elapsed,
      requests: tally.ok + tally.failed,
      failed: tally.failed,
      p50_ms: quantile(tally.latencies, 0.5),
      p99_ms: quantile(tally.latencies, 0.99),
      hostile_timeouts: sum(/outcome="timeout"\} (\d+)/g),
      hostile_skipped_in_quarantine: sum(/presence_sandbox_module_skipped_total\{[^}]*\} (\d+)/g),
    });
  } finally {
    agent.destroy();
    server.kill('SIGTERM');
  }
  report.finish();
});
