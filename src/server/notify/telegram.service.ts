/**
 * Telegram: the organization's bot, linking a chat to a person, and the bot's replies.
 *
 * Configuration: an admin sets the bot token (sealed at rest, never answered: a hint at
 * most) and, optionally, the Bot API base URL of a self-hosted server. Vigil generates the
 * webhook secret and registers `<public URL>/v1/telegram/<bot id>` with `setWebhook`;
 * Telegram sends the secret back in `X-Telegram-Bot-Api-Secret-Token` on every update,
 * compared here in constant time before anything is read.
 *
 * Linking: a member asks for a one-time code (96 random bits, only its hash kept, valid
 * 15 minutes, used once) and sends `/start <code>` to the bot in a private chat (the
 * `t.me/<bot>?start=<code>` link does that in one tap). The chat becomes a verified
 * contact method of type telegram whose address is the chat id: Telegram itself proved
 * the chat belongs to whoever held the code.
 *
 * Buttons: the Acknowledge / Resolve buttons of a page carry single-use action tokens.
 * A press counts only from the chat the page was sent to's owner (`from.id` must be a
 * Telegram chat linked to the token's person), and only for a member who may respond.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { invalid, notFound, VigilError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { BLOCKED_MESSAGE, type OutboundPolicy } from '../lib/outbound-policy.js';
import { hashSecret } from '../lib/secrets.js';
import { getOrganization, getUser } from '../org/org.store.js';
import { can } from '../org/roles.js';
import type { ContactMethodTable, Database, TelegramBotTable, UserTable } from '../storage/schema.js';
import { callTelegram, TELEGRAM_API_BASE, type TelegramBot } from './channels/telegram/telegram.js';
import type { HttpOptions } from './channels/http.js';
import * as contacts from './contact.store.js';
import * as store from './telegram.store.js';

type Db = Kysely<Database>;

export const LINK_CODE_TTL_MS = 15 * 60_000;
export const TELEGRAM_WEBHOOK_PATH = '/v1/telegram';
/** A token from @BotFather: `<bot id>:<35 characters>`. */
const BOT_TOKEN = /^\d{1,20}:[A-Za-z0-9_-]{20,100}$/;

/** The organization's bot for sending, or null when none is configured. */
export async function telegramBotFor(db: Db, orgId: string): Promise<TelegramBot | null> {
  const row = await store.getBot(db, orgId);
  return row ? { apiBaseUrl: row.api_base_url, token: row.bot_token } : null;
}

export async function getTelegramBot(db: Db, orgId: string): Promise<TelegramBotTable | undefined> {
  return store.getBot(db, orgId);
}

export const webhookUrl = (publicUrl: string, bot: Pick<TelegramBotTable, 'id'>) => `${publicUrl}${TELEGRAM_WEBHOOK_PATH}/${bot.id}`;

/** `123456:••••wxyz`: enough to tell two tokens apart, never the token. */
export const tokenHint = (token: string) => `${token.split(':')[0]}:••••${token.slice(-4)}`;

export interface BotInput {
  bot_token?: string;
  api_base_url?: string | null;
  [k: string]: unknown;
}

/** What GET answers: sent back unchanged on PUT, these are read-only and left as they are. */
const READ_ONLY = ['type', 'bot_token_hint', 'bot_username', 'webhook_url', 'webhook_registered_at', 'created_at', 'updated_at'];

function checkBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw invalid('telegram_bot.api_base_url must be an http(s) URL such as https://api.telegram.org');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('telegram_bot.api_base_url must be an http(s) URL such as https://api.telegram.org');
  if (url.username || url.password || url.search || url.hash) throw invalid('telegram_bot.api_base_url must not carry credentials, a query or a fragment');
  return url.toString().replace(/\/+$/, '');
}

/**
 * Create or change the organization's bot. The token is required the first time; a new
 * token (another bot) or base URL clears the webhook registration, which must be made
 * again. The webhook secret is generated once and kept.
 */
export async function configureBot(db: Db, clock: Clock, policy: OutboundPolicy, orgId: string, input: BotInput): Promise<TelegramBotTable> {
  const errors: string[] = [];
  for (const k of Object.keys(input)) if (k !== 'bot_token' && k !== 'api_base_url' && !READ_ONLY.includes(k)) errors.push(`telegram_bot.${k}: unknown field`);
  const token = input.bot_token?.trim();
  if (token !== undefined && !BOT_TOKEN.test(token)) errors.push('telegram_bot.bot_token must be the token @BotFather gave, such as 123456789:AAH...');
  let base: string | undefined;
  try {
    base = input.api_base_url === undefined ? undefined : input.api_base_url === null ? TELEGRAM_API_BASE : checkBaseUrl(input.api_base_url);
  } catch (err) {
    errors.push(...(err instanceof VigilError ? err.errors : [String(err)]));
  }
  if (errors.length) throw invalid(...errors);
  if (base !== undefined && (await policy.refusesUrl(`${base}/`))) throw invalid(`telegram_bot.api_base_url: ${BLOCKED_MESSAGE}`);
  const now = clock.now();
  const current = await store.getBot(db, orgId);
  if (!current) {
    if (!token) throw invalid('telegram_bot.bot_token is required');
    const row: TelegramBotTable = {
      org_id: orgId,
      id: `tg${randomBytes(9).toString('base64url')}`,
      bot_token: token,
      api_base_url: base ?? TELEGRAM_API_BASE,
      webhook_secret: randomBytes(32).toString('base64url'),
      bot_username: null,
      webhook_set_at: null,
      created_at: now,
      updated_at: now,
    };
    await store.insertBot(db, row);
    return row;
  }
  const patch: Partial<TelegramBotTable> = { updated_at: now };
  if (token !== undefined && token !== current.bot_token) Object.assign(patch, { bot_token: token, bot_username: null, webhook_set_at: null });
  if (base !== undefined && base !== current.api_base_url) Object.assign(patch, { api_base_url: base, webhook_set_at: null });
  await store.updateBot(db, orgId, patch);
  return { ...current, ...patch };
}

export async function removeBot(db: Db, orgId: string): Promise<void> {
  if (!(await store.getBot(db, orgId))) throw notFound('telegram bot');
  await store.deleteBot(db, orgId);
}

/**
 * Register Vigil's inbound webhook with Telegram (`setWebhook` with the secret and the two
 * update types Vigil reads), then learn the bot's username (`getMe`) for `t.me` links.
 * A refused token is a 400 naming it; Telegram unreachable or failing is a 503.
 */
export async function registerWebhook(db: Db, clock: Clock, http: HttpOptions, orgId: string, publicUrl: string): Promise<TelegramBotTable> {
  const bot = await store.getBot(db, orgId);
  if (!bot) throw notFound('telegram bot (set one with PUT /api/v1/telegram_bot)');
  const api = { apiBaseUrl: bot.api_base_url, token: bot.bot_token };
  const set = await callTelegram(api, 'setWebhook', { url: webhookUrl(publicUrl, bot), secret_token: bot.webhook_secret, allowed_updates: ['message', 'callback_query'] }, http);
  if (!set.ok) {
    if ('failure' in set) throw new VigilError('unavailable', [`telegram_bot: the Bot API at ${bot.api_base_url} could not be reached (${set.failure.kind === 'sent' ? '' : set.failure.reason})`]);
    if (set.errorCode === 401 || set.errorCode === 404) throw invalid(`telegram_bot.bot_token: Telegram refused the token (${set.errorCode} ${set.description})`);
    if (set.errorCode >= 500 || set.errorCode === 429) throw new VigilError('unavailable', [`telegram_bot: setWebhook failed (${set.errorCode} ${set.description})`]);
    throw invalid(`telegram_bot: setWebhook refused the webhook (${set.errorCode} ${set.description}); Telegram needs a public HTTPS VIGIL_PUBLIC_URL on port 443, 80, 88 or 8443`);
  }
  const me = await callTelegram(api, 'getMe', {}, http);
  const username = me.ok ? (me.result as { username?: unknown } | null)?.username : undefined;
  const patch = { webhook_set_at: clock.now(), updated_at: clock.now(), ...(typeof username === 'string' ? { bot_username: username } : {}) };
  await store.updateBot(db, orgId, patch);
  return { ...bot, ...patch };
}

/** A one-time code for `/start`, and the link that sends it. Only its hash is stored; it replaces the person's earlier unused code. */
export async function createLinkCode(db: Db, clock: Clock, orgId: string, userId: string): Promise<{ code: string; expiresAt: number; botUsername: string | null }> {
  const bot = await store.getBot(db, orgId);
  if (!bot) throw invalid('telegram: no Telegram bot is configured for this organization; an admin sets one with PUT /api/v1/telegram_bot');
  const now = clock.now();
  const code = randomBytes(12).toString('base64url');
  await store.deleteUnusedLinkCodes(db, orgId, userId);
  await store.insertLinkCode(db, { org_id: orgId, id: newId(now), user_id: userId, code_hash: linkCodeHash(code), expires_at: now + LINK_CODE_TTL_MS, used_at: null, created_at: now });
  return { code, expiresAt: now + LINK_CODE_TTL_MS, botUsername: bot.bot_username };
}

const linkCodeHash = (code: string) => hashSecret(`telegram-link:${code}`);

/** The bot an inbound webhook request is for, if its secret header matches (constant time); null otherwise. */
export async function authenticateWebhook(db: Db, webhookId: string, secretHeader: string | undefined): Promise<TelegramBotTable | null> {
  const bot = await store.getBotByWebhookId(db, webhookId);
  // Compare digests so neither the length nor the content of the secret shows in the timing.
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  const matches = timingSafeEqual(digest(secretHeader ?? ''), digest(bot?.webhook_secret ?? randomBytes(32).toString('base64url')));
  return bot && secretHeader && matches ? bot : null;
}

/** `/start`, `/start <code>` or `/start@bot <code>`; null for any other text. */
export function parseStart(text: string): { code: string | null } | null {
  const m = /^\/start(?:@\w+)?(?:\s+(\S+))?\s*$/.exec(text.trim());
  return m ? { code: m[1] ?? null } : null;
}

/** Why a `/start` code links nothing (the route words it in the organization's language). */
export type LinkRefusal = 'group_chat' | 'invalid_code' | 'code_used' | 'not_member';
export type LinkOutcome = { ok: true; user: UserTable; orgName: string; method: ContactMethodTable; created: boolean } | { ok: false; reason: LinkRefusal };

/**
 * Spend a `/start` code and link the chat to its person: a new verified telegram method,
 * or the existing one of that chat verified again.
 */
export async function linkChat(db: Db, clock: Clock, bot: TelegramBotTable, chat: { id: number; type: string; username?: string }, code: string): Promise<LinkOutcome> {
  if (chat.type !== 'private') return { ok: false, reason: 'group_chat' };
  const now = clock.now();
  const orgId = bot.org_id;
  const row = await store.findLinkCode(db, orgId, linkCodeHash(code));
  if (!row || row.used_at !== null || Number(row.expires_at) <= now) return { ok: false, reason: 'invalid_code' };
  return db.transaction().execute(async (trx): Promise<LinkOutcome> => {
    if (!(await store.spendLinkCode(trx, orgId, row.id, now))) return { ok: false, reason: 'code_used' };
    const user = await getUser(trx, orgId, row.user_id);
    if (!user || user.deleted_at !== null) return { ok: false, reason: 'not_member' };
    const org = await getOrganization(trx, orgId);
    const address = String(chat.id);
    const existing = (await contacts.listContactMethods(trx, orgId, [user.id])).find((m) => m.type === 'telegram' && m.address === address);
    if (existing) {
      await contacts.updateContactMethod(trx, orgId, existing.id, { verified_at: now });
      return { ok: true, user, orgName: org?.name ?? '', method: { ...existing, verified_at: now }, created: false };
    }
    const method: ContactMethodTable = {
      org_id: orgId,
      id: newId(now),
      user_id: user.id,
      type: 'telegram',
      address,
      label: chat.username ? `Telegram (@${chat.username})` : 'Telegram',
      verified_at: now,
      verification_code_hash: null,
      verification_expires_at: null,
      verification_attempts: 0,
      secret: null,
      created_at: now,
      deleted_at: null,
    };
    await contacts.insertContactMethod(trx, method);
    return { ok: true, user, orgName: org?.name ?? '', method, created: true };
  });
}

/**
 * Who pressed a button, as a responder of the token's organization: the person the token
 * names, pressing from a Telegram chat linked to them, with a role that may respond.
 */
export async function telegramResponder(db: Db, orgId: string, userId: string, fromId: number): Promise<{ ok: true; user: UserTable } | { ok: false; reason: 'not_member' | 'not_linked' | 'cannot_respond'; role?: string }> {
  const user = await getUser(db, orgId, userId);
  if (!user || user.deleted_at !== null) return { ok: false, reason: 'not_member' };
  const linked = (await contacts.listContactMethods(db, orgId, [user.id])).some((m) => m.type === 'telegram' && m.address === String(fromId) && m.deleted_at === null);
  if (!linked) return { ok: false, reason: 'not_linked' };
  if (!can(user.role, 'respond')) return { ok: false, reason: 'cannot_respond', role: user.role };
  return { ok: true, user };
}

/** A Bot API call made while answering an update; failures are logged by the caller, never fatal. */
export async function botCall(bot: TelegramBotTable, method: string, params: Record<string, unknown>, http: HttpOptions): Promise<boolean> {
  const a = await callTelegram({ apiBaseUrl: bot.api_base_url, token: bot.bot_token }, method, params, http);
  return a.ok;
}
