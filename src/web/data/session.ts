import { api, setCsrfToken } from './client';
import type { AccountLink, InvitationSent, ResetRequested, Session, SignInAnswer } from './types';

export async function currentSession(): Promise<Session | null> {
  try {
    const r = await api<{ session: Session }>('GET', '/api/v1/session', undefined, { quietAuth: true });
    setCsrfToken(r.session.csrf_token);
    return r.session;
  } catch (e) {
    if ((e as { status?: number }).status === 401) return null;
    throw e;
  }
}

export type SignInResult = { session: Session } | { organizations: NonNullable<SignInAnswer['organizations']> };

export async function signIn(email: string, password: string, organizationId?: string): Promise<SignInResult> {
  const r = await api<SignInAnswer>('POST', '/api/v1/session', { email, password, ...(organizationId ? { organization_id: organizationId } : {}) }, { quietAuth: true });
  if (r.session) {
    setCsrfToken(r.session.csrf_token);
    return { session: r.session };
  }
  return { organizations: r.organizations ?? [] };
}

export async function signOut(): Promise<void> {
  await api('DELETE', '/api/v1/session');
  setCsrfToken('');
}

export const requestReset = (email: string) => api<ResetRequested>('POST', '/api/v1/password_resets', { email }, { quietAuth: true });

export const inspectLink = (token: string) =>
  api<{ link: AccountLink }>('POST', '/api/v1/account_links/inspect', { token }, { quietAuth: true });

export async function redeemLink(token: string, password: string, name?: string): Promise<Session> {
  const r = await api<{ session: Session }>('POST', '/api/v1/account_links/redeem', { token, password, ...(name ? { name } : {}) }, { quietAuth: true });
  setCsrfToken(r.session.csrf_token);
  return r.session;
}

export const changePassword = (current_password: string, new_password: string) => api<void>('PUT', '/api/v1/session/password', { current_password, new_password });

export const invite = (email: string, name: string, role: string) =>
  api<InvitationSent>('POST', '/api/v1/invitations', { invitation: { email, ...(name ? { name } : {}), role } });
