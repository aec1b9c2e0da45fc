import { api, withQuery } from './client';
import type { ApiToken, AuditEntry, Page } from './types';
import { msg } from '../i18n';

export const listTokens = () => api<{ api_tokens: ApiToken[] }>('GET', '/api/v1/api_tokens').then((r) => r.api_tokens);
/** `expiresInDays`: null for a token that never expires. */
export const createToken = (description: string, userId?: string, scope: ApiToken['scope'] = 'full', expiresInDays: number | null = null) =>
  api<{ api_token: ApiToken }>('POST', '/api/v1/api_tokens', {
    api_token: { description, scope, ...(userId ? { user: { id: userId } } : {}), ...(expiresInDays ? { expires_at: new Date(Date.now() + expiresInDays * 86_400_000).toISOString() } : {}) },
  }).then((r) => r.api_token);

export const SCOPE_WORDS: Record<ApiToken['scope'], string> = {
  get read() { return msg('data.settings.read_only'); },
  incidents_write: 'read and act on incidents',
  get full() { return msg('data.settings.everything_the_member_s_role_allows'); },
};
export const revokeToken = (id: string) => api<void>('DELETE', `/api/v1/api_tokens/${encodeURIComponent(id)}`);

export const PAGE = 50;
export const auditLog = (offset: number, userId?: string) =>
  api<{ audit_log: AuditEntry[] } & Page>('GET', withQuery('/api/v1/audit_log', { limit: PAGE, offset, total: true, user_id: userId }));
