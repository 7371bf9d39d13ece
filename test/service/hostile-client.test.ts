/**
 * A hostile client on real loopback HTTP: nothing it sends stops, stalls or hangs the service. Malformed
 * targets and headers are 400s, a handler bug is a 500 with a stable code and the next request is served,
 * HTTP semantics (404, 405 with Allow, HEAD, 413 without reading the rest, 415), strict bodies (invalid
 * UTF-8 named by field, no msgpack extensions, clipped echoes), the Host check, and every timeout and limit.
 * Every answer to a client's mistake is a 4xx: never a 5xx.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { PresenceService } from '../helpers/host.js';
import { get, post } from '../helpers/http.js';
import { closedByServer, openSocket, raw, readAnswer } from '../helpers/raw-http.js';
import { BOB_STATE as STATE, memoryLogger, metric, until } from '../helpers/service.js';

const bundled = fileURLToPath(new URL('../../modules/presence-sandbox.yaml', import.meta.url));
const quiet = pino({ level: 'silent' });

let service: PresenceService;
let url: string;
let port: string;
const log = memoryLogger();
beforeAll(async () => {
  service = await PresenceService.start({
    config: bundled,
    port: 0,
    logger: log.logger,
    extraRoutes: {
      '/test/throws': { GET: async () => { throw new TypeError('a deliberate bug'); } },
      '/test/throws-late': {
        GET: async ({ res }) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('half an answer');
          throw new Error('a bug after the head was sent');
        },
      },
    },
  });
  url = service.url;
  port = new URL(url).port;
});
afterAll(() => service.close());

/** 200 states with a 100 KB status message each: a 20 MB batch, and a 20 MB answer from the bundled config. */
export const bigStates = () => Array.from({ length: 200 }, (_, i) => ({ ...STATE, user_id: `@u${i}:example.com`, status_msg: 'x'.repeat(100_000) }));

const req = (head: string, body = '') => `${head}\r\nHost: 127.0.0.1:${port}\r\n${body === '' ? '' : `Content-Length: ${Buffer.byteLength(body)}\r\n`}\r\n${body}`;
const healthy = async () => expect((await get(`${url}/healthz`)).status).toBe(200);

describe('nothing a client sends stops the process', () => {
  it('malformed request targets are 400s, and the service keeps serving', async () => {
    for (const target of ['http://[::1', 'http://a:b:c/', '*', '//x/y', 'nothing', 'http://example.org/healthz']) {
      const answer = await raw(url, req(`GET ${target} HTTP/1.1`));
      expect(answer.status, target).toBe(400);
      await healthy();
    }
  });

  it('malformed heads are 400s (Node\'s parser) and a Host naming another site is refused', async () => {
    expect((await raw(url, 'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n')).status).toBe(400);
    expect((await raw(url, 'GET /healthz HTTP/1.1\r\n\r\n')).status).toBe(400); // no Host
    expect((await raw(url, `POST /v1/users_for_states HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n`)).status).toBe(400);
    expect((await raw(url, 'GARBAGE\r\n\r\n')).status).toBe(400);
    const rebinding = await raw(url, 'GET /healthz HTTP/1.1\r\nHost: attacker.example:80\r\n\r\n');
    expect(rebinding.status).toBe(421);
    expect(JSON.parse(rebinding.body).error.code).toBe('host_not_allowed');
    expect((await raw(url, `GET /healthz HTTP/1.1\r\nHost: localhost:${port}\r\n\r\n`)).status).toBe(200);
    await healthy();
  });

  it('a handler that throws is a 500 `internal`, logged with its stack; the next request is served', async () => {
    const answer = await get(`${url}/test/throws`);
    expect(answer.status).toBe(500);
    expect(answer.body).toEqual({ error: { code: 'internal', message: 'internal error (logged by the service)' } });
    const logged = log.lines.find((l) => l.msg === 'unexpected error while answering a request');
    expect(logged.err.stack).toContain('a deliberate bug');
    await healthy();
    // After the head went out, the only honest signal left is a cut connection.
    const late = await raw(url, req('GET /test/throws-late HTTP/1.1'), true);
    expect(late.status).toBe(200);
    expect(late.closed).toBe(true);
    await healthy();
  });
});

describe('HTTP semantics', () => {
  it('405 with Allow for a known path and a wrong method; HEAD where GET exists; 404 for the rest', async () => {
    const wrong = await fetch(`${url}/v1/users_for_states`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect((await wrong.json()).error.code).toBe('method_not_allowed');
    for (const method of ['POST', 'DELETE', 'PUT', 'OPTIONS']) {
      const res = await fetch(`${url}/healthz`, { method });
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD');
    }
    expect((await fetch(`${url}/admin/reload`)).headers.get('allow')).toBe('POST');
    for (const path of ['/healthz', '/readyz', '/metrics', '/v1/events', '/v1/interested_users?user_id=@a:b.c']) {
      const head = await fetch(`${url}${path}`, { method: 'HEAD' });
      expect(head.status, path).toBe(200);
      expect((await head.arrayBuffer()).byteLength).toBe(0);
    }
    const missing = await get(`${url}/v2/nothing`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    expect((await get(`${url}/__proto__`)).status).toBe(404);
  });

  it('415 for a media type the route does not take; media types are case-insensitive with parameters', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx']) {
      const res = await fetch(`${url}/v1/users_for_states`, { method: 'POST', headers: { 'content-type': type }, body: JSON.stringify({ states: [] }) });
      expect(res.status, type).toBe(415);
      const body = await res.json();
      expect(body.error.code).toBe('unsupported_media_type');
      expect(body.error.message).toContain('application/json, application/msgpack');
    }
    const untyped = await raw(url, req('POST /v1/users_for_states HTTP/1.1', '{"states":[]}'));
    expect(untyped.status).toBe(415);
    for (const type of ['Application/JSON; charset=UTF-8', 'APPLICATION/JSON']) {
      const res = await fetch(`${url}/v1/users_for_states`, { method: 'POST', headers: { 'content-type': type }, body: JSON.stringify({ states: [STATE] }) });
      expect(res.status, type).toBe(200);
    }
    const { pack } = await import('msgpackr');
    const mp = await fetch(`${url}/v1/users_for_states`, { method: 'POST', headers: { 'content-type': 'Application/MsgPack' }, body: pack({ states: [STATE] }) });
    expect(mp.status).toBe(200);
    expect(mp.headers.get('content-type')).toBe('application/msgpack');
  });

  it('413 for a declared oversized body, answered before the body and with the connection closed', async () => {
    const small = await PresenceService.start({ config: bundled, port: 0, logger: quiet, settings: { max_body_bytes: 1024 } });
    try {
      const socket = await openSocket(small.url);
      const answer = readAnswer(socket, true);
      // Declares a gigabyte and sends a few bytes of it: the answer cannot wait for the rest.
      socket.write(`POST /v1/users_for_states HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n{"states": [`);
      const a = await answer;
      expect(a.status).toBe(413);
      expect(a.headers.connection).toBe('close');
      expect(JSON.parse(a.body).error).toMatchObject({ code: 'body_too_large', path: 'body' });
      expect(a.closed).toBe(true);
      // Chunked, growing past the cap: refused as soon as it does.
      const chunked = await openSocket(small.url);
      const answer2 = readAnswer(chunked, true);
      chunked.write('POST /v1/users_for_states HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
      chunked.write(`800\r\n${'x'.repeat(0x800)}\r\n`);
      const b = await answer2;
      expect(b.status).toBe(413);
      expect(b.closed).toBe(true);
      // Expect: 100-continue over the cap: a 413 instead of the 100, so the body is never sent.
      const asks = await raw(small.url, 'POST /v1/users_for_states HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n', true);
      expect(asks.status).toBe(413);
      expect(asks.text).not.toContain('100 Continue');
      const fits = await raw(small.url, 'POST /v1/users_for_states HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 13\r\nExpect: 100-continue\r\n\r\n');
      expect(fits.status).toBe(100);
      expect((await get(`${small.url}/healthz`)).status).toBe(200);
    } finally {
      await small.close();
    }
  });
});

describe('strict bodies', () => {
  // Answers come in the request's format: msgpack errors for msgpack bodies.
  const postBytes = async (type: string, body: Uint8Array) => {
    const r = await fetch(`${url}/v1/users_for_states`, { method: 'POST', headers: { 'content-type': type }, body });
    const bytes = new Uint8Array(await r.arrayBuffer());
    const { unpack } = await import('msgpackr');
    return { status: r.status, body: type === 'application/json' ? JSON.parse(new TextDecoder().decode(bytes)) : unpack(bytes) };
  };

  it('invalid UTF-8 in a JSON body is a 400 naming the field, never U+FFFD', async () => {
    const json = (s: string) => Buffer.from(s, 'latin1');
    const cases: [Buffer, string][] = [
      [json('{"states": [{"user_id": "@b\xffb:example.com"}]}'), 'states[0].user_id'],
      [json('{"states": [{"user_id": "@b:e.com", "status_msg": "\xc3"}]}'), 'states[0].status_msg'],
      [json('{"states": [1, {"us\xe2\x82er": 1}]}'), 'states[1] (a key)'],
      [json('{"states": [{"status_msg": "\xed\xa0\x80"}]}'), 'states[0].status_msg'], // an encoded surrogate
      [json('{"states": [{"status_msg": "\xc0\xaf"}]}'), 'states[0].status_msg'], // overlong
    ];
    for (const [bytes, path] of cases) {
      const res = await postBytes('application/json', bytes);
      expect(res.status, path).toBe(400);
      expect(res.body.error.path).toBe(path);
      expect(res.body.error.message).toContain('not valid UTF-8');
    }
    // A byte-order mark is not JSON.
    const bom = await postBytes('application/json', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"states": []}')]));
    expect(bom.status).toBe(400);
  });

  it('msgpack bodies are plain msgpack only: no extensions, no bin, no invalid UTF-8, no repeated keys', async () => {
    const { pack } = await import('msgpackr');
    const body = (states: unknown) => pack({ states });
    // {"states": [<x>]}: a fixmap of one, the key, a fixarray of one, then the bytes under test.
    const around = (x: number[]) => Buffer.from([0x81, 0xa6, ...Buffer.from('states'), 0x91, ...x]);
    const cases: [string, Buffer, string, string][] = [
      ['a msgpackr BigInt (ext)', around([0xc7, 0x03, 0x42, 1, 2, 3]), 'states[0]', 'extension types are not accepted'],
      ['a timestamp (fixext 4, type -1)', around([0xd6, 0xff, 0, 0, 0, 0]), 'states[0]', 'extension types are not accepted'],
      ['a msgpackr record (fixext 1)', around([0xd4, 0x72, 0]), 'states[0]', 'extension types are not accepted'],
      ['binary data', around([0xc4, 0x01, 0x41]), 'states[0]', 'bin'],
      ['invalid UTF-8 in a value', around([0x81, 0xa7, ...Buffer.from('user_id'), 0xa2, 0x40, 0xff]), 'states[0].user_id', 'not valid UTF-8'],
      ['a repeated key', around([0x82, 0xa1, 0x61, 0x01, 0xa1, 0x61, 0x02]), 'states[0].a', 'repeated key'],
      ['a non-string key', around([0x81, 0x01, 0x01]), 'states[0]', 'map keys must be strings'],
      ['truncated', Buffer.from([0x81, 0xa6, ...Buffer.from('stat')]), 'body', 'truncated'],
      ['trailing bytes', Buffer.concat([body([]), Buffer.from([0xc0])]), 'body', 'trailing bytes'],
      ['an array claiming 4 billion elements', around([0xdd, 0xff, 0xff, 0xff, 0xff]), 'states[0]', 'an array of 4294967295 elements'],
      ['nesting 100 levels deep', around(new Array(100).fill(0x91)), 'states[0]', 'nested more than'],
    ];
    for (const [name, bytes, path, message] of cases) {
      const res = await postBytes('application/msgpack', bytes);
      expect(res.status, name).toBe(400);
      expect(res.body.error.code, name).toBe('invalid_input');
      expect(res.body.error.path.startsWith(path), `${name}: ${res.body.error.path}`).toBe(true);
      expect(res.body.error.message, name).toContain(message);
    }
    // A 24 MiB extension is refused at its first byte, not decoded.
    const big = Buffer.alloc(24 * 1024 * 1024 + 16);
    around([0xc9, 0x01, 0x80, 0x00, 0x00, 0x42]).copy(big);
    const res = await postBytes('application/msgpack', big);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('extension types are not accepted');
    // And good msgpack still routes.
    expect((await postBytes('application/msgpack', body([STATE]))).status).toBe(200);
  });

  it('error bodies clip every echoed key and value, with a count of what was cut', async () => {
    const key = 'k'.repeat(1 << 20);
    for (const body of [{ states: [], [key]: 1 }, { states: [{ ...STATE, [key]: 1 }] }, { states: [{ ...STATE, user_id: key }] }]) {
      const res = await fetch(`${url}/v1/users_for_states`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const text = await res.text();
      expect(res.status).toBe(400);
      expect(text.length).toBeLessThan(2000);
      expect(text).toContain(`(${(1 << 20) - 80} more characters)`);
    }
    const path = await raw(url, req(`GET /${'x'.repeat(5000)} HTTP/1.1`));
    expect(path.status).toBe(404);
    expect(path.body.length).toBeLessThan(2000);
  });
});

describe('timeouts and limits', () => {
  let tight: PresenceService;
  beforeAll(async () => {
    tight = await PresenceService.start({
      config: bundled,
      port: 0,
      logger: log.logger,
      settings: { header_timeout_ms: 200, request_timeout_ms: 400, keep_alive_timeout_ms: 200, send_timeout_ms: 300 },
    });
  });
  afterAll(() => tight.close());

  it('slow headers get a 408 and the connection closed (header_timeout_ms)', async () => {
    const socket = await openSocket(tight.url);
    const answer = readAnswer(socket, true);
    socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n'); // and never the blank line
    const a = await answer;
    expect(a.status).toBe(408);
    expect(a.closed).toBe(true);
  });

  it('a body that never finishes gets a 408 and the connection closed (request_timeout_ms)', async () => {
    const socket = await openSocket(tight.url);
    const answer = readAnswer(socket, true);
    socket.write('POST /v1/users_for_states HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"sta');
    const a = await answer;
    expect(a.status).toBe(408);
    expect(a.closed).toBe(true);
  });

  it('an idle keep-alive connection is closed (keep_alive_timeout_ms)', async () => {
    const socket = await openSocket(tight.url);
    const answer = readAnswer(socket);
    socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect((await answer).status).toBe(200);
    await closedByServer(socket);
  });

  it('a client that does not take its answer loses its connection (send_timeout_ms)', async () => {
    const sending = await PresenceService.start({ config: bundled, port: 0, logger: log.logger, settings: { send_timeout_ms: 300 } });
    try {
      const socket = await openSocket(sending.url);
      socket.pause();
      // The example router sends every state to its gobbler: a 20 MB answer, more than the kernel's socket
      // buffers hold, to a client that never reads.
      const body = JSON.stringify({ states: bigStates() });
      socket.write(`POST /v1/users_for_states HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`);
      socket.write(body);
      const cut = () => log.lines.some((l) => l.msg === 'client did not take its answer in time; connection closed');
      await until(cut, 'the send timeout');
      await until(async () => (await metric(sending.url, 'presence_sandbox_http_answers_waiting_on_client')) === 0);
      socket.destroy();
    } finally {
      await sending.close();
    }
  });

  it('past max_connections a new connection is closed at once', async () => {
    const capped = await PresenceService.start({ config: bundled, port: 0, logger: quiet, settings: { max_connections: 2 } });
    try {
      const held = await Promise.all(Array.from({ length: 2 }, () => openSocket(capped.url)));
      // The server has them once each has been answered.
      for (const s of held) {
        const a = readAnswer(s);
        s.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
        expect((await a).status).toBe(200);
      }
      const extra = await openSocket(capped.url);
      await closedByServer(extra);
      for (const s of held) s.destroy();
      await until(async () => (await metric(capped.url, 'presence_sandbox_http_connections_dropped_total')) >= 1);
    } finally {
      await capped.close();
    }
  });
});

describe('no answer to a client in this file was a 5xx except the deliberate bug', () => {
  it('counts', async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const fives = text.split('\n').filter((l) => l.startsWith('presence_sandbox_http_request_duration_seconds_count') && /code="5/.test(l));
    // The deliberate bugs are counted, under their routes' paths: the filter above does find 5xx answers.
    expect(fives.length).toBeGreaterThan(0);
    expect(fives.every((l) => /route="\/test\/throws(-late)?"/.test(l))).toBe(true);
  });
});
