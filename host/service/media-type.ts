/**
 * Media types as RFC 9110 has them: `type/subtype` matched case-insensitively, parameters allowed
 * (`Application/JSON; charset=utf-8` is JSON). Only the types a route lists are accepted, so a form a
 * browser can send without a CORS preflight (text/plain, form encodings) never reaches a handler.
 */
import type { IncomingMessage } from 'node:http';

export const JSON_TYPE = 'application/json';
export const MSGPACK_TYPE = 'application/msgpack';

/** The `type/subtype` of a Content-Type, lower-cased; '' when absent. */
export function essence(header: string | undefined): string {
  if (header === undefined) return '';
  const semicolon = header.indexOf(';');
  return (semicolon < 0 ? header : header.slice(0, semicolon)).trim().toLowerCase();
}

/** True when the Accept header lists `type` (with any q > 0), case-insensitively. */
export function accepts(req: IncomingMessage, type: string): boolean {
  const accept = req.headers.accept;
  if (accept === undefined) return false;
  for (const item of accept.split(',')) {
    const [range, ...params] = item.split(';');
    if (range!.trim().toLowerCase() !== type) continue;
    const q = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('q='));
    if (q === undefined || Number(q.slice(2)) > 0) return true;
  }
  return false;
}

/** msgpack answers when the request was msgpack or asks for it; JSON otherwise. */
export function answersMsgpack(req: IncomingMessage): boolean {
  return essence(req.headers['content-type']) === MSGPACK_TYPE || accepts(req, MSGPACK_TYPE);
}
