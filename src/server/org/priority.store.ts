/** Queries for the `priorities` table, and nothing else. Every query is scoped by organization. */
import { sql, type Kysely } from 'kysely';
import { rowLock } from '../storage/dialect.js';
import type { Database, PriorityTable } from '../storage/schema.js';

type Db = Kysely<Database>;

const numeric = (r: PriorityTable): PriorityTable => ({ ...r, rank: Number(r.rank), created_at: Number(r.created_at), updated_at: Number(r.updated_at), deleted_at: r.deleted_at === null ? null : Number(r.deleted_at) });

export async function insertPriorities(db: Db, rows: PriorityTable[]): Promise<void> {
  if (rows.length) await db.insertInto('priorities').values(rows).execute();
}

/** The live priorities, most severe first. */
export async function listLivePriorities(db: Db, orgId: string): Promise<PriorityTable[]> {
  const rows = await db.selectFrom('priorities').selectAll().where('org_id', '=', orgId).where('deleted_at', 'is', null).orderBy('rank').orderBy('id').execute();
  return rows.map(numeric);
}

export async function getLivePriority(db: Db, orgId: string, id: string): Promise<PriorityTable | undefined> {
  const r = await db.selectFrom('priorities').selectAll().where('org_id', '=', orgId).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  return r && numeric(r);
}

/**
 * The live priority, locked for the rest of the transaction: `key share` by a write that
 * refers to it (an incident given it), `update` by its removal; the two conflict, so a
 * priority is never removed under an incident being given it.
 */
export async function lockLivePriority(db: Db, orgId: string, id: string, strength: 'key share' | 'update'): Promise<PriorityTable | undefined> {
  const r = await sql<PriorityTable>`SELECT * FROM priorities WHERE org_id = ${orgId} AND id = ${id} AND deleted_at IS NULL ${rowLock(db, strength)}`.execute(db);
  return r.rows[0] && numeric(r.rows[0]);
}

/** These priorities by id, removed ones too (an incident keeps naming the priority it had). */
export async function prioritiesByIds(db: Db, orgId: string, ids: readonly string[]): Promise<PriorityTable[]> {
  if (!ids.length) return [];
  const rows = await db.selectFrom('priorities').selectAll().where('org_id', '=', orgId).where('id', 'in', [...ids]).execute();
  return rows.map(numeric);
}

export async function updatePriority(db: Db, orgId: string, id: string, patch: Partial<Pick<PriorityTable, 'name' | 'description' | 'color' | 'rank' | 'updated_at' | 'deleted_at'>>): Promise<void> {
  await db.updateTable('priorities').set(patch).where('org_id', '=', orgId).where('id', '=', id).execute();
}
