/**
 * Setting pools up (coordinators): creating, changing and deleting them, their
 * members, who a pool would page now, and inserting a pool as a level of an
 * escalation policy. Paging through a pool is pool.service.ts.
 */
import type { Kysely } from 'kysely';
import { invalid, notFound } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { getUsers } from '../org/org.store.js';
import { MAX_RULES, type EscalationRule } from '../escalation/policy.js';
import { getPolicy, policiesTargeting, updatePolicy, type PolicyRow } from '../escalation/policy.store.js';
import { getServicesByIds } from '../service/service.store.js';
import type { Database, ServiceTable, UserTable, VolunteerPoolMemberTable, VolunteerPoolTable } from '../storage/schema.js';
import { audit, servicesOfPools } from './access.service.js';
import { evaluatePool, type MemberStatus } from './pool.service.js';
import { roundRobinOrder } from './round-robin.js';
import * as store from './volunteer.store.js';

type Db = Kysely<Database>;

export interface PoolInput {
  name?: string;
  description?: string | null;
  strategy?: 'all' | 'round_robin';
  round_robin_timeout_minutes?: number;
  requires?: { references?: boolean; background_check?: boolean; skills?: string[] };
  members?: { id: string }[];
}

/** A pool with its members (in joining order), the users they are, and the services whose policy targets it. */
export interface PoolDetails {
  pool: VolunteerPoolTable;
  members: VolunteerPoolMemberTable[];
  users: UserTable[];
  services: ServiceTable[];
}

export async function poolDetails(db: Db, orgId: string, pools: VolunteerPoolTable[]): Promise<PoolDetails[]> {
  const members = await store.membersOf(db, orgId, pools.map((x) => x.id));
  const users = await getUsers(db, orgId, [...new Set(members.map((m) => m.user_id))]);
  const out: PoolDetails[] = [];
  for (const pool of pools) {
    const services = await getServicesByIds(db, orgId, [...(await servicesOfPools(db, orgId, [pool.id]))]);
    out.push({ pool, members: members.filter((m) => m.pool_id === pool.id), users, services });
  }
  return out;
}

const one = async (db: Db, orgId: string, pool: VolunteerPoolTable): Promise<PoolDetails> => (await poolDetails(db, orgId, [pool]))[0]!;

export async function requirePool(db: Db, orgId: string, id: string): Promise<VolunteerPoolTable> {
  const pool = await store.getPool(db, orgId, id);
  if (!pool) throw notFound(`volunteer pool ${id}`);
  return pool;
}

export async function isMember(db: Db, orgId: string, userId: string, poolId: string): Promise<boolean> {
  return (await store.poolsOfUser(db, orgId, userId)).includes(poolId);
}

/** Every pool, or only those `memberId` belongs to. */
export async function listPools(db: Db, orgId: string, memberId?: string): Promise<PoolDetails[]> {
  let pools = await store.listPools(db, orgId);
  if (memberId !== undefined) {
    const mine = new Set(await store.poolsOfUser(db, orgId, memberId));
    pools = pools.filter((x) => mine.has(x.id));
  }
  return poolDetails(db, orgId, pools);
}

/** Members must be live volunteers of the organization; returns the ids once each, in the order given. */
async function checkMembers(db: Db, orgId: string, ids: string[], field: string): Promise<string[]> {
  const unique = [...new Set(ids)];
  const found = await store.getVolunteers(db, orgId, unique);
  const users = await getUsers(db, orgId, unique);
  const ok = new Set(found.filter((v) => users.some((u) => u.id === v.user_id && u.deleted_at === null)).map((v) => v.user_id));
  const missing = unique.filter((id) => !ok.has(id));
  if (missing.length) throw invalid(...missing.map((id) => `${field}: ${id} is not a volunteer of this organization`));
  return unique;
}

const skillsOf = (skills: string[]) => JSON.stringify([...new Set(skills.map((s) => s.trim().toLowerCase()))].sort());

export async function createPool(db: Db, clock: Clock, orgId: string, actorId: string, b: PoolInput & { name: string }): Promise<PoolDetails> {
  if (!b.name.trim()) throw invalid('volunteer_pool.name must not be blank');
  const now = clock.now();
  const members = await checkMembers(db, orgId, (b.members ?? []).map((m) => m.id), 'volunteer_pool.members');
  const row: VolunteerPoolTable = {
    org_id: orgId,
    id: newId(now),
    name: b.name.trim(),
    description: b.description ?? null,
    strategy: b.strategy ?? 'all',
    round_robin_timeout_minutes: b.round_robin_timeout_minutes ?? 5,
    requires_references: b.requires?.references ? 1 : 0,
    requires_background_check: b.requires?.background_check ? 1 : 0,
    required_skills: skillsOf(b.requires?.skills ?? []),
    created_at: now,
    updated_at: now,
    deleted_at: null,
  };
  await db.transaction().execute(async (trx) => {
    await store.insertPool(trx, row);
    for (const [i, userId] of members.entries()) await store.addMember(trx, { org_id: orgId, pool_id: row.id, user_id: userId, joined_at: now + i });
  });
  await audit(db, orgId, actorId, 'volunteer_pool.create', `volunteer_pools/${row.id}`, now);
  return one(db, orgId, row);
}

/** Members, when given, replace the current ones; those who stay keep their place. */
export async function updatePool(db: Db, clock: Clock, orgId: string, actorId: string, id: string, b: PoolInput): Promise<PoolDetails> {
  const pool = await requirePool(db, orgId, id);
  const now = clock.now();
  const patch: Partial<VolunteerPoolTable> = {
    updated_at: now,
    ...(b.name !== undefined ? { name: b.name.trim() } : {}),
    ...(b.description !== undefined ? { description: b.description } : {}),
    ...(b.strategy !== undefined ? { strategy: b.strategy } : {}),
    ...(b.round_robin_timeout_minutes !== undefined ? { round_robin_timeout_minutes: b.round_robin_timeout_minutes } : {}),
    ...(b.requires?.references !== undefined ? { requires_references: b.requires.references ? 1 : 0 } : {}),
    ...(b.requires?.background_check !== undefined ? { requires_background_check: b.requires.background_check ? 1 : 0 } : {}),
    ...(b.requires?.skills !== undefined ? { required_skills: skillsOf(b.requires.skills) } : {}),
  };
  if (patch.name === '') throw invalid('volunteer_pool.name must not be blank');
  const members = b.members ? await checkMembers(db, orgId, b.members.map((m) => m.id), 'volunteer_pool.members') : null;
  await db.transaction().execute(async (trx) => {
    await store.updatePool(trx, orgId, pool.id, patch);
    if (members) {
      const current = await store.membersOf(trx, orgId, [pool.id]);
      for (const m of current) if (!members.includes(m.user_id)) await store.removeMember(trx, orgId, pool.id, m.user_id);
      for (const [i, userId] of members.entries()) await store.addMember(trx, { org_id: orgId, pool_id: pool.id, user_id: userId, joined_at: now + i });
    }
  });
  await audit(db, orgId, actorId, 'volunteer_pool.update', `volunteer_pools/${pool.id}`, now);
  return one(db, orgId, (await store.getPool(db, orgId, pool.id))!);
}

/** Refused while an escalation policy targets the pool. */
export async function deletePool(db: Db, clock: Clock, orgId: string, actorId: string, id: string): Promise<void> {
  const pool = await requirePool(db, orgId, id);
  const using = (await policiesTargeting(db, orgId, 'volunteer_pool_reference')).filter((x) => x.rules.some((r) => r.targets.some((t) => t.type === 'volunteer_pool_reference' && t.id === pool.id)));
  if (using.length) throw invalid(...using.map((x) => `volunteer_pool: escalation policy ${x.name} (${x.id}) targets this pool; remove it from the policy first`));
  const now = clock.now();
  await store.updatePool(db, orgId, pool.id, { deleted_at: now });
  await audit(db, orgId, actorId, 'volunteer_pool.delete', `volunteer_pools/${pool.id}`, now);
}

export async function addPoolMember(db: Db, clock: Clock, orgId: string, actorId: string, id: string, userId: string): Promise<PoolDetails> {
  const pool = await requirePool(db, orgId, id);
  await checkMembers(db, orgId, [userId], 'user_id');
  const now = clock.now();
  await store.addMember(db, { org_id: orgId, pool_id: pool.id, user_id: userId, joined_at: now });
  await audit(db, orgId, actorId, 'volunteer_pool.member_add', `volunteer_pools/${pool.id}/members/${userId}`, now);
  return one(db, orgId, pool);
}

export async function removePoolMember(db: Db, clock: Clock, orgId: string, actorId: string, id: string, userId: string): Promise<void> {
  const pool = await requirePool(db, orgId, id);
  if (!(await store.removeMember(db, orgId, pool.id, userId))) throw notFound(`member ${userId} of volunteer pool ${pool.id}`);
  await audit(db, orgId, actorId, 'volunteer_pool.member_remove', `volunteer_pools/${pool.id}/members/${userId}`, clock.now());
}

export interface PoolStatus {
  at: number;
  strategy: VolunteerPoolTable['strategy'];
  /** Least recently paged first; round robin pages only the first. */
  wouldPage: MemberStatus[];
  members: MemberStatus[];
}

/** Who the pool would page at `at`, and why the others would not be paged. */
export async function poolStatus(db: Db, orgId: string, pool: VolunteerPoolTable, at: number): Promise<PoolStatus> {
  const statuses = await evaluatePool(db, orgId, pool, at);
  const qualifying = roundRobinOrder(statuses.filter((s) => s.qualifies));
  return { at, strategy: pool.strategy, wouldPage: pool.strategy === 'round_robin' ? qualifying.slice(0, 1) : qualifying, members: statuses };
}

/**
 * Insert a level targeting the pool into an escalation policy (volunteers as a backup
 * layer behind staff); open incidents keep the policy they froze.
 */
export async function addPoolLevel(db: Db, clock: Clock, orgId: string, actorId: string, id: string, b: { policyId: string; position: number; delayMinutes: number }): Promise<{ policy: PolicyRow; rules: EscalationRule[] }> {
  const pool = await requirePool(db, orgId, id);
  const policy = await getPolicy(db, orgId, b.policyId);
  if (!policy) throw invalid(`escalation_level.escalation_policy: escalation policy ${b.policyId} not found`);
  if (policy.rules.length >= MAX_RULES) throw invalid(`escalation_level: the policy already has ${MAX_RULES} levels`);
  if (b.position > policy.rules.length) throw invalid(`escalation_level.position must be at most ${policy.rules.length}`);
  const now = clock.now();
  const rules = [...policy.rules];
  rules.splice(b.position, 0, { id: newId(now), escalation_delay_in_minutes: b.delayMinutes, targets: [{ id: pool.id, type: 'volunteer_pool_reference' }] });
  await updatePolicy(db, orgId, policy.id, { rules, updated_at: now });
  await audit(db, orgId, actorId, 'volunteer_pool.escalation_level', `escalation_policies/${policy.id}`, now);
  return { policy, rules };
}
