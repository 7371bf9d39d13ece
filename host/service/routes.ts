/**
 * The HTTP API as a table: path → methods → handler, and for POST one handler per accepted media type
 * (RFC 9110 essence, lower case). Adding a body format to a route is one line here and its handler.
 * JSON by default, msgpack when the request's Content-Type (or Accept) is application/msgpack. Bad input
 * is a 400 naming the field; overload a 503 with Retry-After; a module's fault is never the caller's error
 * (its share is skipped and the answer is still a 200).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServiceSettings } from '../config/service-options.js';
import { ErrorCode, SandboxError, clip, inputError } from '../errors.js';
import type { PresenceHost } from '../presence-host.js';
import { interestToJson } from '../routing/present.js';
import { send, sendRouting } from './answer.js';
import { BATCH_MEDIA_TYPE, usersForStatesBatch } from './batch-wire.js';
import type { EventStream } from './events.js';
import type { Readiness } from './health.js';
import { decodeJsonBody } from './json-body.js';
import { JSON_TYPE, MSGPACK_TYPE } from './media-type.js';
import type { ServiceMetrics } from './metrics.js';
import { decodeMsgpackBody } from './msgpack-body.js';

export type ReloadResult = { reloaded: true } | { reloaded: false; error: SandboxError };

/** What handlers may use of the service. */
export interface ServiceContext {
  host(): PresenceHost;
  readonly events: EventStream;
  readonly metrics: ServiceMetrics;
  readonly settings: ServiceSettings;
  reload(): Promise<ReloadResult>;
  readiness(): Readiness;
}

export interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  service: ServiceContext;
  /** Set by a handler whose answer is a stream: it bounds its own sends (events.ts). */
  streaming?: boolean;
}

export type Handler = (call: Call) => Promise<number>;
export type BodyHandler = (body: Buffer, call: Call) => Promise<number>;

export interface Route {
  /** Admin routes: on the admin listener, or with the bearer token (access.ts). */
  admin?: boolean;
  /** HEAD is served by the GET handler (Node sends the head only). */
  GET?: Handler;
  /** Media type → handler; '' accepts a request without a body and without Content-Type. */
  POST?: Record<string, BodyHandler>;
}

async function usersForStates(body: unknown, { req, res, service }: Call): Promise<number> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw inputError('body', 'expected a map like {"states": [...]}');
  for (const key of Object.keys(body)) if (key !== 'states') throw inputError(clip(key), 'unknown field (the body has only "states")');
  const states = (body as { states?: unknown }).states;
  if (!Array.isArray(states)) throw inputError('states', 'expected a list of presence states');
  return sendRouting(req, res, await service.host().getUsersForStatesIndexed(states));
}

const decoded =
  (decode: (bytes: Buffer) => unknown): BodyHandler =>
  (bytes, call) =>
    usersForStates(decode(bytes), call);

async function interestedUsers({ req, res, url, service }: Call): Promise<number> {
  const userId = url.searchParams.get('user_id');
  if (userId === null) throw inputError('user_id', 'missing query parameter (GET /v1/interested_users?user_id=@alice:example.com)');
  return send(req, res, 200, { users: interestToJson(await service.host().getInterestedUsers(userId)) });
}

async function events(call: Call): Promise<number> {
  const { req, res, service } = call;
  if (req.method === 'HEAD') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.end();
    return 200;
  }
  // A stream opened on a kept-alive connection during shutdown would only be cut at the grace period's end.
  if (service.readiness().status === 'stopping') throw new SandboxError(ErrorCode.HOST_CLOSED, 'the service is stopping; reconnect to another instance');
  // Marked once subscribed: a refused Last-Event-ID is an ordinary answer, bounded by send_timeout_ms.
  service.events.subscribe(req, res);
  call.streaming = true;
  return 200;
}

async function healthz({ req, res, service }: Call): Promise<number> {
  return send(req, res, 200, { status: 'ok', modules: service.host().stats().modules.map((m) => m.module) });
}

async function readyz({ req, res, service }: Call): Promise<number> {
  const ready = service.readiness();
  return send(req, res, ready.status === 'stopping' ? 503 : 200, ready);
}

async function metrics({ res, service }: Call): Promise<number> {
  const text = await service.metrics.registry.metrics();
  res.writeHead(200, { 'content-type': service.metrics.registry.contentType });
  res.end(text);
  return 200;
}

const reload: BodyHandler = async (_body, { req, res, service }) => {
  const result = await service.reload();
  if (result.reloaded) return send(req, res, 200, { reloaded: true });
  const { error } = result;
  return send(req, res, 409, {
    reloaded: false,
    error: {
      code: ErrorCode.RELOAD_REFUSED,
      message: `the new config was refused, the previous one is still served: ${clip(error.message, 1000)}`,
      reason: error.code,
      ...(error.path !== undefined ? { path: clip(error.path, 200) } : {}),
      ...(error.module !== undefined ? { module: error.module } : {}),
    },
  });
};

export const ROUTES: Readonly<Record<string, Route>> = {
  '/v1/users_for_states': {
    POST: { [JSON_TYPE]: decoded(decodeJsonBody), [MSGPACK_TYPE]: decoded(decodeMsgpackBody), [BATCH_MEDIA_TYPE]: usersForStatesBatch },
  },
  '/v1/interested_users': { GET: interestedUsers },
  '/v1/events': { GET: events },
  '/healthz': { GET: healthz },
  '/readyz': { GET: readyz },
  '/metrics': { GET: metrics },
  '/admin/reload': { admin: true, POST: { '': reload, [JSON_TYPE]: reload, [MSGPACK_TYPE]: reload } },
};
