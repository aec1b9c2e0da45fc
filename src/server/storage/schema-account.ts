/** Row types of sign-in and account tables: passwords, two-factor authentication (0018), OpenID Connect (0020), browser sessions and one-time links; kept beside schema.ts, which lists them in Database. */

/** Two-factor authentication (migration 0018): a member's TOTP secret (sealed), active once confirmed. */
export interface UserTwoFactorTable {
  org_id: string;
  user_id: string;
  secret: string;
  confirmed_at: number | null;
  /** The last TOTP time step a code was accepted for (replay guard). */
  last_step: number | null;
  created_at: number;
}

/** A single-use recovery code (SHA-256 only). */
export interface TwoFactorRecoveryCodeTable {
  org_id: string;
  user_id: string;
  code_hash: string;
  used_at: number | null;
  created_at: number;
}

/** The second step of a sign-in whose password was right (only its hash). */
export interface TwoFactorTicketTable {
  org_id: string;
  id: string;
  user_id: string;
  token_hash: string;
  failures: number;
  expires_at: number;
  used_at: number | null;
  created_at: number;
}

/** The roles an organization requires two-factor authentication for (JSON array of roles). */
export interface TwoFactorPolicyTable {
  org_id: string;
  roles: string;
  updated_at: number;
}

/** Sign-in with the organization's OpenID Connect provider (migration 0020). */
export interface OidcConfigTable {
  org_id: string;
  slug: string | null;
  issuer: string;
  client_id: string;
  /** Sealed with the secret box; account/oidc.store.ts opens it. */
  client_secret: string;
  display_name: string;
  /** JSON array of lower-case domains; empty: any domain. */
  allowed_domains: string;
  groups_claim: string;
  /** JSON array of { group, role }. */
  group_roles: string;
  jit_membership: number;
  password_sign_in: number;
  created_at: number;
  updated_at: number;
}

/** An OpenID Connect sign-in in flight (state, nonce, PKCE verifier): single use, 10 minutes. */
export interface OidcLoginTable {
  org_id: string;
  id: string;
  state_hash: string;
  nonce: string;
  code_verifier: string;
  expires_at: number;
  used_at: number | null;
  created_at: number;
}

/** Web UI: a member's password, scrypt-hashed (account/password.ts). */
export interface UserPasswordTable {
  org_id: string;
  user_id: string;
  password_hash: string;
  updated_at: number;
}

/** A signed-in browser. The cookie holds a random token; only its SHA-256 is stored. */
export interface WebSessionTable {
  org_id: string;
  id: string;
  user_id: string;
  token_hash: string;
  /** Sent back by the page in X-CSRF-Token on every unsafe request. */
  csrf_token: string;
  user_agent: string | null;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  revoked_at: number | null;
}

/** One-time links sent by email: an invitation to set a first password, or a password reset. */
export interface AccountLinkTable {
  org_id: string;
  id: string;
  user_id: string;
  /** `email_undo`: emailed to the address an email change replaced; puts it back (migration 0011). */
  kind: 'invite' | 'reset' | 'email_undo';
  token_hash: string;
  created_by: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  /** The address an `email_undo` link restores; null for other kinds. */
  previous_email: string | null;
}

export interface AccountDatabase {
  user_passwords: UserPasswordTable;
  user_two_factor: UserTwoFactorTable;
  two_factor_recovery_codes: TwoFactorRecoveryCodeTable;
  two_factor_tickets: TwoFactorTicketTable;
  two_factor_policies: TwoFactorPolicyTable;
  oidc_configs: OidcConfigTable;
  oidc_logins: OidcLoginTable;
  web_sessions: WebSessionTable;
  account_links: AccountLinkTable;
}
