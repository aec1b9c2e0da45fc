/**
 * ntfy (https://ntfy.sh or a self-hosted server): one JSON publish to the server's root
 * URL (`POST https://<server>/` with `topic` in the body; channels BRIEF §2). The
 * destination address is the topic URL (`https://ntfy.sh/vigil-ada-k3j9…`); the optional
 * access token is the method's write-only secret, sent as `Authorization: Bearer`.
 *
 * High urgency is priority 5 (ntfy's "max": long vibration bursts, pop-over; the phone can
 * let it through Do Not Disturb); everything else is 3. `http` action buttons POST the
 * single-use action links straight from the subscriber's phone, so only the opaque token
 * is in the message, never a credential.
 */
import type { ChannelAdapter, DeliveryResult, Destination, IncidentView, Message } from '../../channel.js';
import { permanent } from '../../channel.js';
import { classifyStatus, postHttp, withDetail, type HttpOptions } from '../http.js';
import { confirmSuffix, isTest, isVerification, notificationTitle, oneLine, pageLines, tr, truncate } from '../text.js';

/** ntfy's topic names: `[-_A-Za-z0-9]{1,64}` (without access control the name is the password). */
export const NTFY_TOPIC = /^[-_A-Za-z0-9]{1,64}$/;
/** ntfy turns a longer message into an attachment. */
const MAX_MESSAGE_BYTES = 4096;

export interface NtfyTarget {
  /** The server's base URL, ending in `/`: the JSON publish goes here. */
  server: URL;
  topic: string;
}

/** Splits a topic URL (`https://ntfy.example.org/sub/path/topic`) into server and topic; a string on a bad address. */
export function parseNtfyAddress(address: string): NtfyTarget | string {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return 'not an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `scheme ${url.protocol} not allowed (http or https)`;
  if (url.username || url.password) return 'credentials in the URL are not allowed; give an access token instead';
  if (url.search || url.hash) return 'a query or fragment is not allowed';
  const cut = url.pathname.lastIndexOf('/');
  const topic = decodeURIComponent(url.pathname.slice(cut + 1));
  if (!NTFY_TOPIC.test(topic)) return `topic ${JSON.stringify(topic.slice(0, 80))} must be 1 to 64 letters, digits, - or _`;
  const server = new URL(url.pathname.slice(0, cut + 1), url.origin);
  return { server, topic };
}

export interface NtfyAction {
  action: 'http' | 'view';
  label: string;
  url: string;
  method?: 'POST';
  clear?: boolean;
}

export interface NtfyPublish {
  topic: string;
  title: string;
  message: string;
  priority: 1 | 2 | 3 | 4 | 5;
  tags: string[];
  click?: string;
  actions?: NtfyAction[];
}

function body(msg: Message): string {
  if (isVerification(msg)) return tr(msg, 'push.verificationBody', { org: oneLine(msg.orgName), code: msg.code ?? '' });
  if (msg.incidents.length === 0) return isTest(msg) ? `${tr(msg, 'ntfy.test', { org: oneLine(msg.orgName) })}${confirmSuffix(msg)}` : (msg.notice?.text ?? tr(msg, 'ntfy.notification'));
  let text = pageLines(msg).join('\n');
  while (Buffer.byteLength(text) > MAX_MESSAGE_BYTES) text = truncate(text, text.length - 100);
  return text;
}

function tags(msg: Message): string[] {
  const first = msg.incidents[0];
  if (!first) return isVerification(msg) ? ['key'] : ['bell'];
  if (msg.eventType === 'incident.resolved') return ['white_check_mark'];
  if (msg.eventType === 'incident.acknowledged') return ['eyes'];
  return [msg.incidents.some((i) => i.urgency === 'high') ? 'rotating_light' : 'warning', 'vigil'];
}

/** Acknowledge and Resolve (where they still apply) as `http` actions, and Open; ntfy allows three. */
function actions(msg: Message): NtfyAction[] {
  if (msg.incidents.length !== 1) return [];
  const inc = msg.incidents[0]!;
  const out: NtfyAction[] = [];
  if (inc.ackUrl && inc.status === 'triggered') out.push({ action: 'http', label: tr(msg, 'action.acknowledge'), url: inc.ackUrl, method: 'POST', clear: true });
  if (inc.resolveUrl && inc.status !== 'resolved') out.push({ action: 'http', label: tr(msg, 'action.resolve'), url: inc.resolveUrl, method: 'POST', clear: true });
  out.push({ action: 'view', label: tr(msg, 'action.openNumber', { number: inc.number }), url: inc.htmlUrl });
  return out;
}

/** The JSON published for one message. Pure. */
export function buildNtfyPublish(topic: string, msg: Message): NtfyPublish {
  const loud = msg.kind === 'page' && msg.eventType === 'incident.triggered' && msg.incidents.some((i) => i.urgency === 'high');
  const acts = actions(msg);
  const click = msg.incidents.length === 1 ? msg.incidents[0]!.htmlUrl : undefined;
  return { topic, title: notificationTitle(msg, 250), message: body(msg), priority: loud ? 5 : 3, tags: tags(msg), ...(click ? { click } : {}), ...(acts.length ? { actions: acts } : {}) };
}

export class NtfyChannel implements ChannelAdapter {
  readonly type = 'ntfy' as const;
  readonly #opts: HttpOptions;

  constructor(opts: HttpOptions = {}) {
    this.#opts = opts;
  }

  /**
   * 200 answers the stored message (its `id` is kept as the provider id). ntfy's errors are
   * `{code, http, error}`: the reason is `ntfy_<code>` (40101 unauthorized, 40301 forbidden,
   * 42901 too many requests, 41301 too large), classified by status like any HTTP channel.
   */
  async send(dest: Destination, msg: Message, signal?: AbortSignal): Promise<DeliveryResult> {
    const target = parseNtfyAddress(dest.address);
    if (typeof target === 'string') return withDetail(permanent('invalid_url'), target);
    const headers = new Headers({ 'Content-Type': 'application/json; charset=utf-8' });
    const token = dest.secrets?.[0];
    if (token) headers.set('Authorization', `Bearer ${token}`);
    const attempt = await postHttp(target.server, headers, JSON.stringify(buildNtfyPublish(target.topic, msg)), this.#opts, signal);
    if ('failure' in attempt) return attempt.failure;
    const { reply } = attempt;
    const result = classifyStatus(reply, (this.#opts.now ?? Date.now)());
    let parsed: { id?: unknown; code?: unknown; error?: unknown } = {};
    try {
      parsed = JSON.parse(reply.body) as typeof parsed;
    } catch {
      // A proxy's HTML error page: the status says enough.
    }
    if (result.kind === 'sent') return typeof parsed.id === 'string' ? { kind: 'sent', providerId: parsed.id } : result;
    const reason = typeof parsed.code === 'number' ? `ntfy_${parsed.code}` : result.reason;
    return withDetail({ ...result, reason }, typeof parsed.error === 'string' ? parsed.error : reply.body.trim());
  }
}
