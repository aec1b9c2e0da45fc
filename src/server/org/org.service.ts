import { LANGUAGES, localeFor, parseLocale } from '../lib/i18n/translate.js';
import { IANAZone } from 'luxon';
import { userIdsOfTeams } from './team.service.js';
import { audited, type AuditActor } from './audit.service.js';
import type { Kysely } from 'kysely';
import { VigilError, invalid } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { hashSecret, newApiToken } from '../lib/secrets.js';
import { isUniqueViolation } from '../storage/dialect.js';
import type { ApiTokenTable, Database, OrganizationTable, Role, TokenScope, UserTable } from '../storage/schema.js';
import { countOwners, getOrganization, getUser, getUsers, insertOrganization, insertUser, listUsers, softDeleteUser, updateOrganization, updateUser, type UserQuery } from './org.store.js';
import * as tokenStore from './token.store.js';
import { seedPriorities } from './priority.service.js';
import { findPrincipalByTokenHash, insertToken, touchToken, type TokenPrincipal } from './token.store.js';

export const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface InitResult {
  org: OrganizationTable;
  user: UserTable;
  token: string;
}

/** Create an organization with its first owner, an API token (shown once, stored hashed) and priorities P1–P5. */
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
    await insertToken(trx, { org_id: orgId, id: newId(now), user_id: user.id, token_hash: hashSecret(token), description: 'created by vigil init', created_at: now, revoked_at: null, scope: 'full', expires_at: null, last_used_at: null });
    // PagerDuty's P1–P5, as migration 0008 gave the organizations that existed before it.
    await seedPriorities(trx, orgId, now);
  });
  return { org, user, token };
}

export async function createToken(db: Kysely<Database>, clock: Clock, orgId: string, userId: string, description: string, opts: { scope?: TokenScope; expiresAt?: number | null } = {}): Promise<ApiTokenTable & { token: string }> {
  const now = clock.now();
  if (opts.expiresAt != null && opts.expiresAt <= now) throw invalid('api_token.expires_at must be in the future');
  const token = newApiToken();
  const row: ApiTokenTable = { org_id: orgId, id: newId(now), user_id: userId, token_hash: hashSecret(token), description, created_at: now, revoked_at: null, scope: opts.scope ?? 'full', expires_at: opts.expiresAt ?? null, last_used_at: null };
  await insertToken(db, row);
  return { ...row, token };
}

/** A token's use, noted at most once a minute (a request made with it is not slowed by a write each time). */
export async function noteTokenUse(db: Kysely<Database>, p: TokenPrincipal, now: number): Promise<void> {
  if (p.lastUsedAt != null && now - p.lastUsedAt < 60_000) return;
  await touchToken(db, p.orgId, p.tokenId, now);
}

export type { Role };

/** The member an API token acts for, or undefined for an unknown or revoked token (looked up by its hash: the stored value never meets the presented one). */
export async function principalForToken(db: Kysely<Database>, token: string): Promise<TokenPrincipal | undefined> {
  return findPrincipalByTokenHash(db, hashSecret(token));
}
export type { TokenPrincipal };

// ---------------------------------------------------------------------------------------------
// Members and tokens (the REST API). Who may do what is the caller's check (roles.ts);
// these keep the rules that hold whoever asks: a valid time zone, one member per email,
// and always one owner left.

export async function findOrganization(db: Kysely<Database>, orgId: string): Promise<OrganizationTable | undefined> {
  return getOrganization(db, orgId);
}

/** `teamIds`: only members of any of these teams (400 for an unknown team). */
export async function listMembers(db: Kysely<Database>, orgId: string, q: UserQuery & { teamIds?: string[] }): Promise<{ rows: UserTable[]; total: number }> {
  const { teamIds, ...rest } = q;
  return listUsers(db, orgId, { ...rest, ...(teamIds?.length ? { ids: await userIdsOfTeams(db, orgId, teamIds) } : {}) });
}

/** A live member, or undefined. */
export async function findUser(db: Kysely<Database>, orgId: string, id: string): Promise<UserTable | undefined> {
  return getUser(db, orgId, id);
}

function checkZone(tz: string | null | undefined): void {
  if (tz && !IANAZone.isValidZone(tz)) throw invalid(`user.time_zone: ${tz} is not an IANA time zone`);
}

/** A member's locale in canonical form (`fr-fr` → `fr-FR`); null: the organization's default. Refused unless Vigil speaks its language. */
function checkLocale(field: string, value: string | null | undefined): string | null | undefined {
  if (value === undefined || value === null) return value;
  const locale = parseLocale(value);
  if (!locale) throw invalid(`${field}: ${JSON.stringify(value.slice(0, 40))} is not a supported locale (${LANGUAGES.join(', ')}, optionally with a region: en-US, fr-FR, es-ES)`);
  return locale;
}

/** The language of members who chose none: one Vigil speaks (`fr-FR`). */
export async function setDefaultLocale(db: Kysely<Database>, orgId: string, value: string): Promise<void> {
  const locale = checkLocale('organization.default_locale', value)!;
  await updateOrganization(db, orgId, { default_locale: locale });
}

export async function addMember(db: Kysely<Database>, clock: Clock, orgId: string, input: { name: string; email: string; role: Role; time_zone?: string | null; locale?: string | null }, actor?: AuditActor): Promise<UserTable> {
  checkZone(input.time_zone);
  const locale = checkLocale('user.locale', input.locale) ?? null;
  const now = clock.now();
  const row: UserTable = { org_id: orgId, id: newId(now), name: input.name.trim(), email: input.email.toLowerCase(), role: input.role, time_zone: input.time_zone ?? null, locale, created_at: now, deleted_at: null };
  try {
    await audited(db, now, orgId, actor, { root: { type: 'user', id: row.id, name: row.name }, action: 'create', before: null, after: { ...row } }, (trx) => insertUser(trx, row));
  } catch (err) {
    if (isUniqueViolation(err)) throw new VigilError('conflict', [`user.email: ${row.email} is already a member`]);
    throw err;
  }
  return row;
}

/** Fields not sent are kept. The last owner cannot be demoted. Answers the member as updated. */
export async function updateMember(db: Kysely<Database>, orgId: string, user: UserTable, input: { name?: string; email?: string; role?: Role; time_zone?: string | null; locale?: string | null }, audit: { now: number; actor?: AuditActor | undefined }): Promise<UserTable> {
  if (input.role !== undefined && input.role !== user.role && user.role === 'owner' && (await countOwners(db, orgId)) <= 1) throw invalid('user.role: the last owner cannot be demoted');
  checkZone(input.time_zone);
  const locale = checkLocale('user.locale', input.locale);
  const patch = {
    ...(input.name ? { name: input.name.trim() } : {}),
    ...(input.email ? { email: input.email.toLowerCase() } : {}),
    ...(input.role ? { role: input.role } : {}),
    ...(input.time_zone !== undefined ? { time_zone: input.time_zone } : {}),
    ...(locale !== undefined ? { locale } : {}),
  };
  if (Object.keys(patch).length === 0) return user;
  try {
    const after = { ...user, ...patch };
    await audited(db, audit.now, orgId, audit.actor, { root: { type: 'user', id: user.id, name: after.name }, action: 'update', before: { ...user }, after }, (trx) => updateUser(trx, orgId, user.id, patch));
  } catch (err) {
    if (isUniqueViolation(err)) throw new VigilError('conflict', [`user.email: ${input.email} is already a member`]);
    throw err;
  }
  return { ...user, ...patch };
}

/** Remove a member and revoke their tokens. The last owner cannot be removed. */
export async function removeMember(db: Kysely<Database>, clock: Clock, orgId: string, user: UserTable, actor?: AuditActor): Promise<void> {
  if (user.role === 'owner' && (await countOwners(db, orgId)) <= 1) throw invalid('user: the last owner cannot be removed');
  const now = clock.now();
  await audited(db, now, orgId, actor, { root: { type: 'user', id: user.id, name: user.name }, action: 'delete', before: { ...user }, after: null }, (trx) => softDeleteUser(trx, orgId, user.id, now));
}

/** API tokens, revoked ones excluded: a member's, or everyone's (`userId` null). */
export async function listTokens(db: Kysely<Database>, orgId: string, userId: string | null): Promise<ApiTokenTable[]> {
  return tokenStore.listTokens(db, orgId, userId);
}

export async function findToken(db: Kysely<Database>, orgId: string, id: string): Promise<ApiTokenTable | undefined> {
  return tokenStore.getToken(db, orgId, id);
}

export async function revokeToken(db: Kysely<Database>, clock: Clock, orgId: string, id: string): Promise<void> {
  await tokenStore.revokeToken(db, orgId, id, clock.now());
}

/** The names of these users (removed members too: references to them keep their name). */
export async function userNames(db: Kysely<Database>, orgId: string, ids: Iterable<string>): Promise<Map<string, string>> {
  const users = await getUsers(db, orgId, [...new Set(ids)]);
  return new Map(users.map((u) => [u.id, u.name]));
}

/** The language to write to a member in: theirs, else their organization's (`localeFor`); an unknown member gets the organization's. */
export async function memberLocale(db: Kysely<Database>, orgId: string, userId: string | null): Promise<string> {
  const [user, org] = await Promise.all([userId ? getUser(db, orgId, userId) : undefined, getOrganization(db, orgId)]);
  return localeFor(user?.locale, org?.default_locale);
}
