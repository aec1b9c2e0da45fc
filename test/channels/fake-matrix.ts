/**
 * A local Matrix homeserver implementing "Send a message event to the given room"
 * (spec.matrix.org client-server API, `room_send.yaml`; channels BRIEF §4):
 * `PUT /_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}`. It checks what a
 * homeserver checks: the access token (`Authorization: Bearer`; none: 401 `M_MISSING_TOKEN`,
 * unknown: 401 `M_UNKNOWN_TOKEN` with `soft_logout`), the room (unknown: 404 `M_NOT_FOUND`; the
 * token's user not joined: 403 `M_FORBIDDEN`), a JSON object body with `msgtype` and `body`
 * strings (else 400 `M_BAD_JSON` / `M_NOT_JSON`), the 65,536-byte event limit (413
 * `M_TOO_LARGE`), and transaction idempotency: the same `txnId` from the same token answers
 * the event it already made, and posts nothing new. Errors are `{errcode, error}`; a forced
 * rate limit answers 429 `M_LIMIT_EXCEEDED` with `Retry-After` and the deprecated `retry_after_ms`.
 *
 * And "Synchronise the client's state" (`sync.yaml`): `GET /_matrix/client/v3/sync` with
 * `since`, `timeout` (a long poll: held until an event arrives in one of the user's rooms or
 * the timeout passes) and `filter` (inline JSON; `room.timeline.types` and `room.timeline.limit`
 * applied). Every event of a room — the bots' sends and what people say (`say`) — has a place
 * in one stream; `next_batch` is `s<position>`, and a sync from `since` answers the events after
 * it in the user's joined rooms (`rooms.join.<id>.timeline.events`, each with `type`,
 * `event_id`, `sender`, `origin_server_ts`, `content`). Without `since` the last `limit` events
 * of each room come back (the initial sync). A `since` the server never issued is 400
 * `M_INVALID_PARAM`; a filter that is not JSON is 400 `M_BAD_JSON`.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { startServer, type TestServer } from './helpers.js';

export interface MatrixEvent {
  event_id: string;
  room_id: string;
  sender: string;
  txnId: string;
  content: { msgtype: string; body: string; format?: string; formatted_body?: string; [k: string]: unknown };
}

export interface FakeMatrix extends TestServer {
  events: MatrixEvent[];
  /** A bot user with an access token; answers the token. */
  addBot(userId: string): string;
  /** A room with these members; answers its id. */
  addRoom(members: string[]): string;
  removeRoom(roomId: string): void;
  /** The next sends answer 429 M_LIMIT_EXCEEDED; `headerSeconds` null leaves out Retry-After (only retry_after_ms). */
  rateLimitNext(retryAfterMs: number, headerSeconds?: number | null): void;
  /** How many sends reached the server (including repeats of a transaction). */
  requests(): number;
  /** Someone writes in a room (optionally in reply to an event): the event, now in the room's timeline. */
  say(roomId: string, sender: string, body: string, inReplyTo?: string): MatrixEvent;
  /** Every /sync asked for: its since and timeout, and what it answered. */
  syncs: { since: string | null; timeout: number; status: number }[];
}

const err = (res: ServerResponse, status: number, errcode: string, error: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ errcode, error, ...extra }));
};

export async function startFakeMatrix(serverName = 'vigil.test'): Promise<FakeMatrix> {
  const events: MatrixEvent[] = [];
  // One stream over all rooms: position i + 1 is stream[i].
  const stream: { room_id: string; event: Record<string, unknown> }[] = [];
  const waiting = new Set<() => void>();
  const syncs: FakeMatrix['syncs'] = [];
  const append = (roomId: string, event: Record<string, unknown>) => {
    stream.push({ room_id: roomId, event: { ...event, origin_server_ts: Date.now() } });
    for (const wake of [...waiting]) wake();
  };
  const tokens = new Map<string, string>();
  const rooms = new Map<string, Set<string>>();
  const txns = new Map<string, string>();
  const limits: { ms: number; header: number | null }[] = [];
  let sends = 0;
  const sync = async (url: URL, user: string, res: ServerResponse) => {
    const sinceRaw = url.searchParams.get('since');
    const timeout = Math.min(Number(url.searchParams.get('timeout') ?? 0) || 0, 60_000);
    let since = 0;
    if (sinceRaw !== null) {
      const m = /^s(\d+)$/.exec(sinceRaw);
      if (!m || Number(m[1]) > stream.length) {
        syncs.push({ since: sinceRaw, timeout, status: 400 });
        return err(res, 400, 'M_INVALID_PARAM', 'Invalid since token');
      }
      since = Number(m[1]);
    }
    let filter: { room?: { timeline?: { types?: string[]; limit?: number } } } = {};
    const rawFilter = url.searchParams.get('filter');
    if (rawFilter !== null) {
      try {
        filter = JSON.parse(rawFilter) as typeof filter;
      } catch {
        syncs.push({ since: sinceRaw, timeout, status: 400 });
        return err(res, 400, 'M_BAD_JSON', 'filter is not JSON');
      }
    }
    const mine = (i: number) => rooms.get(stream[i]!.room_id)?.has(user) === true;
    const fresh = () => stream.some((_, i) => i >= since && mine(i));
    if (sinceRaw !== null && timeout > 0 && !fresh()) {
      // The long poll: held until something new arrives in one of the user's rooms, or the timeout.
      await new Promise<void>((resolve) => {
        const done = () => {
          waiting.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const wake = () => fresh() && done();
        const timer = setTimeout(done, timeout);
        waiting.add(wake);
      });
    }
    const types = filter.room?.timeline?.types;
    const limit = filter.room?.timeline?.limit ?? 10;
    const join: Record<string, { timeline: { events: Record<string, unknown>[]; limited: boolean } }> = {};
    stream.forEach((e, i) => {
      if (i < since || !mine(i)) return;
      if (types && !types.includes(String(e.event.type))) return;
      (join[e.room_id] ??= { timeline: { events: [], limited: false } }).timeline.events.push(e.event);
    });
    for (const room of Object.values(join)) {
      if (room.timeline.events.length > limit) {
        room.timeline.events = room.timeline.events.slice(-limit);
        room.timeline.limited = true;
      }
    }
    syncs.push({ since: sinceRaw, timeout, status: 200 });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ next_batch: `s${stream.length}`, rooms: { join, invite: {}, leave: {} }, presence: { events: [] }, account_data: { events: [] } }));
  };
  const server = await startServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/_matrix/client/v3/sync') {
      if (req.method !== 'GET') return err(res, 405, 'M_UNRECOGNIZED', 'Unrecognized request');
      const auth = req.headers.authorization;
      if (!auth) return err(res, 401, 'M_MISSING_TOKEN', 'Missing access token');
      const user = /^Bearer (\S+)$/.exec(auth) ? tokens.get(auth.slice(7)) : undefined;
      if (!user) return err(res, 401, 'M_UNKNOWN_TOKEN', 'Invalid access token passed.', { soft_logout: false });
      void sync(url, user, res);
      return;
    }
    const m = /^\/_matrix\/client\/v3\/rooms\/([^/]+)\/send\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (!m) return err(res, 404, 'M_UNRECOGNIZED', 'Unrecognized request');
    if (req.method !== 'PUT') return err(res, 405, 'M_UNRECOGNIZED', 'Unrecognized request');
    sends++;
    const auth = req.headers.authorization;
    if (!auth) return err(res, 401, 'M_MISSING_TOKEN', 'Missing access token');
    const user = /^Bearer (\S+)$/.exec(auth) ? tokens.get(auth.slice(7)) : undefined;
    if (!user) return err(res, 401, 'M_UNKNOWN_TOKEN', 'Invalid access token passed.', { soft_logout: false });
    const limit = limits.shift();
    if (limit) return err(res, 429, 'M_LIMIT_EXCEEDED', 'Too Many Requests', { retry_after_ms: limit.ms }, limit.header === null ? {} : { 'retry-after': String(limit.header) });
    const roomId = decodeURIComponent(m[1]!);
    const eventType = decodeURIComponent(m[2]!);
    const txnId = decodeURIComponent(m[3]!);
    const members = rooms.get(roomId);
    if (!members) return err(res, 404, 'M_NOT_FOUND', 'Unknown room');
    if (!members.has(user)) return err(res, 403, 'M_FORBIDDEN', `User ${user} not in room ${roomId}`);
    const seen = txns.get(`${auth}|${txnId}`);
    if (seen) {
      // A repeated transaction answers the first event's id (the spec's idempotency); nothing new is posted.
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ event_id: seen }));
    }
    if (req.body.length > 65_536) return err(res, 413, 'M_TOO_LARGE', 'event too large');
    let content: MatrixEvent['content'];
    try {
      content = JSON.parse(req.body.toString('utf8')) as MatrixEvent['content'];
    } catch {
      return err(res, 400, 'M_NOT_JSON', 'Content not JSON.');
    }
    if (!content || typeof content !== 'object' || Array.isArray(content)) return err(res, 400, 'M_BAD_JSON', 'Content must be a JSON object.');
    if (eventType === 'm.room.message' && (typeof content.msgtype !== 'string' || typeof content.body !== 'string')) return err(res, 400, 'M_BAD_JSON', "'msgtype' and 'body' must be strings");
    if (content.format !== undefined && typeof content.formatted_body !== 'string') return err(res, 400, 'M_BAD_JSON', "'formatted_body' must be a string when 'format' is set");
    const event: MatrixEvent = { event_id: `$${randomBytes(16).toString('base64url')}`, room_id: roomId, sender: user, txnId, content };
    events.push(event);
    txns.set(`${auth}|${txnId}`, event.event_id);
    append(roomId, { type: eventType, event_id: event.event_id, sender: user, content });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ event_id: event.event_id }));
  });
  return Object.assign(server, {
    events,
    addBot: (userId: string) => {
      const token = `syt_${randomBytes(18).toString('base64url')}`;
      tokens.set(token, userId);
      return token;
    },
    addRoom: (members: string[]) => {
      const id = `!${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}:${serverName}`;
      rooms.set(id, new Set(members));
      return id;
    },
    removeRoom: (roomId: string) => void rooms.delete(roomId),
    rateLimitNext: (retryAfterMs: number, headerSeconds: number | null = Math.ceil(retryAfterMs / 1000)) => void limits.push({ ms: retryAfterMs, header: headerSeconds }),
    requests: () => sends,
    syncs,
    say: (roomId: string, sender: string, body: string, inReplyTo?: string) => {
      const content: MatrixEvent['content'] = { msgtype: 'm.text', body, ...(inReplyTo ? { 'm.relates_to': { 'm.in_reply_to': { event_id: inReplyTo } } } : {}) };
      const event: MatrixEvent = { event_id: `$${randomBytes(16).toString('base64url')}`, room_id: roomId, sender, txnId: '', content };
      append(roomId, { type: 'm.room.message', event_id: event.event_id, sender, content });
      return event;
    },
  });
}
