/**
 * Telegram bot (channels BRIEF §3): every call is `POST <api base>/bot<token>/<method>` with
 * a JSON body, answered `{ok: true, result}` or `{ok: false, error_code, description,
 * parameters?: {retry_after}}`. The base URL is the organization's (https://api.telegram.org
 * or a self-hosted Bot API server); the token is the organization's bot, handed over in
 * `Destination.telegram`. The destination address is the linked chat's id.
 *
 * A page is one `sendMessage` in HTML parse mode (every piece of incident text escaped)
 * with Acknowledge / Resolve inline buttons. Each button's `callback_data` is one opaque
 * single-use action token (43 bytes of the 64 Telegram allows), never incident data; the
 * inbound webhook (notify/telegram.service.ts) spends it. High urgency rings; anything
 * else goes with `disable_notification` (no sound).
 *
 * Errors map to the channel contract: 429 → retry after `parameters.retry_after`; 403
 * (blocked, kicked, deactivated) and 400 "chat not found" → the destination is gone
 * (the method is removed and the person's next method paged); 401 → a credential problem
 * (permanent, the bot token is wrong); 5xx and network failures → retry.
 */
import type { ChannelAdapter, DeliveryResult, Destination, IncidentView, Message } from '../../channel.js';
import { permanent, retryable } from '../../channel.js';
import { postHttp, withDetail, type HttpOptions } from '../http.js';
import { confirmSuffix, isTest, isVerification, notificationTitle, oneLine, pageLines, tr, truncate } from '../text.js';

export const TELEGRAM_API_BASE = 'https://api.telegram.org';
/** Telegram's limit on a message's text after entity parsing. */
const MAX_TEXT = 4096;

/** A bot: where its Bot API lives and its token (`123456:ABC…` from @BotFather). */
export interface TelegramBot {
  apiBaseUrl: string;
  token: string;
}

export type TelegramAnswer =
  | { ok: true; result: unknown }
  | { ok: false; status: number; errorCode: number; description: string; retryAfterS?: number }
  | { ok: false; failure: DeliveryResult };

/**
 * One Bot API call. Never throws for transport or API errors; the token is in the URL
 * path only, never in an error it answers.
 */
export async function callTelegram(bot: TelegramBot, method: string, params: Record<string, unknown>, opts: HttpOptions, signal?: AbortSignal): Promise<TelegramAnswer> {
  let url: URL;
  try {
    url = new URL(`${bot.apiBaseUrl.replace(/\/+$/, '')}/bot${bot.token}/${method}`);
  } catch {
    return { ok: false, failure: withDetail(permanent('invalid_url'), 'the Bot API base URL is not a URL') };
  }
  const attempt = await postHttp(url, new Headers({ 'Content-Type': 'application/json' }), JSON.stringify(params), opts, signal);
  if ('failure' in attempt) return { ok: false, failure: attempt.failure };
  const { reply } = attempt;
  let body: { ok?: unknown; result?: unknown; error_code?: unknown; description?: unknown; parameters?: { retry_after?: unknown } } = {};
  try {
    body = JSON.parse(reply.body) as typeof body;
  } catch {
    // A proxy's HTML page: the status says enough.
  }
  if (reply.status >= 200 && reply.status < 300 && body.ok === true) return { ok: true, result: body.result };
  const retryAfter = body.parameters?.retry_after;
  return {
    ok: false,
    status: reply.status,
    errorCode: typeof body.error_code === 'number' ? body.error_code : reply.status,
    description: typeof body.description === 'string' ? body.description : reply.body.trim().slice(0, 200),
    ...(typeof retryAfter === 'number' && retryAfter >= 0 ? { retryAfterS: retryAfter } : {}),
  };
}

/** A failed call as a delivery outcome (the contract's stable reasons). */
export function classifyTelegramError(a: Exclude<TelegramAnswer, { ok: true }>): DeliveryResult {
  if ('failure' in a) return a.failure;
  const d = a.description;
  if (a.errorCode === 429) return withDetail(retryable('telegram_rate_limited', a.retryAfterS !== undefined ? a.retryAfterS * 1000 : undefined), d);
  if (a.errorCode === 401) return withDetail(permanent('telegram_unauthorized'), `the bot token was refused (${d})`);
  if (a.errorCode === 403) return { ...withDetail(permanent('telegram_blocked'), d), destinationGone: true } as DeliveryResult;
  if (a.errorCode === 400 && /chat not found|user not found|PEER_ID_INVALID/i.test(d)) return { ...withDetail(permanent('telegram_chat_not_found'), d), destinationGone: true } as DeliveryResult;
  if (a.errorCode >= 500 || a.status >= 500 || a.errorCode === 408) return withDetail(retryable(`telegram_${a.errorCode}`), d);
  return withDetail(permanent(`telegram_${a.errorCode}`), d);
}

/** Telegram's HTML parse mode: only `<`, `>`, `&` (and `"` inside attributes) need escaping. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** Plain lines (escaped later), and links to open. */
function bodyLines(msg: Message): { lines: string[]; links: { label: string; url: string }[] } {
  if (isVerification(msg)) return { lines: [tr(msg, 'push.verificationBody', { org: oneLine(msg.orgName), code: msg.code ?? '' })], links: [] };
  if (msg.incidents.length === 0) return { lines: [isTest(msg) ? `${tr(msg, 'telegram.test', { org: oneLine(msg.orgName) })}${confirmSuffix(msg)}` : (msg.notice?.text ?? tr(msg, 'ntfy.notification'))], links: [] };
  const lines = pageLines(msg);
  return { lines, links: msg.incidents.slice(0, 10).map((i) => ({ label: tr(msg, 'telegram.openInVigil', { number: i.number }), url: i.htmlUrl })) };
}

/** The message text in HTML parse mode, within Telegram's 4096 characters. Pure. */
export function telegramText(msg: Message): string {
  const { lines, links } = bodyLines(msg);
  const linkText = links.map((l) => `<a href="${escapeHtml(l.url)}">${escapeHtml(l.label)}</a>`).join('\n');
  let plain = lines.join('\n');
  // Entity parsing removes the tags; count what is left conservatively (the escaped length).
  const fixed = escapeHtml(notificationTitle(msg, 500)).length + linkText.length + 4;
  while (plain.length && escapeHtml(plain).length + fixed > MAX_TEXT) plain = truncate(plain, plain.length - 100);
  return [`<b>${escapeHtml(notificationTitle(msg, 500))}</b>`, escapeHtml(plain), linkText].filter(Boolean).join('\n');
}

export interface InlineButton {
  text: string;
  callback_data: string;
}

/** Acknowledge / Resolve buttons while they still apply, each carrying its own single-use token. */
export function actionButtons(msg: Message): InlineButton[][] {
  if (msg.kind !== 'page' || msg.incidents.length !== 1) return [];
  const inc = msg.incidents[0]!;
  const [ack, resolve] = (inc.chatActionToken ?? '').split('.');
  const row: InlineButton[] = [];
  if (ack && inc.status === 'triggered') row.push({ text: tr(msg, 'action.acknowledge'), callback_data: ack });
  if (resolve && inc.status !== 'resolved') row.push({ text: tr(msg, 'action.resolve'), callback_data: resolve });
  return row.length ? [row] : [];
}

/** The sendMessage parameters for one message. Pure. */
export function buildSendMessage(chatId: string, msg: Message): Record<string, unknown> {
  const keyboard = actionButtons(msg);
  const quiet = msg.kind === 'page' && !msg.incidents.some((i) => i.urgency === 'high');
  return {
    chat_id: /^-?\d+$/.test(chatId) ? Number(chatId) : chatId,
    text: telegramText(msg),
    parse_mode: 'HTML',
    link_preview_options: { is_disabled: true },
    ...(quiet ? { disable_notification: true } : {}),
    ...(keyboard.length ? { reply_markup: { inline_keyboard: keyboard } } : {}),
  };
}

export class TelegramChannel implements ChannelAdapter {
  readonly type = 'telegram' as const;
  readonly #opts: HttpOptions;

  constructor(opts: HttpOptions = {}) {
    this.#opts = opts;
  }

  /** Sent: the provider id is `<chat id>:<message id>`. */
  async send(dest: Destination, msg: Message, signal?: AbortSignal): Promise<DeliveryResult> {
    if (!dest.telegram) return withDetail(permanent('telegram_not_configured'), 'the organization has no Telegram bot configured');
    const answer = await callTelegram(dest.telegram, 'sendMessage', buildSendMessage(dest.address, msg), this.#opts, signal);
    if (!answer.ok) return classifyTelegramError(answer);
    const id = (answer.result as { message_id?: unknown } | null)?.message_id;
    return typeof id === 'number' ? { kind: 'sent', providerId: `${dest.address}:${id}` } : { kind: 'sent' };
  }
}
