import type { Kysely } from 'kysely';

/**
 * Generic webhook integrations (ingest/generic-webhook/): any JSON or form-encoded POST to
 * `/v1/webhook/<key>` becomes events through a JSONata mapping kept on the integration
 * (`integrations.webhook_mapping`, JSON: the preset's name and the expressions). A payload the
 * mapping fails on is kept, raw, with the error (`webhook_mapping_errors`, written in the
 * event's batch by ingest), so admins see what arrived and why no alert came of it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('integrations').addColumn('webhook_mapping', 'text').execute();
  await db.schema
    .createTable('webhook_mapping_errors')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('integration_id', 'text', (c) => c.notNull())
    .addColumn('error', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('webhook_mapping_errors_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('webhook_mapping_errors_integration').on('webhook_mapping_errors').columns(['org_id', 'integration_id', 'created_at']).execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
