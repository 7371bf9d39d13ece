/**
 * The sidecar service: one PresenceHost behind HTTP, with hot reload and graceful shutdown.
 *
 * Reload admits the new config completely (every module compiled, instantiated and initialised) before
 * it swaps anything; the swap is one assignment, so each call runs wholly on the old host or wholly on
 * the new one. The old host then closes, which waits for its calls in flight. A config that fails
 * admission is logged and the old host keeps serving.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { PresenceHost } from '../presence-host.js';
import { isBatchWire, usersForStatesBatch } from './batch-wire.js';
import { EventStream } from './events.js';
import { createLogger, faultLog, hostLog } from './logger.js';
import { ServiceMetrics } from './metrics.js';
import { interestedUsers, send, sendError, usersForStates, type RouteContext } from './routes.js';

export interface ServiceOptions {
  /** The YAML config to serve (and to re-read on reload). */
  config: string;
  /** Address to listen on (default 127.0.0.1: the service is a sidecar, not a public endpoint). */
  host?: string;
  /** Port (default 8880; 0 picks a free one). */
  port?: number;
  /** Largest request body accepted, in bytes (default 32 MiB). */
  maxBodyBytes?: number;
  logger?: Logger;
}

export const DEFAULT_PORT = 8880;

export class PresenceService {
  private reloading: Promise<boolean> = Promise.resolve(true);
  private closing: Promise<void> | undefined;

  private constructor(
    private host: PresenceHost,
    private readonly server: Server,
    private readonly events: EventStream,
    private readonly metrics: ServiceMetrics,
    private readonly options: ServiceOptions & { logger: Logger },
  ) {}

  /** Admit the config, then listen. Rejects (and listens on nothing) if the config cannot be served. */
  static async start(options: ServiceOptions): Promise<PresenceService> {
    const logger = options.logger ?? createLogger();
    const events = new EventStream();
    let service: PresenceService | undefined;
    const metrics = new ServiceMetrics(() => service!.host.stats());
    const host = await PresenceService.admit(options.config, logger, events, metrics);
    const server = createServer();
    service = new PresenceService(host, server, events, metrics, { ...options, logger });
    server.on('request', (req, res) => void service!.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? DEFAULT_PORT, options.host ?? '127.0.0.1', () => resolve());
    });
    logger.info({ url: service.url, config: options.config }, 'listening');
    return service;
  }

  get url(): string {
    const { address, port, family } = this.server.address() as AddressInfo;
    return `http://${family === 'IPv6' ? `[${address}]` : address}:${port}`;
  }

  /** Re-read and admit the config, then swap it in. Resolves true when swapped, false when refused. */
  reload(): Promise<boolean> {
    // One reload at a time: a second SIGHUP during a reload runs after it, on the newest file.
    this.reloading = this.reloading.then(async () => {
      const { logger } = this.options;
      let next: PresenceHost;
      try {
        next = await PresenceService.admit(this.options.config, logger, this.events, this.metrics);
      } catch (err) {
        logger.error({ err: (err as Error).message, code: (err as { code?: string }).code }, 'reload refused; still serving the previous config');
        return false;
      }
      if (this.closing) {
        await next.close();
        return false;
      }
      const previous = this.host;
      this.host = next;
      logger.info({ config: this.options.config }, 'reloaded');
      await previous.close();
      return true;
    });
    return this.reloading;
  }

  /** Stop accepting, let requests in flight finish, close the pools. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.events.close();
      await new Promise<void>((resolve) => this.server.close(() => resolve()));
      await this.reloading;
      await this.host.close();
      this.options.logger.info('stopped');
    })();
    return this.closing;
  }

  private static admit(config: string, logger: Logger, events: EventStream, metrics: ServiceMetrics): Promise<PresenceHost> {
    return PresenceHost.fromFile(config, {
      log: hostLog(logger),
      onFault: faultLog(logger),
      onModuleCall: (call) => metrics.moduleCall(call),
      onSendLocalOnlinePresenceTo: (users, module) => events.sendLocalOnlinePresenceTo(users, module),
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = `${req.method} ${url.pathname}`;
    const ctx: RouteContext = { host: () => this.host, maxBodyBytes: this.options.maxBodyBytes ?? 32 * 1024 * 1024 };
    let status: number;
    try {
      status = await this.dispatch(route, req, res, ctx, url);
    } catch (err) {
      status = sendError(req, res, err);
    }
    this.metrics.request(KNOWN_ROUTES.has(route) ? route : 'other', status);
  }

  private async dispatch(route: string, req: IncomingMessage, res: ServerResponse, ctx: RouteContext, url: URL): Promise<number> {
    switch (route) {
      case 'POST /v1/users_for_states':
        return isBatchWire(req) ? usersForStatesBatch(req, res, ctx) : usersForStates(req, res, ctx);
      case 'GET /v1/interested_users':
        return interestedUsers(req, res, ctx, url);
      case 'GET /v1/events':
        this.events.subscribe(res);
        return 200;
      case 'GET /healthz':
        return send(req, res, 200, { status: 'ok', modules: this.host.stats().modules.map((m) => m.module) });
      case 'GET /metrics': {
        const text = await this.metrics.registry.metrics();
        res.writeHead(200, { 'content-type': this.metrics.registry.contentType });
        res.end(text);
        return 200;
      }
      case 'POST /admin/reload': {
        req.resume();
        const swapped = await this.reload();
        return send(req, res, swapped ? 200 : 409, swapped ? { reloaded: true } : { reloaded: false, error: { code: 'reload_refused', message: 'the new config was refused; see the service log; the previous config is still served' } });
      }
      default:
        req.resume();
        return send(req, res, 404, { error: { code: 'not_found', message: `no route ${route} (see the README for the API)` } });
    }
  }
}

const KNOWN_ROUTES = new Set([
  'POST /v1/users_for_states',
  'GET /v1/interested_users',
  'GET /v1/events',
  'GET /healthz',
  'GET /metrics',
  'POST /admin/reload',
]);
