/**
 * The sidecar service: one PresenceHost behind HTTP (TCP and/or a Unix socket, plus an optional admin
 * listener), with hot reload and a bounded, graceful shutdown.
 *
 * Reload admits the new config completely (every module compiled, instantiated and initialised) before
 * it swaps anything; the swap is one assignment, so each call runs wholly on the old host or wholly on
 * the new one. The old host then closes, which waits for its calls in flight. A config that fails
 * admission, or that is empty (served-config.ts), is refused with its reason and the old host keeps serving.
 *
 * Shutdown stops accepting, closes idle connections and the event streams, lets the requests in flight
 * finish for service.shutdown_grace_ms, then cuts every connection left: it never waits on a client.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { DEFAULT_SERVICE, fillServiceSettings, parseServiceSection, type ServiceSection, type ServiceSettings } from '../config/service-options.js';
import { ErrorCode, SandboxError } from '../errors.js';
import type { FaultReport } from '../host-options.js';
import { PresenceHost } from '../presence-host.js';
import type { AccessPolicy, ListenerRole } from './access.js';
import { dispatch, type Dispatcher } from './dispatch.js';
import { EventStream } from './events.js';
import { readiness, type Readiness } from './health.js';
import { Listener, type ListenerSpec } from './listeners.js';
import { createLogger, faultLog, hostLog } from './logger.js';
import { ServiceMetrics } from './metrics.js';
import { ROUTES, type ReloadResult, type Route, type ServiceContext } from './routes.js';
import { readServedConfig, type ServedConfig } from './served-config.js';

export interface ServiceOptions {
  /** The YAML config to serve (and to re-read on reload); its `service:` section configures this service. */
  config: string;
  /** Shortcut for settings.host: the TCP address (default 127.0.0.1: a sidecar, not a public endpoint). */
  host?: string;
  /** Shortcut for settings.port (default 8880; 0 picks a free one). */
  port?: number;
  /** Overrides of the config's `service:` section, as the CLI flags give them. */
  settings?: ServiceSection;
  logger?: Logger;
  /**
   * Tests only (the CLI never sets it): routes added to the table, e.g. one whose handler throws, to prove
   * that a bug is answered 500 with a stable code and the service keeps serving.
   */
  extraRoutes?: Readonly<Record<string, Route>>;
}

export const DEFAULT_PORT = DEFAULT_SERVICE.port;

export class PresenceService implements ServiceContext {
  readonly events: EventStream;
  readonly metrics: ServiceMetrics;
  private current!: PresenceHost;
  private listeners: Listener[] = [];
  private reloading: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | undefined;
  private readonly lastFaults = new Map<string, FaultReport>();
  private openRequests = 0;
  private onDrained: (() => void) | undefined;

  private constructor(
    private readonly options: ServiceOptions,
    readonly settings: ServiceSettings,
    private fileSection: ServiceSection,
    private readonly logger: Logger,
  ) {
    this.events = new EventStream({
      heartbeatMs: settings.events_heartbeat_ms,
      bufferBytes: settings.events_buffer_bytes,
      backlog: settings.events_backlog,
      backlogBytes: settings.events_backlog_bytes,
      sendTimeoutMs: settings.send_timeout_ms,
      logger,
    });
    this.metrics = new ServiceMetrics(
      () => this.current.stats(),
      () => ({ connections: this.listeners.reduce((n, l) => n + l.connections, 0), subscribers: this.events.subscriberCount }),
    );
  }

  /** Admit the config, then listen. Rejects (and listens on nothing) if the config cannot be served. */
  static async start(options: ServiceOptions): Promise<PresenceService> {
    const logger = options.logger ?? createLogger();
    const served = await readServedConfig(options.config);
    const overrides = parseServiceSection(
      { ...options.settings, ...(options.host !== undefined ? { host: options.host } : {}), ...(options.port !== undefined ? { port: options.port } : {}) },
      'settings',
    );
    const service = new PresenceService(options, fillServiceSettings(served.service, overrides), served.service, logger);
    service.current = await service.admit(served);
    try {
      await service.listen();
    } catch (err) {
      await service.close();
      throw err;
    }
    logger.info({ urls: service.urls, config: options.config }, 'listening');
    return service;
  }

  /** The first data listener's address: `http://127.0.0.1:8880`, or `unix:/path` when only a socket serves. */
  get url(): string {
    return this.urls.data[0]!;
  }

  get urls(): { data: string[]; admin: string[] } {
    const of = (role: ListenerRole['role']) => this.listeners.filter((l) => l.spec.role === role).map((l) => l.url);
    return { data: of('data'), admin: of('admin') };
  }

  host(): PresenceHost {
    return this.current;
  }

  readiness(): Readiness {
    return readiness(this.current.stats(), this.lastFaults, this.closing !== undefined);
  }

  /** Re-read and admit the config, then swap it in. Never rejects: a refusal carries its reason. */
  reload(): Promise<ReloadResult> {
    // One reload at a time: a second SIGHUP during a reload runs after it, on the newest file.
    const next = this.reloading.then(() => this.reloadNow());
    this.reloading = next;
    return next;
  }

  /** Stop accepting, let requests in flight finish within the grace period, cut the rest, close the pools. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const grace = this.settings.shutdown_grace_ms;
      const deadline = Date.now() + grace;
      this.logger.info({ graceMs: grace, openRequests: this.openRequests }, 'stopping');
      for (const listener of this.listeners) listener.stopAccepting();
      this.events.close();
      const drained = new Promise<void>((resolve) => {
        if (this.openRequests === 0) resolve();
        else this.onDrained = resolve;
      });
      if (!(await within(drained, grace))) {
        this.logger.warn({ openRequests: this.openRequests }, 'grace period over: closing the connections still open');
      }
      for (const listener of this.listeners) listener.destroyAll();
      // Calls whose clients are gone end on their own deadlines; the pools close after them, and the
      // process need not wait for that past the grace period.
      if (this.current) await within(this.reloading.then(() => this.current.close()), Math.max(0, deadline - Date.now()));
      this.logger.info('stopped');
    })();
    return this.closing;
  }

  private async reloadNow(): Promise<ReloadResult> {
    if (this.closing) return { reloaded: false, error: new SandboxError(ErrorCode.HOST_CLOSED, 'the service is stopping') };
    let next: PresenceHost;
    try {
      const served = await readServedConfig(this.options.config);
      if (JSON.stringify(served.service) !== JSON.stringify(this.fileSection)) {
        this.logger.warn('the service: section changed; listeners, timeouts and limits change only when the service restarts');
      }
      next = await this.admit(served);
    } catch (err) {
      const error = err instanceof SandboxError ? err : new SandboxError(ErrorCode.INTERNAL, (err as Error)?.message ?? String(err));
      this.logger.error(
        { code: error.code, path: error.path, module: error.module, reason: error.reason, err: error.message },
        'reload refused; still serving the previous config',
      );
      return { reloaded: false, error };
    }
    if (this.closing) {
      await next.close();
      return { reloaded: false, error: new SandboxError(ErrorCode.HOST_CLOSED, 'the service is stopping') };
    }
    const previous = this.current;
    this.metrics.hostReplaced(previous.stats());
    this.current = next;
    this.lastFaults.clear();
    this.logger.info({ config: this.options.config }, 'reloaded');
    await previous.close();
    return { reloaded: true };
  }

  private admit(served: ServedConfig): Promise<PresenceHost> {
    const onFault = faultLog(this.logger);
    return PresenceHost.create(served.document, {
      baseDir: served.baseDir,
      log: hostLog(this.logger),
      onFault: (fault) => {
        this.lastFaults.set(fault.module, fault);
        onFault(fault);
      },
      onModuleCall: (call) => {
        this.metrics.perCall.observe(call);
        // Calls and their latency count callbacks that ran; init and skipped calls are in the report only.
        if (call.callback !== 'init' && call.outcome !== 'quarantined') this.metrics.moduleCall(call);
      },
      onSendLocalOnlinePresenceTo: (users, module) => this.events.sendLocalOnlinePresenceTo(users, module),
    });
  }

  private async listen(): Promise<void> {
    const s = this.settings;
    const specs: ListenerSpec[] = [];
    if (s.tcp) specs.push({ role: 'data', unix: false, host: s.host, port: s.port, name: s.host });
    if (s.socket !== undefined) specs.push({ role: 'data', unix: true, path: s.socket, mode: s.socket_mode });
    if (s.admin_port !== undefined) {
      const host = s.admin_host ?? DEFAULT_SERVICE.host;
      specs.push({ role: 'admin', unix: false, host, port: s.admin_port, name: host });
    }
    if (s.admin_socket !== undefined) specs.push({ role: 'admin', unix: true, path: s.admin_socket, mode: s.socket_mode });
    const policy: AccessPolicy = { allowedHosts: s.allowed_hosts, ...(s.admin_token !== undefined ? { adminToken: s.admin_token } : {}) };
    const dispatcher: Dispatcher = {
      routes: this.options.extraRoutes ? { ...ROUTES, ...this.options.extraRoutes } : ROUTES,
      service: this,
      policy,
      logger: this.logger,
      stopping: () => this.closing !== undefined,
    };
    const onRequest = (req: IncomingMessage, res: ServerResponse, role: ListenerRole) => {
      this.openRequests++;
      res.once('close', () => {
        if (--this.openRequests === 0) this.onDrained?.();
      });
      dispatch(req, res, role, dispatcher).catch((err: unknown) => this.logger.error({ err }, 'request handling failed'));
    };
    for (const spec of specs) {
      const name = `${spec.role} ${spec.path ?? `${spec.host}:${spec.port}`}`;
      this.listeners.push(
        await Listener.open(spec, s, onRequest, () => this.metrics.connectionDropped(spec.role), (err) =>
          this.logger.error({ err, listener: name }, 'listener error'),
        ),
      );
    }
  }
}

/** True if `promise` settled within `ms`; the timer never outlives the wait. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
