/**
 * Who may ask what. The data routes are for the homeserver next door; the admin routes change what the
 * service runs, so a request a browser page could forge must never reach them:
 * - the Host header must name this service (an IP literal, `localhost`, the listener's own name, or
 *   service.allowed_hosts), so a DNS-rebinding page cannot talk to it under its own name and read answers;
 * - admin routes refuse any request that carries a browser's Origin or Sec-Fetch-Site header, and need
 *   the bearer token (service.admin_token) when one is set; on the data listener they are refused outright
 *   when no token is set (serve them on the admin listener instead).
 * Unix sockets are out of a browser's reach: their access is the socket file's mode.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ErrorCode, describe } from '../errors.js';
import { HttpError } from './answer.js';

export interface ListenerRole {
  /** 'admin' listeners serve the admin routes without the token being mandatory. */
  role: 'data' | 'admin';
  /** Unix socket listeners skip the Host check. */
  unix: boolean;
  /** The name the listener was given (service.host), accepted as a Host. */
  name?: string;
}

export interface AccessPolicy {
  allowedHosts: readonly string[];
  adminToken?: string;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

export function checkHost(req: IncomingMessage, listener: ListenerRole, policy: AccessPolicy): void {
  if (listener.unix || policy.allowedHosts.includes('*')) return;
  const header = req.headers.host;
  if (header === undefined || header === '') throw new HttpError(ErrorCode.BAD_REQUEST, 'a Host header is required');
  const name = hostName(header.toLowerCase());
  if (name === 'localhost' || IPV4.test(name) || name.startsWith('[') || name === listener.name?.toLowerCase()) return;
  if (policy.allowedHosts.includes(name)) return;
  throw new HttpError(
    ErrorCode.HOST_NOT_ALLOWED,
    `Host ${describe(name)} does not name this service (if it does, add it to service.allowed_hosts)`,
  );
}

/** The name part of a Host header: `[::1]:8880` → `[::1]`, `example.org:8880` → `example.org`. */
function hostName(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end < 0 ? host : host.slice(0, end + 1);
  }
  const colon = host.lastIndexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}

export function checkAdmin(req: IncomingMessage, listener: ListenerRole, policy: AccessPolicy): void {
  const site = req.headers['sec-fetch-site'];
  if (req.headers.origin !== undefined || (site !== undefined && site !== 'none')) {
    throw new HttpError(ErrorCode.FORBIDDEN, 'admin routes refuse requests made by a web page (the request has an Origin or Sec-Fetch-Site header)');
  }
  if (policy.adminToken === undefined) {
    if (listener.role === 'admin') return;
    throw new HttpError(
      ErrorCode.FORBIDDEN,
      'admin routes are off on this listener: serve them on an admin listener (service.admin_port or service.admin_socket) or set a bearer token (service.admin_token or PRESENCE_SANDBOX_ADMIN_TOKEN)',
    );
  }
  const auth = req.headers.authorization ?? '';
  const match = /^bearer\s+(\S+)\s*$/i.exec(auth);
  if (!match || !sameSecret(match[1]!, policy.adminToken)) {
    throw new HttpError(ErrorCode.UNAUTHORIZED, 'admin routes need "Authorization: Bearer <service.admin_token>"', { 'www-authenticate': 'Bearer' });
  }
}

/** Compared as digests in constant time: neither length nor content leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
