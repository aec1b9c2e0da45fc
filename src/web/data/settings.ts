import { api, withQuery } from './client';
import type { ApiToken, AuditEntry, Page } from './types';

export const listTokens = () => api<{ api_tokens: ApiToken[] }>('GET', '/api/v1/api_tokens').then((r) => r.api_tokens);
export const createToken = (description: string, userId?: string) =>
  api<{ api_token: ApiToken }>('POST', '/api/v1/api_tokens', { api_token: { description, ...(userId ? { user: { id: userId } } : {}) } }).then((r) => r.api_token);
export const revokeToken = (id: string) => api<void>('DELETE', `/api/v1/api_tokens/${encodeURIComponent(id)}`);

export const PAGE = 50;
export const auditLog = (offset: number, userId?: string) =>
  api<{ audit_log: AuditEntry[] } & Page>('GET', withQuery('/api/v1/audit_log', { limit: PAGE, offset, total: true, user_id: userId }));
