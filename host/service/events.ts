/**
 * send_local_online_presence_to requests from modules, as server-sent events on `GET /v1/events`
 * (the format is agreed in docs: `id: <n>`, `event: send_local_online_presence_to`, `data: {...}`).
 *
 * Bounded everywhere. Each event is encoded once into one Buffer that every subscriber's socket
 * references, so memory is the backlog plus what the slowest subscriber has not taken, not a copy per
 * subscriber. A subscriber whose unsent bytes pass service.events_buffer_bytes, or that has not taken
 * anything for service.send_timeout_ms, is disconnected with the reason logged; it reconnects with
 * Last-Event-ID and gets the backlog it missed. Events made before anyone subscribed (a module's init,
 * at start-up or on reload) wait in the backlog, so a homeserver that connects late loses none of them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ErrorCode, describe } from '../errors.js';
import { HttpError } from './answer.js';

export interface EventStreamOptions {
  heartbeatMs: number;
  bufferBytes: number;
  backlog: number;
  backlogBytes: number;
  sendTimeoutMs: number;
  logger: Logger;
}

interface Subscriber {
  res: ServerResponse;
  remote: string;
  /** When a write was last refused by the socket (it wants a drain), or undefined. */
  stuckSince: number | undefined;
}

const HEARTBEAT = Buffer.from(': heartbeat\n\n');

export class EventStream {
  private nextId = 1;
  private readonly backlog: { id: number; frame: Buffer }[] = [];
  private backlogBytes = 0;
  private readonly subscribers = new Set<Subscriber>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: EventStreamOptions) {}

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  subscribe(req: IncomingMessage, res: ServerResponse): void {
    const header = req.headers['last-event-id'] as string | undefined;
    let after = 0;
    if (header !== undefined && header !== '') {
      if (!/^\d{1,15}$/.test(header)) throw new HttpError(ErrorCode.BAD_REQUEST, `Last-Event-ID must be an event id, a decimal integer (got ${describe(header)})`);
      // An id this process never gave (the service restarted since) means nothing here: replay everything.
      const n = Number(header);
      if (n < this.nextId) after = n;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
    // A comment line at once, so clients and proxies see the stream open.
    let flowing = res.write(': presence-sandbox events\n\n');
    const oldest = this.backlog[0]?.id ?? this.nextId;
    if (after > 0 && oldest > after + 1) flowing = res.write(`: ${oldest - after - 1} events after ${after} are no longer kept\n\n`) && flowing;
    for (const event of this.backlog) if (event.id > after) flowing = res.write(event.frame) && flowing;
    // A subscriber that has not taken its backlog is already waiting on: its send_timeout_ms runs from now.
    const remote = `${req.socket.remoteAddress ?? 'unix'}:${req.socket.remotePort ?? ''}`;
    const sub: Subscriber = { res, remote, stuckSince: flowing ? undefined : Date.now() };
    this.subscribers.add(sub);
    res.on('drain', () => (sub.stuckSince = undefined));
    res.on('close', () => this.subscribers.delete(sub));
    this.timer ??= setInterval(() => this.heartbeat(), this.options.heartbeatMs).unref();
  }

  sendLocalOnlinePresenceTo(users: string[], module: string): void {
    const id = this.nextId++;
    const frame = Buffer.from(`id: ${id}\nevent: send_local_online_presence_to\ndata: ${JSON.stringify({ users, module })}\n\n`);
    this.backlog.push({ id, frame });
    this.backlogBytes += frame.byteLength;
    // The newest event is always kept, however large.
    while (this.backlog.length > 1 && (this.backlog.length > this.options.backlog || this.backlogBytes > this.options.backlogBytes)) {
      this.backlogBytes -= this.backlog.shift()!.frame.byteLength;
    }
    for (const sub of this.subscribers) this.deliver(sub, frame);
  }

  /** End every stream (shutdown); connections that do not close are cut by the service after its grace. */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const sub of this.subscribers) sub.res.end();
    this.subscribers.clear();
  }

  private deliver(sub: Subscriber, frame: Buffer): void {
    const buffered = sub.res.writableLength;
    if (buffered > 0 && buffered + frame.byteLength > this.options.bufferBytes) {
      this.cut(sub, `its unsent events would pass service.events_buffer_bytes (${this.options.bufferBytes})`);
      return;
    }
    if (!sub.res.write(frame) && sub.stuckSince === undefined) sub.stuckSince = Date.now();
  }

  private heartbeat(): void {
    const now = Date.now();
    for (const sub of this.subscribers) {
      if (sub.stuckSince !== undefined && now - sub.stuckSince >= this.options.sendTimeoutMs) {
        this.cut(sub, `it took nothing for service.send_timeout_ms (${this.options.sendTimeoutMs} ms)`);
      } else this.deliver(sub, HEARTBEAT);
    }
  }

  private cut(sub: Subscriber, reason: string): void {
    this.subscribers.delete(sub);
    this.options.logger.warn(
      { subscriber: sub.remote, bufferedBytes: sub.res.writableLength, reason },
      `events subscriber disconnected: ${reason}; it may reconnect with Last-Event-ID`,
    );
    sub.res.destroy();
  }
}
