/**
 * send_local_online_presence_to requests from modules, as server-sent events: the homeserver keeps one
 * `GET /v1/events` open and acts on each `send_local_online_presence_to` event.
 */
import type { ServerResponse } from 'node:http';

export class EventStream {
  private readonly clients = new Set<ServerResponse>();

  subscribe(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    // A comment line at once, so clients and proxies see the stream open.
    res.write(': presence-sandbox events\n\n');
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  }

  sendLocalOnlinePresenceTo(users: string[], module: string): void {
    const frame = `event: send_local_online_presence_to\ndata: ${JSON.stringify({ users, module })}\n\n`;
    for (const res of this.clients) res.write(frame);
  }

  close(): void {
    for (const res of this.clients) res.end();
    this.clients.clear();
  }
}
