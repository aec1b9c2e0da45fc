/** Queries for the `teams`, `team_members` and `team_links` tables, and nothing else. Every query is scoped by organization. */
import type { Kysely } from 'kysely';
import type { Database, TeamLinkTable, TeamMemberTable, TeamObjectType, TeamRole, TeamTable, UserTable } from '../storage/schema.js';

type Db = Kysely<Database>;

const numeric = (r: TeamTable): TeamTable => ({ ...r, created_at: Number(r.created_at), updated_at: Number(r.updated_at), deleted_at: r.deleted_at === null ? null : Number(r.deleted_at) });

export async function insertTeam(db: Db, row: TeamTable): Promise<void> {
  await db.insertInto('teams').values(row).execute();
}

export async function getLiveTeam(db: Db, orgId: string, id: string): Promise<TeamTable | undefined> {
  const r = await db.selectFrom('teams').selectAll().where('org_id', '=', orgId).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  return r && numeric(r);
}

/** A live team of the organization with this name (case-insensitive), but `exceptId`. */
export async function liveTeamNamed(db: Db, orgId: string, name: string, exceptId?: string): Promise<TeamTable | undefined> {
  let q = db.selectFrom('teams').selectAll().where('org_id', '=', orgId).where('deleted_at', 'is', null).where((eb) => eb(eb.fn('lower', ['name']), '=', name.toLowerCase()));
  if (exceptId) q = q.where('id', '!=', exceptId);
  const r = await q.executeTakeFirst();
  return r && numeric(r);
}

export async function liveTeamsByIds(db: Db, orgId: string, ids: readonly string[]): Promise<TeamTable[]> {
  if (!ids.length) return [];
  const rows = await db.selectFrom('teams').selectAll().where('org_id', '=', orgId).where('id', 'in', [...ids]).where('deleted_at', 'is', null).execute();
  return rows.map(numeric);
}

export async function listLiveTeams(db: Db, orgId: string, q: { query?: string; limit: number; offset: number }): Promise<{ rows: TeamTable[]; total: number }> {
  let base = db.selectFrom('teams').where('org_id', '=', orgId).where('deleted_at', 'is', null);
  if (q.query) base = base.where((eb) => eb(eb.fn('lower', ['name']), 'like', `%${q.query!.toLowerCase()}%`));
  const rows = await base.selectAll().orderBy('name').orderBy('id').limit(q.limit).offset(q.offset).execute();
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows: rows.map(numeric), total: Number(total.n) };
}

export async function updateTeam(db: Db, orgId: string, id: string, patch: Partial<Pick<TeamTable, 'name' | 'description' | 'updated_at'>>): Promise<void> {
  await db.updateTable('teams').set(patch).where('org_id', '=', orgId).where('id', '=', id).execute();
}

/** Removes the team: marks it deleted, and drops its members and what it owned. */
export async function softDeleteTeam(db: Db, orgId: string, id: string, at: number): Promise<void> {
  await db.updateTable('teams').set({ deleted_at: at, updated_at: at }).where('org_id', '=', orgId).where('id', '=', id).execute();
  await db.deleteFrom('team_members').where('org_id', '=', orgId).where('team_id', '=', id).execute();
  await db.deleteFrom('team_links').where('org_id', '=', orgId).where('team_id', '=', id).execute();
}

// members

export async function getMember(db: Db, orgId: string, teamId: string, userId: string): Promise<TeamMemberTable | undefined> {
  return db.selectFrom('team_members').selectAll().where('org_id', '=', orgId).where('team_id', '=', teamId).where('user_id', '=', userId).executeTakeFirst();
}

export async function upsertMember(db: Db, row: TeamMemberTable): Promise<void> {
  await db
    .insertInto('team_members')
    .values(row)
    .onConflict((oc) => oc.columns(['org_id', 'team_id', 'user_id']).doUpdateSet({ role: row.role }))
    .execute();
}

export async function deleteMember(db: Db, orgId: string, teamId: string, userId: string): Promise<void> {
  await db.deleteFrom('team_members').where('org_id', '=', orgId).where('team_id', '=', teamId).where('user_id', '=', userId).execute();
}

/** The team's live members with their user rows, by name. */
export async function listMembers(db: Db, orgId: string, teamId: string, limit: number, offset: number): Promise<{ rows: { user: UserTable; role: TeamRole }[]; total: number }> {
  const base = db
    .selectFrom('team_members as m')
    .innerJoin('users as u', (j) => j.onRef('u.org_id', '=', 'm.org_id').onRef('u.id', '=', 'm.user_id'))
    .where('m.org_id', '=', orgId)
    .where('m.team_id', '=', teamId)
    .where('u.deleted_at', 'is', null);
  const rows = await base.selectAll('u').select('m.role as team_role').orderBy('u.name').orderBy('u.id').limit(limit).offset(offset).execute();
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows: rows.map(({ team_role, ...user }) => ({ user: user as UserTable, role: team_role })), total: Number(total.n) };
}

/** The members of any of these teams (user ids). */
export async function memberIdsOf(db: Db, orgId: string, teamIds: readonly string[]): Promise<string[]> {
  if (!teamIds.length) return [];
  const rows = await db.selectFrom('team_members').select('user_id').distinct().where('org_id', '=', orgId).where('team_id', 'in', [...teamIds]).execute();
  return rows.map((r) => r.user_id);
}

/** The teams each of these users belongs to. */
export async function teamsOfUsers(db: Db, orgId: string, userIds: readonly string[]): Promise<{ user_id: string; id: string; name: string }[]> {
  if (!userIds.length) return [];
  return db
    .selectFrom('team_members as m')
    .innerJoin('teams as t', (j) => j.onRef('t.org_id', '=', 'm.org_id').onRef('t.id', '=', 'm.team_id'))
    .select(['m.user_id', 't.id', 't.name'])
    .where('m.org_id', '=', orgId)
    .where('m.user_id', 'in', [...userIds])
    .where('t.deleted_at', 'is', null)
    .orderBy('t.name')
    .execute();
}

// links

export async function addLink(db: Db, row: TeamLinkTable): Promise<void> {
  await db.insertInto('team_links').values(row).onConflict((oc) => oc.doNothing()).execute();
}

export async function deleteLink(db: Db, row: TeamLinkTable): Promise<number> {
  const r = await db
    .deleteFrom('team_links')
    .where('org_id', '=', row.org_id)
    .where('team_id', '=', row.team_id)
    .where('object_type', '=', row.object_type)
    .where('object_id', '=', row.object_id)
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Gives `to` everything `from` owns (what `to` owns already stays once). */
export async function reassignLinks(db: Db, orgId: string, from: string, to: string): Promise<void> {
  const rows = await db.selectFrom('team_links').selectAll().where('org_id', '=', orgId).where('team_id', '=', from).execute();
  for (const r of rows) await addLink(db, { ...r, team_id: to });
}

/** Replaces the teams an object belongs to. */
export async function setLinks(db: Db, orgId: string, objectType: TeamObjectType, objectId: string, teamIds: readonly string[]): Promise<void> {
  await db.deleteFrom('team_links').where('org_id', '=', orgId).where('object_type', '=', objectType).where('object_id', '=', objectId).execute();
  if (teamIds.length) await db.insertInto('team_links').values(teamIds.map((team_id) => ({ org_id: orgId, team_id, object_type: objectType, object_id: objectId }))).execute();
}

/** The live teams each of these objects belongs to, by name. */
export async function teamsOfObjects(db: Db, orgId: string, objectType: TeamObjectType, objectIds: readonly string[]): Promise<{ object_id: string; id: string; name: string }[]> {
  if (!objectIds.length) return [];
  return db
    .selectFrom('team_links as l')
    .innerJoin('teams as t', (j) => j.onRef('t.org_id', '=', 'l.org_id').onRef('t.id', '=', 'l.team_id'))
    .select(['l.object_id', 't.id', 't.name'])
    .where('l.org_id', '=', orgId)
    .where('l.object_type', '=', objectType)
    .where('l.object_id', 'in', [...objectIds])
    .where('t.deleted_at', 'is', null)
    .orderBy('t.name')
    .orderBy('t.id')
    .execute();
}

/** The objects of this type any of these teams owns. */
export async function objectIdsOf(db: Db, orgId: string, objectType: TeamObjectType, teamIds: readonly string[]): Promise<string[]> {
  if (!teamIds.length) return [];
  const rows = await db.selectFrom('team_links').select('object_id').distinct().where('org_id', '=', orgId).where('object_type', '=', objectType).where('team_id', 'in', [...teamIds]).execute();
  return rows.map((r) => r.object_id);
}
