/**
 * The service's listeners: data and admin, each on TCP or a Unix domain socket, each a Node HTTP server
 * with the service's timeouts and connection cap. Every connection is tracked, so shutdown can close
 * the idle ones at once and cut whatever is left after the grace period: it never waits on a client.
 */
import { chmod, lstat, unlink } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { ServiceSettings } from '../config/service-options.js';
import { configError } from '../errors.js';
import type { ListenerRole } from './access.js';

export interface ListenerSpec extends ListenerRole {
  host?: string;
  port?: number;
  path?: string;
  mode?: string;
}

export class Listener {
  private readonly sockets = new Set<Socket>();

  private constructor(
    readonly spec: ListenerSpec,
    private readonly server: Server,
  ) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  static async open(
    spec: ListenerSpec,
    settings: ServiceSettings,
    onRequest: (req: IncomingMessage, res: ServerResponse, listener: ListenerRole) => void,
    onDrop: () => void,
    onError: (err: Error) => void,
  ): Promise<Listener> {
    const server = createServer({
      headersTimeout: settings.header_timeout_ms,
      requestTimeout: settings.request_timeout_ms,
      maxHeaderSize: settings.max_header_bytes,
      // Node checks the two timeouts above on this interval (30 s by default): keep it a fraction of them.
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(settings.header_timeout_ms / 4))),
      requireHostHeader: !spec.unix,
    });
    server.keepAliveTimeout = settings.keep_alive_timeout_ms;
    server.maxConnections = settings.max_connections;
    server.on('drop', onDrop);
    server.on('request', (req, res) => onRequest(req, res, spec));
    // `Expect: 100-continue` with a body over the cap: answer 413 at once, so the client never sends it.
    server.on('checkContinue', (req, res) => {
      if (Number(req.headers['content-length'] ?? 0) <= settings.max_body_bytes) res.writeContinue();
      onRequest(req, res, spec);
    });
    if (spec.path !== undefined) await clearStaleSocket(spec.path);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      const ready = () => {
        server.off('error', reject);
        // After listening, an error (accept failing for lack of file descriptors) is logged, never thrown.
        server.on('error', onError);
        resolve();
      };
      if (spec.path !== undefined) server.listen(spec.path, ready);
      else server.listen(spec.port, spec.host, ready);
    });
    if (spec.path !== undefined && spec.mode !== undefined) await chmod(spec.path, parseInt(spec.mode, 8));
    return new Listener(spec, server);
  }

  get url(): string {
    if (this.spec.path !== undefined) return `unix:${this.spec.path}`;
    const { address, port, family } = this.server.address() as AddressInfo;
    return `http://${family === 'IPv6' ? `[${address}]` : address}:${port}`;
  }

  get connections(): number {
    return this.sockets.size;
  }

  /** Stop accepting; close the connections that are idle now (and each one as it goes idle). */
  stopAccepting(): void {
    this.server.close();
    this.server.closeIdleConnections();
  }

  /** Cut every connection still open. */
  destroyAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }
}

/**
 * A socket file left by a process that died is replaced; a live one (something answers on it) or a file
 * that is not a socket is refused, naming the path.
 */
async function clearStaleSocket(path: string): Promise<void> {
  const stat = await lstat(path).catch(() => undefined);
  if (stat === undefined) return;
  if (!stat.isSocket()) throw configError(path, 'exists and is not a socket; refusing to replace it');
  const live = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (live) throw configError(path, 'another process is serving on this socket');
  await unlink(path);
}
