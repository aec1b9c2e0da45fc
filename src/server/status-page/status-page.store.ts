/** Queries for the status page and public updates. Nothing else. */
import type { Kysely } from 'kysely';
import type { Database, PublicUpdateTable, StatusPageTable } from '../storage/schema.js';

type Db = Kysely<Database>;

export async function getStatusPage(db: Db, orgId: string): Promise<StatusPageTable | undefined> {
  return db.selectFrom('status_pages').selectAll().where('org_id', '=', orgId).executeTakeFirst();
}

/** The one status-page lookup not scoped by organization: the public slug (or the organization id) is the key. */
export async function findStatusPage(db: Db, slugOrOrgId: string): Promise<StatusPageTable | undefined> {
  const bySlug = await db.selectFrom('status_pages').selectAll().where('slug', '=', slugOrOrgId).executeTakeFirst();
  return bySlug ?? db.selectFrom('status_pages').selectAll().where('org_id', '=', slugOrOrgId).executeTakeFirst();
}

export async function upsertStatusPage(db: Db, row: StatusPageTable): Promise<void> {
  await db
    .insertInto('status_pages')
    .values(row)
    .onConflict((oc) => oc.column('org_id').doUpdateSet({ slug: row.slug, title: row.title, enabled: row.enabled, components: row.components, languages: row.languages, updated_at: row.updated_at }))
    .execute();
}

export async function publicUpdatesOf(db: Db, orgId: string, incidentIds: string[]): Promise<PublicUpdateTable[]> {
  if (incidentIds.length === 0) return [];
  return db.selectFrom('public_updates').selectAll().where('org_id', '=', orgId).where('incident_id', 'in', incidentIds).orderBy('created_at', 'asc').orderBy('id', 'asc').execute();
}

export async function insertPublicUpdate(db: Db, row: PublicUpdateTable): Promise<void> {
  await db.insertInto('public_updates').values(row).execute();
}
