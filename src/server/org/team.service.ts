/**
 * Teams (PagerDuty's /teams): a team's name and description, its members with PagerDuty's
 * team roles, and what it owns (escalation policies, services, schedules: `team_links`).
 * Admins and owners create, change and remove teams; they and the team's own managers change
 * its members. Every query is scoped by organization; an id of another organization is 404.
 */
import type { Kysely } from 'kysely';
import { forbidden, invalid, notFound } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import type { Database, Role, TeamObjectType, TeamRole, TeamTable, UserTable } from '../storage/schema.js';
import { audited, type AuditActor } from './audit.service.js';
import { getUser } from './org.store.js';
import { can } from './roles.js';
import * as store from './team.store.js';

type Db = Kysely<Database>;

export const TEAM_ROLES: readonly TeamRole[] = ['observer', 'responder', 'manager'];
export const isTeamRole = (x: unknown): x is TeamRole => typeof x === 'string' && (TEAM_ROLES as readonly string[]).includes(x);

export interface TeamInput {
  type?: string;
  name?: string;
  description?: string | null;
  parent?: { id: string; type?: string } | null;
  default_role?: string;
}

function checkFields(input: TeamInput, creating: boolean): { name?: string; errors: string[] } {
  const errors: string[] = [];
  if (input.type !== undefined && input.type !== 'team') errors.push(`team.type must be "team", got ${JSON.stringify(input.type).slice(0, 40)}`);
  // Vigil's teams are flat: a parent would change who sees what, which Vigil does not model.
  if (input.parent !== undefined && input.parent !== null) errors.push('team.parent: Vigil has no team hierarchy; leave it out or send null');
  // Vigil's teams are public: every member of the organization reads them (PagerDuty's "manager").
  if (input.default_role !== undefined && input.default_role !== 'manager') errors.push('team.default_role: Vigil\'s teams are public; only "manager" is accepted');
  const name = input.name?.trim();
  if (input.name !== undefined && name!.length > 100) errors.push('team.name must be at most 100 characters');
  if (creating && input.name === undefined) errors.push('team.name is required');
  else if (name !== undefined && !name) errors.push('team.name must not be blank');
  return { ...(name ? { name } : {}), errors };
}

async function checkName(db: Db, orgId: string, name: string | undefined, exceptId?: string): Promise<void> {
  if (name !== undefined && (await store.liveTeamNamed(db, orgId, name, exceptId))) throw invalid(`team.name: a team named ${JSON.stringify(name)} exists`);
}

const auditFields = (t: TeamTable) => ({ name: t.name, description: t.description });

export async function createTeam(u: { db: Db; clock: Clock }, orgId: string, input: TeamInput, actor?: AuditActor): Promise<TeamTable> {
  const { name, errors } = checkFields(input, true);
  if (errors.length) throw invalid(...errors);
  const now = u.clock.now();
  const row: TeamTable = { org_id: orgId, id: newId(now), name: name!, description: input.description ?? null, parent_id: null, created_at: now, updated_at: now, deleted_at: null };
  await audited(u.db, now, orgId, actor, { root: { type: 'team', id: row.id, name: row.name }, action: 'create', before: null, after: auditFields(row) }, async (trx) => {
    await checkName(trx, orgId, name);
    await store.insertTeam(trx, row);
  });
  return row;
}

export async function updateTeam(u: { db: Db; clock: Clock }, orgId: string, id: string, input: TeamInput, actor?: AuditActor): Promise<TeamTable> {
  const current = await requireTeam(u.db, orgId, id);
  const { name, errors } = checkFields(input, false);
  if (errors.length) throw invalid(...errors);
  const patch: Partial<Pick<TeamTable, 'name' | 'description' | 'updated_at'>> = { updated_at: u.clock.now() };
  if (name !== undefined) patch.name = name;
  if (input.description !== undefined) patch.description = input.description;
  const after = { ...current, ...patch };
  await audited(u.db, patch.updated_at!, orgId, actor, { root: { type: 'team', id, name: after.name }, action: 'update', before: auditFields(current), after: auditFields(after) }, async (trx) => {
    await checkName(trx, orgId, name, id);
    await store.updateTeam(trx, orgId, id, patch);
  });
  return after;
}

/**
 * Removes the team; its members keep their accounts. What it owned moves to
 * `reassignmentTeam` (PagerDuty's reassignment_team) or stays, team-less.
 */
export async function deleteTeam(u: { db: Db; clock: Clock }, orgId: string, id: string, reassignmentTeam?: string, actor?: AuditActor): Promise<void> {
  const current = await requireTeam(u.db, orgId, id);
  if (reassignmentTeam !== undefined) {
    if (reassignmentTeam === id) throw invalid('reassignment_team must be another team');
    if (!(await store.getLiveTeam(u.db, orgId, reassignmentTeam))) throw invalid(`reassignment_team: team ${reassignmentTeam} not found`);
  }
  const now = u.clock.now();
  await audited(u.db, now, orgId, actor, { root: { type: 'team', id, name: current.name }, action: 'delete', before: auditFields(current), after: null }, async (trx) => {
    if (reassignmentTeam !== undefined) await store.reassignLinks(trx, orgId, id, reassignmentTeam);
    await store.softDeleteTeam(trx, orgId, id, now);
  });
}

export async function requireTeam(db: Db, orgId: string, id: string): Promise<TeamTable> {
  const t = await store.getLiveTeam(db, orgId, id);
  if (!t) throw notFound(`team ${id}`);
  return t;
}

export async function listTeams(db: Db, orgId: string, q: { query?: string; limit: number; offset: number }): Promise<{ rows: TeamTable[]; total: number }> {
  return store.listLiveTeams(db, orgId, q);
}

// members

/** May the caller change this team's members and subscriptions? Admins and owners may; so may the team's own managers (403 otherwise). */
export async function requireTeamManager(db: Db, orgId: string, teamId: string, caller: { userId: string; role: Role }): Promise<void> {
  if (can(caller.role, 'manage')) return;
  const m = await store.getMember(db, orgId, teamId, caller.userId);
  if (m?.role !== 'manager') throw forbidden('changing a team\'s members needs an admin or owner, or a manager of that team');
}

/** Adds the member to the team or changes their team role (PagerDuty: PUT /teams/{id}/users/{user_id}); a new member without a role is a responder (PagerDuty's default), a present one keeps theirs. */
export async function setTeamMember(u: { db: Db; clock: Clock }, orgId: string, teamId: string, userId: string, role: unknown, caller: { userId: string; role: Role }, actor?: AuditActor): Promise<void> {
  const team = await requireTeam(u.db, orgId, teamId);
  if (!(await getUser(u.db, orgId, userId))) throw notFound(`user ${userId}`);
  await requireTeamManager(u.db, orgId, teamId, caller);
  if (role !== undefined && !isTeamRole(role)) throw invalid(`role must be one of ${TEAM_ROLES.join(', ')}, got ${JSON.stringify(role).slice(0, 40)}`);
  const now = u.clock.now();
  const current = await store.getMember(u.db, orgId, teamId, userId);
  const next: TeamRole = role ?? current?.role ?? 'responder';
  // Recorded on the team as the member's team role (PagerDuty's team audit shows membership changes).
  const field = `members.${userId}.role`;
  await audited(u.db, now, orgId, actor, { root: { type: 'team', id: teamId, name: team.name }, action: 'update', before: { [field]: current?.role ?? null }, after: { [field]: next } }, (trx) =>
    store.upsertMember(trx, { org_id: orgId, team_id: teamId, user_id: userId, role: next, created_at: current?.created_at ?? now }),
  );
}

export async function removeTeamMember(u: { db: Db; clock: Clock }, orgId: string, teamId: string, userId: string, caller: { userId: string; role: Role }, actor?: AuditActor): Promise<void> {
  const team = await requireTeam(u.db, orgId, teamId);
  await requireTeamManager(u.db, orgId, teamId, caller);
  const current = await store.getMember(u.db, orgId, teamId, userId);
  if (!current) throw notFound(`member ${userId} of team ${teamId}`);
  const field = `members.${userId}.role`;
  await audited(u.db, u.clock.now(), orgId, actor, { root: { type: 'team', id: teamId, name: team.name }, action: 'update', before: { [field]: current.role }, after: { [field]: null } }, (trx) => store.deleteMember(trx, orgId, teamId, userId));
}

export async function teamMembers(db: Db, orgId: string, teamId: string, limit: number, offset: number): Promise<{ rows: { user: UserTable; role: TeamRole }[]; total: number }> {
  await requireTeam(db, orgId, teamId);
  return store.listMembers(db, orgId, teamId, limit, offset);
}

// what teams own

/**
 * The team ids a `teams` body field names (PagerDuty: an array of team references), each a
 * live team of the organization; anything else is 400 naming `field`.
 */
export async function teamIdsOfRefs(db: Db, orgId: string, refs: unknown, field: string): Promise<string[]> {
  if (!Array.isArray(refs)) throw invalid(`${field} must be an array of team references`);
  if (refs.length > 100) throw invalid(`${field}: at most 100 teams`);
  const ids: string[] = [];
  const errors: string[] = [];
  refs.forEach((r, i) => {
    const ref = r as { id?: unknown; type?: unknown } | null;
    if (typeof ref !== 'object' || ref === null || typeof ref.id !== 'string' || !ref.id) errors.push(`${field}[${i}].id is required`);
    else if (ref.type !== undefined && ref.type !== 'team_reference' && ref.type !== 'team') errors.push(`${field}[${i}].type must be team_reference, got ${JSON.stringify(ref.type).slice(0, 40)}`);
    else if (!ids.includes(ref.id)) ids.push(ref.id);
  });
  if (errors.length) throw invalid(...errors);
  await requireTeamIds(db, orgId, ids, field);
  return ids;
}

/** The live teams of the organization among these ids. */
export async function liveTeamsAmong(db: Db, orgId: string, ids: readonly string[]): Promise<TeamTable[]> {
  return store.liveTeamsByIds(db, orgId, ids);
}

/** Every id is a live team of the organization, or 400 naming `field` and the ids. */
export async function requireTeamIds(db: Db, orgId: string, ids: readonly string[], field: string): Promise<void> {
  const live = new Set((await store.liveTeamsByIds(db, orgId, ids)).map((t) => t.id));
  const missing = ids.filter((id) => !live.has(id));
  if (missing.length) throw invalid(`${field}: team ${missing.slice(0, 5).join(', ')} not found`);
}

/** Replaces the teams an object belongs to (inside the caller's transaction). */
export async function setObjectTeams(db: Db, orgId: string, objectType: TeamObjectType, objectId: string, teamIds: readonly string[]): Promise<void> {
  await store.setLinks(db, orgId, objectType, objectId, teamIds);
}

/** The ids of the objects of this type any of these teams owns (the `team_ids[]` filter); 400 for an unknown team. */
export async function objectIdsOfTeams(db: Db, orgId: string, objectType: TeamObjectType, teamIds: readonly string[]): Promise<string[]> {
  await requireTeamIds(db, orgId, teamIds, 'team_ids[]');
  return store.objectIdsOf(db, orgId, objectType, teamIds);
}

/** The members of any of these teams (GET /users?team_ids[]=); 400 for an unknown team. */
export async function userIdsOfTeams(db: Db, orgId: string, teamIds: readonly string[]): Promise<string[]> {
  await requireTeamIds(db, orgId, teamIds, 'team_ids[]');
  return store.memberIdsOf(db, orgId, teamIds);
}

export type NamedTeam = { id: string; name: string };

/** Each object's live teams, by name. */
export async function teamsOfObjects(db: Db, orgId: string, objectType: TeamObjectType, objectIds: readonly string[]): Promise<Map<string, NamedTeam[]>> {
  const out = new Map<string, NamedTeam[]>();
  for (const r of await store.teamsOfObjects(db, orgId, objectType, objectIds)) out.set(r.object_id, [...(out.get(r.object_id) ?? []), { id: r.id, name: r.name }]);
  return out;
}

/** The members of these teams (removed teams have none), each with the teams of these it is in. */
export async function membersOfTeams(db: Db, orgId: string, teamIds: readonly string[]): Promise<Map<string, NamedTeam[]>> {
  const wanted = new Set(teamIds);
  const users = await store.memberIdsOf(db, orgId, teamIds);
  const out = new Map<string, NamedTeam[]>();
  for (const r of await store.teamsOfUsers(db, orgId, users)) if (wanted.has(r.id)) out.set(r.user_id, [...(out.get(r.user_id) ?? []), { id: r.id, name: r.name }]);
  return out;
}

/** Each user's live teams, by name. */
export async function teamsOfUsers(db: Db, orgId: string, userIds: readonly string[]): Promise<Map<string, NamedTeam[]>> {
  const out = new Map<string, NamedTeam[]>();
  for (const r of await store.teamsOfUsers(db, orgId, userIds)) out.set(r.user_id, [...(out.get(r.user_id) ?? []), { id: r.id, name: r.name }]);
  return out;
}

/** PUT /teams/{id}/escalation_policies/{policy_id}: the caller checked the policy exists. */
export async function linkTeam(db: Db, orgId: string, teamId: string, objectType: TeamObjectType, objectId: string): Promise<void> {
  await requireTeam(db, orgId, teamId);
  await store.addLink(db, { org_id: orgId, team_id: teamId, object_type: objectType, object_id: objectId });
}

/** DELETE /teams/{id}/escalation_policies/{policy_id}: 404 when the team does not own it. */
export async function unlinkTeam(db: Db, orgId: string, teamId: string, objectType: TeamObjectType, objectId: string): Promise<void> {
  await requireTeam(db, orgId, teamId);
  const n = await store.deleteLink(db, { org_id: orgId, team_id: teamId, object_type: objectType, object_id: objectId });
  if (n === 0) throw notFound(`${objectType} ${objectId} of team ${teamId}`);
}
