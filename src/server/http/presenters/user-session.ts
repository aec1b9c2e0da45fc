import type { WebSessionTable } from '../../storage/schema.js';

/** A browser session as PagerDuty's UserSession. Nothing secret: no token, no CSRF token. */
export function userSession(s: WebSessionTable) {
  return { id: s.id, user_id: s.user_id, created_at: new Date(Number(s.created_at)).toISOString(), type: 'browser' as const, summary: s.user_agent ?? 'Browser session' };
}
