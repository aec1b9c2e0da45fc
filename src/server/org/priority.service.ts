/**
 * The organization's incident priorities: listed most severe first, written by admins,
 * seeded with P1–P5 when an organization is created. Writes take the organization's row
 * lock, so concurrent writes cannot give two priorities one rank or one name.
 *
 * Removal is the incident layer's use case (incident/priority.service.ts): it must first
 * know that no open incident and no event rule uses the priority, which this layer cannot
 * see. It calls `removePriority` inside its own transaction.
 */
import type { Kysely } from 'kysely';
import { invalid, notFound } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { lockOrganization } from '../storage/dialect.js';
import type { Database, PriorityTable } from '../storage/schema.js';
import { DEFAULT_PRIORITIES, checkPriority, rerank, type PriorityInput } from './priority.js';
import * as store from './priority.store.js';

type Db = Kysely<Database>;

/** P1–P5 for a new organization, in the caller's transaction. */
export async function seedPriorities(trx: Db, orgId: string, now: number): Promise<void> {
  await store.insertPriorities(
    trx,
    DEFAULT_PRIORITIES.map((p, i) => ({ org_id: orgId, id: newId(now), name: p.name, description: p.description, rank: i + 1, color: null, created_at: now, updated_at: now, deleted_at: null })),
  );
}

/** A page of the live priorities, most severe first. */
export async function listPriorities(db: Db, orgId: string, limit: number, offset: number): Promise<{ rows: PriorityTable[]; total: number }> {
  const all = await store.listLivePriorities(db, orgId);
  return { rows: all.slice(offset, offset + limit), total: all.length };
}

export async function requirePriority(db: Db, orgId: string, id: string): Promise<PriorityTable> {
  const p = await store.getLivePriority(db, orgId, id);
  if (!p) throw notFound(`priority ${id}`);
  return p;
}

/**
 * The live priority `id` for a write that refers to it (`field` names it in the error),
 * held FOR KEY SHARE until the caller's transaction ends so it cannot be removed meanwhile.
 */
export async function priorityForUse(trx: Db, orgId: string, id: string, field: string): Promise<PriorityTable> {
  const p = await store.lockLivePriority(trx, orgId, id, 'key share');
  if (!p) throw invalid(`${field}: priority ${id} not found in this organization`);
  return p;
}

/** Names of these priorities, removed ones included (references keep naming what an incident had). */
export async function priorityNames(db: Db, orgId: string, ids: Iterable<string>): Promise<Map<string, string>> {
  const rows = await store.prioritiesByIds(db, orgId, [...new Set(ids)]);
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** The ids among `ids` that name a live priority of the organization. */
export async function livePriorityIds(db: Db, orgId: string, ids: Iterable<string>): Promise<Set<string>> {
  const rows = await store.prioritiesByIds(db, orgId, [...new Set(ids)]);
  return new Set(rows.filter((r) => r.deleted_at === null).map((r) => r.id));
}

async function writeRanks(trx: Db, orgId: string, ranks: Map<string, number>, now: number): Promise<void> {
  for (const [id, rank] of ranks) await store.updatePriority(trx, orgId, id, { rank, updated_at: now });
}

/** A new priority; without a rank it goes last (least severe). Answers it as stored. */
export async function createPriority(u: { db: Db; clock: Clock }, orgId: string, input: PriorityInput): Promise<PriorityTable> {
  const now = u.clock.now();
  return u.db.transaction().execute(async (trx) => {
    await lockOrganization(trx, orgId);
    const live = await store.listLivePriorities(trx, orgId);
    const checked = checkPriority(input, { creating: true, others: live.map((p) => p.name), slots: live.length + 1 });
    if (!checked.ok) throw invalid(...checked.errors);
    const f = checked.fields;
    const row: PriorityTable = { org_id: orgId, id: newId(now), name: f.name!, description: f.description ?? null, color: f.color ?? null, rank: f.rank ?? live.length + 1, created_at: now, updated_at: now, deleted_at: null };
    const ranks = rerank(live, { id: row.id, rank: row.rank });
    row.rank = ranks.get(row.id) ?? row.rank;
    ranks.delete(row.id);
    await writeRanks(trx, orgId, ranks, now);
    await store.insertPriorities(trx, [row]);
    return row;
  });
}

/** Change what is given, keep the rest; a new rank moves it and renumbers the others. */
export async function updatePriority(u: { db: Db; clock: Clock }, orgId: string, id: string, input: PriorityInput): Promise<PriorityTable> {
  const now = u.clock.now();
  return u.db.transaction().execute(async (trx) => {
    await lockOrganization(trx, orgId);
    const live = await store.listLivePriorities(trx, orgId);
    const current = live.find((p) => p.id === id);
    if (!current) throw notFound(`priority ${id}`);
    const checked = checkPriority(input, { creating: false, others: live.filter((p) => p.id !== id).map((p) => p.name), slots: live.length });
    if (!checked.ok) throw invalid(...checked.errors);
    const { rank, ...patch } = checked.fields;
    const ranks = rank === undefined ? new Map<string, number>() : rerank(live, { id, rank });
    const mine = ranks.get(id);
    ranks.delete(id);
    await writeRanks(trx, orgId, ranks, now);
    const write = { ...patch, ...(mine !== undefined ? { rank: mine } : {}), updated_at: now };
    await store.updatePriority(trx, orgId, id, write);
    return { ...current, ...write };
  });
}

/**
 * Remove a live priority in the caller's transaction (which checked it is unused) and close
 * the gap in the ranks. The row stays, marked removed: incidents that had it keep naming it.
 */
export async function removePriority(trx: Db, orgId: string, id: string, now: number): Promise<void> {
  await lockOrganization(trx, orgId);
  await store.updatePriority(trx, orgId, id, { deleted_at: now, updated_at: now });
  await writeRanks(trx, orgId, rerank(await store.listLivePriorities(trx, orgId)), now);
}

/**
 * The live priority locked FOR UPDATE for its removal (a use that refers to it waits, or is
 * refused after). The organization's lock comes first, as in every priority write and in
 * opening an incident by hand, so two of them never wait on each other in opposite orders.
 */
export async function lockPriorityForRemoval(trx: Db, orgId: string, id: string): Promise<PriorityTable> {
  await lockOrganization(trx, orgId);
  const p = await store.lockLivePriority(trx, orgId, id, 'update');
  if (!p) throw notFound(`priority ${id}`);
  return p;
}

/** The live priority with this name (case-insensitive), if the organization has one. */
export async function priorityNamed(db: Db, orgId: string, name: string): Promise<PriorityTable | undefined> {
  const all = await store.listLivePriorities(db, orgId);
  return all.find((p) => p.name.toLowerCase() === name.toLowerCase());
}
