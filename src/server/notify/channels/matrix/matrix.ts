/**
 * Matrix through the client-server API (channels BRIEF §4): a bot account's access token (the
 * method's write-only secret, sealed at rest) sends an `m.room.message` to a room it has joined:
 * `PUT {homeserver}/_matrix/client/v3/rooms/{roomId}/send/m.room.message/{txnId}`.
 *
 * The transaction id is derived from the message's idempotency key (stable for one outbox row,
 * or for one bundle of rows), so a retry after a lost answer reuses it and the homeserver
 * answers the event it already made instead of posting twice.
 *
 * `m.text`, never `m.notice`: the default push rule `.m.rule.suppress_notices` silences
 * notices. `body` is the plain-text fallback (required), `formatted_body` the same in the
 * safe HTML subset clients render (`org.matrix.custom.html`), every interpolated string
 * escaped. Acknowledge / Resolve / Open are links to the single-use action pages.
 *
 * The stored address is `<homeserver base URL>#<room id>`, e.g.
 * `https://matrix.example.org/#!AbCdEf:example.org`: one string, unique per person and room.
 */
import { createHash } from 'node:crypto';
import type { ChannelAdapter, DeliveryResult, Destination, IncidentView, Message } from '../../channel.js';
import { permanent } from '../../channel.js';
import { classifyStatus, parseRetryAfter, sendHttp, withDetail, type HttpOptions } from '../http.js';
import { bundleHeadline, eventLabel, confirmSuffix, incidentStatusLine, isTest, isVerification, oneLine, tr, truncate } from '../text.js';

/** `!opaque:server.name` (the room's id, not an alias: sending needs the id). */
export const MATRIX_ROOM_ID = /^![\x21-\x39\x3b-\x7e]{1,200}:[A-Za-z0-9.-]+(:\d{1,5})?$/;
/** A whole event may not exceed 65,536 bytes; the content stays well below. */
const MAX_CONTENT_BYTES = 60_000;

export interface MatrixTarget {
  /** The homeserver's base URL, without a trailing slash (the client-server API hangs below it). */
  homeserver: string;
  roomId: string;
}

/** Splits a stored address (`https://hs.example.org/#!room:example.org`); a string on a bad one. */
export function parseMatrixAddress(address: string): MatrixTarget | string {
  let url: URL;
  try {
    url = new URL(address.trim());
  } catch {
    return 'must be the homeserver URL (https://matrix.example.org)';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `scheme ${url.protocol} not allowed (http or https)`;
  if (url.username || url.password || url.search) return 'credentials or a query in the homeserver URL are not allowed';
  const roomId = decodeURIComponent(url.hash.slice(1));
  if (!roomId) return 'the room id is missing (room_id, such as !AbCdEf:example.org)';
  if (!MATRIX_ROOM_ID.test(roomId)) return `room id ${JSON.stringify(roomId.slice(0, 80))} must look like !opaque:server.name (a room's id from its settings, not an alias)`;
  return { homeserver: `${url.origin}${url.pathname.replace(/\/+$/, '')}`, roomId };
}

/** The address to store for a homeserver URL and a room id. */
export function matrixAddress(homeserver: string, roomId: string): string {
  return `${homeserver}/#${roomId}`;
}

/** A transaction id for a message: the same for every retry of it, safe in a path segment. */
export function matrixTxnId(msg: Message): string {
  return `vigil.${createHash('sha256').update(msg.idempotencyKey).digest('base64url').slice(0, 32)}`;
}

export interface MatrixMessageContent {
  msgtype: 'm.text';
  body: string;
  format: 'org.matrix.custom.html';
  formatted_body: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

function links(msg: Message, inc: IncidentView): { text: string; url: string }[] {
  const out: { text: string; url: string }[] = [];
  if (inc.ackUrl && inc.status === 'triggered') out.push({ text: tr(msg, 'action.acknowledge'), url: inc.ackUrl });
  if (inc.resolveUrl && inc.status !== 'resolved') out.push({ text: tr(msg, 'action.resolve'), url: inc.resolveUrl });
  out.push({ text: tr(msg, 'action.openNumber', { number: inc.number }), url: inc.htmlUrl });
  return out;
}

function incidentParts(msg: Message, inc: IncidentView, heading: boolean): { plain: string[]; html: string[] } {
  const title = tr(msg, 'text.incidentTitle', { number: inc.number, label: eventLabel(msg.eventType, msg.locale), title: truncate(oneLine(inc.title), 300) });
  const where = incidentStatusLine(inc, msg.locale);
  const plain = [heading ? title : `#${inc.number} ${truncate(oneLine(inc.title), 200)} · ${where}`];
  const html = [heading ? `<b>${esc(title)}</b><br>` : `<b>#${inc.number}</b> ${esc(truncate(oneLine(inc.title), 200))} · ${esc(where)}<br>`];
  if (heading) {
    plain.push(where);
    html.push(`${esc(where)}<br>`);
    if (inc.impactLine) {
      plain.push(oneLine(inc.impactLine));
      html.push(`${esc(oneLine(inc.impactLine))}<br>`);
    }
    if (inc.assignees.length) {
      const who = tr(msg, 'text.assignedTo', { names: inc.assignees.map((a) => oneLine(a.name)).join(', ') });
      plain.push(who);
      html.push(`${esc(who)}<br>`);
    }
  }
  const ls = links(msg, inc);
  plain.push(ls.map((l) => `${l.text}: ${l.url}`).join('\n'));
  html.push(ls.map((l) => `<a href="${esc(l.url)}">${esc(l.text)}</a>`).join(' · '));
  return { plain, html };
}

/** The event content for one message. Pure. */
export function buildMatrixContent(msg: Message): MatrixMessageContent {
  const content = (plain: string[], html: string[]): MatrixMessageContent => ({ msgtype: 'm.text', body: plain.join('\n'), format: 'org.matrix.custom.html', formatted_body: html.join('') });
  if (isVerification(msg)) return content([tr(msg, 'chat.verification', { org: oneLine(msg.orgName), code: msg.code ?? '' })], [tr(msg, 'chat.verification', { org: esc(oneLine(msg.orgName)), code: `<b>${esc(msg.code ?? '')}</b>` })]);
  if (msg.incidents.length === 0) {
    if (isTest(msg)) return content([`${tr(msg, 'chat.testPrefix', { text: tr(msg, 'matrix.test', { org: oneLine(msg.orgName) }) })}${confirmSuffix(msg)}`], [`${esc(tr(msg, 'chat.testPrefix', { text: tr(msg, 'matrix.test', { org: oneLine(msg.orgName) }) }))}${esc(confirmSuffix(msg))}`]);
    const subject = oneLine(msg.notice?.subject ?? 'Vigil');
    const text = truncate(msg.notice?.text ?? '', 20_000);
    return content([subject, text], [`<b>${esc(subject)}</b><br>`, esc(text).replace(/\n/g, '<br>')]);
  }
  const plain: string[] = [];
  const html: string[] = [];
  if (msg.note) {
    const note = tr(msg, 'text.note', { content: truncate(oneLine(msg.note.content), 1000) });
    plain.push(note);
    html.push(`<i>${esc(note)}</i><br>`);
  }
  if (msg.incidents.length === 1) {
    const p = incidentParts(msg, msg.incidents[0]!, true);
    plain.push(...p.plain);
    html.push(...p.html);
  } else {
    const head = bundleHeadline(msg);
    plain.push(head);
    html.push(`<b>${esc(head)}</b><ul>`);
    for (const inc of msg.incidents) {
      const p = incidentParts(msg, inc, false);
      plain.push(...p.plain);
      html.push(`<li>${p.html.join('')}</li>`);
      if (Buffer.byteLength(plain.join('\n')) + Buffer.byteLength(html.join('')) > MAX_CONTENT_BYTES - 2_000) {
        plain.push('…');
        html.push('<li>…</li>');
        break;
      }
    }
    html.push('</ul>');
  }
  return content(plain, html);
}

export class MatrixChannel implements ChannelAdapter {
  readonly type = 'matrix' as const;
  readonly #opts: HttpOptions;

  constructor(opts: HttpOptions = {}) {
    this.#opts = opts;
  }

  /**
   * 200 `{event_id}` is delivered (the event id is the provider id). Errors are
   * `{errcode, error}`; the reason is `matrix_<errcode>`:
   * - 429 `M_LIMIT_EXCEEDED`: retried after `Retry-After`, or the deprecated `retry_after_ms`;
   * - 401 `M_UNKNOWN_TOKEN` / `M_MISSING_TOKEN`, 403 `M_FORBIDDEN` (the bot is not in the room,
   *   or may not post): the credential or membership is wrong, for good;
   * - 404 `M_NOT_FOUND` (the room is unknown to the homeserver): the method is removed
   *   (`destinationGone`) and the page moves on;
   * - 5xx and transport failures: retried.
   */
  async send(dest: Destination, msg: Message, signal?: AbortSignal): Promise<DeliveryResult> {
    const target = parseMatrixAddress(dest.address);
    if (typeof target === 'string') return withDetail(permanent('invalid_url'), target);
    const token = dest.secrets?.[0];
    if (!token) return withDetail(permanent('matrix_no_access_token'), 'the method has no access token');
    const url = new URL(`${target.homeserver}/_matrix/client/v3/rooms/${encodeURIComponent(target.roomId)}/send/m.room.message/${encodeURIComponent(matrixTxnId(msg))}`);
    const headers = new Headers({ 'Content-Type': 'application/json', Authorization: `Bearer ${token}` });
    // A mention of the person (`m.mentions`, spec v1.7+) matches the default push rule `.m.rule.is_user_mention`: notify, sound, highlight.
    const content = dest.mentions?.length ? { ...buildMatrixContent(msg), 'm.mentions': { user_ids: dest.mentions } } : buildMatrixContent(msg);
    const attempt = await sendHttp('PUT', url, headers, JSON.stringify(content), this.#opts, signal);
    if ('failure' in attempt) return attempt.failure;
    const { reply } = attempt;
    const now = (this.#opts.now ?? Date.now)();
    let body: { event_id?: unknown; errcode?: unknown; error?: unknown; retry_after_ms?: unknown } = {};
    try {
      body = JSON.parse(reply.body) as typeof body;
    } catch {
      // A reverse proxy's HTML page: the status says enough.
    }
    const result = classifyStatus(reply, now);
    if (result.kind === 'sent') return typeof body.event_id === 'string' ? { kind: 'sent', providerId: body.event_id } : result;
    const errcode = typeof body.errcode === 'string' && /^[A-Z0-9_.]{1,64}$/i.test(body.errcode) ? body.errcode : null;
    const reason = errcode ? `matrix_${errcode}` : result.reason;
    const detail = typeof body.error === 'string' ? body.error : reply.body.trim();
    if (reply.status === 429 || errcode === 'M_LIMIT_EXCEEDED') {
      const header = parseRetryAfter(reply.headers.get('retry-after'), now);
      const after = header ?? (typeof body.retry_after_ms === 'number' && body.retry_after_ms >= 0 ? body.retry_after_ms : undefined);
      return withDetail(after !== undefined ? { kind: 'retryable', reason, retryAfterMs: after } : { kind: 'retryable', reason }, detail);
    }
    if (reply.status === 404 && errcode === 'M_NOT_FOUND') return withDetail({ kind: 'permanent', reason, destinationGone: true }, detail);
    return withDetail({ ...result, reason }, detail);
  }
}
