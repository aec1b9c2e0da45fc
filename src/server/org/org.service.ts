import { IANAZone } from 'luxon';
import type { Kysely } from 'kysely';
import { invalid } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { hashSecret, newApiToken } from '../lib/secrets.js';
import type { Database, OrganizationTable, Role, UserTable } from '../storage/schema.js';
import { insertOrganization, insertUser } from './org.store.js';
import { findPrincipalByTokenHash, insertToken, type TokenPrincipal } from './token.store.js';

export const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface InitResult {
  org: OrganizationTable;
  user: UserTable;
  token: string;
}

/** Create an organization with its first owner and an API token (shown once, stored hashed). */
export async function initOrganization(
  db: Kysely<Database>,
  clock: Clock,
  input: { orgName: string; email: string; userName?: string; timeZone?: string },
): Promise<InitResult> {
  const errors: string[] = [];
  if (!input.orgName.trim() || input.orgName.length > 255) errors.push('org: must be 1 to 255 characters');
  if (!EMAIL_RE.test(input.email) || input.email.length > 254) errors.push('email: must be an email address');
  const timeZone = input.timeZone ?? 'UTC';
  if (!IANAZone.isValidZone(timeZone)) errors.push(`time_zone: ${timeZone} is not an IANA time zone`);
  if (errors.length) throw invalid(...errors);
  const now = clock.now();
  const orgId = newId(now);
  // A new organization starts with PagerDuty's default for new services: each alert opens its own incident.
  const org: OrganizationTable = { id: orgId, org_id: orgId, name: input.orgName.trim(), time_zone: timeZone, incident_seq: 0, created_at: now, default_alert_grouping: null, maintenance_seq: 0 };
  const user: UserTable = {
    org_id: orgId,
    id: newId(now),
    name: input.userName?.trim() || input.email.split('@')[0]!,
    email: input.email.toLowerCase(),
    role: 'owner',
    time_zone: timeZone,
    created_at: now,
    deleted_at: null,
  };
  const token = newApiToken();
  await db.transaction().execute(async (trx) => {
    await insertOrganization(trx, org);
    await insertUser(trx, user);
    await insertToken(trx, { org_id: orgId, id: newId(now), user_id: user.id, token_hash: hashSecret(token), description: 'created by vigil init', created_at: now, revoked_at: null });
  });
  return { org, user, token };
}

export async function createToken(db: Kysely<Database>, clock: Clock, orgId: string, userId: string, description: string): Promise<{ id: string; token: string; created_at: number }> {
  const now = clock.now();
  const token = newApiToken();
  const id = newId(now);
  await insertToken(db, { org_id: orgId, id, user_id: userId, token_hash: hashSecret(token), description, created_at: now, revoked_at: null });
  return { id, token, created_at: now };
}

export type { Role };

/** The member an API token acts for, or undefined for an unknown or revoked token (looked up by its hash: the stored value never meets the presented one). */
export async function principalForToken(db: Kysely<Database>, token: string): Promise<TokenPrincipal | undefined> {
  return findPrincipalByTokenHash(db, hashSecret(token));
}
export type { TokenPrincipal };
