import { api, setCsrfToken } from './client';
import type { AccountLink, InvitationSent, ResetRequested, Session, SignInAnswer } from './types';

/** Who is signed in, or null: the probe answers 200 either way, so a signed-out visit logs no failed request. */
export async function currentSession(): Promise<Session | null> {
  const r = await api<{ session: Session | null }>('GET', '/api/v1/session/probe', undefined, { quietAuth: true });
  if (r.session) setCsrfToken(r.session.csrf_token);
  return r.session;
}

export type SignInResult = { session: Session } | { organizations: NonNullable<SignInAnswer['organizations']> } | { ticket: string };

export async function signIn(email: string, password: string, organizationId?: string): Promise<SignInResult> {
  const r = await api<SignInAnswer>('POST', '/api/v1/session', { email, password, ...(organizationId ? { organization_id: organizationId } : {}) }, { quietAuth: true });
  if (r.session) {
    setCsrfToken(r.session.csrf_token);
    return { session: r.session };
  }
  if (r.two_factor) return { ticket: r.two_factor.ticket };
  return { organizations: r.organizations ?? [] };
}

/** The second step of signing in with two-factor authentication: a code, or a recovery code. */
export async function signInSecondStep(ticket: string, factor: { code: string } | { recovery_code: string }): Promise<Session> {
  const r = await api<{ session: Session }>('POST', '/api/v1/session/two_factor', { ticket, ...factor }, { quietAuth: true });
  setCsrfToken(r.session.csrf_token);
  return r.session;
}

export interface TwoFactorStatus {
  active: boolean;
  pending: boolean;
  recovery_codes_left: number;
  required: boolean;
}
export const twoFactorStatus = async () => (await api<{ two_factor: TwoFactorStatus }>('GET', '/api/v1/session/two_factor')).two_factor;
export const startTwoFactor = async () => (await api<{ enrolment: { secret: string; otpauth_uri: string } }>('POST', '/api/v1/session/two_factor/enrolment')).enrolment;
export const confirmTwoFactor = async (code: string) => (await api<{ recovery_codes: string[] }>('POST', '/api/v1/session/two_factor/enrolment/confirm', { code })).recovery_codes;
export const disableTwoFactor = (password: string, factor: { code: string } | { recovery_code: string }) => api<void>('POST', '/api/v1/session/two_factor/disable', { password, ...factor });
export const twoFactorPolicy = async () => (await api<{ two_factor_policy: { require_two_factor_for: string[] } }>('GET', '/api/v1/organization/two_factor_policy')).two_factor_policy.require_two_factor_for;
export const saveTwoFactorPolicy = async (roles: string[]) =>
  (await api<{ two_factor_policy: { require_two_factor_for: string[] } }>('PUT', '/api/v1/organization/two_factor_policy', { two_factor_policy: { require_two_factor_for: roles } })).two_factor_policy.require_two_factor_for;

export async function signOut(): Promise<void> {
  await api('DELETE', '/api/v1/session');
  setCsrfToken('');
}

export const requestReset = (email: string) => api<ResetRequested>('POST', '/api/v1/password_resets', { email }, { quietAuth: true });

export const inspectLink = (token: string) =>
  api<{ link: AccountLink }>('POST', '/api/v1/account_links/inspect', { token }, { quietAuth: true });

/** The session, or (two-factor authentication is active) the ticket for the second step. */
export async function redeemLink(token: string, password: string, name?: string): Promise<{ session: Session } | { ticket: string }> {
  const r = await api<SignInAnswer>('POST', '/api/v1/account_links/redeem', { token, password, ...(name ? { name } : {}) }, { quietAuth: true });
  if (r.two_factor) return { ticket: r.two_factor.ticket };
  setCsrfToken(r.session!.csrf_token);
  return { session: r.session! };
}

export const changePassword = (current_password: string, new_password: string) => api<void>('PUT', '/api/v1/session/password', { current_password, new_password });

export const invite = (email: string, name: string, role: string) =>
  api<InvitationSent>('POST', '/api/v1/invitations', { invitation: { email, ...(name ? { name } : {}), role } });

/** The organization's identity provider for the sign-in page (`/login?org=<slug>`), or null when it has none. */
export async function oidcProvider(org: string): Promise<{ display_name: string; password_sign_in: boolean; start_url: string } | null> {
  const r = await fetch(`/api/v1/auth/oidc/provider?org=${encodeURIComponent(org)}`, { headers: { accept: 'application/json' } });
  if (!r.ok) return null;
  return ((await r.json()) as { provider: { display_name: string; password_sign_in: boolean; start_url: string } }).provider;
}
