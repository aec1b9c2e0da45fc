import type { Kysely } from 'kysely';
import type { Database, EscalationPolicyTable } from '../storage/schema.js';
import type { EscalationRule, Target } from './policy.js';

type Db = Kysely<Database>;

export interface PolicyRow extends Omit<EscalationPolicyTable, 'rules'> {
  rules: EscalationRule[];
}

const parse = (r: EscalationPolicyTable): PolicyRow => ({ ...r, rules: JSON.parse(r.rules) as EscalationRule[] });

export async function getPolicy(db: Db, orgId: string, id: string): Promise<PolicyRow | undefined> {
  const r = await db.selectFrom('escalation_policies').selectAll().where('org_id', '=', orgId).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  return r && parse(r);
}

export async function getPolicies(db: Db, orgId: string, ids: string[]): Promise<PolicyRow[]> {
  if (!ids.length) return [];
  const rows = await db.selectFrom('escalation_policies').selectAll().where('org_id', '=', orgId).where('id', 'in', ids).execute();
  return rows.map(parse);
}

/** `ids`: only these (the team_ids[] filter; none matches an empty list). */
export async function listPolicies(db: Db, orgId: string, q: { query?: string; ids?: string[]; limit: number; offset: number }): Promise<{ rows: PolicyRow[]; total: number }> {
  if (q.ids && !q.ids.length) return { rows: [], total: 0 };
  let base = db.selectFrom('escalation_policies').where('org_id', '=', orgId).where('deleted_at', 'is', null);
  if (q.ids) base = base.where('id', 'in', q.ids);
  if (q.query) base = base.where((eb) => eb(eb.fn('lower', ['name']), 'like', `%${q.query!.toLowerCase()}%`));
  const rows = await base.selectAll().orderBy('name').orderBy('id').limit(q.limit).offset(q.offset).execute();
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows: rows.map(parse), total: Number(total.n) };
}

export async function insertPolicy(db: Db, row: PolicyRow): Promise<void> {
  await db.insertInto('escalation_policies').values({ ...row, rules: JSON.stringify(row.rules) }).execute();
}

export async function updatePolicy(db: Db, orgId: string, id: string, patch: Partial<PolicyRow>): Promise<void> {
  const { rules, ...rest } = patch;
  await db
    .updateTable('escalation_policies')
    .set({ ...rest, ...(rules ? { rules: JSON.stringify(rules) } : {}) })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}

export async function softDeletePolicy(db: Db, orgId: string, id: string, at: number): Promise<void> {
  await db.updateTable('escalation_policies').set({ deleted_at: at }).where('org_id', '=', orgId).where('id', '=', id).execute();
}

/** Live policies with a level of the given target type (the volunteer module asks which policies page its pools). */
export async function policiesTargeting(db: Db, orgId: string, type: Target['type']): Promise<PolicyRow[]> {
  const rows = await db.selectFrom('escalation_policies').selectAll().where('org_id', '=', orgId).where('deleted_at', 'is', null).where('rules', 'like', `%${type}%`).execute();
  return rows.map(parse);
}
