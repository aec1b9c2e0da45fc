/**
 * Discord channel webhooks (channels BRIEF §5): `POST <webhook URL>?wait=true` with a short
 * `content` line and one rich embed (what, where, how many affected, who is on it) whose
 * description carries Acknowledge / Resolve / Open as links to the single-use action pages
 * (`$VIGIL_PUBLIC_URL/a/<token>`): a plain channel webhook cannot have interactive buttons.
 * The webhook URL is the credential (no auth header): the method's address, sealed at rest
 * and write-only.
 *
 * `allowed_mentions: {parse: []}`: an incident title saying "@everyone" must not ping the
 * channel. `wait=true` makes Discord answer 200 with the stored message (its id is the
 * provider id) instead of a 204 that proves nothing.
 */
import type { ChannelAdapter, DeliveryResult, Destination, IncidentView, Message } from '../../channel.js';
import { permanent, retryable } from '../../channel.js';
import { classifyStatus, parseRetryAfter, postHttp, withDetail, type HttpOptions } from '../http.js';
import { bundleHeadline, eventLabel, confirmSuffix, incidentTitle, isTest, isVerification, statusWord, tr, urgencyValue, oneLine, truncate } from '../text.js';
import { format } from '../../../lib/i18n/translate.js';

/** Discord's own hosts (the web, PTB and Canary clients all copy webhook URLs from these). */
const DISCORD_HOSTS = new Set(['discord.com', 'discordapp.com', 'ptb.discord.com', 'canary.discord.com', 'ptb.discordapp.com', 'canary.discordapp.com']);
/** `/api/webhooks/<snowflake>/<token>`, optionally with an API version (`/api/v10/...`). */
const WEBHOOK_PATH = /^\/api(?:\/v\d{1,2})?\/webhooks\/(\d{15,25})\/([A-Za-z0-9_-]{40,120})\/?$/;

/**
 * The webhook URL to store, or why not. Only Discord's hosts over https, unless `namesHost`
 * says the operator allowed this host by name (a relay, or a test's local Discord). The only
 * query kept is `thread_id` (post into a thread of a forum or text channel).
 */
export function parseDiscordWebhook(address: string, namesHost: (host: string) => boolean = () => false): URL | string {
  let url: URL;
  try {
    url = new URL(address.trim());
  } catch {
    return 'must be a Discord webhook URL (https://discord.com/api/webhooks/<id>/<token>)';
  }
  const own = DISCORD_HOSTS.has(url.hostname.toLowerCase());
  if (!own && !namesHost(url.hostname)) return `host ${url.hostname} is not Discord's (discord.com or discordapp.com)`;
  if (url.protocol !== 'https:' && (own || url.protocol !== 'http:')) return 'must be an https URL';
  if (url.username || url.password || url.hash) return 'credentials or a fragment are not allowed';
  if (!WEBHOOK_PATH.test(url.pathname)) return 'must be a Discord webhook URL (https://discord.com/api/webhooks/<id>/<token>)';
  for (const key of url.searchParams.keys()) if (key !== 'thread_id') return `query parameter ${key} is not supported (only thread_id)`;
  const thread = url.searchParams.get('thread_id');
  if (thread !== null && !/^\d{15,25}$/.test(thread)) return 'thread_id must be a Discord id (digits)';
  return url;
}

export interface DiscordEmbed {
  title: string;
  description: string;
  url?: string;
  color: number;
  fields?: { name: string; value: string; inline?: boolean }[];
  timestamp?: string;
}

export interface DiscordWebhookBody {
  content: string;
  embeds: DiscordEmbed[];
  allowed_mentions: { parse: string[] };
}

const RED = 0xd83c3e;
const ORANGE = 0xf0a020;
const YELLOW = 0xf5c518;
const GREEN = 0x2e9e5b;
const GREY = 0x808890;

/** Markdown inside Discord: a title must not turn into a link or formatting. */
function plain(s: string): string {
  return oneLine(s).replace(/([\\*_~`|>[\]()#@-])/g, '\\$1');
}

function color(msg: Message): number {
  const first = msg.incidents[0];
  if (!first) return GREY;
  if (msg.eventType === 'incident.resolved' || first.status === 'resolved') return GREEN;
  if (first.status === 'acknowledged') return YELLOW;
  return msg.incidents.some((i) => i.urgency === 'high') ? RED : ORANGE;
}

/** "[Acknowledge](…) · [Resolve](…) · [Open #42](…)", the actions that still apply. */
export function actionLinks(inc: IncidentView, locale?: string): string {
  const links: string[] = [];
  if (inc.ackUrl && inc.status === 'triggered') links.push(`[${format(locale, 'action.acknowledge')}](${inc.ackUrl})`);
  if (inc.resolveUrl && inc.status !== 'resolved') links.push(`[${format(locale, 'action.resolve')}](${inc.resolveUrl})`);
  links.push(`[${format(locale, 'action.openNumber', { number: inc.number })}](${inc.htmlUrl})`);
  return links.join(' · ');
}

function incidentEmbed(msg: Message, inc: IncidentView): DiscordEmbed {
  const fields: DiscordEmbed['fields'] = [
    { name: tr(msg, 'email.fact.service'), value: truncate(plain(inc.service.name), 1024), inline: true },
    { name: tr(msg, 'email.fact.urgency'), value: urgencyValue(inc.urgency, msg.locale), inline: true },
    { name: tr(msg, 'email.fact.status'), value: statusWord(inc.status, msg.locale), inline: true },
  ];
  if (inc.impactLine) fields.push({ name: tr(msg, 'chat.fact.affected'), value: truncate(plain(inc.impactLine), 1024) });
  if (inc.assignees.length) fields.push({ name: tr(msg, 'email.fact.assignedTo'), value: truncate(inc.assignees.map((a) => plain(a.name)).join(', '), 1024) });
  const lines: string[] = [];
  if (msg.note) lines.push(tr(msg, 'text.note', { content: truncate(plain(msg.note.content), 1000) }));
  lines.push(actionLinks(inc, msg.locale));
  return { title: truncate(incidentTitle(msg, inc), 256), description: lines.join('\n'), url: inc.htmlUrl, color: color(msg), fields, timestamp: msg.occurredAt };
}

/** The webhook body for one message. Pure. */
export function buildDiscordBody(msg: Message): DiscordWebhookBody {
  const none = { allowed_mentions: { parse: [] as string[] } };
  if (isVerification(msg)) return { content: tr(msg, 'chat.verification', { org: plain(msg.orgName), code: `**${msg.code ?? ''}**` }), embeds: [], ...none };
  if (msg.incidents.length === 0) {
    const text = isTest(msg) ? `${tr(msg, 'discord.test', { org: plain(msg.orgName) })}${confirmSuffix(msg)}` : plain(msg.notice?.text ?? tr(msg, 'ntfy.notification'));
    return { content: truncate(isTest(msg) ? tr(msg, 'chat.testPrefix', { text }) : `${plain(msg.notice?.subject ?? 'Vigil')}: ${text}`, 2000), embeds: [], ...none };
  }
  const loud = msg.kind === 'page' && msg.eventType === 'incident.triggered' && msg.incidents.some((i) => i.urgency === 'high');
  if (msg.incidents.length === 1) {
    const inc = msg.incidents[0]!;
    return { content: truncate(`${loud ? '🚨 ' : ''}Vigil ${tr(msg, 'text.incidentTitle', { number: inc.number, label: eventLabel(msg.eventType, msg.locale), title: plain(inc.title) })}`, 2000), embeds: [incidentEmbed(msg, inc)], ...none };
  }
  // A bundle: one embed listing every incident with its own links (the 6,000-character total is kept by the cuts).
  const title = truncate(bundleHeadline(msg), 256);
  let description = msg.incidents.map((i) => `**#${i.number}** ${truncate(plain(i.title), 120)} · ${plain(i.service.name)} · ${statusWord(i.status, msg.locale)}\n${actionLinks(i, msg.locale)}`).join('\n');
  description = truncate(description, 4000);
  return { content: `${loud ? '🚨 ' : ''}Vigil: ${title}`, embeds: [{ title, description, color: color(msg), timestamp: msg.occurredAt }], ...none };
}

export class DiscordChannel implements ChannelAdapter {
  readonly type = 'discord' as const;
  readonly #opts: HttpOptions;

  constructor(opts: HttpOptions = {}) {
    this.#opts = opts;
  }

  /**
   * 200 is the stored message (`id` kept). Discord's errors are `{code, message}`; the reason
   * is `discord_<code>` when there is one, else `http_<status>`:
   * - 429 `{retry_after (seconds), global}` or `Retry-After`: retried after that long;
   * - 404 with 10015 (Unknown Webhook): the webhook was deleted, the method is removed
   *   (`destinationGone`) and the page moves on;
   * - 401/403 (50027 invalid webhook token, missing access): the URL's credential is wrong, for good;
   * - 400 (50035 invalid form body): our message was refused, for good, with Discord's words;
   * - 5xx and transport failures: retried.
   */
  async send(dest: Destination, msg: Message, signal?: AbortSignal): Promise<DeliveryResult> {
    const parsed = parseDiscordWebhook(dest.address, () => true);
    if (typeof parsed === 'string') return withDetail(permanent('invalid_url'), parsed);
    const url = new URL(parsed);
    url.searchParams.set('wait', 'true');
    const headers = new Headers({ 'Content-Type': 'application/json' });
    const attempt = await postHttp(url, headers, JSON.stringify(buildDiscordBody(msg)), this.#opts, signal);
    if ('failure' in attempt) return attempt.failure;
    const { reply } = attempt;
    const now = (this.#opts.now ?? Date.now)();
    let body: { id?: unknown; code?: unknown; message?: unknown; retry_after?: unknown } = {};
    try {
      body = JSON.parse(reply.body) as typeof body;
    } catch {
      // Cloudflare's HTML page in front of Discord: the status says enough.
    }
    const generic = classifyStatus(reply, now);
    if (generic.kind === 'sent') return typeof body.id === 'string' ? { kind: 'sent', providerId: body.id } : generic;
    const detail = typeof body.message === 'string' ? body.message : reply.body.trim();
    const code = typeof body.code === 'number' && body.code > 0 ? `discord_${body.code}` : null;
    if (reply.status === 429) {
      const seconds = typeof body.retry_after === 'number' && body.retry_after >= 0 ? body.retry_after : undefined;
      const after = seconds !== undefined ? Math.ceil(seconds * 1000) : parseRetryAfter(reply.headers.get('retry-after'), now);
      return withDetail(retryable('http_429', after), detail);
    }
    if (reply.status === 404 && body.code === 10015) return withDetail({ kind: 'permanent', reason: 'discord_10015', destinationGone: true }, detail || 'Unknown Webhook');
    return withDetail({ ...generic, reason: code ?? generic.reason }, detail);
  }
}
