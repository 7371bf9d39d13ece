/**
 * GET /v1/events on real loopback HTTP: the agreed format (`id`, `event`, `data`), sends made at start-up
 * kept for a subscriber that connects later, Last-Event-ID replay of a bounded backlog, heartbeats, and a
 * subscriber that does not read cut (with its reason logged) while a chatty module keeps sending, with the
 * process's memory bounded.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { PresenceService, type ServiceSection } from '../helpers/host.js';
import { post } from '../helpers/http.js';
import { openSocket } from '../helpers/raw-http.js';
import { BOB_STATE as STATE, memoryLogger, metric, until } from '../helpers/service.js';
import { writeWatFixture } from '../helpers/wat.js';


let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'events-'));
  for (const f of ['announce', 'chatty_sender']) await writeWatFixture(f, dir);
});

async function start(module: string, settings: ServiceSection = {}, logger = pino({ level: 'silent' })): Promise<PresenceService> {
  const file = join(dir, `${module}-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, `modules:\n  - module: ./${module}.wasm\n`);
  return PresenceService.start({ config: file, port: 0, logger, settings });
}

/** Subscribe and read until `done(text)` holds; then stop. */
async function subscribe(url: string, done: (text: string) => boolean, headers: Record<string, string> = {}): Promise<string> {
  const controller = new AbortController();
  const res = await fetch(`${url}/v1/events`, { headers, signal: controller.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/event-stream');
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!done(text)) {
    const { value, done: ended } = await reader.read();
    if (ended) break;
    text += decoder.decode(value, { stream: true });
  }
  controller.abort();
  return text;
}

const MODULE = '"module":"modules[0] (./announce.wasm)"';
const INIT = `id: 1\nevent: send_local_online_presence_to\ndata: {"users":["@gob:example.org"],${MODULE}}\n\n`;
const CALL = (id: number) => `id: ${id}\nevent: send_local_online_presence_to\ndata: {"users":["@a:example.com","@b:example.com"],${MODULE}}\n\n`;

describe('the events stream', () => {
  it('keeps the sends made at start-up for a subscriber that connects later, then streams new ones with increasing ids', async () => {
    const service = await start('announce');
    try {
      // Nobody was subscribed when init sent: the first subscriber still gets it.
      expect(await subscribe(service.url, (t) => t.includes(INIT))).toContain(INIT);
      await post(`${service.url}/v1/users_for_states`, { states: [STATE] });
      await post(`${service.url}/v1/users_for_states`, { states: [STATE] });
      const all = await subscribe(service.url, (t) => t.includes(CALL(3)));
      expect(all.indexOf(INIT)).toBeLessThan(all.indexOf(CALL(2)));
      expect(all.indexOf(CALL(2))).toBeLessThan(all.indexOf(CALL(3)));
    } finally {
      await service.close();
    }
  });

  it('Last-Event-ID replays only what came after it; an id this process never gave replays everything; a malformed one is a 400', async () => {
    const service = await start('announce');
    try {
      await post(`${service.url}/v1/users_for_states`, { states: [STATE] });
      await post(`${service.url}/v1/users_for_states`, { states: [STATE] });
      const after1 = await subscribe(service.url, (t) => t.includes(CALL(3)), { 'last-event-id': '1' });
      expect(after1).not.toContain('id: 1\n');
      expect(after1).toContain(CALL(2));
      // After a restart ids start again: a client's id from the previous process must not hide events.
      const future = await subscribe(service.url, (t) => t.includes(CALL(3)), { 'last-event-id': '999' });
      expect(future).toContain(INIT);
      const res = await fetch(`${service.url}/v1/events`, { headers: { 'last-event-id': 'x'.repeat(1000) } });
      expect(res.status).toBe(400);
      const body = await res.json();
      expect(body.error.code).toBe('bad_request');
      expect(JSON.stringify(body).length).toBeLessThan(500);
    } finally {
      await service.close();
    }
  });

  it('the backlog is bounded and says how many events a late reconnect missed', async () => {
    const service = await start('announce', { events_backlog: 2 });
    try {
      for (let i = 0; i < 3; i++) await post(`${service.url}/v1/users_for_states`, { states: [STATE] });
      const text = await subscribe(service.url, (t) => t.includes(CALL(4)), { 'last-event-id': '1' });
      expect(text).toContain(': 1 events after 1 are no longer kept\n\n');
      expect(text).not.toContain(CALL(2));
      expect(text).toContain(CALL(3));
    } finally {
      await service.close();
    }
  });

  it('sends heartbeat comments', async () => {
    const service = await start('announce', { events_heartbeat_ms: 50 });
    try {
      expect(await subscribe(service.url, (t) => t.includes(': heartbeat\n\n'))).toContain(': heartbeat\n\n');
    } finally {
      await service.close();
    }
  });

  it('a subscriber that does not read is cut, with the reason logged, while a chatty module sends megabytes; memory stays bounded', async () => {
    const log = memoryLogger();
    const service = await start('chatty_sender', { events_buffer_bytes: 1024 * 1024, events_backlog_bytes: 256 * 1024 }, log.logger);
    try {
      await post(`${service.url}/v1/users_for_states`, { states: [STATE] });
      (globalThis as { gc?: () => void }).gc?.();
      const before = process.memoryUsage().rss;
      const socket = await openSocket(service.url);
      socket.pause(); // never reads
      socket.write('GET /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      await until(async () => (await metric(service.url, 'presence_sandbox_events_subscribers')) === 1);
      const cut = () => log.lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('events subscriber disconnected'));
      let calls = 0;
      // Each call is 16 sends of 10 000 user IDs (about 3 MB of events); the kernel's socket buffers take
      // the first several MB, then the service's own buffer fills to its cap.
      while (!cut() && calls < 300) {
        const res = await post(`${service.url}/v1/users_for_states`, { states: [STATE] });
        expect(res.status).toBe(200);
        calls++;
      }
      const line = cut();
      expect(line, `not cut after ${calls} calls`).toBeDefined();
      expect(line.reason).toContain('service.events_buffer_bytes (1048576)');
      expect(line.bufferedBytes).toBeGreaterThan(0);
      // It keeps sending after the cut; nothing piles up for the gone subscriber.
      for (let i = 0; i < 10; i++) await post(`${service.url}/v1/users_for_states`, { states: [STATE] });
      expect(await metric(service.url, 'presence_sandbox_events_subscribers')).toBe(0);
      (globalThis as { gc?: () => void }).gc?.();
      const grown = process.memoryUsage().rss - before;
      console.log(`non-reading subscriber cut after ${calls} calls of ~3 MB of events each; RSS grew ${(grown / 2 ** 20).toFixed(1)} MiB`);
      // Generous: about 3 MB per call were produced ((calls + 10) calls); unbounded buffering would hold all of it.
      expect(grown).toBeLessThan(256 * 1024 * 1024);
      socket.destroy();
    } finally {
      await service.close();
    }
  });
});
