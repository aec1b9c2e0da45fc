import type { Kysely } from 'kysely';
import type { Database, OrganizationTable, Role, UserTable } from '../storage/schema.js';

type Db = Kysely<Database>;

export async function insertOrganization(db: Db, row: OrganizationTable): Promise<void> {
  await db.insertInto('organizations').values(row).execute();
}

export async function getOrganization(db: Db, orgId: string): Promise<OrganizationTable | undefined> {
  return db.selectFrom('organizations').selectAll().where('id', '=', orgId).executeTakeFirst();
}

export async function countOrganizations(db: Db): Promise<number> {
  const r = await db.selectFrom('organizations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function nextIncidentNumber(db: Db, orgId: string): Promise<number> {
  const r = await db
    .updateTable('organizations')
    .set((eb) => ({ incident_seq: eb('incident_seq', '+', 1) }))
    .where('id', '=', orgId)
    .returning('incident_seq')
    .executeTakeFirstOrThrow();
  return Number(r.incident_seq);
}

/** The next maintenance window sequence number (the caller holds the organization's row lock). */
export async function nextMaintenanceNumber(db: Db, orgId: string): Promise<number> {
  const r = await db
    .updateTable('organizations')
    .set((eb) => ({ maintenance_seq: eb('maintenance_seq', '+', 1) }))
    .where('id', '=', orgId)
    .returning('maintenance_seq')
    .executeTakeFirstOrThrow();
  return Number(r.maintenance_seq);
}

export async function insertUser(db: Db, row: UserTable): Promise<void> {
  await db.insertInto('users').values(row).execute();
}

export async function getUser(db: Db, orgId: string, id: string): Promise<UserTable | undefined> {
  return db.selectFrom('users').selectAll().where('org_id', '=', orgId).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
}

export async function getUsers(db: Db, orgId: string, ids: string[]): Promise<UserTable[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('users').selectAll().where('org_id', '=', orgId).where('id', 'in', ids).execute();
}

export async function getUserByEmail(db: Db, orgId: string, email: string): Promise<UserTable | undefined> {
  return db.selectFrom('users').selectAll().where('org_id', '=', orgId).where('email', '=', email).where('deleted_at', 'is', null).executeTakeFirst();
}

export interface UserQuery {
  query?: string;
  roles?: Role[];
  /** Only these (the team_ids[] filter; none matches an empty list). */
  ids?: string[];
  limit: number;
  offset: number;
}

export async function listUsers(db: Db, orgId: string, q: UserQuery): Promise<{ rows: UserTable[]; total: number }> {
  let base = db.selectFrom('users').where('org_id', '=', orgId).where('deleted_at', 'is', null);
  if (q.query) {
    const like = `%${q.query.toLowerCase()}%`;
    base = base.where((eb) => eb.or([eb(eb.fn('lower', ['name']), 'like', like), eb(eb.fn('lower', ['email']), 'like', like)]));
  }
  if (q.roles?.length) base = base.where('role', 'in', q.roles);
  if (q.ids) {
    if (!q.ids.length) return { rows: [], total: 0 };
    base = base.where('id', 'in', q.ids);
  }
  const rows = await base.selectAll().orderBy('name').orderBy('id').limit(q.limit).offset(q.offset).execute();
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows, total: Number(total.n) };
}

export async function updateUser(db: Db, orgId: string, id: string, patch: Partial<Pick<UserTable, 'name' | 'email' | 'role' | 'time_zone' | 'locale'>>): Promise<void> {
  await db.updateTable('users').set(patch).where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function softDeleteUser(db: Db, orgId: string, id: string, at: number): Promise<void> {
  await db.updateTable('users').set({ deleted_at: at }).where('org_id', '=', orgId).where('id', '=', id).execute();
  await db.updateTable('api_tokens').set({ revoked_at: at }).where('org_id', '=', orgId).where('user_id', '=', id).where('revoked_at', 'is', null).execute();
}

export async function countOwners(db: Db, orgId: string): Promise<number> {
  const r = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .where('role', '=', 'owner')
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The organization's live owners and admins: whom a last-resort page and a coordinators' notice go to. */
export async function listAdmins(db: Db, orgId: string): Promise<UserTable[]> {
  return db.selectFrom('users').selectAll().where('org_id', '=', orgId).where('role', 'in', ['owner', 'admin']).where('deleted_at', 'is', null).execute();
}

export async function listOrganizations(db: Db): Promise<Pick<OrganizationTable, 'id' | 'name' | 'time_zone' | 'default_locale'>[]> {
  return db.selectFrom('organizations').select(['id', 'name', 'time_zone', 'default_locale']).execute();
}

/** Every membership of an email, with its organization's name (an email may belong to several). Not org-scoped: the email is the key. */
export async function findMembershipsByEmail(db: Db, email: string, limit = 10): Promise<{ orgId: string; orgName: string; userId: string; name: string; locale: string | null; orgLocale: string | null }[]> {
  const rows = await db
    .selectFrom('users as u')
    .innerJoin('organizations as o', 'o.id', 'u.org_id')
    .select(['u.org_id', 'o.name as org_name', 'u.id', 'u.name', 'u.locale', 'o.default_locale'])
    .where('u.email', '=', email.toLowerCase())
    .where('u.deleted_at', 'is', null)
    .orderBy('u.org_id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ orgId: r.org_id, orgName: r.org_name, userId: r.id, name: r.name, locale: r.locale ?? null, orgLocale: r.default_locale ?? null }));
}

/**
 * The languages of the members whose verified phone (SMS or voice method) is `address`, one
 * per membership (a number may be shared across organizations). Not org-scoped: the number
 * is the key, as for an SMS reply (incident.store findIncidentPagedTo).
 */
export async function findPhoneOwnerLocales(db: Db, address: string, limit = 10): Promise<{ locale: string | null; orgLocale: string | null }[]> {
  if (!address) return [];
  const rows = await db
    .selectFrom('contact_methods as c')
    .innerJoin('users as u', (j) => j.onRef('u.org_id', '=', 'c.org_id').onRef('u.id', '=', 'c.user_id'))
    .innerJoin('organizations as o', 'o.id', 'u.org_id')
    .select(['u.locale', 'o.default_locale'])
    .where('c.address', '=', address)
    .where('c.type', 'in', ['sms', 'phone'])
    .where('c.verified_at', 'is not', null)
    .where('c.deleted_at', 'is', null)
    .where('u.deleted_at', 'is', null)
    .limit(limit)
    .execute();
  return rows.map((r) => ({ locale: r.locale ?? null, orgLocale: r.default_locale ?? null }));
}

export async function updateOrganization(db: Db, orgId: string, patch: Partial<Pick<OrganizationTable, 'name' | 'time_zone' | 'default_alert_grouping' | 'default_locale'>>): Promise<void> {
  await db.updateTable('organizations').set(patch).where('id', '=', orgId).execute();
}
