/**
 * Queries for event orchestrations, their integrations and their rule paths. Every
 * query is scoped by organization except the lookup by routing-key hash, which yields
 * the organization.
 */
import { sql, type Kysely } from 'kysely';
import type { Database, EventOrchestrationIntegrationTable, EventOrchestrationPathTable, EventOrchestrationTable } from '../storage/schema.js';
import { first, statement } from '../storage/prepared.js';

type Db = Kysely<Database>;
export type PathKind = EventOrchestrationPathTable['kind'];

export async function insertOrchestration(db: Db, row: EventOrchestrationTable): Promise<void> {
  await db.insertInto('event_orchestrations').values(row).execute();
}

export async function getOrchestration(db: Db, orgId: string, id: string): Promise<EventOrchestrationTable | undefined> {
  return db.selectFrom('event_orchestrations').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
}

export type OrchestrationSort = 'name' | 'created_at';

export async function listOrchestrations(db: Db, orgId: string, q: { sort: OrchestrationSort; desc: boolean; limit: number; offset: number }): Promise<{ rows: EventOrchestrationTable[]; total: number }> {
  const base = db.selectFrom('event_orchestrations').where('org_id', '=', orgId);
  const rows = await base.selectAll().orderBy(q.sort, q.desc ? 'desc' : 'asc').orderBy('id').limit(q.limit).offset(q.offset).execute();
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows, total: Number(total.n) };
}

/** Every orchestration of the organization (to sort by a figure computed from its router). */
export async function allOrchestrations(db: Db, orgId: string): Promise<EventOrchestrationTable[]> {
  return db.selectFrom('event_orchestrations').selectAll().where('org_id', '=', orgId).orderBy('name').orderBy('id').execute();
}

export async function updateOrchestration(db: Db, orgId: string, id: string, patch: Pick<EventOrchestrationTable, 'updated_at' | 'updated_by'> & Partial<Pick<EventOrchestrationTable, 'name' | 'description'>>): Promise<void> {
  await db
    .updateTable('event_orchestrations')
    .set({ ...patch, version: sql`version + 1` })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}

/** The orchestration, its integrations (their keys stop working) and its router and unrouted paths. */
export async function deleteOrchestration(db: Db, orgId: string, id: string): Promise<void> {
  await db.deleteFrom('event_orchestration_integrations').where('org_id', '=', orgId).where('orchestration_id', '=', id).execute();
  await db.deleteFrom('event_orchestration_paths').where('org_id', '=', orgId).where('kind', 'in', ['router', 'unrouted']).where('parent_id', '=', id).execute();
  await db.deleteFrom('event_orchestrations').where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function insertIntegration(db: Db, row: EventOrchestrationIntegrationTable): Promise<void> {
  await db.insertInto('event_orchestration_integrations').values(row).execute();
}

export async function listIntegrations(db: Db, orgId: string, orchestrationIds: string[]): Promise<EventOrchestrationIntegrationTable[]> {
  if (!orchestrationIds.length) return [];
  return db.selectFrom('event_orchestration_integrations').selectAll().where('org_id', '=', orgId).where('orchestration_id', 'in', orchestrationIds).orderBy('created_at').orderBy('id').execute();
}

export async function getIntegration(db: Db, orgId: string, orchestrationId: string, id: string): Promise<EventOrchestrationIntegrationTable | undefined> {
  return db.selectFrom('event_orchestration_integrations').selectAll().where('org_id', '=', orgId).where('orchestration_id', '=', orchestrationId).where('id', '=', id).executeTakeFirst();
}

export async function updateIntegrationLabel(db: Db, orgId: string, id: string, label: string): Promise<void> {
  await db.updateTable('event_orchestration_integrations').set({ label }).where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function deleteIntegration(db: Db, orgId: string, id: string): Promise<void> {
  await db.deleteFrom('event_orchestration_integrations').where('org_id', '=', orgId).where('id', '=', id).execute();
}

/** Ingest's lookup: the key hash alone identifies the orchestration (and so the organization). */
export async function findIntegrationByKeyHash(db: Db, keyHash: string): Promise<Pick<EventOrchestrationIntegrationTable, 'org_id' | 'orchestration_id' | 'id'> | undefined> {
  return db.selectFrom('event_orchestration_integrations').select(['org_id', 'orchestration_id', 'id']).where('key_hash', '=', keyHash).executeTakeFirst();
}

export async function getPath(db: Db, orgId: string, kind: PathKind, parentId: string): Promise<EventOrchestrationPathTable | undefined> {
  return db.selectFrom('event_orchestration_paths').selectAll().where('org_id', '=', orgId).where('kind', '=', kind).where('parent_id', '=', parentId).executeTakeFirst();
}

export async function getPaths(db: Db, orgId: string, kind: PathKind, parentIds: string[]): Promise<EventOrchestrationPathTable[]> {
  if (!parentIds.length) return [];
  return db.selectFrom('event_orchestration_paths').selectAll().where('org_id', '=', orgId).where('kind', '=', kind).where('parent_id', 'in', parentIds).execute();
}

/** What ingest reads per event to know whether its compiled rules are current. */
/** Read by every ingest batch for each service it touches: hand-written (storage/prepared.ts). */
const PATH_VERSION = statement('SELECT version, active FROM event_orchestration_paths WHERE org_id = ? AND kind = ? AND parent_id = ?');

/** The FROM of a read of `count` service paths' versions, for ingest's per-batch read (ingest/batch-context.store.ts): `?` the organization, then each service. */
export function servicePathsFrom(count: number): string {
  return `FROM event_orchestration_paths WHERE org_id = ? AND kind = 'service' AND parent_id IN (${Array.from({ length: count }, () => '?').join(', ')})`;
}

export async function getPathVersion(db: Db, orgId: string, kind: PathKind, parentId: string): Promise<Pick<EventOrchestrationPathTable, 'version' | 'active'> | undefined> {
  return first<Pick<EventOrchestrationPathTable, 'version' | 'active'>>(db, PATH_VERSION, [orgId, kind, parentId]);
}

/**
 * Write a path: version 1 when new, else one more than the stored one. Concurrent writers
 * each get their own version (the update takes the row lock), so a version names one
 * rule set on every node.
 */
export async function savePath(db: Db, row: Pick<EventOrchestrationPathTable, 'org_id' | 'kind' | 'parent_id' | 'path' | 'active'> & { at: number; by: string | null }): Promise<EventOrchestrationPathTable> {
  const { at, by, ...rest } = row;
  return db
    .insertInto('event_orchestration_paths')
    .values({ ...rest, version: 1, created_at: at, created_by: by, updated_at: at, updated_by: by })
    .onConflict((oc) =>
      oc.columns(['org_id', 'kind', 'parent_id']).doUpdateSet({
        path: (eb) => eb.ref('excluded.path'),
        version: sql`event_orchestration_paths.version + 1`,
        updated_at: (eb) => eb.ref('excluded.updated_at'),
        updated_by: (eb) => eb.ref('excluded.updated_by'),
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** As savePath, only if the stored path is still at `version` (0: not written yet); undefined when another write came first. */
export async function savePathIfVersion(db: Db, row: Pick<EventOrchestrationPathTable, 'org_id' | 'kind' | 'parent_id' | 'path' | 'active'> & { at: number; by: string | null }, version: number): Promise<EventOrchestrationPathTable | undefined> {
  const { at, by, ...rest } = row;
  return db
    .insertInto('event_orchestration_paths')
    .values({ ...rest, version: 1, created_at: at, created_by: by, updated_at: at, updated_by: by })
    .onConflict((oc) =>
      oc
        .columns(['org_id', 'kind', 'parent_id'])
        .doUpdateSet({
          path: (eb) => eb.ref('excluded.path'),
          version: sql`event_orchestration_paths.version + 1`,
          updated_at: (eb) => eb.ref('excluded.updated_at'),
          updated_by: (eb) => eb.ref('excluded.updated_by'),
        })
        .where('event_orchestration_paths.version', '=', version),
    )
    .returningAll()
    .executeTakeFirst();
}

/** Turn a service's rules on or off, creating its path (with `emptyPath`) if it has none. The version is left alone: the rules did not change. */
export async function saveActive(db: Db, row: { org_id: string; parent_id: string; active: number; emptyPath: string; at: number; by: string | null }): Promise<EventOrchestrationPathTable> {
  return db
    .insertInto('event_orchestration_paths')
    .values({ org_id: row.org_id, kind: 'service', parent_id: row.parent_id, path: row.emptyPath, version: 1, active: row.active, created_at: row.at, created_by: row.by, updated_at: row.at, updated_by: row.by })
    .onConflict((oc) => oc.columns(['org_id', 'kind', 'parent_id']).doUpdateSet({ active: (eb) => eb.ref('excluded.active'), updated_at: (eb) => eb.ref('excluded.updated_at'), updated_by: (eb) => eb.ref('excluded.updated_by') }))
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The paths whose stored definition contains `text` (a pre-filter; the caller parses what it finds). */
export async function pathsContaining(db: Db, orgId: string, text: string): Promise<EventOrchestrationPathTable[]> {
  return db.selectFrom('event_orchestration_paths').selectAll().where('org_id', '=', orgId).where('path', 'like', `%${text.replace(/[%_\\]/g, '')}%`).execute();
}
