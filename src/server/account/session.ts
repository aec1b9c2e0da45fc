/**
 * Browser sessions: the rules, no I/O. A session is a random 256-bit token in an
 * HttpOnly, SameSite=Lax cookie (Secure when the public URL is https; see
 * http/cookies.ts); only its SHA-256 is stored. Each session also has a CSRF token,
 * handed to the page in the JSON of GET /api/v1/session (which a page of another
 * origin cannot read) and required in the X-CSRF-Token header of every unsafe
 * request that a cookie authenticates (http/plugins/session.ts). API tokens in
 * Authorization need no CSRF token: a browser never attaches them by itself.
 */
import { randomBytes } from 'node:crypto';

/** Signed in for 30 days at most, and signed out after 14 days unused. On call at 3 a.m. is no time to sign in again. */
export const SESSION_LIFETIME_MS = 30 * 86_400_000;
export const SESSION_IDLE_MS = 14 * 86_400_000;
/** last_seen_at is written at most this often, so reading pages does not write on every request. */
export const TOUCH_EVERY_MS = 5 * 60_000;

export const INVITE_TTL_MS = 7 * 86_400_000;
export const RESET_TTL_MS = 60 * 60_000;
/** How long the old address can undo an email change. */
export const EMAIL_UNDO_TTL_MS = 7 * 86_400_000;
/** A sign-in this recent stands in for the current password when changing one's own email. */
export const FRESH_SIGN_IN_MS = 10 * 60_000;

export const newSessionToken = (): string => randomBytes(32).toString('base64url');
export const newCsrfToken = (): string => randomBytes(24).toString('base64url');
export const newLinkToken = (): string => randomBytes(32).toString('base64url');

export function sessionAlive(s: { expires_at: number; last_seen_at: number; revoked_at: number | null }, now: number): boolean {
  return s.revoked_at === null && Number(s.expires_at) > now && Number(s.last_seen_at) + SESSION_IDLE_MS > now;
}

/** Where an emailed link lands in the web app. The token rides in the fragment, which browsers never send to a server or in a Referer. */
export function linkUrl(publicUrl: string, kind: 'invite' | 'reset', token: string): string {
  return `${publicUrl}/${kind === 'invite' ? 'welcome' : 'reset'}#token=${token}`;
}
