/**
 * Prometheus metrics (prom-client), one registry per service: calls, latency and faults per module and
 * callback, quarantines, pool utilisation, queue depth, HTTP requests, and Node's standard process
 * metrics under their usual names (`process_cpu_seconds_total`, `nodejs_eventloop_lag_seconds`), so
 * that stock Node dashboards find them. Clean under `promtool check metrics` (test/service/metrics.test.ts):
 * only counters end in `_total`.
 *
 * Values the host keeps (quarantines, skipped shares, overload refusals, pool state) are read from
 * `host.stats()` at scrape time, so they follow the host across reloads. A reload starts a new host whose
 * counts begin at 0: `hostReplaced` carries the old host's counts over, so the counters never go back.
 */
import { METHODS } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ModuleCallReport } from '../host-options.js';
import type { HostStats } from '../presence-host.js';
import { ModuleCallMetrics } from './module-call-metrics.js';

type ModuleStats = HostStats['modules'][number];

/** prom-client's gauges named like counters: promtool refuses them, and `nodejs_active_*` (by type) carry the same counts. */
const GAUGES_NAMED_LIKE_COUNTERS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** Node's parser accepts only these (http.METHODS), so the label stays bounded; anything else is `other`. */
const KNOWN_METHODS = new Set(METHODS);

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly perCall = new ModuleCallMetrics(this.registry);
  private readonly calls: Counter<'module' | 'callback' | 'outcome'>;
  private readonly latency: Histogram<'module' | 'callback'>;
  private readonly requests: Histogram<'method' | 'route' | 'code'>;
  private readonly waiting: Gauge;
  private readonly dropped: Counter<'listener'>;
  /** Each counter read from the host keeps what replaced hosts had counted (see hostReplaced). */
  private readonly carriers: ((previous: HostStats) => void)[] = [];

  constructor(stats: () => HostStats, http: () => { connections: number; subscribers: number } = () => ({ connections: 0, subscribers: 0 })) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    for (const name of GAUGES_NAMED_LIKE_COUNTERS) this.registry.removeSingleMetric(name);
    this.calls = new Counter({
      name: 'presence_sandbox_module_calls_total',
      help: 'Module calls that ran, by module, callback and outcome (ok or a fault code).',
      labelNames: ['module', 'callback', 'outcome'],
      registers,
    });
    this.latency = new Histogram({
      name: 'presence_sandbox_module_call_seconds',
      help: 'Time for one module to answer one call, including the thread hop.',
      labelNames: ['module', 'callback'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.requests = new Histogram({
      name: 'presence_sandbox_http_request_duration_seconds',
      help: 'HTTP requests, from their head to their answer, by method, route (the path of the route table, or other) and status code.',
      labelNames: ['method', 'route', 'code'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    const perModule = (name: string, help: string) => ({ name, help, labelNames: ['module'] as const, registers });
    const gaugePerModule = (name: string, help: string, read: (m: ModuleStats) => number) =>
      new Gauge({
        ...perModule(name, help),
        collect() {
          this.reset();
          for (const m of stats().modules) this.set({ module: m.module }, read(m));
        },
      });
    const counterPerModule = (name: string, help: string, read: (m: ModuleStats) => number) => {
      const carried = new Map<string, number>();
      this.carriers.push((previous) => {
        for (const m of previous.modules) carried.set(m.module, (carried.get(m.module) ?? 0) + read(m));
      });
      new Counter({
        ...perModule(name, help),
        collect() {
          this.reset();
          for (const m of stats().modules) this.inc({ module: m.module }, (carried.get(m.module) ?? 0) + read(m));
        },
      });
    };
    gaugePerModule('presence_sandbox_module_quarantined', '1 while the module is quarantined.', (m) => (m.quarantined ? 1 : 0));
    counterPerModule('presence_sandbox_module_quarantines_total', 'Times the module was quarantined.', (m) => m.quarantines);
    counterPerModule('presence_sandbox_module_skipped_total', 'Calls whose share was skipped because the module was quarantined.', (m) => m.skipped);
    gaugePerModule('presence_sandbox_pool_utilisation', 'Busy threads over threads in the module pool.', (m) => m.running / m.threads);
    gaugePerModule('presence_sandbox_pool_queue_depth', 'Calls waiting for a free thread in the module pool.', (m) => m.queued);
    let overloadedCarried = 0;
    this.carriers.push((previous) => (overloadedCarried += previous.overloaded));
    new Counter({
      name: 'presence_sandbox_overloaded_total',
      help: 'Calls refused with overloaded (sandbox.max_pending_calls reached).',
      registers,
      collect() {
        this.reset();
        this.inc(overloadedCarried + stats().overloaded);
      },
    });
    new Gauge({
      name: 'presence_sandbox_pending_calls',
      help: 'Calls accepted by the host and not yet answered.',
      registers,
      collect() {
        this.set(stats().pendingCalls);
      },
    });
    this.waiting = new Gauge({
      name: 'presence_sandbox_http_answers_waiting_on_client',
      help: 'Answers written but not yet taken by their client (each is cut after service.send_timeout_ms).',
      registers,
    });
    this.dropped = new Counter({
      name: 'presence_sandbox_http_connections_dropped_total',
      help: 'Connections closed at once because the listener had service.max_connections open.',
      labelNames: ['listener'],
      registers,
    });
    new Gauge({
      name: 'presence_sandbox_http_connections',
      help: 'Open HTTP connections, on every listener.',
      registers,
      collect() {
        this.set(http().connections);
      },
    });
    new Gauge({
      name: 'presence_sandbox_events_subscribers',
      help: 'Open GET /v1/events streams.',
      registers,
      collect() {
        this.set(http().subscribers);
      },
    });
  }

  /**
   * The host is about to be replaced (a reload): what it counted so far is kept. Called synchronously just
   * before the swap, so no scrape sees the counts twice or not at all; what the old host still counts while
   * it finishes its calls in flight is not added.
   */
  hostReplaced(previous: HostStats): void {
    for (const carry of this.carriers) carry(previous);
  }

  moduleCall(call: ModuleCallReport): void {
    this.calls.inc({ module: call.module, callback: call.callback, outcome: call.outcome });
    this.latency.observe({ module: call.module, callback: call.callback }, call.durationMs / 1000);
  }

  waitingOnClient(delta: number): void {
    this.waiting.inc(delta);
  }

  connectionDropped(listener: string): void {
    this.dropped.inc({ listener });
  }

  /** `route` is a key of the route table or `other`, never the request's own path (unbounded). */
  request(method: string, route: string, code: number, seconds: number): void {
    this.requests.observe({ method: KNOWN_METHODS.has(method) ? method : 'other', route, code: String(code) }, seconds);
  }
}
