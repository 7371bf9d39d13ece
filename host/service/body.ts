/** Request bodies: size-capped, JSON or msgpack by Content-Type, errors that name what is wrong. */
import type { IncomingMessage } from 'node:http';
import { Unpackr } from 'msgpackr';
import { ErrorCode, SandboxError } from '../errors.js';

export const MSGPACK = 'application/msgpack';

export function wantsMsgpack(req: IncomingMessage): boolean {
  return (req.headers['content-type'] ?? '').startsWith(MSGPACK) || (req.headers.accept ?? '').startsWith(MSGPACK);
}

// Untrusted input: plain maps as objects, no records or extension tricks beyond msgpackr's defaults.
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

export async function readBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const bytes = await readBytes(req, maxBytes);
  if ((req.headers['content-type'] ?? '').startsWith(MSGPACK)) {
    try {
      return unpackr.unpack(bytes);
    } catch (err) {
      throw new SandboxError(ErrorCode.INVALID_INPUT, `body: malformed msgpack: ${(err as Error).message}`, { path: 'body' });
    }
  }
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new SandboxError(ErrorCode.INVALID_INPUT, `body: malformed JSON: ${(err as Error).message}`, { path: 'body' });
  }
}

/** The raw body, size-capped (the binary wire reads it unparsed: host/service/batch-wire.ts). */
export async function readBytes(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk as Buffer);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

function tooLarge(maxBytes: number): SandboxError {
  return new SandboxError(ErrorCode.INVALID_INPUT, `body: larger than the cap of ${maxBytes} bytes`, { path: 'body' });
}
