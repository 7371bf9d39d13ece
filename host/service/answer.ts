/**
 * Answers: a value as JSON or msgpack (whichever the request speaks), and every error as
 * `{"error": {"code", "message", "path"?}}` with the status its code implies. Only a bug is a 500, logged
 * with its stack; a client's mistake never is.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Packr } from 'msgpackr';
import type { Logger } from 'pino';
import { ErrorCode, SandboxError, clip, type SandboxErrorDetails } from '../errors.js';
import type { IndexedRouting } from '../presence-host.js';
import { JSON_TYPE, MSGPACK_TYPE, answersMsgpack } from './media-type.js';
import { routingAnswerJson, routingAnswerMsgpack } from './routing-answer.js';

const packr = new Packr({ useRecords: false });

/** An error with the headers its answer needs (Allow for a 405, WWW-Authenticate for a 401). */
export class HttpError extends SandboxError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
    details: SandboxErrorDetails = {},
  ) {
    super(code, message, details);
  }
}

const STATUS: Partial<Record<string, number>> = {
  [ErrorCode.INVALID_INPUT]: 400,
  [ErrorCode.BAD_REQUEST]: 400,
  [ErrorCode.UNAUTHORIZED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.METHOD_NOT_ALLOWED]: 405,
  [ErrorCode.RELOAD_REFUSED]: 409,
  [ErrorCode.BODY_TOO_LARGE]: 413,
  [ErrorCode.UNSUPPORTED_MEDIA_TYPE]: 415,
  [ErrorCode.HOST_NOT_ALLOWED]: 421,
  [ErrorCode.OVERLOADED]: 503,
  [ErrorCode.HOST_CLOSED]: 503,
};

/** Longest message or path in an error body: every echo in them is clipped already; this is the backstop. */
const MAX_MESSAGE = 1000;

export function send(req: IncomingMessage, res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): number {
  const msgpack = answersMsgpack(req);
  return write(res, status, msgpack, msgpack ? packr.pack(value) : JSON.stringify(value), headers);
}

/** The users_for_states answer, written from the host's indexed routing without objects per state. */
export function sendRouting(req: IncomingMessage, res: ServerResponse, routing: IndexedRouting): number {
  const msgpack = answersMsgpack(req);
  return write(res, 200, msgpack, msgpack ? routingAnswerMsgpack(routing, packr) : routingAnswerJson(routing), {});
}

function write(res: ServerResponse, status: number, msgpack: boolean, body: string | Uint8Array, headers: Record<string, string>): number {
  res.writeHead(status, { 'content-type': msgpack ? MSGPACK_TYPE : JSON_TYPE, 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
  return status;
}

/** Answer an error; returns the status. A bug is logged with its stack and answered 500 `internal`. */
export function sendError(req: IncomingMessage, res: ServerResponse, err: unknown, logger: Logger): number {
  const e = err as Partial<HttpError> | undefined;
  let status = (typeof e?.code === 'string' && STATUS[e.code]) || 500;
  let error: Record<string, unknown>;
  if (status === 500) {
    logger.error({ err, method: req.method, url: clip(String(req.url)) }, 'unexpected error while answering a request');
    error = { code: ErrorCode.INTERNAL, message: 'internal error (logged by the service)' };
  } else {
    error = { code: e!.code, message: clip(String(e!.message), MAX_MESSAGE) };
    if (e!.path !== undefined) error.path = clip(e!.path, MAX_MESSAGE);
    if (e!.module !== undefined) error.module = e!.module;
    if (e!.reason !== undefined) error.reason = e!.reason;
  }
  if (res.headersSent) {
    // Too late for a status: cut the connection so the client sees the answer is incomplete.
    res.destroy();
    return status;
  }
  const headers: Record<string, string> = { ...(e?.headers ?? {}) };
  if (e?.code === ErrorCode.OVERLOADED || e?.code === ErrorCode.HOST_CLOSED) headers['retry-after'] = '1';
  if (!req.complete) {
    // The body was not read (refused before, or over the cap): with `connection: close` Node ends the
    // connection once the answer is out, instead of reading the rest of the body to reuse it.
    headers.connection = 'close';
  }
  status = send(req, res, status, { error }, headers);
  return status;
}
