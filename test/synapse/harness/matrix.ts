/** Just enough of the Matrix client-server API for the tests: register, log in, set presence, /sync. */
import { createHmac } from 'node:crypto';
import { SERVER_NAME, type Synapse } from './synapse.js';

export interface PresenceEvent {
  sender: string;
  content: { presence: string; status_msg?: string; currently_active?: boolean };
}

export interface SyncAnswer {
  status: number;
  nextBatch: string;
  presence: PresenceEvent[];
}

async function call(method: string, url: string, token?: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

export class User {
  private polls = 0;

  constructor(
    readonly synapse: Synapse,
    readonly localpart: string,
    readonly password: string,
    readonly token: string,
  ) {}

  get id(): string {
    return `@${this.localpart}:${SERVER_NAME}`;
  }

  /** Synapse's shared-secret admin registration (HMAC-SHA1 over nonce, user, password, admin flag). */
  static async register(synapse: Synapse, localpart: string): Promise<User> {
    const password = `pw-${localpart}-${Math.random().toString(36).slice(2)}`;
    const { json: nonce } = await call('GET', `${synapse.url}/_synapse/admin/v1/register`);
    const mac = createHmac('sha1', synapse.registrationSecret)
      .update(`${nonce.nonce}\0${localpart}\0${password}\0notadmin`)
      .digest('hex');
    const { status, json } = await call('POST', `${synapse.url}/_synapse/admin/v1/register`, undefined, {
      nonce: nonce.nonce, username: localpart, password, admin: false, mac,
    });
    if (status !== 200) throw new Error(`register ${localpart}: ${status} ${JSON.stringify(json)}`);
    return new User(synapse, localpart, password, json.access_token);
  }

  /** A new device: its first /sync is a fresh initial sync (answers are cached per device for a while). */
  async newDevice(): Promise<User> {
    const { status, json } = await call('POST', `${this.synapse.url}/_matrix/client/v3/login`, undefined, {
      type: 'm.login.password', identifier: { type: 'm.id.user', user: this.localpart }, password: this.password,
    });
    if (status !== 200) throw new Error(`login ${this.localpart}: ${status} ${JSON.stringify(json)}`);
    return new User(this.synapse, this.localpart, this.password, json.access_token);
  }

  async setPresence(presence: string, statusMsg: string): Promise<number> {
    const { status } = await call('PUT', `${this.synapse.url}/_matrix/client/v3/presence/${encodeURIComponent(this.id)}/status`, this.token, {
      presence, status_msg: statusMsg,
    });
    return status;
  }

  /**
   * /sync without changing this user's own presence (set_presence=offline), so the only presence in it
   * is other users'. `since` absent: an initial sync.
   */
  async sync(since?: string, timeoutMs = 0): Promise<SyncAnswer> {
    // Synapse caches /sync answers by (user, device, since, timeout, ...) for minutes: a distinct timeout
    // (one more millisecond each call) makes every poll a fresh look.
    const query = new URLSearchParams({ timeout: String(timeoutMs + this.polls++), set_presence: 'offline' });
    if (since) query.set('since', since);
    const { status, json } = await call('GET', `${this.synapse.url}/_matrix/client/v3/sync?${query}`, this.token);
    return { status, nextBatch: json?.next_batch ?? since ?? '', presence: json?.presence?.events ?? [] };
  }
}

export function presenceOf(answer: SyncAnswer, userId: string): PresenceEvent | undefined {
  return answer.presence.filter((e) => e.sender === userId).at(-1);
}
