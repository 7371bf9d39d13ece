/**
 * A real service that has seen every kind of traffic its metrics describe (calls, a fault, a quarantine,
 * a skipped share, a reload, HTTP errors), so that every metric family and histogram series exists in
 * its /metrics: the deploy tests check the dashboard's and the alert rules' names against it.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { PresenceService } from './host.js';
import { get, post } from './http.js';
import { BOB_STATE } from './service.js';
import { writeWatFixture } from './wat.js';

/** One good module and one that traps on every users_for_states call, quarantined after its first fault. */
export const TRAFFIC_CONFIG = `modules:
  - module: ./route_all_to_one.wasm
  - module: ./trap_in_users_for_states.wasm
    sandbox:
      quarantine_after_faults: 1
      # Longer than any test: the second call is skipped whatever the machine's speed.
      quarantine_ms: 3600000
      quarantine_max_ms: 3600000
`;

export interface Scraped {
  service: PresenceService;
  /** /metrics after the traffic. */
  text: string;
}

export async function serviceWithTraffic(): Promise<Scraped> {
  const dir = await mkdtemp(join(tmpdir(), 'scrape-'));
  for (const f of ['route_all_to_one', 'trap_in_users_for_states']) await writeWatFixture(f, dir);
  const config = join(dir, 'presence-sandbox.yaml');
  await writeFile(config, TRAFFIC_CONFIG);
  const service = await PresenceService.start({ config, port: 0, logger: pino({ level: 'silent' }) });
  const states = { states: [BOB_STATE] };
  expect200(await post(`${service.url}/v1/users_for_states`, states)); // the trap: a fault, a quarantine
  expect200(await post(`${service.url}/v1/users_for_states`, states)); // its share skipped
  expect200(await get(`${service.url}/v1/interested_users?user_id=${encodeURIComponent('@alice:example.com')}`));
  await get(`${service.url}/no/such/route?user=@secret:example.com`); // a 404, under route="other"
  const reloaded = await service.reload();
  if (!reloaded.reloaded) throw new Error(`reload refused: ${reloaded.error.message}`);
  expect200(await get(`${service.url}/healthz`));
  const text = await (await fetch(`${service.url}/metrics`)).text();
  return { service, text };
}

function expect200(answer: { status: number; body: unknown }): void {
  if (answer.status !== 200) throw new Error(`expected 200, got ${answer.status}: ${JSON.stringify(answer.body)}`);
}

/** Metric family names in an exposition, from its `# TYPE` lines, with their types. */
export function families(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out.set(m[1]!, m[2]!);
  return out;
}

/** Every series name a query may use: each family, plus _bucket, _sum and _count for histograms. */
export function seriesNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const [name, type] of families(text)) {
    names.add(name);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

/** The sample lines of one series name (`name{...} value` or `name value`). */
export function samples(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(name) && (l[name.length] === '{' || l[name.length] === ' '));
}
