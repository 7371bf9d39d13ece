/**
 * Request bodies as bytes, capped. A body declared over the cap is refused before a byte of it is read;
 * one that grows past it (chunked) is refused as soon as it does. Either way the answer is a 413 and
 * the connection is closed rather than drained (answer.ts), so the rest is never read.
 */
import type { IncomingMessage } from 'node:http';
import { ErrorCode, SandboxError } from '../errors.js';

export function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  // Node's parser has already refused a malformed or repeated Content-Length.
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) return Promise.reject(tooLarge(maxBytes, `declares ${declared} bytes`));
  if (req.destroyed) return Promise.reject(gone());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onGone);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        done();
        req.pause();
        reject(tooLarge(maxBytes, 'grew past it'));
      } else chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(Buffer.concat(chunks, size));
    };
    const onGone = () => {
      done();
      reject(gone());
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('close', onGone);
  });
}

function gone(): SandboxError {
  return new SandboxError(ErrorCode.BAD_REQUEST, 'body: the connection closed before the whole body arrived', { path: 'body' });
}

function tooLarge(maxBytes: number, what: string): SandboxError {
  return new SandboxError(ErrorCode.BODY_TOO_LARGE, `body: ${what}, over the cap of ${maxBytes} bytes (service.max_body_bytes)`, { path: 'body' });
}
