import type { Kysely } from 'kysely';

/**
 * `vigil import`: which Vigil object each source object became, per organization, so
 * running the import again updates what it made instead of making it twice.
 * `kind` is the Vigil object kind (user, schedule, policy, service, integration, override).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('import_mappings')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('vigil_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('import_mappings_pk', ['org_id', 'source', 'kind', 'source_id'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
