/** Telegram: a one-time code that links the person's chat with the organization's bot. */
import { api } from './client';

export interface TelegramLink {
  code: string;
  command: string;
  url: string | null;
  bot_username: string | null;
  expires_at: string;
}

export const telegramLink = (userId: string) => api<{ telegram_link: TelegramLink }>('POST', `/api/v1/users/${encodeURIComponent(userId)}/telegram_link`).then((r) => r.telegram_link);
