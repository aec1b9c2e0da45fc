/**
 * Reading replies to Matrix pages (channels BRIEF §4): the organization's bot account long-polls
 * `GET {homeserver}/_matrix/client/v3/sync?since=…&timeout=…&filter=…` with its access token.
 * The filter keeps only `m.room.message` events of joined rooms' timelines (no presence, state,
 * account data or ephemeral events), so a batch stays small. `next_batch` is the position to
 * pass as `since` next time; a sync without `since` answers the rooms' recent history, which is
 * never acted on (the caller only records the position).
 *
 * Replies: `ack 42` / `ack #42` / `acknowledge 42` (any case), or `ack` alone in a reply to a
 * page (`m.relates_to.m.in_reply_to.event_id`: the page's event id, which the deliver module
 * recorded as the notification's provider id). Clients quote the replied-to message in `body`
 * as `> ` lines before the reply itself (the reply fallback); those lines are dropped.
 *
 * The confirmation is an `m.notice` (it should not wake anyone) sent with a transaction id
 * derived from the reply's event id, so a batch read twice (a node died before recording its
 * position) confirms once.
 */
import { createHash } from 'node:crypto';
import { sendHttp, type HttpOptions } from '../http.js';

export interface MatrixRoomMessage {
  roomId: string;
  eventId: string;
  sender: string;
  body: string;
  /** The event this message replies to, if it is a reply. */
  inReplyTo: string | null;
}

export type SyncResult = { ok: true; nextBatch: string; messages: MatrixRoomMessage[] } | { ok: false; reason: string };

const FILTER = JSON.stringify({
  presence: { types: [] },
  account_data: { types: [] },
  room: { timeline: { types: ['m.room.message'], limit: 50 }, state: { types: [] }, ephemeral: { types: [] }, account_data: { types: [] } },
});

/** A reply to a sync can hold up to 50 events per room: read up to 4 MiB of it. */
const MAX_SYNC_BYTES = 4 * 1024 * 1024;

/** The /sync URL: from `since` (none: the first sync), waiting at most `timeoutMs` for something new. */
export function syncUrl(homeserver: string, since: string | null, timeoutMs: number): URL {
  const url = new URL(`${homeserver.replace(/\/+$/, '')}/_matrix/client/v3/sync`);
  url.searchParams.set('filter', FILTER);
  url.searchParams.set('timeout', String(Math.max(0, Math.floor(timeoutMs))));
  if (since) url.searchParams.set('since', since);
  return url;
}

/** The room messages of a /sync answer, in the order the rooms and their timelines give them. Pure. */
export function messagesOfSync(body: unknown): MatrixRoomMessage[] {
  const join = (body as { rooms?: { join?: Record<string, { timeline?: { events?: unknown[] } }> } } | null)?.rooms?.join;
  if (!join || typeof join !== 'object') return [];
  const out: MatrixRoomMessage[] = [];
  for (const [roomId, room] of Object.entries(join)) {
    for (const e of room?.timeline?.events ?? []) {
      const ev = e as { type?: unknown; event_id?: unknown; sender?: unknown; content?: { body?: unknown; msgtype?: unknown; 'm.relates_to'?: { 'm.in_reply_to'?: { event_id?: unknown } } } };
      if (ev.type !== 'm.room.message' || typeof ev.event_id !== 'string' || typeof ev.sender !== 'string' || typeof ev.content?.body !== 'string') continue;
      if (ev.content.msgtype !== 'm.text') continue;
      const replyTo = ev.content['m.relates_to']?.['m.in_reply_to']?.event_id;
      out.push({ roomId, eventId: ev.event_id, sender: ev.sender, body: ev.content.body, inReplyTo: typeof replyTo === 'string' ? replyTo : null });
    }
  }
  return out;
}

/** One /sync. Never throws: a failure is a short reason (`http_401`, `timeout`, `bad_reply`). */
export async function readSync(homeserver: string, accessToken: string, since: string | null, timeoutMs: number, http: HttpOptions, signal?: AbortSignal): Promise<SyncResult> {
  let url: URL;
  try {
    url = syncUrl(homeserver, since, timeoutMs);
  } catch {
    return { ok: false, reason: 'invalid_url' };
  }
  const attempt = await sendHttp('GET', url, new Headers({ Authorization: `Bearer ${accessToken}`, Accept: 'application/json' }), '', { ...http, timeoutMs: timeoutMs + (http.timeoutMs ?? 10_000), maxReplyBytes: MAX_SYNC_BYTES }, signal);
  if ('failure' in attempt) return { ok: false, reason: attempt.failure.kind === 'sent' ? 'unknown' : attempt.failure.reason };
  const { reply } = attempt;
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(reply.body);
  } catch {
    // A proxy's page, or a reply cut at the cap.
  }
  const body = (parsed && typeof parsed === 'object' ? parsed : {}) as { next_batch?: unknown; errcode?: unknown };
  if (reply.status !== 200) return { ok: false, reason: typeof body.errcode === 'string' && /^[A-Z0-9_.]{1,64}$/i.test(body.errcode) ? `matrix_${body.errcode}` : `http_${reply.status}` };
  if (typeof body.next_batch !== 'string') return { ok: false, reason: 'bad_reply' };
  return { ok: true, nextBatch: body.next_batch, messages: messagesOfSync(parsed) };
}

export interface AckCommand {
  /** The incident number, or null for a bare `ack` (a reply to a page says which). */
  number: number | null;
}

/** `ack 42`, `ack #42`, `acknowledge 42`, or `ack` alone (case-insensitive; a trailing `.` or `!` ignored; reply quotes dropped). Anything else is null. Pure. */
export function parseAckCommand(body: string): AckCommand | null {
  const lines = body.split('\n');
  // The reply fallback: quoted lines, then an empty line, then the reply.
  let i = 0;
  while (i < lines.length && lines[i]!.startsWith('>')) i++;
  const text = lines
    .slice(i)
    .join(' ')
    .trim()
    .replace(/[.!]+$/, '')
    .trim()
    .toLowerCase();
  const m = /^(?:ack|acknowledge)(?:\s+#?(\d{1,9}))?$/.exec(text);
  if (!m) return null;
  const number = m[1] === undefined ? null : Number(m[1]);
  if (number !== null && number < 1) return null;
  return { number };
}

/** A transaction id for the confirmation of one reply: the same however often the reply is read. */
export const confirmationTxnId = (eventId: string) => `vigil.ack.${createHash('sha256').update(eventId).digest('base64url').slice(0, 32)}`;

/** Sends an `m.notice` in reply to `eventId`; true when the homeserver took it. */
export async function sendNotice(homeserver: string, accessToken: string, roomId: string, replyTo: string, text: string, http: HttpOptions): Promise<boolean> {
  let url: URL;
  try {
    url = new URL(`${homeserver.replace(/\/+$/, '')}/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${encodeURIComponent(confirmationTxnId(replyTo))}`);
  } catch {
    return false;
  }
  const content = { msgtype: 'm.notice', body: text, 'm.relates_to': { 'm.in_reply_to': { event_id: replyTo } } };
  const attempt = await sendHttp('PUT', url, new Headers({ 'Content-Type': 'application/json', Authorization: `Bearer ${accessToken}` }), JSON.stringify(content), http);
  return !('failure' in attempt) && attempt.reply.status === 200;
}
