/**
 * HTTP/1.1 by hand on a plain TCP socket, for what fetch will not send: malformed targets and headers,
 * lying Content-Lengths, slow or partial requests, and clients that never read.
 */
import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  status: number;
  head: string;
  headers: Record<string, string>;
  body: string;
  /** The server closed the connection (after the answer, or without one). */
  closed: boolean;
  /** Everything read, as latin1 text (with waitForClose: every pipelined answer). */
  text: string;
}

export function openSocket(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname.replace(/^\[|\]$/g, ''), () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Read one answer from `socket` (the whole of it by Content-Length, or until the server closes). */
export function readAnswer(socket: Socket, waitForClose = false): Promise<RawAnswer> {
  return new Promise((resolve) => {
    let data = Buffer.alloc(0);
    let closed = false;
    const finish = () => {
      const text = data.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const head = end < 0 ? text : text.slice(0, end);
      const headers: Record<string, string> = {};
      for (const line of head.split('\r\n').slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      socket.off('data', onData);
      resolve({ status, head, headers, body: end < 0 ? '' : data.subarray(end + 4).toString('utf8'), closed, text });
    };
    const complete = () => {
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return false;
      const length = /\r\ncontent-length: *(\d+)/i.exec(data.subarray(0, end).toString('latin1'))?.[1];
      return length !== undefined && data.length - end - 4 >= Number(length);
    };
    const onData = (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (!waitForClose && complete()) finish();
    };
    socket.on('data', onData);
    socket.once('close', () => {
      closed = true;
      finish();
    });
    socket.once('error', () => {});
  });
}

/** Send `request` on a fresh connection and read the answer. */
export async function raw(url: string, request: string | Buffer, waitForClose = false): Promise<RawAnswer> {
  const socket = await openSocket(url);
  const answer = readAnswer(socket, waitForClose);
  socket.write(request);
  const result = await answer;
  if (!waitForClose) socket.destroy();
  return result;
}

/** Resolves when the server closes `socket`. */
export function closedByServer(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) return resolve();
    socket.once('close', () => resolve());
    socket.once('error', () => {});
    socket.resume();
  });
}
