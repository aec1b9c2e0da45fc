import type { Kysely } from 'kysely';

/**
 * Event rules (PagerDuty Event Orchestration): an organization's global orchestrations,
 * their integrations (org-wide routing keys for /v2/enqueue, stored as SHA-256 like
 * service integration keys), and the rule paths: each orchestration's router and
 * unrouted path, and one path per service.
 *
 * A path's `version` goes up by one on every write; ingest keeps compiled rules per
 * (path, version), so it recompiles exactly when the rules changed, on any node.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('event_orchestrations')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .addPrimaryKeyConstraint('event_orchestrations_pk', ['org_id', 'id'])
    .execute();

  await db.schema
    .createTable('event_orchestration_integrations')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('orchestration_id', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull())
    .addColumn('key_hint', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('event_orchestration_integrations_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('event_orchestration_integrations_key').on('event_orchestration_integrations').column('key_hash').unique().execute();
  await db.schema.createIndex('event_orchestration_integrations_parent').on('event_orchestration_integrations').columns(['org_id', 'orchestration_id']).execute();

  await db.schema
    .createTable('event_orchestration_paths')
    .addColumn('org_id', 'text', (c) => c.notNull())
    // router | unrouted (parent: an event orchestration) | service (parent: a service)
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('parent_id', 'text', (c) => c.notNull())
    // JSON OrchestrationPathDef (rules/rules.ts)
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('version', 'bigint', (c) => c.notNull())
    // Service paths: whether ingest applies them (PagerDuty's /active). 1 for the others.
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .addPrimaryKeyConstraint('event_orchestration_paths_pk', ['org_id', 'kind', 'parent_id'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
