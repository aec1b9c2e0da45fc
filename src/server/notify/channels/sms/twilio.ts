/**
 * SMS and voice calls. The channels (SmsChannel, VoiceChannel) word the message; an
 * SmsProvider carries it. TwilioProvider speaks Twilio's REST API (2010-04-01), which
 * several other providers and local test doubles also accept, so `baseUrl` is settable.
 *
 * Inbound (replies, keypresses and status callbacks) is left to a route; this file exports
 * the pure pieces it needs: Twilio's request signature, the parser for "42a"-style replies
 * and the TwiML answers to a keypress.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { permanent, retryable, type ChannelAdapter, type DeliveryResult, type Destination, type IncidentView, type Message } from '../../channel.js';
import { classifyStatus, postHttp, withDetail, type HttpOptions } from '../http.js';
import { E164, type SmsSender } from './provider.js';
import { commonService, eventLabel, isTest, isVerification, oneLine, tr, truncate } from '../text.js';
import { format, languageOf, parseLocale } from '../../../lib/i18n/translate.js';

/**
 * Carries one text or one call. Never throws for a delivery problem; resolves to a
 * classified result whose `providerId` (when sent) is the provider's message or call id,
 * which status callbacks refer to. Not idempotent: a retried send may deliver twice.
 */
export interface SmsProvider extends SmsSender {
  /** `twimlOrText` starting with `<` is TwiML; anything else is read aloud. */
  call(to: string, twimlOrText: string, signal?: AbortSignal): Promise<DeliveryResult>;
}

export interface TwilioSettings extends HttpOptions {
  accountSid: string;
  authToken: string;
  /** An E.164 number (or alphanumeric sender id, for SMS only) that Twilio sends from. */
  from: string;
  /** Defaults to https://api.twilio.com. */
  baseUrl?: string;
  /** Sent as StatusCallback, so delivery reports reach Vigil. */
  statusCallbackUrl?: string;
}


/**
 * Twilio answers a 400 with its own error code. These few mean "not now" rather than
 * "never" (account send-rate limits); every other code, e.g. 21211 invalid number or
 * 21610 unsubscribed recipient, will fail the same way on retry.
 */
const RETRYABLE_TWILIO_CODES = new Set([14107, 20429]);

export class TwilioProvider implements SmsProvider {
  readonly #s: TwilioSettings;

  /** `timeoutMs` defaults to 10 s. */
  constructor(settings: TwilioSettings) {
    this.#s = settings;
  }

  sendSms(to: string, body: string, signal?: AbortSignal): Promise<DeliveryResult> {
    return this.#post('Messages.json', { To: to, From: this.#s.from, Body: body }, signal);
  }

  call(to: string, twimlOrText: string, signal?: AbortSignal): Promise<DeliveryResult> {
    const twiml = twimlOrText.trimStart().startsWith('<') ? twimlOrText : twimlSay(twimlOrText);
    return this.#post('Calls.json', { To: to, From: this.#s.from, Twiml: twiml }, signal);
  }

  async #post(resource: string, fields: Record<string, string>, signal?: AbortSignal): Promise<DeliveryResult> {
    if (!E164.test(fields.To ?? '')) return withDetail(permanent('invalid_number'), 'not an E.164 number');
    const base = (this.#s.baseUrl ?? 'https://api.twilio.com').replace(/\/+$/, '');
    let url: URL;
    try {
      url = new URL(`${base}/2010-04-01/Accounts/${encodeURIComponent(this.#s.accountSid)}/${resource}`);
    } catch {
      return withDetail(permanent('invalid_config'), 'Twilio base URL is not a URL');
    }
    const form = new URLSearchParams(fields);
    if (this.#s.statusCallbackUrl) form.set('StatusCallback', this.#s.statusCallbackUrl);
    const headers = new Headers({
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
      Authorization: 'Basic ' + Buffer.from(`${this.#s.accountSid}:${this.#s.authToken}`, 'utf8').toString('base64'),
    });
    const attempt = await postHttp(url, headers, form.toString(), { timeoutMs: 10_000, ...this.#s }, signal);
    if ('failure' in attempt) return attempt.failure;
    const { reply } = attempt;
    const json = parseJson(reply.body);
    const generic = classifyStatus(reply, (this.#s.now ?? Date.now)());
    if (generic.kind === 'sent') {
      // A 2xx without a readable sid still means Twilio took it; resending would duplicate.
      return typeof json?.sid === 'string' ? { kind: 'sent', providerId: json.sid } : { kind: 'sent' };
    }
    const code = typeof json?.code === 'number' ? json.code : undefined;
    const detail = typeof json?.message === 'string' ? json.message : reply.body.trim();
    if (code === undefined) return withDetail(generic, detail);
    const reason = `twilio_${code}`;
    if (generic.kind === 'retryable' || RETRYABLE_TWILIO_CODES.has(code)) {
      return withDetail(retryable(reason, generic.kind === 'retryable' ? generic.retryAfterMs : undefined), detail);
    }
    return withDetail(permanent(reason), detail);
  }
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** `<Say>` in the reader's language (Twilio's `language`, e.g. fr-FR), so the voice pronounces it as written; English is Twilio's default. */
const sayOpen = (locale?: string): string => (languageOf(locale) !== 'en' ? `<Say language="${xml(parseLocale(locale!) ?? languageOf(locale))}">` : '<Say>');

/** TwiML that reads `text` twice, so a person who picks up mid-sentence still hears it whole. */
export function twimlSay(text: string, locale?: string): string {
  const said = xml(truncate(oneLine(text), 1500));
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${sayOpen(locale)}${said}</Say><Pause length="1"/>${sayOpen(locale)}${xml(format(locale, 'voice.again', { text: truncate(oneLine(text), 1500) }))}</Say></Response>`;
}

// ---- wording --------------------------------------------------------------------------

const SMS_MAX = 160;

/** Ends a sentence once: a title may already end in punctuation or a truncation's "...". */
const sentence = (s: string): string => (/[.!?]$/.test(s) ? s : s + '.');

function smsLabel(msg: Message, incidents: IncidentView[]): string {
  const paging = incidents.every((i) => i.status === 'triggered') && msg.eventType !== 'incident.annotated';
  if (paging) return incidents.some((i) => i.urgency === 'high') ? tr(msg, 'sms.critical') : eventLabel('incident.triggered', msg.locale);
  return eventLabel(msg.eventType, msg.locale);
}

/** How to act by reply; the reply words (`42a`, `42r`) are the same in every language (parseSmsReply). */
function replyHint(msg: Message, inc: IncidentView | undefined, bundle: boolean): string {
  if (!inc || inc.status === 'resolved') return '';
  if (inc.status === 'triggered') return tr(msg, bundle ? 'sms.replyAckResolveBundle' : 'sms.replyAckResolve', { number: inc.number });
  return tr(msg, bundle ? 'sms.replyResolveBundle' : 'sms.replyResolve', { number: inc.number });
}

/**
 * The text of an SMS, kept within 160 characters (one GSM-7 segment) by shortening
 * titles first, then dropping the impact line, then listing fewer incidents. The
 * reply hint is never cut: it is how the person acts on the page.
 */
export function smsText(msg: Message): string {
  const org = truncate(oneLine(msg.orgName), 40);
  if (isVerification(msg)) return tr(msg, 'sms.verification', { code: msg.code ?? '', org });
  if (msg.incidents.length === 0) return isTest(msg) ? (msg.confirmUrl ? tr(msg, 'sms.testConfirm', { org: truncate(org, 20), url: msg.confirmUrl }) : tr(msg, 'sms.test', { org })) : tr(msg, 'sms.notification', { org });
  const label = smsLabel(msg, msg.incidents);
  const service = commonService(msg.incidents);

  if (msg.incidents.length === 1) {
    const inc = msg.incidents[0]!;
    const hint = replyHint(msg, inc, false);
    const head = tr(msg, 'sms.head', { number: inc.number, label, service: truncate(oneLine(inc.service.name), 30) });
    const what = msg.eventType === 'incident.annotated' && msg.note ? oneLine(msg.note.content) : oneLine(inc.title);
    const impact = inc.impactLine ? ` (${oneLine(inc.impactLine)})` : '';
    for (const extra of [impact, '']) {
      const room = SMS_MAX - head.length - extra.length - hint.length - 1;
      if (room >= Math.min(what.length, 40)) return `${head}${sentence(truncate(what, room) + extra)}${hint}`;
    }
    return `${head}${sentence(truncate(what, Math.max(10, SMS_MAX - head.length - hint.length - 1)))}${hint}`;
  }

  const firstOpen = msg.incidents.find((i) => i.status !== 'resolved');
  const hint = replyHint(msg, firstOpen, true);
  const head = service ? tr(msg, 'sms.bundleHeadService', { count: msg.incidents.length, label, service: truncate(oneLine(service), 30) }) : tr(msg, 'sms.bundleHead', { count: msg.incidents.length, label });
  const room = SMS_MAX - head.length - hint.length - 1;
  for (let shown = msg.incidents.length; shown >= 1; shown--) {
    const more = shown < msg.incidents.length ? tr(msg, 'sms.more', { count: msg.incidents.length - shown }) : '';
    const items = msg.incidents.slice(0, shown);
    const titles = items.map((i) => oneLine(i.title));
    const fixed = items.reduce((n, i) => n + `#${i.number} `.length, 0) + (shown - 1) * 2 + more.length;
    const widths = fairShares(titles.map((t) => t.length), room - fixed);
    // Fewer incidents, each recognizable, beat all of them cut to a few letters.
    if (shown === 1 || widths.every((w, k) => w >= Math.min(titles[k]!.length, MIN_TITLE))) {
      const list = items.map((i, k) => `#${i.number} ${truncate(titles[k]!, Math.max(widths[k]!, 8))}`).join('; ');
      return `${head}${sentence(list + more)}${hint}`;
    }
  }
  return `${head.trimEnd()}${hint}`;
}

const MIN_TITLE = 12;

/**
 * Splits `budget` characters among titles of the given lengths, max-min fair: short
 * titles keep their full length and what they leave goes to the longer ones.
 */
function fairShares(lengths: number[], budget: number): number[] {
  const widths = new Array<number>(lengths.length).fill(0);
  const order = lengths.map((len, k) => [len, k] as const).sort((a, b) => a[0] - b[0]);
  let remaining = Math.max(0, budget);
  let left = lengths.length;
  for (const [len, k] of order) {
    const take = Math.min(len, Math.floor(remaining / left));
    widths[k] = take;
    remaining -= take;
    left -= 1;
  }
  return widths;
}

const spellDigits = (code: string): string => code.split('').join(', ');

/**
 * What a voice call says (wrapped in TwiML by twimlSay or twimlGather): what, where, how
 * many people are affected. With `keypress`, the call ends on the keypad prompt instead
 * of pointing to the other ways to acknowledge.
 */
export function voiceText(msg: Message, keypress = false): string {
  const org = oneLine(msg.orgName);
  if (isVerification(msg)) return tr(msg, 'voice.verification', { code: spellDigits(msg.code ?? '') });
  if (msg.incidents.length === 0) return tr(msg, 'voice.test', { org });
  const label = smsLabel(msg, msg.incidents).toLocaleLowerCase(msg.locale ?? 'en');
  const parts = [tr(msg, 'voice.intro', { org })];
  parts.push(msg.incidents.length === 1 ? tr(msg, 'voice.one', { label }) : tr(msg, 'voice.many', { count: msg.incidents.length, label }));
  for (const inc of msg.incidents.slice(0, 5)) {
    parts.push(sentence(tr(msg, 'voice.incident', { number: inc.number, service: oneLine(inc.service.name), title: truncate(oneLine(inc.title), 200) })));
    if (inc.impactLine) parts.push(sentence(oneLine(inc.impactLine)));
  }
  if (msg.incidents.length > 5) parts.push(tr(msg, 'voice.more', { count: msg.incidents.length - 5 }));
  if (keypress) parts.push(tr(msg, msg.incidents.length === 1 ? 'voice.keypress' : 'voice.keypressAll'));
  else if (msg.incidents.some((i) => i.status === 'triggered')) parts.push(tr(msg, 'voice.howToAck'));
  return parts.join(' ');
}

/**
 * TwiML that reads `text` twice inside a <Gather> of one DTMF digit, so a key pressed while
 * it speaks is taken at once. Twilio POSTs the digit (`Digits`, empty after 10 s of
 * silence: actionOnEmptyResult) to `action`, which carries the call's single-use token.
 */
export function twimlGather(text: string, action: string, locale?: string): string {
  const said = xml(truncate(oneLine(text), 1500));
  return `<?xml version="1.0" encoding="UTF-8"?><Response><Gather input="dtmf" numDigits="1" timeout="10" actionOnEmptyResult="true" method="POST" action="${xml(action)}">${sayOpen(locale)}${said}</Say><Pause length="1"/>${sayOpen(locale)}${xml(format(locale, 'voice.again', { text: truncate(oneLine(text), 1500) }))}</Say></Gather></Response>`;
}

/** The <Gather> action URL for a call about these incidents: their keypress tokens, joined by dots. */
export function keypressAction(keypressUrl: string, incidents: IncidentView[]): string | null {
  const tokens = incidents.filter((i) => i.status !== 'resolved' && i.keypressToken).map((i) => i.keypressToken!);
  return tokens.length ? `${keypressUrl}?t=${tokens.join('.')}` : null;
}

export class SmsChannel implements ChannelAdapter {
  readonly type = 'sms' as const;
  constructor(private readonly provider: SmsProvider) {}

  send(dest: Destination, msg: Message, signal?: AbortSignal): Promise<DeliveryResult> {
    return this.provider.sendSms(dest.address, smsText(msg), signal);
  }
}

export interface VoiceOptions {
  /** Where Twilio posts the key pressed (`<public URL>/v1/twilio/voice`); without it, calls only speak. */
  keypressUrl?: string;
}

export class VoiceChannel implements ChannelAdapter {
  readonly type = 'voice' as const;
  constructor(
    private readonly provider: SmsProvider,
    private readonly opts: VoiceOptions = {},
  ) {}

  send(dest: Destination, msg: Message, signal?: AbortSignal): Promise<DeliveryResult> {
    // A scheduled test call: any key confirms it (the action carries the test's confirm token).
    if (this.opts.keypressUrl && isTest(msg) && msg.confirmToken) {
      return this.provider.call(dest.address, twimlGather(tr(msg, 'voice.testAsk', { org: oneLine(msg.orgName) }), `${this.opts.keypressUrl}?c=${encodeURIComponent(msg.confirmToken)}`, msg.locale), signal);
    }
    const action = this.opts.keypressUrl && msg.kind === 'page' ? keypressAction(this.opts.keypressUrl, msg.incidents) : null;
    return this.provider.call(dest.address, action ? twimlGather(voiceText(msg, true), action, msg.locale) : twimlSay(voiceText(msg), msg.locale), signal);
  }
}

// ---- inbound ----------------------------------------------------------------------------

/**
 * Twilio's X-Twilio-Signature: base64 HMAC-SHA1 (key: auth token) of the full request URL
 * (scheme, host, port if any, path, query) followed by each POST parameter's name and
 * value, names sorted. The URL must be the one Twilio called, as configured, not as seen
 * behind a proxy.
 */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, k) => acc + k + params[k], url);
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/**
 * Checks the signature against the URL as given and with the port toggled (the
 * default port added if absent, removed if present), because Twilio's own validators
 * accept both: some of its requests are signed with the port in the URL, some without.
 */
export function verifyTwilioSignature(authToken: string, url: string, params: Record<string, string>, signature: string | null | undefined): boolean {
  if (!signature) return false;
  const offered = Buffer.from(signature, 'utf8');
  let ok = false;
  for (const candidate of new Set([url, togglePort(url)])) {
    const expected = Buffer.from(twilioSignature(authToken, candidate, params), 'utf8');
    if (expected.length === offered.length && timingSafeEqual(expected, offered)) ok = true;
  }
  return ok;
}

function togglePort(url: string): string {
  const m = /^(https?):\/\/([^/?#]*)(.*)$/i.exec(url);
  if (!m) return url;
  const [, scheme, authority, rest] = m as unknown as [string, string, string, string];
  const at = authority.lastIndexOf('@');
  const userinfo = authority.slice(0, at + 1);
  const hostPort = authority.slice(at + 1);
  const port = /:(\d+)$/.exec(hostPort);
  if (port) return `${scheme}://${userinfo}${hostPort.slice(0, -port[0].length)}${rest}`;
  return `${scheme}://${userinfo}${hostPort}:${scheme.toLowerCase() === 'https' ? 443 : 80}${rest}`;
}

/** TwiML answering a keypress: say `text` (in `locale`'s voice), then hang up. */
export function twimlSayHangup(text: string, locale?: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${sayOpen(locale)}${xml(truncate(oneLine(text), 1500))}</Say><Hangup/></Response>`;
}

/** TwiML asking again for a key (a key other than 1 or 2 was pressed), to the same action, in the called person's language. */
export function twimlAskAgain(action: string, locale?: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response><Gather input="dtmf" numDigits="1" timeout="10" actionOnEmptyResult="true" method="POST" action="${xml(action)}">${sayOpen(locale)}${xml(format(locale, 'voice.keypress'))}</Say></Gather></Response>`;
}

/** What Vigil texts back to an SMS reply, in the replying person's language: how to reply, no such incident, or what the reply did. */
export function smsReplyText(locale: string, number: number | null, outcome: { done: 'acknowledged' | 'resolved' | 'already_acknowledged' } | { reason: 'not_member' | 'already_resolved' | 'not_paged' } | null): string {
  if (number === null || outcome === null) return format(locale, 'smsReply.help');
  if ('done' in outcome) return format(locale, outcome.done === 'acknowledged' ? 'smsReply.acknowledged' : outcome.done === 'resolved' ? 'smsReply.resolved' : 'smsReply.alreadyAcknowledged', { number });
  return format(locale, outcome.reason === 'not_member' ? 'smsReply.notMember' : outcome.reason === 'already_resolved' ? 'smsReply.alreadyResolved' : 'smsReply.notPaged', { number });
}

export interface SmsReply {
  number: number;
  action: 'ack' | 'resolve';
}

const ACTION_WORDS = new Map<string, SmsReply['action']>([
  ['a', 'ack'],
  ['ack', 'ack'],
  ['acknowledge', 'ack'],
  ['r', 'resolve'],
  ['res', 'resolve'],
  ['resolve', 'resolve'],
]);
const NUMBER_FIRST = /^#?(\d{1,9})\s*([a-z]+)$/;
const WORD_FIRST = /^([a-z]+)\s*#?(\d{1,9})$/;

/**
 * A reply to a page. Accepted, case-insensitive, with surrounding spaces and a trailing
 * `.` or `!` ignored, and an optional `#` before the number:
 *   number then action: `42a`, `42 a`, `42A`, `#42r`, `42 ack`, `42 resolve`
 *   action then number: `a42`, `ack 42`, `ACK #42`, `r 42`, `resolve 42`
 * where the action is a / ack / acknowledge or r / res / resolve. Anything else (a bare
 * number, "yes", "STOP", which Twilio handles itself) is null.
 */
export function parseSmsReply(body: string): SmsReply | null {
  const t = body.trim().replace(/[.!]+$/, '').trim().toLowerCase();
  const m = NUMBER_FIRST.exec(t);
  const w = m ? null : WORD_FIRST.exec(t);
  const digits = m ? m[1] : w?.[2];
  const word = m ? m[2] : w?.[1];
  if (!digits || !word) return null;
  const action = ACTION_WORDS.get(word);
  const number = Number(digits);
  if (!action || number < 1) return null;
  return { number, action };
}
