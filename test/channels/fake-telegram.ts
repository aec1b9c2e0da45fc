/**
 * A local Telegram Bot API server (core.telegram.org/bots/api, channels BRIEF §3) for one or
 * more bots. Calls are `POST|GET /bot<token>/<method>` with JSON, form or query parameters;
 * answers are Telegram's envelope, `{ok: true, result}` or `{ok: false, error_code,
 * description, parameters?}`. It checks what Telegram checks:
 *
 * - the token (unknown: 401 Unauthorized; a path without /bot<token>/: 404 Not Found);
 * - sendMessage: chat_id and text present, the chat known to the bot (a user must have
 *   pressed Start: 400 "chat not found"), a chat that blocked the bot (403), HTML parse
 *   mode parsed with Telegram's tag set (400 "can't parse entities"), 4096 characters
 *   after parsing, inline keyboards with exactly one action per button and callback_data
 *   of 1 to 64 bytes (400 BUTTON_DATA_INVALID);
 * - setWebhook: an HTTPS url, secret_token of 1 to 256 `A-Za-z0-9_-`;
 * - answerCallbackQuery: a query id it issued and not yet answered, text up to 200;
 * - editMessageText: the message exists in that chat, and something changes.
 *
 * The "user" side delivers updates to the registered webhook with
 * `X-Telegram-Bot-Api-Secret-Token`, as Telegram does, through a transport the test gives
 * (Vigil's app.inject, or real HTTP).
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { startServer, type TestServer } from './helpers.js';

export interface TgEntity {
  type: string;
  offset: number;
  length: number;
  url?: string;
}

export interface TgSent {
  message_id: number;
  chat_id: number;
  /** The text as the user sees it (tags removed, entities decoded). */
  text: string;
  entities: TgEntity[];
  params: Record<string, any>;
  /** Every edit of this message, in order. */
  edits: Record<string, any>[];
}

export interface Transport {
  (url: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }>;
}

interface Bot {
  id: number;
  token: string;
  username: string;
  webhook: { url: string; secret?: string; allowed?: string[] } | null;
}

export interface FakeTelegram extends TestServer {
  /** The Bot API base URL to configure in Vigil (like https://api.telegram.org). */
  apiBaseUrl: string;
  addBot(username: string): { token: string; id: number };
  webhookOf(token: string): Bot['webhook'];
  sent: TgSent[];
  answers: Record<string, any>[];
  /** A person opens the bot and sends a text (their private chat id is their user id). */
  userSends(token: string, user: { id: number; username?: string }, text: string, secret?: string): Promise<{ status: number; body: string }>;
  /** The person presses an inline button of a message the bot sent them. */
  press(token: string, message: TgSent, callbackData: string, from?: { id: number; username?: string }): Promise<{ status: number; body: string; queryId: string }>;
  /** A person presses Start without a webhook to tell (the chat becomes known to the bot). */
  startChat(user: { id: number; username?: string }): void;
  /** The user blocks the bot: sends to the chat answer 403. */
  block(chatId: number): void;
  /** The next sendMessage calls answer 429 with parameters.retry_after. */
  floodNext(retryAfterS: number, times?: number): void;
}

const ALLOWED_TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'a', 'code', 'pre', 'tg-spoiler', 'span', 'blockquote', 'tg-emoji']);
const ENTITY_OF: Record<string, string> = { b: 'bold', strong: 'bold', i: 'italic', em: 'italic', u: 'underline', ins: 'underline', s: 'strikethrough', strike: 'strikethrough', del: 'strikethrough', a: 'text_link', code: 'code', pre: 'pre', 'tg-spoiler': 'spoiler', span: 'spoiler', blockquote: 'blockquote' };
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

/** Telegram's HTML parse mode: tags → entities, the four named entities and numeric ones decoded. A string is the 400's description. */
export function parseTelegramHtml(html: string): { text: string; entities: TgEntity[] } | string {
  let text = '';
  const entities: TgEntity[] = [];
  const open: { tag: string; offset: number; url?: string }[] = [];
  let i = 0;
  while (i < html.length) {
    const c = html[i]!;
    if (c === '<') {
      const end = html.indexOf('>', i);
      if (end < 0) return `Bad Request: can't parse entities: Unclosed start tag at byte offset ${i}`;
      const raw = html.slice(i + 1, end);
      const m = /^(\/?)([a-z-]+)(?:\s+href="([^"]*)")?\s*$/i.exec(raw);
      if (!m) return `Bad Request: can't parse entities: Unsupported start tag "${raw.split(/\s/)[0]}" at byte offset ${i}`;
      const [, closing, tag] = m;
      if (!ALLOWED_TAGS.has(tag!.toLowerCase())) return `Bad Request: can't parse entities: Unsupported start tag "${tag}" at byte offset ${i}`;
      if (closing) {
        const top = open.pop();
        if (!top || top.tag !== tag) return `Bad Request: can't parse entities: Unmatched end tag at byte offset ${i}, expected "</${top?.tag ?? ''}>", found "</${tag}>"`;
        if (text.length > top.offset) entities.push({ type: ENTITY_OF[top.tag] ?? top.tag, offset: top.offset, length: text.length - top.offset, ...(top.url ? { url: top.url } : {}) });
      } else {
        const href = m[3] === undefined ? undefined : decode(m[3]);
        if (href === null) return `Bad Request: can't parse entities: bad entity in an attribute at byte offset ${i}`;
        open.push({ tag: tag!, offset: text.length, ...(href ? { url: href } : {}) });
      }
      i = end + 1;
    } else if (c === '&') {
      const end = html.indexOf(';', i);
      const name = end > i ? html.slice(i + 1, end) : '';
      const ch = NAMED[name] ?? (/^#\d+$/.test(name) ? String.fromCodePoint(Number(name.slice(1))) : /^#x[0-9a-f]+$/i.test(name) ? String.fromCodePoint(parseInt(name.slice(2), 16)) : undefined);
      // Telegram leaves an unknown entity as text; a bare & before a known-looking name is kept too.
      if (ch === undefined) {
        text += '&';
        i++;
      } else {
        text += ch;
        i = end + 1;
      }
    } else if (c === '>') {
      return `Bad Request: can't parse entities: Unexpected end tag at byte offset ${i}`;
    } else {
      text += c;
      i++;
    }
  }
  if (open.length) return `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "${open[open.length - 1]!.tag}"`;
  return { text, entities };
}

function decode(attr: string): string | null {
  const r = parseTelegramHtml(attr);
  return typeof r === 'string' ? null : r.text;
}

export async function startFakeTelegram(transport: Transport = httpTransport): Promise<FakeTelegram> {
  const bots = new Map<string, Bot>();
  const chats = new Map<number, { id: number; type: 'private'; username?: string; first_name: string; blocked: boolean }>();
  const sent: TgSent[] = [];
  const answers: Record<string, any>[] = [];
  const queries = new Map<string, { answered: boolean }>();
  const floods: number[] = [];
  let messageId = 100;
  let updateId = 5000;

  const answer = (res: ServerResponse, status: number, body: object) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const ok = (res: ServerResponse, result: unknown) => answer(res, 200, { ok: true, result });
  const fail = (res: ServerResponse, code: number, description: string, parameters?: object) => answer(res, code, { ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) });

  const server = await startServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!m) return fail(res, 404, 'Not Found');
    const bot = bots.get(decodeURIComponent(m[1]!));
    if (!bot) return fail(res, 401, 'Unauthorized');
    const method = m[2]!;
    let p: Record<string, any> = Object.fromEntries(url.searchParams);
    const type = String(req.headers['content-type'] ?? '');
    if (req.body.length) {
      if (type.startsWith('application/json')) {
        try {
          p = { ...p, ...(JSON.parse(req.body.toString('utf8')) as object) };
        } catch {
          return fail(res, 400, "Bad Request: can't parse JSON object");
        }
      } else if (type.startsWith('application/x-www-form-urlencoded')) p = { ...p, ...Object.fromEntries(new URLSearchParams(req.body.toString('utf8'))) };
    }
    const botUser = { id: bot.id, is_bot: true, first_name: bot.username, username: bot.username };

    switch (method.toLowerCase()) {
      case 'getme':
        return ok(res, { ...botUser, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false });
      case 'setwebhook': {
        if (!p.url) {
          bot.webhook = null;
          return ok(res, true);
        }
        if (!/^https:\/\//.test(String(p.url))) return fail(res, 400, 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook');
        if (p.secret_token !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(String(p.secret_token))) return fail(res, 400, 'Bad Request: secret token contains unallowed characters');
        const allowed = typeof p.allowed_updates === 'string' ? (JSON.parse(p.allowed_updates) as string[]) : (p.allowed_updates as string[] | undefined);
        bot.webhook = { url: String(p.url), ...(p.secret_token ? { secret: String(p.secret_token) } : {}), ...(allowed ? { allowed } : {}) };
        return ok(res, true);
      }
      case 'sendmessage': {
        if (p.chat_id === undefined || p.chat_id === '') return fail(res, 400, 'Bad Request: chat_id is empty');
        if (typeof p.text !== 'string' || !p.text.trim()) return fail(res, 400, 'Bad Request: message text is empty');
        const flood = floods.shift();
        if (flood !== undefined) return fail(res, 429, `Too Many Requests: retry after ${flood}`, { retry_after: flood });
        const chat = chats.get(Number(p.chat_id));
        if (!chat) return fail(res, 400, 'Bad Request: chat not found');
        if (chat.blocked) return fail(res, 403, 'Forbidden: bot was blocked by the user');
        const parsed = p.parse_mode === 'HTML' ? parseTelegramHtml(p.text) : p.parse_mode === undefined ? { text: p.text as string, entities: [] } : `Bad Request: unsupported parse_mode ${p.parse_mode} in this fake`;
        if (typeof parsed === 'string') return fail(res, 400, parsed);
        if (parsed.text.length > 4096) return fail(res, 400, 'Bad Request: message is too long');
        const markup = typeof p.reply_markup === 'string' ? JSON.parse(p.reply_markup) : p.reply_markup;
        if (markup !== undefined) {
          const bad = checkKeyboard(markup);
          if (bad) return fail(res, 400, bad);
        }
        const msg: TgSent = { message_id: ++messageId, chat_id: chat.id, text: parsed.text, entities: parsed.entities, params: { ...p, ...(markup ? { reply_markup: markup } : {}) }, edits: [] };
        sent.push(msg);
        return ok(res, { message_id: msg.message_id, from: botUser, chat, date: Math.floor(Date.now() / 1000), text: msg.text, ...(msg.entities.length ? { entities: msg.entities } : {}), ...(markup ? { reply_markup: markup } : {}) });
      }
      case 'answercallbackquery': {
        const q = queries.get(String(p.callback_query_id ?? ''));
        if (!q || q.answered) return fail(res, 400, 'Bad Request: query is too old and response timeout expired or query ID is invalid');
        if (p.text !== undefined && String(p.text).length > 200) return fail(res, 400, 'Bad Request: MESSAGE_TOO_LONG');
        q.answered = true;
        answers.push(p);
        return ok(res, true);
      }
      case 'editmessagetext': {
        if (p.inline_message_id === undefined && (p.chat_id === undefined || p.message_id === undefined)) return fail(res, 400, 'Bad Request: message identifier is not specified');
        const msg = sent.find((s) => s.chat_id === Number(p.chat_id) && s.message_id === Number(p.message_id));
        if (!msg) return fail(res, 400, 'Bad Request: message to edit not found');
        if (typeof p.text !== 'string' || !p.text.trim()) return fail(res, 400, 'Bad Request: text must be non-empty');
        const parsed = p.parse_mode === 'HTML' ? parseTelegramHtml(p.text) : { text: p.text as string, entities: (p.entities as TgEntity[] | undefined) ?? [] };
        if (typeof parsed === 'string') return fail(res, 400, parsed);
        if (parsed.entities.some((e) => e.offset < 0 || e.offset + e.length > parsed.text.length)) return fail(res, 400, "Bad Request: can't parse entities: entity beyond the end of the text");
        const markup = p.reply_markup;
        if (markup !== undefined) {
          const bad = checkKeyboard(markup);
          if (bad) return fail(res, 400, bad);
        }
        const before = msg.edits[msg.edits.length - 1] ?? msg.params;
        if (parsed.text === msg.text && JSON.stringify(markup) === JSON.stringify(before.reply_markup)) return fail(res, 400, 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
        msg.text = parsed.text;
        msg.entities = parsed.entities;
        msg.edits.push(p);
        return ok(res, { message_id: msg.message_id, chat: chats.get(msg.chat_id), text: msg.text, ...(markup ? { reply_markup: markup } : {}) });
      }
      default:
        return fail(res, 404, 'Not Found: method not found');
    }
  });

  async function deliver(bot: Bot, update: object, secret?: string) {
    if (!bot.webhook) throw new Error('no webhook set for this bot');
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const s = secret ?? bot.webhook.secret;
    if (s !== undefined) headers['x-telegram-bot-api-secret-token'] = s;
    return transport(bot.webhook.url, headers, JSON.stringify({ update_id: ++updateId, ...update }));
  }
  function startChat(user: { id: number; username?: string }) {
    const chat = chats.get(user.id) ?? { id: user.id, type: 'private' as const, first_name: user.username ?? 'User', ...(user.username ? { username: user.username } : {}), blocked: false };
    chat.blocked = false;
    chats.set(user.id, chat);
    return chat;
  }
  const botOf = (token: string) => {
    const b = bots.get(token);
    if (!b) throw new Error('unknown bot');
    return b;
  };

  return Object.assign(server, {
    apiBaseUrl: server.url,
    sent,
    answers,
    addBot(username: string) {
      const id = 7_000_000_000 + bots.size;
      const token = `${id}:AAH${randomBytes(24).toString('base64url')}`;
      bots.set(token, { id, token, username, webhook: null });
      return { token, id };
    },
    webhookOf: (token: string) => botOf(token).webhook,
    startChat,
    async userSends(token: string, user: { id: number; username?: string }, text: string, secret?: string) {
      const bot = botOf(token);
      const chat = startChat(user);
      const { blocked: _b, ...wireChat } = chat;
      const command = /^\/\w+/.exec(text)?.[0];
      return deliver(bot, { message: { message_id: ++messageId, from: { id: user.id, is_bot: false, first_name: wireChat.first_name, ...(user.username ? { username: user.username } : {}) }, chat: wireChat, date: Math.floor(Date.now() / 1000), text, ...(command ? { entities: [{ type: 'bot_command', offset: 0, length: command.length }] } : {}) } }, secret);
    },
    async press(token: string, message: TgSent, callbackData: string, from?: { id: number; username?: string }) {
      const bot = botOf(token);
      const queryId = String(BigInt(message.chat_id) * 1000n + BigInt(queries.size));
      queries.set(queryId, { answered: false });
      const chat = chats.get(message.chat_id)!;
      const { blocked: _b, ...wireChat } = chat;
      const who = from ?? { id: chat.id, ...(chat.username ? { username: chat.username } : {}) };
      const current = message.edits[message.edits.length - 1] ?? message.params;
      const r = await deliver(bot, {
        callback_query: {
          id: queryId,
          from: { id: who.id, is_bot: false, first_name: who.username ?? 'User', ...(who.username ? { username: who.username } : {}) },
          message: { message_id: message.message_id, from: { id: bot.id, is_bot: true, first_name: bot.username, username: bot.username }, chat: wireChat, date: Math.floor(Date.now() / 1000), text: message.text, ...(message.entities.length ? { entities: message.entities } : {}), ...(current.reply_markup ? { reply_markup: current.reply_markup } : {}) },
          chat_instance: String(chat.id * 7),
          data: callbackData,
        },
      });
      return { ...r, queryId };
    },
    block(chatId: number) {
      const chat = chats.get(chatId);
      if (chat) chat.blocked = true;
    },
    floodNext(retryAfterS: number, times = 1) {
      for (let i = 0; i < times; i++) floods.push(retryAfterS);
    },
  });
}

function checkKeyboard(markup: any): string | null {
  const rows = markup?.inline_keyboard;
  if (!Array.isArray(rows)) return 'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an Array';
  for (const row of rows) {
    if (!Array.isArray(row)) return 'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays';
    for (const b of row) {
      if (typeof b?.text !== 'string' || !b.text) return 'Bad Request: text buttons are unallowed in the inline keyboard';
      const actions = ['url', 'callback_data', 'web_app', 'login_url', 'switch_inline_query', 'switch_inline_query_current_chat', 'copy_text', 'pay'].filter((k) => b[k] !== undefined);
      if (actions.length !== 1) return 'Bad Request: text buttons are unallowed in the inline keyboard';
      if (b.callback_data !== undefined) {
        const n = Buffer.byteLength(String(b.callback_data));
        if (n < 1 || n > 64) return 'Bad Request: BUTTON_DATA_INVALID';
      }
      if (b.url !== undefined && !/^(https?|tg):\/\//.test(String(b.url))) return 'Bad Request: BUTTON_URL_INVALID';
    }
  }
  return null;
}

/** Telegram's own delivery: a real POST to the webhook URL. */
export const httpTransport: Transport = async (url, headers, body) => {
  const r = await fetch(url, { method: 'POST', headers, body });
  return { status: r.status, body: await r.text() };
};
