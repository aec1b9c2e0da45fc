/**
 * Telegram: the organization's bot (admins), a member's one-time link code, and the bot's
 * inbound webhook. The webhook answers 401 before reading anything unless its secret
 * header matches; after that it always answers 200 (Telegram retries anything else, and a
 * stale button must not be re-delivered forever), acting on `/start <code>` messages and
 * button presses.
 */
import { Type } from 'typebox';
import { errorResponses } from '../../../contract/common.js';
import { TelegramBot, TelegramBotUpdate, TelegramLink } from '../../../contract/telegram.js';
import { VigilError } from '../../errors.js';
import { iso } from '../../lib/clock.js';
import { respondAs } from '../../incident/respond.service.js';
import { memberLocale } from '../../org/org.service.js';
import { outcomeText } from '../presenters/one-click-page.js';
import { format } from '../../lib/i18n/translate.js';
import { lookupActionToken, spendActionToken } from '../../notify/action-token.js';
import {
  authenticateWebhook,
  botCall,
  configureBot,
  createLinkCode,
  getTelegramBot,
  linkChat,
  parseStart,
  registerWebhook,
  removeBot,
  telegramResponder,
  tokenHint,
  webhookUrl,
} from '../../notify/telegram.service.js';
import type { TelegramBotTable } from '../../storage/schema.js';
import { audit } from '../../volunteer/access.service.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { contactTags, memberOf, UserParams } from './contact-methods.js';

const tags = ['telegram'];

interface TgUser {
  id: number;
  username?: string;
  first_name?: string;
}
interface TgMessage {
  message_id: number;
  chat: { id: number; type: string; username?: string };
  from?: TgUser;
  text?: string;
  entities?: unknown[];
  reply_markup?: { inline_keyboard?: { text: string; callback_data?: string }[][] };
}
interface TgUpdate {
  update_id?: number;
  message?: TgMessage;
  callback_query?: { id: string; from: TgUser; message?: TgMessage; data?: string };
}

export function telegramRoutes(app: App, deps: AppDeps): void {
  const { db, clock } = deps;
  const http = { policy: deps.outbound };
  const present = (b: TelegramBotTable) => ({
    telegram_bot: {
      type: 'telegram_bot' as const,
      api_base_url: b.api_base_url,
      bot_token_hint: tokenHint(b.bot_token),
      bot_username: b.bot_username,
      webhook_url: webhookUrl(deps.config.publicUrl, b),
      webhook_registered_at: b.webhook_set_at === null ? null : iso(Number(b.webhook_set_at)),
      created_at: iso(Number(b.created_at)),
      updated_at: iso(Number(b.updated_at)),
    },
  });

  app.get('/api/v1/telegram_bot', { schema: { summary: "Admins: the organization's Telegram bot", tags, response: { 200: TelegramBot, ...errorResponses } } }, async (request) => {
    const bot = await getTelegramBot(db, principalOf(request).orgId);
    if (!bot) throw new VigilError('not_found', ['telegram bot not found (set one with PUT /api/v1/telegram_bot)']);
    return present(bot);
  });

  app.put(
    '/api/v1/telegram_bot',
    { schema: { summary: 'Admins: set the Telegram bot (token from @BotFather, optional self-hosted Bot API URL); then register its webhook with set_webhook', tags, body: TelegramBotUpdate, response: { 200: TelegramBot, ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const bot = await configureBot(db, clock, deps.outbound, principal.orgId, request.body.telegram_bot);
      await audit(db, principal.orgId, principal.userId, 'telegram_bot.update', 'telegram_bot', clock.now());
      return present(bot);
    },
  );

  app.post('/api/v1/telegram_bot/set_webhook', { schema: { summary: "Admins: register Vigil's webhook with Telegram (setWebhook with the secret token; message and callback_query updates)", tags, response: { 200: TelegramBot, ...errorResponses } } }, async (request) => {
    const principal = principalOf(request);
    const bot = await registerWebhook(db, clock, http, principal.orgId, deps.config.publicUrl);
    await audit(db, principal.orgId, principal.userId, 'telegram_bot.set_webhook', 'telegram_bot', clock.now());
    return present(bot);
  });

  app.delete('/api/v1/telegram_bot', { schema: { summary: 'Admins: remove the Telegram bot (linked chats stay as contact methods but cannot be paged)', tags, response: { 204: Type.Null(), ...errorResponses } } }, async (request, reply) => {
    const principal = principalOf(request);
    await removeBot(db, principal.orgId);
    await audit(db, principal.orgId, principal.userId, 'telegram_bot.delete', 'telegram_bot', clock.now());
    return reply.code(204).send(undefined as never);
  });

  app.post(
    '/api/v1/users/:id/telegram_link',
    { config: { permission: 'read' }, schema: { summary: 'A one-time code (15 minutes) that links a Telegram chat to the member: send /start <code> to the bot, or open the t.me link', tags: contactTags, params: UserParams, response: { 201: TelegramLink, ...errorResponses } } },
    async (request, reply) => {
      const { orgId, user } = await memberOf(deps, request, request.params.id, true);
      const { code, expiresAt, botUsername } = await createLinkCode(db, clock, orgId, user.id);
      return reply.code(201).send({ telegram_link: { code, command: `/start ${code}`, url: botUsername ? `https://t.me/${botUsername}?start=${code}` : null, bot_username: botUsername, expires_at: iso(expiresAt) } });
    },
  );

  app.post<{ Params: { id: string }; Body: unknown }>('/v1/telegram/:id', { config: { permission: 'public' }, schema: { hide: true } }, async (request, reply) => {
    const header = request.headers['x-telegram-bot-api-secret-token'];
    const bot = await authenticateWebhook(db, request.params.id, Array.isArray(header) ? header[0] : header);
    if (!bot) throw new VigilError('unauthenticated', ['X-Telegram-Bot-Api-Secret-Token does not match this webhook']);
    const update = (request.body ?? {}) as TgUpdate;
    const call = (method: string, params: Record<string, unknown>) =>
      botCall(bot, method, params, http).then((ok) => {
        if (!ok) request.log.warn({ method }, 'a Telegram Bot API call failed');
      });

    const msg = update.message;
    if (msg?.text !== undefined && msg.chat) {
      const start = parseStart(msg.text);
      if (!start) return reply.send({});
      if (!start.code) {
        await call('sendMessage', { chat_id: msg.chat.id, text: format(await memberLocale(deps.db, bot.org_id, null), 'telegram.howToLink') });
        return reply.send({});
      }
      const out = await linkChat(db, clock, bot, msg.chat, start.code);
      // Linked: in the person's language; refused: nobody is known yet, so the organization's.
      const locale = await memberLocale(deps.db, bot.org_id, out.ok ? out.user.id : null);
      await call('sendMessage', { chat_id: msg.chat.id, text: out.ok ? format(locale, 'telegram.linked', { name: out.user.name, org: out.orgName }) : format(locale, 'telegram.linkRefused', { reason: out.reason }) });
      return reply.send({});
    }

    const cq = update.callback_query;
    if (cq?.id) {
      const answer = (text: string, alert = false) => call('answerCallbackQuery', { callback_query_id: cq.id, text: text.slice(0, 200), ...(alert ? { show_alert: true } : {}) });
      const now = clock.now();
      const t = cq.data ? await lookupActionToken(db, cq.data, now) : ({ ok: false, reason: 'unknown' } as const);
      if (!t.ok || t.row.org_id !== bot.org_id || t.row.channel !== 'telegram') {
        const orgLocale = await memberLocale(deps.db, bot.org_id, null);
        await answer(t.ok || t.reason === 'unknown' ? format(orgLocale, 'oneClick.buttonInvalid') : format(orgLocale, 'oneClick.buttonUnusable', { why: t.reason }), true);
        return reply.send({});
      }
      const who = await telegramResponder(db, bot.org_id, t.row.user_id, cq.from.id);
      if (!who.ok) {
        await answer(format(await memberLocale(deps.db, t.row.org_id, t.row.user_id), 'telegram.buttonRefused', { reason: who.reason, role: who.role ?? '' }), true);
        return reply.send({});
      }
      if (!(await spendActionToken(db, t.row, now))) {
        await answer(format(await memberLocale(deps.db, t.row.org_id, t.row.user_id), 'oneClick.buttonUnusable', { why: 'used' }), true);
        return reply.send({});
      }
      const out = await respondAs(deps, t.row.org_id, t.row.incident_id, t.row.user_id, t.row.action, { type: 'telegram', chat_id: cq.from.id, ...(cq.from.username ? { chat_user: cq.from.username } : {}) });
      const locale = await memberLocale(deps.db, t.row.org_id, t.row.user_id);
      await answer(outcomeText(locale, out), !out.ok);
      const m = cq.message;
      if (out.ok && m?.text !== undefined) {
        // Say who did what under the page; keep the Resolve button after an acknowledgement.
        // After an acknowledgement the other button (Resolve, in whatever language it was written) stays.
        const keep = t.row.action === 'acknowledge' ? (m.reply_markup?.inline_keyboard ?? []).map((row) => row.filter((b) => b.callback_data !== undefined && b.callback_data !== cq.data)).filter((row) => row.length) : [];
        await call('editMessageText', {
          chat_id: m.chat.id,
          message_id: m.message_id,
          text: `${m.text}\n\n${format(locale, 'oneClick.telegramDone', { action: t.row.action, name: who.user.name })}`,
          ...(m.entities ? { entities: m.entities } : {}),
          link_preview_options: { is_disabled: true },
          ...(keep.length ? { reply_markup: { inline_keyboard: keep } } : {}),
        });
      }
      return reply.send({});
    }
    return reply.send({});
  });
}
