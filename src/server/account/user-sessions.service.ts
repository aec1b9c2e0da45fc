/**
 * A member's sign-in sessions as PagerDuty's user sessions (GET/DELETE /users/{id}/sessions):
 * Vigil's browser sessions (password, OpenID Connect) are PagerDuty's `browser` type; Vigil
 * has no OAuth sessions, so `oauth` names none. API tokens are not sessions (they are listed
 * and revoked under /api_tokens). Deleting revokes: the next request with that cookie is 401.
 */
import type { Kysely } from 'kysely';
import { invalid, notFound } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Database, WebSessionTable } from '../storage/schema.js';
import * as store from './account.store.js';
import { sessionAlive } from './session.js';

type Db = Kysely<Database>;

export const SESSION_TYPES = ['browser', 'oauth'] as const;

function checkType(type: string): void {
  if (!(SESSION_TYPES as readonly string[]).includes(type)) throw invalid(`type must be one of ${SESSION_TYPES.join(', ')}, got ${JSON.stringify(type).slice(0, 40)}`);
}

/** The member's live sessions (not revoked, not expired, not idle too long), newest first. */
export async function userSessions(db: Db, clock: Clock, orgId: string, userId: string): Promise<WebSessionTable[]> {
  const now = clock.now();
  return (await store.liveSessionsOf(db, orgId, userId, now)).filter((s) => sessionAlive(s, now));
}

/** One live session of the member; 404 when it is not theirs, ended, or of a type Vigil has none of. */
export async function userSession(db: Db, clock: Clock, orgId: string, userId: string, type: string, id: string): Promise<WebSessionTable> {
  checkType(type);
  const s = type === 'browser' ? await store.getUserSession(db, orgId, userId, id) : undefined;
  if (!s || !sessionAlive(s, clock.now())) throw notFound(`${type} session ${id}`);
  return s;
}

export async function revokeUserSession(db: Db, clock: Clock, orgId: string, userId: string, type: string, id: string): Promise<void> {
  const s = await userSession(db, clock, orgId, userId, type, id);
  await store.revokeSession(db, orgId, s.id, clock.now());
}

export async function revokeAllUserSessions(db: Db, clock: Clock, orgId: string, userId: string): Promise<void> {
  await store.revokeUserSessions(db, orgId, userId, clock.now());
}
