/** Queries for on-call handoff notification rules. Nothing else. */
import type { Kysely } from 'kysely';
import { rowLock } from '../storage/dialect.js';
import type { Database, HandoffRuleTable } from '../storage/schema.js';

type Db = Kysely<Database>;

/** The earliest `checked_until` of any rule, as a scalar subquery (column `t`): claimDueHandoffRules(before) takes a rule once it is no later than `before`. */
export function handoffCheckedQuery(db: Db) {
  return db.selectFrom('handoff_rules').select((eb) => eb.fn.min('checked_until').as('t'));
}

const num = (r: HandoffRuleTable): HandoffRuleTable => ({ ...r, notify_advance_in_minutes: Number(r.notify_advance_in_minutes), checked_until: Number(r.checked_until), created_at: Number(r.created_at) });

export async function insertHandoffRule(db: Db, row: HandoffRuleTable): Promise<void> {
  await db.insertInto('handoff_rules').values(row).execute();
}

export async function listHandoffRules(db: Db, orgId: string, userId: string): Promise<HandoffRuleTable[]> {
  return (await db.selectFrom('handoff_rules').selectAll().where('org_id', '=', orgId).where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute()).map(num);
}

export async function getHandoffRule(db: Db, orgId: string, userId: string, id: string): Promise<HandoffRuleTable | undefined> {
  const r = await db.selectFrom('handoff_rules').selectAll().where('org_id', '=', orgId).where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
  return r && num(r);
}

export async function updateHandoffRule(db: Db, orgId: string, id: string, patch: Partial<Pick<HandoffRuleTable, 'contact_method_id' | 'handoff_type' | 'notify_advance_in_minutes'>>): Promise<void> {
  await db.updateTable('handoff_rules').set(patch).where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function deleteHandoffRule(db: Db, orgId: string, id: string): Promise<boolean> {
  const r = await db.deleteFrom('handoff_rules').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Rules of every organization last checked at or before `before`, locked (others skip them) for this transaction. */
export async function claimDueHandoffRules(trx: Db, before: number, limit: number): Promise<HandoffRuleTable[]> {
  const lock = rowLock(trx, 'update', { skipLocked: true });
  const rows = await trx.selectFrom('handoff_rules').selectAll().where('checked_until', '<=', before).orderBy('checked_until').limit(limit).modifyEnd(lock).execute();
  return rows.map(num);
}

export async function setCheckedUntil(trx: Db, orgId: string, id: string, at: number): Promise<void> {
  await trx.updateTable('handoff_rules').set({ checked_until: at }).where('org_id', '=', orgId).where('id', '=', id).execute();
}
