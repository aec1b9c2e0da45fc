/**
 * Web Push (RFC 8030 delivery, RFC 8291 aes128gcm encryption, RFC 8292 VAPID) to a
 * browser's push service. The `web-push` package builds the request (encrypts the payload
 * to the subscription's keys, signs the VAPID JWT); the POST itself goes through the
 * shared HTTP helper like every other channel, so timeouts, outbound-address policy and
 * error classification are the same.
 *
 * The payload is small JSON the service worker (src/web/public/sw.js) turns into a
 * notification: what, where, how many people, with Acknowledge / Resolve / Open actions
 * whose URLs are the single-use action links. High urgency goes with `Urgency: high`, and
 * asks for `requireInteraction` and `renotify` (Chromium honours them; iOS ignores them).
 *
 * 404 and 410 mean the subscription has expired or the user unsubscribed (RFC 8030 §7.3):
 * permanent, and the method is removed (`destinationGone`) so it is never tried again.
 */
import type webPush from 'web-push';
import { lazyRequire } from '../../../lib/lazy-require.js';

/** Web Push's library (and its crypto dependencies), loaded with the first push sent. */
const loadWebPush = lazyRequire<typeof webPush>('web-push');
import type { ChannelAdapter, DeliveryResult, Destination, IncidentView, Message } from '../../channel.js';
import { permanent, retryable } from '../../channel.js';
import { classifyStatus, parseHttpUrl, postHttp, withDetail, type HttpOptions } from '../http.js';
import { bundleHeadline, incidentTitle, isTest, isVerification, oneLine, tr, truncate, urgencyWords } from '../text.js';

export interface PushAction {
  action: 'ack' | 'resolve' | 'open';
  title: string;
  /** ack/resolve: the single-use link the service worker POSTs; open: the page to open. */
  url: string;
}

/** What the service worker receives (after decryption). */
export interface PushPayload {
  v: 1;
  title: string;
  body: string;
  /** Same tag replaces the earlier notification (per incident, or per message). */
  tag: string;
  url: string;
  urgency: 'high' | 'low';
  requireInteraction: boolean;
  renotify: boolean;
  actions: PushAction[];
}

/** RFC 8030 §7.2: push services accept at least 4096 bytes; aes128gcm takes 103 of them. */
const MAX_PLAINTEXT_BYTES = 3_900;

function incidentBody(msg: Message, inc: IncidentView): string {
  const parts = [`${oneLine(inc.service.name)} · ${urgencyWords(inc.urgency, msg.locale)}`];
  if (inc.impactLine) parts.push(oneLine(inc.impactLine));
  if (inc.assignees.length) parts.push(tr(msg, 'text.assignedTo', { names: inc.assignees.map((a) => oneLine(a.name)).join(', ') }));
  return parts.join('\n');
}

/** The notification for one message. Pure. */
export function buildPushPayload(msg: Message, baseUrl: string): PushPayload {
  const loud = msg.kind === 'page' && msg.eventType === 'incident.triggered' && msg.incidents.some((i) => i.urgency === 'high');
  const base = { v: 1 as const, urgency: loud ? ('high' as const) : ('low' as const), requireInteraction: loud, renotify: loud };
  if (msg.incidents.length === 0) {
    const verification = isVerification(msg);
    return {
      ...base,
      title: verification ? tr(msg, 'text.verificationTitle') : isTest(msg) ? tr(msg, 'push.testTitle') : (msg.notice?.subject ?? 'Vigil'),
      body: verification ? tr(msg, 'push.verificationBody', { org: oneLine(msg.orgName), code: msg.code ?? '' }) : isTest(msg) ? `${tr(msg, 'push.testBody', { org: oneLine(msg.orgName) })}${msg.confirmUrl ? tr(msg, 'push.tapToConfirm') : ''}` : (msg.notice?.text ?? ''),
      tag: `vigil-${msg.kind}`,
      url: msg.confirmUrl ?? baseUrl + '/',
      actions: [],
    };
  }
  if (msg.incidents.length === 1) {
    const inc = msg.incidents[0]!;
    const actions: PushAction[] = [];
    if (inc.ackUrl && inc.status === 'triggered') actions.push({ action: 'ack', title: tr(msg, 'action.acknowledge'), url: inc.ackUrl });
    if (inc.resolveUrl && inc.status !== 'resolved') actions.push({ action: 'resolve', title: tr(msg, 'action.resolve'), url: inc.resolveUrl });
    actions.push({ action: 'open', title: tr(msg, 'action.open'), url: inc.htmlUrl });
    return { ...base, title: truncate(incidentTitle(msg, inc), 120), body: truncate(incidentBody(msg, inc), 1_000), tag: `vigil-incident-${inc.id}`, url: inc.htmlUrl, actions };
  }
  return {
    ...base,
    title: bundleHeadline(msg),
    body: truncate(msg.incidents.map((i) => `#${i.number} ${oneLine(i.title)} · ${oneLine(i.service.name)}${i.impactLine ? ` · ${oneLine(i.impactLine)}` : ''}`).join('\n'), 2_000),
    tag: `vigil-bundle-${msg.incidents[0]!.id}`,
    url: `${baseUrl}/incidents`,
    actions: [{ action: 'open', title: tr(msg, 'action.open'), url: `${baseUrl}/incidents` }],
  };
}

export interface PushSettings extends HttpOptions {
  /** VAPID `sub`: a mailto: or https: contact for the push service's operators. */
  subject: string;
  /** The web app's address, for links in messages without an incident. */
  baseUrl: string;
}

const TTL_SECONDS = { page: 3_600, verification: 900, test: 3_600, status: 3_600 } as const;

export class PushChannel implements ChannelAdapter {
  readonly type = 'push' as const;
  readonly #opts: PushSettings;

  constructor(opts: PushSettings) {
    this.#opts = opts;
  }

  async send(dest: Destination, msg: Message, signal?: AbortSignal): Promise<DeliveryResult> {
    const url = parseHttpUrl(dest.address);
    if (!(url instanceof URL)) return url;
    const push = dest.push;
    if (!push) return withDetail(permanent('push_keys_missing'), 'the subscription has no keys or its VAPID key is gone');
    const payload = buildPushPayload(msg, this.#opts.baseUrl);
    let text = JSON.stringify(payload);
    while (Buffer.byteLength(text) > MAX_PLAINTEXT_BYTES && payload.body.length > 0) {
      payload.body = truncate(payload.body, Math.max(0, payload.body.length - 200));
      text = JSON.stringify(payload);
    }
    let details: ReturnType<typeof webPush.generateRequestDetails>;
    try {
      details = loadWebPush().generateRequestDetails({ endpoint: dest.address, keys: { p256dh: push.p256dh, auth: push.auth } }, text, {
        vapidDetails: { subject: this.#opts.subject, publicKey: push.vapidPublicKey, privateKey: push.vapidPrivateKey },
        TTL: TTL_SECONDS[msg.kind],
        urgency: payload.urgency === 'high' ? 'high' : 'normal',
        contentEncoding: 'aes128gcm',
      });
    } catch (err) {
      return withDetail(permanent('push_request_invalid'), err instanceof Error ? err.message : String(err));
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(details.headers)) if (k.toLowerCase() !== 'content-length') headers.set(k, String(v));
    const attempt = await postHttp(url, headers, details.body ?? new Uint8Array(), this.#opts, signal);
    if ('failure' in attempt) return attempt.failure;
    const { reply } = attempt;
    const detail = reply.status >= 300 ? reply.body.trim() : undefined;
    if (reply.status === 404 || reply.status === 410) return withDetail({ kind: 'permanent', reason: 'push_subscription_expired', destinationGone: true }, detail || `push service answered ${reply.status}`);
    // WNS throttles with 406 instead of 429.
    if (reply.status === 406) return withDetail(retryable('http_406'), detail);
    const result = classifyStatus(reply, (this.#opts.now ?? Date.now)());
    if (result.kind === 'sent') return { kind: 'sent', ...(reply.headers.get('location') ? { providerId: reply.headers.get('location')!.slice(0, 200) } : {}) };
    return withDetail(result, detail);
  }
}
