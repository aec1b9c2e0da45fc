/** Account resources on the wire: the web session, what a one-time link is for, an invitation. Timestamps are ISO 8601. */
import type { Invitation } from '../../account/account.service.js';
import { iso } from '../../lib/clock.js';
import type { OrganizationTable, UserTable } from '../../storage/schema.js';

export function presentSession(
  v: { org: OrganizationTable; user: UserTable; hasPassword: boolean },
  s: { csrfToken: string; expiresAt: number | null; emailConfigured: boolean },
) {
  return {
    user: { id: v.user.id, name: v.user.name, email: v.user.email, role: v.user.role, time_zone: v.user.time_zone, locale: v.user.locale ?? null },
    organization: { id: v.org.id, name: v.org.name, time_zone: v.org.time_zone, default_locale: v.org.default_locale ?? 'en-US' },
    csrf_token: s.csrfToken,
    expires_at: s.expiresAt === null ? null : iso(s.expiresAt),
    has_password: v.hasPassword,
    email_configured: s.emailConfigured,
  };
}

export function presentLink(l: { kind: string; email: string; name: string; organization: { id: string; name: string }; expiresAt: number }) {
  return { kind: l.kind, email: l.email, name: l.name, organization: l.organization, expires_at: iso(l.expiresAt) };
}

/** The link rides in the answer only when no email carried it. */
export function presentInvitation(i: Invitation) {
  const { user } = i;
  return { user: { id: user.id, name: user.name, email: user.email, role: user.role }, email_sent: i.emailSent, ...(i.emailSent ? {} : { accept_url: i.url }), expires_at: iso(i.expiresAt) };
}
