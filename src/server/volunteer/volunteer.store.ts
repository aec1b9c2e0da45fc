/**
 * Rows of the volunteer module: settings, partner companies, profiles,
 * unavailability, pools and members, pages, hour approvals and the audit log (open
 * shift claims, trades and intense marks are in shift.store.ts). Every query is
 * scoped by organization. Instants read here pass through Number() (PostgreSQL
 * returns BIGINT as strings).
 */
import { sql, type Kysely } from 'kysely';
import type {
  AuditLogTable,
  CoverageDigestTable,
  Database,
  PartnerCompanyTable,
  VolunteerHourApprovalTable,
  VolunteerPageTable,
  VolunteerPoolMemberTable,
  VolunteerPoolTable,
  VolunteerSettingsTable,
  VolunteerTable,
  VolunteerUnavailabilityTable,
} from '../storage/schema.js';
import { rowLock } from '../storage/dialect.js';

type Db = Kysely<Database>;

// ---- settings ---------------------------------------------------------------------------

export async function getSettings(db: Db, orgId: string): Promise<VolunteerSettingsTable | undefined> {
  return db.selectFrom('volunteer_settings').selectAll().where('org_id', '=', orgId).executeTakeFirst();
}

export async function putSettings(db: Db, row: VolunteerSettingsTable): Promise<void> {
  await db
    .insertInto('volunteer_settings')
    .values(row)
    .onConflict((oc) => oc.column('org_id').doUpdateSet({ terms_version: row.terms_version, terms_url: row.terms_url, value_per_hour: row.value_per_hour, currency: row.currency, updated_at: row.updated_at }))
    .execute();
}

// ---- partner companies --------------------------------------------------------------------

export async function insertCompany(db: Db, row: PartnerCompanyTable): Promise<void> {
  await db.insertInto('partner_companies').values(row).execute();
}

export async function getCompany(db: Db, orgId: string, id: string): Promise<PartnerCompanyTable | undefined> {
  return db.selectFrom('partner_companies').selectAll().where('org_id', '=', orgId).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
}

export async function listCompanies(db: Db, orgId: string): Promise<PartnerCompanyTable[]> {
  return db.selectFrom('partner_companies').selectAll().where('org_id', '=', orgId).where('deleted_at', 'is', null).orderBy('name').orderBy('id').execute();
}

/** Every partner company, removed ones too (the ledger still names them). */
export async function listCompaniesWithRemoved(db: Db, orgId: string): Promise<PartnerCompanyTable[]> {
  return db.selectFrom('partner_companies').selectAll().where('org_id', '=', orgId).execute();
}

/** Live volunteers per partner company id. */
export async function countVolunteersByCompany(db: Db, orgId: string): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('volunteers')
    .select(['company_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('org_id', '=', orgId)
    .where('deleted_at', 'is', null)
    .where('company_id', 'is not', null)
    .groupBy('company_id')
    .execute();
  return new Map(rows.map((r) => [r.company_id!, Number(r.n)]));
}

export async function updateCompany(db: Db, orgId: string, id: string, patch: Partial<PartnerCompanyTable>): Promise<void> {
  await db.updateTable('partner_companies').set(patch).where('org_id', '=', orgId).where('id', '=', id).execute();
}

// ---- volunteers ---------------------------------------------------------------------------

export async function insertVolunteer(db: Db, row: VolunteerTable): Promise<void> {
  await db.insertInto('volunteers').values(row).execute();
}

export async function getVolunteer(db: Db, orgId: string, userId: string): Promise<VolunteerTable | undefined> {
  return db.selectFrom('volunteers').selectAll().where('org_id', '=', orgId).where('user_id', '=', userId).where('deleted_at', 'is', null).executeTakeFirst();
}

export async function getVolunteers(db: Db, orgId: string, userIds: string[]): Promise<VolunteerTable[]> {
  if (!userIds.length) return [];
  return db.selectFrom('volunteers').selectAll().where('org_id', '=', orgId).where('user_id', 'in', userIds).where('deleted_at', 'is', null).execute();
}

export interface VolunteerQuery {
  companyId?: string;
  poolId?: string;
  status?: 'active' | 'paused';
  skill?: string;
  limit: number;
  offset: number;
}

export async function listVolunteers(db: Db, orgId: string, q: VolunteerQuery): Promise<{ rows: (VolunteerTable & { name: string; email: string })[]; total: number }> {
  let base = db
    .selectFrom('volunteers as v')
    .innerJoin('users as u', (j) => j.onRef('u.org_id', '=', 'v.org_id').onRef('u.id', '=', 'v.user_id'))
    .where('v.org_id', '=', orgId)
    .where('v.deleted_at', 'is', null)
    .where('u.deleted_at', 'is', null);
  if (q.companyId) base = base.where('v.company_id', '=', q.companyId);
  if (q.status) base = base.where('v.status', '=', q.status);
  if (q.skill) base = base.where('v.skills', 'like', `%${JSON.stringify(q.skill).replace(/[%_]/g, '')}%`);
  if (q.poolId) {
    const poolId = q.poolId;
    base = base.where((eb) => eb.exists(eb.selectFrom('volunteer_pool_members as m').select('m.user_id').whereRef('m.org_id', '=', 'v.org_id').whereRef('m.user_id', '=', 'v.user_id').where('m.pool_id', '=', poolId)));
  }
  const rows = await base.selectAll('v').select(['u.name', 'u.email']).orderBy('u.name').orderBy('v.user_id').limit(q.limit).offset(q.offset).execute();
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows, total: Number(total.n) };
}

export async function updateVolunteer(db: Db, orgId: string, userId: string, patch: Partial<VolunteerTable>): Promise<void> {
  await db.updateTable('volunteers').set(patch).where('org_id', '=', orgId).where('user_id', '=', userId).execute();
}

/** Every profile, removed ones too: a removed volunteer's hours stay in the ledger. */
export async function listProfilesWithRemoved(db: Db, orgId: string): Promise<VolunteerTable[]> {
  return db.selectFrom('volunteers').selectAll().where('org_id', '=', orgId).execute();
}

/** Whether the user has or had a profile (removed profiles count). */
export async function hasProfile(db: Db, orgId: string, userId: string): Promise<boolean> {
  return (await db.selectFrom('volunteers').select('user_id').where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst()) !== undefined;
}

/** The profile's zone, removed profiles too; undefined when the user never had one. */
export async function profileZone(db: Db, orgId: string, userId: string): Promise<string | undefined> {
  const r = await db.selectFrom('volunteers').select('time_zone').where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
  return r?.time_zone;
}

// ---- unavailability -----------------------------------------------------------------------

export async function insertUnavailability(db: Db, row: VolunteerUnavailabilityTable): Promise<void> {
  await db.insertInto('volunteer_unavailability').values(row).execute();
}

export async function listUnavailability(db: Db, orgId: string, userIds: string[], from: number, to: number): Promise<VolunteerUnavailabilityTable[]> {
  if (!userIds.length) return [];
  return db
    .selectFrom('volunteer_unavailability')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('user_id', 'in', userIds)
    .where('end', '>', from)
    .where('start', '<', to)
    .orderBy('start')
    .execute();
}

export async function deleteUnavailability(db: Db, orgId: string, userId: string, id: string): Promise<boolean> {
  const r = await db.deleteFrom('volunteer_unavailability').where('org_id', '=', orgId).where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

// ---- pools --------------------------------------------------------------------------------

export async function insertPool(db: Db, row: VolunteerPoolTable): Promise<void> {
  await db.insertInto('volunteer_pools').values(row).execute();
}

export async function getPool(db: Db, orgId: string, id: string): Promise<VolunteerPoolTable | undefined> {
  return db.selectFrom('volunteer_pools').selectAll().where('org_id', '=', orgId).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
}

export async function getPools(db: Db, orgId: string, ids: string[]): Promise<VolunteerPoolTable[]> {
  if (!ids.length) return [];
  return db.selectFrom('volunteer_pools').selectAll().where('org_id', '=', orgId).where('id', 'in', ids).where('deleted_at', 'is', null).execute();
}

export async function listPools(db: Db, orgId: string): Promise<VolunteerPoolTable[]> {
  return db.selectFrom('volunteer_pools').selectAll().where('org_id', '=', orgId).where('deleted_at', 'is', null).orderBy('name').orderBy('id').execute();
}

export async function updatePool(db: Db, orgId: string, id: string, patch: Partial<VolunteerPoolTable>): Promise<void> {
  await db.updateTable('volunteer_pools').set(patch).where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function membersOf(db: Db, orgId: string, poolIds: string[]): Promise<VolunteerPoolMemberTable[]> {
  if (!poolIds.length) return [];
  const rows = await db.selectFrom('volunteer_pool_members').selectAll().where('org_id', '=', orgId).where('pool_id', 'in', poolIds).orderBy('joined_at').orderBy('user_id').execute();
  return rows.map((r) => ({ ...r, joined_at: Number(r.joined_at) }));
}

/** Pool memberships of these users (in the database's order). */
export async function membershipsOf(db: Db, orgId: string, userIds: string[]): Promise<VolunteerPoolMemberTable[]> {
  if (!userIds.length) return [];
  return db.selectFrom('volunteer_pool_members').selectAll().where('org_id', '=', orgId).where('user_id', 'in', userIds).execute();
}

export async function removeMemberships(db: Db, orgId: string, userId: string): Promise<void> {
  await db.deleteFrom('volunteer_pool_members').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
}

export async function poolsOfUser(db: Db, orgId: string, userId: string): Promise<string[]> {
  const rows = await db.selectFrom('volunteer_pool_members').select('pool_id').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
  return rows.map((r) => r.pool_id);
}

export async function addMember(db: Db, row: VolunteerPoolMemberTable): Promise<void> {
  await db
    .insertInto('volunteer_pool_members')
    .values(row)
    .onConflict((oc) => oc.columns(['org_id', 'pool_id', 'user_id']).doNothing())
    .execute();
}

export async function removeMember(db: Db, orgId: string, poolId: string, userId: string): Promise<boolean> {
  const r = await db.deleteFrom('volunteer_pool_members').where('org_id', '=', orgId).where('pool_id', '=', poolId).where('user_id', '=', userId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

// ---- pages --------------------------------------------------------------------------------

export async function insertPage(db: Db, row: VolunteerPageTable): Promise<boolean> {
  const r = await db
    .insertInto('volunteer_pages')
    .values(row)
    .onConflict((oc) => oc.columns(['org_id', 'step_key', 'user_id']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Each user's last page by any pool (for least-recent-page fairness). */
export async function lastPages(db: Db, orgId: string, userIds: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (!userIds.length) return out;
  const rows = await db
    .selectFrom('volunteer_pages')
    .select(['user_id', (eb) => eb.fn.max('paged_at').as('at')])
    .where('org_id', '=', orgId)
    .where('user_id', 'in', userIds)
    .groupBy('user_id')
    .execute();
  for (const r of rows) out.set(r.user_id, Number(r.at));
  return out;
}

export async function pagesSince(db: Db, orgId: string, userIds: string[], since: number): Promise<VolunteerPageTable[]> {
  if (!userIds.length) return [];
  const rows = await db.selectFrom('volunteer_pages').selectAll().where('org_id', '=', orgId).where('user_id', 'in', userIds).where('paged_at', '>=', since).orderBy('paged_at').execute();
  return rows.map(normalizePage);
}

export async function pagesOfStep(db: Db, orgId: string, stepKey: string): Promise<VolunteerPageTable[]> {
  return (await db.selectFrom('volunteer_pages').selectAll().where('org_id', '=', orgId).where('step_key', '=', stepKey).execute()).map(normalizePage);
}

export async function pagesOfUser(db: Db, orgId: string, userId: string, limit: number): Promise<VolunteerPageTable[]> {
  return (await db.selectFrom('volunteer_pages').selectAll().where('org_id', '=', orgId).where('user_id', '=', userId).orderBy('paged_at', 'desc').limit(limit).execute()).map(normalizePage);
}

/** The earliest follow-up claimDueFollowUps would take (the same conditions; index volunteer_pages_follow_up_due), as a scalar subquery (column `t`), for the engine's one read of every deadline per pass. */
export function followUpDueQuery(db: Db) {
  return db.selectFrom('volunteer_pages').select((eb) => eb.fn.min('follow_up_at').as('t')).where('followed_up_at', 'is', null);
}

/**
 * Claim round-robin pages whose acknowledgement timeout has run out (marking them
 * followed up). On PostgreSQL, SKIP LOCKED lets several engines share the work.
 */
export async function claimDueFollowUps(db: Db, now: number, limit: number): Promise<VolunteerPageTable[]> {
  const lock = rowLock(db, 'update', { skipLocked: true });
  const r = await sql<VolunteerPageTable>`
    UPDATE volunteer_pages SET followed_up_at = ${now}
    WHERE (org_id, id) IN (
      SELECT org_id, id FROM volunteer_pages
      WHERE follow_up_at <= ${now} AND followed_up_at IS NULL
      ORDER BY follow_up_at LIMIT ${limit} ${lock}
    )
    RETURNING *`.execute(db);
  return r.rows.map(normalizePage);
}

function normalizePage(r: VolunteerPageTable): VolunteerPageTable {
  return {
    ...r,
    paged_at: Number(r.paged_at),
    shift_start: r.shift_start === null ? null : Number(r.shift_start),
    shift_end: r.shift_end === null ? null : Number(r.shift_end),
    epoch: Number(r.epoch),
    next_level: Number(r.next_level),
    next_loop: Number(r.next_loop),
    follow_up_at: r.follow_up_at === null ? null : Number(r.follow_up_at),
    followed_up_at: r.followed_up_at === null ? null : Number(r.followed_up_at),
  };
}

// ---- approvals ----------------------------------------------------------------------------

export async function putApproval(db: Db, row: VolunteerHourApprovalTable): Promise<void> {
  await db
    .insertInto('volunteer_hour_approvals')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['org_id', 'user_id', 'month']).doUpdateSet({ on_call_ms: row.on_call_ms, response_ms: row.response_ms, total_ms: row.total_ms, note: row.note, approved_by: row.approved_by, approved_at: row.approved_at }),
    )
    .execute();
}

export async function listApprovals(db: Db, orgId: string, months: string[]): Promise<VolunteerHourApprovalTable[]> {
  if (!months.length) return [];
  const rows = await db.selectFrom('volunteer_hour_approvals').selectAll().where('org_id', '=', orgId).where('month', 'in', months).execute();
  return rows.map((r) => ({ ...r, on_call_ms: Number(r.on_call_ms), response_ms: Number(r.response_ms), total_ms: Number(r.total_ms), approved_at: Number(r.approved_at) }));
}

// ---- audit --------------------------------------------------------------------------------

export async function insertAudit(db: Db, row: AuditLogTable): Promise<void> {
  await db.insertInto('audit_log').values(row).execute();
}

export async function listAudit(db: Db, orgId: string, q: { userId?: string; since?: number; limit: number; offset: number }): Promise<{ rows: AuditLogTable[]; total: number }> {
  let base = db.selectFrom('audit_log').where('org_id', '=', orgId);
  if (q.userId) base = base.where('user_id', '=', q.userId);
  if (q.since !== undefined) base = base.where('at', '>=', q.since);
  const rows = await base.selectAll().orderBy('at', 'desc').orderBy('id', 'desc').limit(q.limit).offset(q.offset).execute();
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows: rows.map((r) => ({ ...r, at: Number(r.at) })), total: Number(total.n) };
}

/** Organizations with at least one volunteer profile. */
export async function orgsWithVolunteers(db: Db): Promise<string[]> {
  return (await db.selectFrom('volunteers').select('org_id').distinct().execute()).map((r) => r.org_id);
}

export async function digestSent(db: Db, orgId: string, week: string): Promise<boolean> {
  return (await db.selectFrom('coverage_digests').select('week').where('org_id', '=', orgId).where('week', '=', week).executeTakeFirst()) !== undefined;
}

/** Record the week's digest; false when it was already recorded (sent once per organization and week). */
export async function recordDigest(db: Db, row: CoverageDigestTable): Promise<boolean> {
  const r = await db.insertInto('coverage_digests').values(row).onConflict((oc) => oc.columns(['org_id', 'week']).doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function setDigestRecipients(db: Db, orgId: string, week: string, recipients: number): Promise<void> {
  await db.updateTable('coverage_digests').set({ recipients }).where('org_id', '=', orgId).where('week', '=', week).execute();
}
