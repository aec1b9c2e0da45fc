import type { Kysely } from 'kysely';

/**
 * Scheduled test pages (issue 18): each organization's setting (on by default, 24 hours'
 * lead before a first shift) and one row per test sent to one contact method, with the
 * hash of its one-tap confirm link and when it was confirmed. The unique
 * (org, contact method, claim key) is the engine's claim: two nodes, or a restart, insert
 * the same key and only one wins, so a method gets one test per first shift of a rotation
 * (`first:<schedule>:<layer>`) and one per monthly round (`monthly:<previous test>`).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('test_page_settings')
    .addColumn('org_id', 'text', (c) => c.notNull().primaryKey())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('lead_hours', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('contact_method_tests')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('contact_method_id', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('claim_key', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'bigint', (c) => c.notNull())
    .addColumn('token_hash', 'text')
    .addColumn('token_expires_at', 'bigint')
    .addColumn('confirmed_at', 'bigint')
    .addPrimaryKeyConstraint('contact_method_tests_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('contact_method_tests_claim').on('contact_method_tests').columns(['org_id', 'contact_method_id', 'claim_key']).unique().execute();
  await db.schema.createIndex('contact_method_tests_token').on('contact_method_tests').column('token_hash').unique().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('contact_method_tests').execute();
  await db.schema.dropTable('test_page_settings').execute();
}
