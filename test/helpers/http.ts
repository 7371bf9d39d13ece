/** Real HTTP on loopback for service tests: fetch wrappers that never throw on a status. */
import { pack, unpack } from 'msgpackr';

export interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

export async function post(url: string, body: unknown, msgpack = false): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': msgpack ? 'application/msgpack' : 'application/json' },
    body: msgpack ? pack(body) : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return answer(res);
}

export async function get(url: string, msgpack = false): Promise<Answer> {
  return answer(await fetch(url, { headers: msgpack ? { accept: 'application/msgpack' } : {} }));
}

async function answer(res: Response): Promise<Answer> {
  const type = res.headers.get('content-type') ?? '';
  const bytes = new Uint8Array(await res.arrayBuffer());
  const body = type.startsWith('application/msgpack')
    ? unpack(bytes)
    : type.startsWith('application/json')
      ? JSON.parse(new TextDecoder().decode(bytes))
      : new TextDecoder().decode(bytes);
  return { status: res.status, headers: res.headers, body };
}
