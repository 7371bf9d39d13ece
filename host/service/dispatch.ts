/**
 * One request, start to end, inside one try: the target is parsed, the Host checked, the route and
 * method found (404, 405 with Allow), admin access checked, the body read under its cap and its media type
 * matched (413, 415), the handler run. Whatever throws becomes an answer (answer.ts); nothing a client
 * sends can reject this function's promise. Once the answer is written, the client has
 * service.send_timeout_ms to take it, or its connection is closed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ErrorCode, clip, describe } from '../errors.js';
import { HttpError, sendError } from './answer.js';
import { checkAdmin, checkHost, type AccessPolicy, type ListenerRole } from './access.js';
import { hasBody, readBody } from './body.js';
import { essence } from './media-type.js';
import type { Call, Handler, Route, ServiceContext } from './routes.js';

export interface Dispatcher {
  routes: Readonly<Record<string, Route>>;
  service: ServiceContext;
  policy: AccessPolicy;
  logger: Logger;
  /** True once shutdown began: answers then ask the client to close the connection. */
  stopping(): boolean;
}

export async function dispatch(req: IncomingMessage, res: ServerResponse, listener: ListenerRole, d: Dispatcher): Promise<void> {
  const started = performance.now();
  let route = 'other';
  let status = 500;
  const call: Call = { req, res, url: undefined as unknown as URL, service: d.service };
  // Errors on the streams are answered through the promise below or end the connection; never the process.
  req.on('error', () => {});
  res.on('error', () => {});
  try {
    if (d.stopping()) res.setHeader('connection', 'close');
    call.url = parseTarget(req.url);
    checkHost(req, listener, d.policy);
    const found = Object.hasOwn(d.routes, call.url.pathname) ? d.routes[call.url.pathname]! : undefined;
    if (found === undefined) throw new HttpError(ErrorCode.NOT_FOUND, `no route ${describe(call.url.pathname)} (see the README for the API)`);
    route = call.url.pathname;
    const handler = pick(found, req.method ?? '');
    if (found.admin) checkAdmin(req, listener, d.policy);
    status = await handler(call);
  } catch (err) {
    try {
      status = sendError(req, res, err, d.logger);
    } catch (fatal) {
      d.logger.error({ err: fatal }, 'could not answer an error; closing the connection');
      res.destroy();
    }
  }
  if (!call.streaming) bound(res, d);
  d.service.metrics.request(req.method ?? '', route, status, (performance.now() - started) / 1000);
}

function parseTarget(target: string | undefined): URL {
  // Origin form only (`/path?query`): a proxy's absolute form or `*` is not for this service.
  if (target === undefined || !target.startsWith('/') || target.startsWith('//')) {
    throw new HttpError(ErrorCode.BAD_REQUEST, `request target must be a path like /v1/users_for_states (got ${describe(target)})`);
  }
  try {
    return new URL(target, 'http://service.invalid');
  } catch {
    throw new HttpError(ErrorCode.BAD_REQUEST, `request target is not a valid path (got ${describe(target)})`);
  }
}

function pick(route: Route, method: string): Handler {
  if ((method === 'GET' || method === 'HEAD') && route.GET) return route.GET;
  if (method === 'POST' && route.POST) {
    const bodies = route.POST;
    return async (call) => {
      const type = essence(call.req.headers['content-type']);
      const body = hasBody(call.req);
      const handler = type === '' && body ? undefined : Object.hasOwn(bodies, type) ? bodies[type] : undefined;
      if (handler === undefined) {
        const listed = Object.keys(bodies).filter((t) => t !== '');
        throw new HttpError(
          ErrorCode.UNSUPPORTED_MEDIA_TYPE,
          `Content-Type ${describe(clip(call.req.headers['content-type'] ?? '(none)'))} is not accepted here; send one of ${listed.join(', ')}`,
          { 'accept-post': listed.join(', ') },
        );
      }
      return handler(await readBody(call.req, call.service.settings.max_body_bytes), call);
    };
  }
  const allow = [...(route.GET ? ['GET', 'HEAD'] : []), ...(route.POST ? ['POST'] : [])].join(', ');
  throw new HttpError(ErrorCode.METHOD_NOT_ALLOWED, `${describe(clip(method))} is not a method of this path (allowed: ${allow})`, { allow });
}

/** A client that does not take its answer within send_timeout_ms loses its connection. */
function bound(res: ServerResponse, d: Dispatcher): void {
  if (res.writableFinished || res.destroyed) return;
  d.service.metrics.waitingOnClient(+1);
  const timer = setTimeout(() => {
    d.logger.warn({ sendTimeoutMs: d.service.settings.send_timeout_ms }, 'client did not take its answer in time; connection closed');
    res.destroy();
  }, d.service.settings.send_timeout_ms).unref();
  const settled = () => {
    clearTimeout(timer);
    d.service.metrics.waitingOnClient(-1);
    res.off('finish', settled);
    res.off('close', settled);
  };
  res.on('finish', settled);
  res.on('close', settled);
}
