/**
 * /metrics of a real service after real traffic: clean under `promtool check metrics` (only counters end
 * in _total, Node's process metrics under their standard names), an HTTP histogram labelled by method,
 * the route table's path and the status code (never the request's own path), and counters that a reload
 * does not send back to zero.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { families, samples, serviceWithTraffic, type Scraped } from '../helpers/scrape.js';
import { runTool } from '../helpers/tools.js';

let scraped: Scraped;
beforeAll(async () => {
  scraped = await serviceWithTraffic();
});
afterAll(() => scraped?.service.close());

const value = (line: string) => Number(line.slice(line.lastIndexOf(' ') + 1));

describe('GET /metrics', () => {
  it('passes promtool check metrics', async () => {
    const run = await runTool('promtool', ['check', 'metrics'], scraped.text);
    expect(run.stdout + run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  it('promtool does flag a gauge named like a counter (the check above can fail)', async () => {
    const bad = '# HELP x_total A count kept as a gauge.\n# TYPE x_total gauge\nx_total 1\n';
    const run = await runTool('promtool', ['check', 'metrics'], bad);
    expect(run.code).not.toBe(0);
    expect(run.stdout + run.stderr).toContain('x_total');
  });

  it('counts are counters, and only counters end in _total', () => {
    const types = families(scraped.text);
    for (const name of ['presence_sandbox_module_quarantines_total', 'presence_sandbox_module_skipped_total', 'presence_sandbox_overloaded_total']) {
      expect(types.get(name)).toBe('counter');
    }
    for (const [name, type] of types) if (name.endsWith('_total')) expect(`${name} ${type}`).toBe(`${name} counter`);
  });

  it("Node's process metrics under their standard names, not prefixed", () => {
    const types = families(scraped.text);
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_gc_duration_seconds']) {
      expect(types.has(name), name).toBe(true);
    }
    expect([...types.keys()].filter((n) => n.includes('process_process') || n.startsWith('presence_sandbox_process_'))).toEqual([]);
  });

  it('HTTP requests: a histogram by method, route path and code; the raw path never becomes a label', () => {
    expect(families(scraped.text).get('presence_sandbox_http_request_duration_seconds')).toBe('histogram');
    const counts = samples(scraped.text, 'presence_sandbox_http_request_duration_seconds_count');
    expect(counts).toContain('presence_sandbox_http_request_duration_seconds_count{method="POST",route="/v1/users_for_states",code="200"} 2');
    expect(counts).toContain('presence_sandbox_http_request_duration_seconds_count{method="GET",route="/v1/interested_users",code="200"} 1');
    expect(counts).toContain('presence_sandbox_http_request_duration_seconds_count{method="GET",route="other",code="404"} 1');
    expect(scraped.text).not.toContain('/no/such/route');
    expect(scraped.text).not.toContain('@secret');
    expect(scraped.text).not.toContain('http_requests_total');
  });

  it('quarantines and skipped shares survive the reload that started a new host', () => {
    // The new host has not quarantined anything: these are the old host's counts, carried over.
    const trap = (name: string) => samples(scraped.text, name).filter((l) => l.includes('trap_in_users_for_states'));
    expect(trap('presence_sandbox_module_quarantined').map(value)).toEqual([0]);
    expect(trap('presence_sandbox_module_quarantines_total').map(value)).toEqual([1]);
    expect(trap('presence_sandbox_module_skipped_total').map(value)).toEqual([1]);
    expect(samples(scraped.text, 'presence_sandbox_overloaded_total').map(value)).toEqual([0]);
  });
});
