/**
 * Prometheus metrics (prom-client), one registry per service: calls, latency and faults per module and
 * callback, quarantines, pool utilisation, queue depth. Gauges are read from `host.stats()` at scrape
 * time, so they follow the host across reloads.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ModuleCallReport } from '../host-options.js';
import type { HostStats } from '../presence-host.js';
import { ModuleCallMetrics } from './module-call-metrics.js';

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly perCall = new ModuleCallMetrics(this.registry);
  private readonly calls: Counter<'module' | 'callback' | 'outcome'>;
  private readonly latency: Histogram<'module' | 'callback'>;
  private readonly requests: Counter<'route' | 'status'>;
  private readonly waiting: Gauge;
  private readonly dropped: Counter<'listener'>;

  constructor(stats: () => HostStats, http: () => { connections: number; subscribers: number } = () => ({ connections: 0, subscribers: 0 })) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'presence_sandbox_process_' });
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
    this.requests = new Counter({
      name: 'presence_sandbox_http_requests_total',
      help: 'HTTP requests by route and status.',
      labelNames: ['route', 'status'],
      registers,
    });
    const perModule = (name: string, help: string, read: (m: HostStats['modules'][number]) => number, labels: string[] = ['module']) =>
      new Gauge({
        name,
        help,
        labelNames: labels,
        registers,
        collect() {
          this.reset();
          for (const m of stats().modules) this.set({ module: m.module }, read(m));
        },
      });
    perModule('presence_sandbox_module_quarantined', '1 while the module is quarantined.', (m) => (m.quarantined ? 1 : 0));
    perModule('presence_sandbox_module_quarantines_total', 'Times the module was quarantined.', (m) => m.quarantines);
    perModule('presence_sandbox_module_skipped_total', 'Calls whose share was skipped because the module was quarantined.', (m) => m.skipped);
    perModule('presence_sandbox_pool_utilisation', 'Busy threads over threads in the module pool.', (m) => m.running / m.threads);
    perModule('presence_sandbox_pool_queue_depth', 'Calls waiting for a free thread in the module pool.', (m) => m.queued);
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
    new Gauge({
      name: 'presence_sandbox_overloaded_total',
      help: 'Calls refused with overloaded since the current config was loaded.',
      registers,
      collect() {
        this.set(stats().overloaded);
      },
    });
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

  request(route: string, status: number): void {
    this.requests.inc({ route, status: String(status) });
  }
}
