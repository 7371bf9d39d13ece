/**
 * The HTTP API. JSON by default, msgpack when the request's Content-Type (or Accept) is
 * application/msgpack. Bad input is a 400 naming the field; overload a 503 with Retry-After; a module's
 * fault is never the caller's error (its share is skipped and the answer is still a 200).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Packr } from 'msgpackr';
import { ErrorCode, SandboxError, inputError } from '../errors.js';
import type { PresenceHost } from '../presence-host.js';
import { interestToJson, routingToObject } from '../routing/present.js';
import { MSGPACK, readBody, wantsMsgpack } from './body.js';

const packr = new Packr({ useRecords: false });

export interface RouteContext {
  host(): PresenceHost;
  maxBodyBytes: number;
}

export async function usersForStates(req: IncomingMessage, res: ServerResponse, ctx: RouteContext): Promise<number> {
  const body = await readBody(req, ctx.maxBodyBytes);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw inputError('body', 'expected a map like {"states": [...]}');
  for (const key of Object.keys(body)) if (key !== 'states') throw inputError(key, 'unknown field (the body has only "states")');
  const states = (body as { states?: unknown }).states;
  if (!Array.isArray(states)) throw inputError('states', 'expected a list of presence states');
  const routing = await ctx.host().getUsersForStates(states);
  return send(req, res, 200, { routing: routingToObject(routing, states) });
}

export async function interestedUsers(req: IncomingMessage, res: ServerResponse, ctx: RouteContext, url: URL): Promise<number> {
  const userId = url.searchParams.get('user_id');
  if (userId === null) throw inputError('user_id', 'missing query parameter (GET /v1/interested_users?user_id=@alice:example.com)');
  return send(req, res, 200, { users: interestToJson(await ctx.host().getInterestedUsers(userId)) });
}

export function send(req: IncomingMessage, res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): number {
  const msgpack = wantsMsgpack(req);
  const body = msgpack ? packr.pack(value) : JSON.stringify(value);
  res.writeHead(status, { 'content-type': msgpack ? MSGPACK : 'application/json', ...headers });
  res.end(body);
  return status;
}

/** Map an error to its answer: 400 for the caller's input, 503 when overloaded or between configs. */
export function sendError(req: IncomingMessage, res: ServerResponse, err: unknown): number {
  const e = err as SandboxError;
  const error = { code: e?.code ?? 'internal', message: e?.message ?? String(err), ...(e?.path ? { path: e.path } : {}) };
  switch (e?.code) {
    case ErrorCode.INVALID_INPUT:
      return send(req, res, 400, { error });
    case ErrorCode.OVERLOADED:
    case ErrorCode.HOST_CLOSED:
      return send(req, res, 503, { error }, { 'retry-after': '1' });
    default:
      return send(req, res, 500, { error: { code: 'internal', message: 'internal error' } });
  }
}
