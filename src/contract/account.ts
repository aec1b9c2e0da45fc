/** The web UI's session and account answers: signing in, one-time links, invitations. */
import { Type } from 'typebox';
import { Nullable } from './common.js';

export const Session = Type.Object({
  user: Type.Object({ id: Type.String(), name: Type.String(), email: Type.String(), role: Type.String(), time_zone: Nullable(Type.String()), locale: Nullable(Type.String()) }),
  organization: Type.Object({ id: Type.String(), name: Type.String(), time_zone: Type.String(), default_locale: Type.String() }),
  csrf_token: Type.String({ description: 'Send it back as X-CSRF-Token on every POST, PUT, PATCH and DELETE.' }),
  expires_at: Nullable(Type.String()),
  has_password: Type.Boolean(),
  email_configured: Type.Boolean({ description: 'Whether this server can send invitations and reset links by email.' }),
  two_factor_enrolment_required: Type.Boolean({ description: 'The organization requires two-factor authentication of your role and you have none: this session reaches enrolment only.' }),
});

/** A sign-in whose password was right, waiting for its second step (POST /api/v1/session/two_factor). */
export const TwoFactorTicket = Type.Object({
  ticket: Type.String({ description: 'Single-use; send it back with a code or a recovery code.' }),
  expires_at: Type.String(),
});

/** Either the session, or (the same email and password open several organizations) their list to choose from, or (two-factor authentication is active) a ticket for the second step. */
export const SignInAnswer = Type.Object({
  session: Type.Optional(Session),
  organizations: Type.Optional(Type.Array(Type.Object({ id: Type.String(), name: Type.String() }))),
  two_factor: Type.Optional(TwoFactorTicket),
});

export const ResetRequested = Type.Object({ message: Type.String() });

/** What an emailed one-time link is for. */
export const AccountLink = Type.Object({ kind: Type.String(), email: Type.String(), name: Type.String(), organization: Type.Object({ id: Type.String(), name: Type.String() }), expires_at: Type.String() });

export const InvitationSent = Type.Object({
  user: Type.Object({ id: Type.String(), name: Type.String(), email: Type.String(), role: Type.String() }),
  email_sent: Type.Boolean(),
  accept_url: Type.Optional(Type.String()),
  expires_at: Type.String(),
});
