/**
 * Escalation policy use cases: PagerDuty-shaped input → validated rules with
 * ids, targets checked against the organization, and the one-policy-per-service
 * guard on delete. Incidents freeze the policy when they trigger
 * (incident.service.ts), so an edit here never changes an open incident.
 */
import { audited, type AuditActor } from '../org/audit.service.js';
import { linkTeam, objectIdsOfTeams, setObjectTeams, teamIdsOfRefs, unlinkTeam } from '../org/team.service.js';
import type { Kysely } from 'kysely';
import { invalid, notFound } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import type { Database } from '../storage/schema.js';
import { validateRules, type EscalationRule, type Target, type TargetType } from './policy.js';
import type { TargetRegistry } from './targets.js';
import * as store from './policy.store.js';
import type { PolicyRow } from './policy.store.js';

type Db = Kysely<Database>;

export interface PolicyInput {
  name?: string;
  description?: string | null;
  num_loops?: number;
  escalation_rules?: { id?: string | null; escalation_delay_in_minutes: number; targets: { id: string; type: string }[] }[];
  /** PagerDuty's teams: references to the organization's teams; replaces the policy's teams. */
  teams?: { id: string; type?: string }[];
}

const policyTeams = async (db: Db, orgId: string, input: PolicyInput): Promise<string[] | undefined> =>
  input.teams === undefined ? undefined : teamIdsOfRefs(db, orgId, input.teams, 'escalation_policy.teams');

/** Every live policy of the organization, by name. */
export async function allPolicies(db: Db, orgId: string): Promise<PolicyRow[]> {
  const out: PolicyRow[] = [];
  for (let offset = 0; ; offset += 500) {
    const { rows } = await store.listPolicies(db, orgId, { limit: 500, offset });
    out.push(...rows);
    if (rows.length < 500) return out;
  }
}

export function targetsOf(policy: Pick<PolicyRow, 'rules'>): Target[] {
  return policy.rules.flatMap((r) => r.targets);
}

export async function policiesUsingSchedule(db: Db, orgId: string, scheduleId: string): Promise<PolicyRow[]> {
  return (await allPolicies(db, orgId)).filter((p) => targetsOf(p).some((t) => t.type === 'schedule_reference' && t.id === scheduleId));
}

/**
 * Validate rules and their targets; every problem names its field. Rule ids sent
 * back on update are kept when they belong to the policy; others are new.
 */
async function buildRules(db: Db, targets: TargetRegistry, orgId: string, now: number, rules: PolicyInput['escalation_rules'], numLoops: number, existing: EscalationRule[] = []): Promise<EscalationRule[]> {
  const errors = validateRules(rules, numLoops);
  if (!Array.isArray(rules)) throw invalid(...errors);
  const named = new Map<TargetType, Set<string>>();
  rules.forEach((r, i) =>
    (r.targets ?? []).forEach((t, j) => {
      const type = targets.typeOf(t.type);
      if (!type) errors.push(`escalation_policy.escalation_rules[${i}].targets[${j}].type must be ${targets.types().join(', ').replace(/, ([^,]*)$/, ' or $1')}, got ${JSON.stringify(t.type).slice(0, 40)}`);
      else named.set(type, (named.get(type) ?? new Set()).add(t.id));
    }),
  );
  const found = new Map<TargetType, Set<string>>();
  for (const [type, ids] of named) found.set(type, await targets.existing(db, orgId, type, [...ids]));
  rules.forEach((r, i) =>
    (r.targets ?? []).forEach((t, j) => {
      const type = targets.typeOf(t.type);
      if (type && !found.get(type)?.has(t.id)) errors.push(`escalation_policy.escalation_rules[${i}].targets[${j}]: ${targets.noun(type)} ${t.id} not found in this organization`);
    }),
  );
  if (errors.length) throw invalid(...errors);

  const keep = new Set(existing.map((r) => r.id));
  const used = new Set<string>();
  return rules.map((r) => {
    const id = r.id && keep.has(r.id) && !used.has(r.id) ? r.id : newId(now);
    used.add(id);
    const seen = new Set<string>();
    const unique: Target[] = [];
    for (const t of r.targets) {
      const target = { id: t.id, type: targets.typeOf(t.type)! };
      const key = `${target.type}:${target.id}`;
      if (!seen.has(key)) unique.push(target);
      seen.add(key);
    }
    return { id, escalation_delay_in_minutes: r.escalation_delay_in_minutes, targets: unique };
  });
}

export async function createPolicy(db: Db, clock: Clock, targets: TargetRegistry, orgId: string, input: PolicyInput & { name: string }, actor?: AuditActor): Promise<PolicyRow> {
  const name = input.name.trim();
  if (!name) throw invalid('escalation_policy.name must not be blank');
  const numLoops = input.num_loops ?? 0;
  const now = clock.now();
  const rules = await buildRules(db, targets, orgId, now, input.escalation_rules, numLoops);
  const teamIds = await policyTeams(db, orgId, input);
  const row: PolicyRow = { org_id: orgId, id: newId(now), name, description: input.description ?? null, num_loops: numLoops, rules, created_at: now, updated_at: now, deleted_at: null };
  await audited(db, now, orgId, actor, { root: { type: 'escalation_policy', id: row.id, name }, action: 'create', before: null, after: { ...row } }, async (trx) => {
    await store.insertPolicy(trx, row);
    if (teamIds) await setObjectTeams(trx, orgId, 'escalation_policy', row.id, teamIds);
  });
  return row;
}

export async function updatePolicy(db: Db, clock: Clock, targets: TargetRegistry, orgId: string, id: string, input: PolicyInput, actor?: AuditActor): Promise<PolicyRow> {
  const current = await store.getPolicy(db, orgId, id);
  if (!current) throw notFound(`escalation policy ${id}`);
  const now = clock.now();
  const patch: Partial<PolicyRow> = { updated_at: now };
  if (input.name !== undefined) {
    if (!input.name.trim()) throw invalid('escalation_policy.name must not be blank');
    patch.name = input.name.trim();
  }
  if (input.description !== undefined) patch.description = input.description;
  const numLoops = input.num_loops ?? current.num_loops;
  if (input.num_loops !== undefined || input.escalation_rules !== undefined) {
    patch.num_loops = numLoops;
    patch.rules = await buildRules(db, targets, orgId, now, input.escalation_rules ?? current.rules, numLoops, current.rules);
  }
  const teamIds = await policyTeams(db, orgId, input);
  const after = { ...current, ...patch };
  await audited(db, now, orgId, actor, { root: { type: 'escalation_policy', id, name: after.name }, action: 'update', before: { ...current }, after: { ...after } }, async (trx) => {
    await store.updatePolicy(trx, orgId, id, patch);
    if (teamIds) await setObjectTeams(trx, orgId, 'escalation_policy', id, teamIds);
  });
  return after;
}

/**
 * Delete a policy. PagerDuty refuses to delete a policy that a service uses; so do we, but
 * services are the higher domain: service.service.ts's deletePolicyIfUnused checks, then calls this.
 */
export async function deletePolicy(db: Db, clock: Clock, orgId: string, id: string, actor?: AuditActor): Promise<void> {
  const current = await store.getPolicy(db, orgId, id);
  if (!current) throw notFound(`escalation policy ${id}`);
  const now = clock.now();
  await audited(db, now, orgId, actor, { root: { type: 'escalation_policy', id, name: current.name }, action: 'delete', before: { ...current }, after: null }, (trx) => store.softDeletePolicy(trx, orgId, id, now));
}

export type { PolicyRow } from './policy.store.js';

/** A live policy of the organization, or 404. */
export async function requirePolicy(db: Db, orgId: string, id: string): Promise<PolicyRow> {
  const pol = await store.getPolicy(db, orgId, id);
  if (!pol) throw notFound(`escalation policy ${id}`);
  return pol;
}

/**
 * Policies by name, a page of them. `userIds`: only those that target one of these users
 * directly; `teamIds`: only those any of these teams owns (400 for an unknown team);
 * `query`: a case-insensitive part of the name.
 */
export async function listPolicies(db: Db, orgId: string, q: { query?: string; userIds?: string[]; teamIds?: string[]; limit: number; offset: number }): Promise<{ rows: PolicyRow[]; total: number }> {
  const ids = q.teamIds?.length ? await objectIdsOfTeams(db, orgId, 'escalation_policy', q.teamIds) : undefined;
  if (!q.userIds?.length) return store.listPolicies(db, orgId, { ...(q.query ? { query: q.query } : {}), ...(ids ? { ids } : {}), limit: q.limit, offset: q.offset });
  const wanted = new Set(q.userIds);
  const needle = q.query?.toLowerCase();
  const all = (await allPolicies(db, orgId)).filter(
    (pol) => targetsOf(pol).some((t) => t.type === 'user_reference' && wanted.has(t.id)) && (!needle || pol.name.toLowerCase().includes(needle)) && (!ids || ids.includes(pol.id)),
  );
  return { rows: all.slice(q.offset, q.offset + q.limit), total: all.length };
}

/** PUT /teams/{id}/escalation_policies/{policy_id}: both must be the organization's (404 otherwise). */
export async function linkPolicyToTeam(db: Db, orgId: string, teamId: string, policyId: string): Promise<void> {
  await requirePolicy(db, orgId, policyId);
  await linkTeam(db, orgId, teamId, 'escalation_policy', policyId);
}

/** DELETE /teams/{id}/escalation_policies/{policy_id}. */
export async function unlinkPolicyFromTeam(db: Db, orgId: string, teamId: string, policyId: string): Promise<void> {
  await requirePolicy(db, orgId, policyId);
  await unlinkTeam(db, orgId, teamId, 'escalation_policy', policyId);
}
