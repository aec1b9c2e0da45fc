/**
 * Telegram on the wire: the organization's bot (admins; the token is write-only, answered
 * as a hint) and a member's one-time link code.
 */
import { Type } from 'typebox';
import { Nullable } from './common.js';

export const TelegramBotUpdate = Type.Object({
  telegram_bot: Type.Object({
    bot_token: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'The token @BotFather gave (123456789:AAH...). Required the first time; write-only, never answered.' })),
    api_base_url: Type.Optional(Type.Union([Type.Null(), Type.String({ minLength: 1, maxLength: 2048, description: 'The Bot API server, default https://api.telegram.org; a self-hosted telegram-bot-api server otherwise. null restores the default.' })])),
  }, { additionalProperties: true, description: 'Other fields are refused by name, except the read-only ones GET answers.' }),
});

export const TelegramBot = Type.Object({
  telegram_bot: Type.Object({
    type: Type.Literal('telegram_bot'),
    api_base_url: Type.String(),
    bot_token_hint: Type.String({ description: 'The bot id and the last four characters of the token; the token itself is never answered.' }),
    bot_username: Nullable(Type.String({ description: 'Learnt from getMe when the webhook is registered; the t.me link uses it.' })),
    webhook_url: Type.String({ description: 'Where Telegram sends updates: VIGIL_PUBLIC_URL + /v1/telegram/<id>.' }),
    webhook_registered_at: Nullable(Type.String({ description: 'When set_webhook last succeeded; null until then (and after the token or base URL changes).' })),
    created_at: Type.String(),
    updated_at: Type.String(),
  }),
});

export const TelegramLink = Type.Object({
  telegram_link: Type.Object({
    code: Type.String({ description: 'Send /start <code> to the bot in a private chat; single use.' }),
    command: Type.String(),
    url: Nullable(Type.String({ description: 'https://t.me/<bot>?start=<code>: opens the chat and sends the command in one tap (null until the bot username is known).' })),
    bot_username: Nullable(Type.String()),
    expires_at: Type.String(),
  }),
});
