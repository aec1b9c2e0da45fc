/**
 * Slack (and Mattermost) through an incoming-webhook URL, which is the destination
 * address. Outbound: one Block Kit message with Acknowledge/Resolve buttons. Inbound:
 * pure helpers for the interactive endpoint Slack calls when a button is pressed; the
 * HTTP route that uses them lives with the other routes.
 *
 * Mattermost ignores `blocks` and shows `text`, so `text` carries the whole message
 * with links in Slack's `<url|label>` form, which Mattermost also renders.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ChannelAdapter, DeliveryResult, Destination, IncidentView, Message } from '../../channel.js';
import { classifyStatus, parseHttpUrl, postHttp, withDetail, type HttpOptions } from '../http.js';
import { bundleHeadline, commonService, eventLabel, confirmSuffix, incidentTitle, isTest, isVerification, oneLine, statusWord, tr, truncate, urgencyValue } from '../text.js';

export const SLACK_ACK_ACTION = 'vigil_ack';
export const SLACK_RESOLVE_ACTION = 'vigil_resolve';
export const SLACK_OPEN_ACTION = 'vigil_open';

/** Slack's replay window for signed requests. */
export const SLACK_MAX_SKEW_MS = 5 * 60 * 1000;

// Slack's limits: 50 blocks per message, 150 characters in a header, 3000 in a section.
// Each incident takes two blocks (section + actions), so a large bundle is cut short.
const MAX_INCIDENT_BLOCKS = 20;

/** Slack mrkdwn needs only these three escaped (api.slack.com "Escaping text"). */
const mrkdwn = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
/** A `<url|label>` link. Slack splits at the first `|`, so only the URL must avoid it. */
const link = (url: string, label: string): string => `<${url.replace(/[<>|]/g, encodeURIComponent)}|${mrkdwn(label)}>`;

type Block = Record<string, unknown>;

function incidentBlocks(msg: Message, inc: IncidentView): Block[] {
  const fact = (name: 'email.fact.service' | 'email.fact.status' | 'email.fact.urgency' | 'email.fact.assignedTo', value: string) => tr(msg, 'slack.fact', { name: tr(msg, name), value });
  const facts = [fact('email.fact.service', mrkdwn(oneLine(inc.service.name))), fact('email.fact.status', statusWord(inc.status, msg.locale)), fact('email.fact.urgency', urgencyValue(inc.urgency, msg.locale))];
  if (inc.assignees.length > 0) facts.push(fact('email.fact.assignedTo', mrkdwn(inc.assignees.map((a) => oneLine(a.name)).join(', '))));
  const lines = [`*${link(inc.htmlUrl, `#${inc.number} ${truncate(oneLine(inc.title), 200)}`)}* (${eventLabel(msg.eventType, msg.locale)})`];
  if (inc.impactLine) lines.push(`:busts_in_silhouette: ${mrkdwn(oneLine(inc.impactLine))}`);
  lines.push(facts.join('  ·  '));
  const buttons: Block[] = [];
  // Buttons only where the action still applies; the token is what makes them work.
  if (inc.chatActionToken) {
    if (inc.status === 'triggered') buttons.push({ type: 'button', action_id: SLACK_ACK_ACTION, text: { type: 'plain_text', text: tr(msg, 'action.acknowledge') }, style: 'primary', value: inc.chatActionToken });
    if (inc.status !== 'resolved') buttons.push({ type: 'button', action_id: SLACK_RESOLVE_ACTION, text: { type: 'plain_text', text: tr(msg, 'action.resolve') }, value: inc.chatActionToken });
  }
  buttons.push({ type: 'button', action_id: SLACK_OPEN_ACTION, text: { type: 'plain_text', text: tr(msg, 'action.openNumber', { number: inc.number }) }, url: inc.htmlUrl });
  return [
    { type: 'section', text: { type: 'mrkdwn', text: truncate(lines.join('\n'), 3000) } },
    // block_id must be unique in a message; the incident id makes it so in a bundle.
    { type: 'actions', block_id: truncate(`vigil_incident_${inc.id}`, 255), elements: buttons },
  ];
}

function headline(msg: Message): string {
  if (isVerification(msg)) return tr(msg, 'chat.verificationShort', { code: msg.code ?? '' });
  if (msg.incidents.length === 0) return isTest(msg) ? `${tr(msg, 'chat.testMessage', { org: oneLine(msg.orgName) })}${confirmSuffix(msg)}` : tr(msg, 'chat.notification', { org: oneLine(msg.orgName) });
  const [first] = msg.incidents;
  const service = commonService(msg.incidents);
  const where = service ? ` (${oneLine(service)})` : '';
  if (msg.incidents.length === 1) return `${incidentTitle(msg, first!)}${where}`;
  return bundleHeadline(msg);
}

function fallbackText(msg: Message): string {
  const lines = [mrkdwn(headline(msg))];
  if (msg.note) lines.push(tr(msg, 'text.note', { content: mrkdwn(oneLine(msg.note.content)) }));
  for (const inc of msg.incidents) {
    const parts = [`${link(inc.htmlUrl, `#${inc.number} ${truncate(oneLine(inc.title), 200)}`)}`, mrkdwn(oneLine(inc.service.name)), statusWord(inc.status, msg.locale)];
    if (inc.impactLine) parts.push(mrkdwn(oneLine(inc.impactLine)));
    lines.push('• ' + parts.join(' · '));
  }
  return lines.join('\n');
}

/** The JSON body posted to the incoming webhook. Pure. */
export function buildSlackPayload(msg: Message): { text: string; blocks: Block[] } {
  const blocks: Block[] = [{ type: 'header', text: { type: 'plain_text', text: truncate(headline(msg), 150) } }];
  if (msg.agent && msg.eventType !== 'incident.triggered' && msg.incidents.length > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: tr(msg, 'chat.by', { name: mrkdwn(oneLine(msg.agent.name)) }) }] });
  if (msg.note) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(`*${tr(msg, 'email.noteLabel')}* ${mrkdwn(msg.note.content)}`, 3000) } });
  if (isVerification(msg)) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: tr(msg, 'chat.verificationExplain', { org: mrkdwn(oneLine(msg.orgName)) }) } });
  const shown = msg.incidents.slice(0, MAX_INCIDENT_BLOCKS);
  for (const inc of shown) blocks.push(...incidentBlocks(msg, inc));
  const hidden = msg.incidents.length - shown.length;
  if (hidden > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: tr(msg, 'chat.more', { count: hidden }) }] });
  return { text: fallbackText(msg), blocks };
}

export class SlackChannel implements ChannelAdapter {
  readonly type = 'slack' as const;
  readonly #opts: HttpOptions;

  /** `timeoutMs` defaults to 5 s. */
  constructor(opts: HttpOptions = {}) {
    this.#opts = opts;
  }

  /**
   * Slack answers errors as a status plus a short code in the body (`invalid_payload`,
   * `no_service`, `channel_is_archived`); the code becomes the detail. 404/410 mean the
   * webhook or channel is gone: permanent, like any 4xx other than 408/429.
   */
  async send(dest: Destination, msg: Message, signal?: AbortSignal): Promise<DeliveryResult> {
    const url = parseHttpUrl(dest.address);
    if (!(url instanceof URL)) return url;
    const headers = new Headers({ 'Content-Type': 'application/json; charset=utf-8' });
    const attempt = await postHttp(url, headers, JSON.stringify(buildSlackPayload(msg)), this.#opts, signal);
    if ('failure' in attempt) return attempt.failure;
    const result = classifyStatus(attempt.reply, (this.#opts.now ?? Date.now)());
    return withDetail(result, attempt.reply.status >= 300 ? attempt.reply.body.trim() : undefined);
  }
}

export type SlackVerification = { ok: true } | { ok: false; reason: 'missing_headers' | 'bad_timestamp' | 'stale_timestamp' | 'bad_signature' };

/**
 * Slack's v0 request signature: `v0=` + hex HMAC-SHA256(signing secret,
 * `v0:{timestamp}:{raw body}`), with the timestamp (X-Slack-Request-Timestamp, seconds)
 * within five minutes of now to refuse replays. `rawBody` must be the exact bytes
 * received, before any form parsing.
 */
export function verifySlackRequest(
  rawBody: string,
  headers: { timestamp: string | null | undefined; signature: string | null | undefined },
  signingSecret: string,
  nowMs: number,
): SlackVerification {
  const { timestamp, signature } = headers;
  if (!timestamp || !signature) return { ok: false, reason: 'missing_headers' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'bad_timestamp' };
  if (Math.abs(nowMs - Number(timestamp) * 1000) > SLACK_MAX_SKEW_MS) return { ok: false, reason: 'stale_timestamp' };
  const expected = Buffer.from('v0=' + createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex'), 'utf8');
  const offered = Buffer.from(signature, 'utf8');
  if (offered.length !== expected.length || !timingSafeEqual(offered, expected)) return { ok: false, reason: 'bad_signature' };
  return { ok: true };
}

export interface SlackAction {
  actionId: typeof SLACK_ACK_ACTION | typeof SLACK_RESOLVE_ACTION;
  /** The signed action token the button carried; verify it before acting. */
  value: string;
  userName: string;
  userId: string;
  /** Where to post a reply that updates the message; absent for some surfaces. */
  responseUrl: string | null;
}

/**
 * The Acknowledge/Resolve press in a `block_actions` interaction (form-encoded with a
 * JSON `payload` field). Anything else, including the "Open" link button, which Slack
 * also reports, is null: the endpoint answers 200 and does nothing.
 */
export function parseSlackAction(rawBody: string): SlackAction | null {
  const payloadText = new URLSearchParams(rawBody).get('payload');
  if (!payloadText) return null;
  let p: unknown;
  try {
    p = JSON.parse(payloadText);
  } catch {
    return null;
  }
  if (!p || typeof p !== 'object') return null;
  const o = p as { type?: unknown; actions?: unknown; user?: { id?: unknown; username?: unknown; name?: unknown }; response_url?: unknown };
  if (o.type !== 'block_actions' || !Array.isArray(o.actions)) return null;
  const action = o.actions[0] as { action_id?: unknown; value?: unknown } | undefined;
  if (!action || (action.action_id !== SLACK_ACK_ACTION && action.action_id !== SLACK_RESOLVE_ACTION)) return null;
  if (typeof action.value !== 'string' || action.value === '') return null;
  const userId = o.user?.id;
  if (typeof userId !== 'string') return null;
  const userName = typeof o.user?.username === 'string' ? o.user.username : typeof o.user?.name === 'string' ? o.user.name : userId;
  return { actionId: action.action_id, value: action.value, userId, userName, responseUrl: typeof o.response_url === 'string' ? o.response_url : null };
}
