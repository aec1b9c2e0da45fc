import type { Kysely } from 'kysely';

// Instants are BIGINT epoch milliseconds; JSON is TEXT (see schema.ts).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('organizations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('incident_seq', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('users')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('time_zone', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .addPrimaryKeyConstraint('users_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('users_email').on('users').columns(['org_id', 'email']).unique().execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addPrimaryKeyConstraint('api_tokens_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('api_tokens_hash').on('api_tokens').column('token_hash').unique().execute();

  await db.schema
    .createTable('services')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('escalation_policy_id', 'text')
    .addColumn('urgency_rule', 'text', (c) => c.notNull())
    .addColumn('acknowledgement_timeout', 'bigint')
    .addColumn('auto_resolve_timeout', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .addPrimaryKeyConstraint('services_pk', ['org_id', 'id'])
    .execute();

  await db.schema
    .createTable('integrations')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull())
    .addColumn('key_hint', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .addPrimaryKeyConstraint('integrations_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('integrations_key').on('integrations').column('key_hash').unique().execute();
  await db.schema.createIndex('integrations_service').on('integrations').columns(['org_id', 'service_id']).execute();

  await db.schema
    .createTable('incidents')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('number', 'bigint', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('urgency', 'text', (c) => c.notNull())
    .addColumn('incident_key', 'text')
    .addColumn('open_group', 'text')
    .addColumn('body', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('last_status_change_at', 'bigint', (c) => c.notNull())
    .addColumn('last_status_change_by', 'text')
    .addColumn('acknowledged_at', 'bigint')
    .addColumn('acknowledged_by', 'text')
    .addColumn('resolved_at', 'bigint')
    .addColumn('resolved_by', 'text')
    .addColumn('assigned_via', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('incidents_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('incidents_number').on('incidents').columns(['org_id', 'number']).unique().execute();
  // NULLs are distinct in both dialects: only open grouping incidents collide.
  await db.schema.createIndex('incidents_open_group').on('incidents').columns(['org_id', 'service_id', 'open_group']).unique().execute();
  await db.schema.createIndex('incidents_org_created').on('incidents').columns(['org_id', 'created_at']).execute();
  await db.schema.createIndex('incidents_org_status').on('incidents').columns(['org_id', 'status', 'created_at']).execute();

  await db.schema
    .createTable('alerts')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('integration_id', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'text', (c) => c.notNull())
    .addColumn('dedup_key', 'text', (c) => c.notNull())
    .addColumn('open', 'integer')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('source', 'text')
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addColumn('first_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('resolved_at', 'bigint')
    .addPrimaryKeyConstraint('alerts_pk', ['org_id', 'id'])
    .execute();
  // The dedup guarantee: one open alert per (integration, dedup key), enforced by the database.
  await db.schema.createIndex('alerts_dedup').on('alerts').columns(['org_id', 'integration_id', 'dedup_key', 'open']).unique().execute();
  await db.schema.createIndex('alerts_incident').on('alerts').columns(['org_id', 'incident_id']).execute();

  await db.schema
    .createTable('incident_assignments')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('incident_assignments_pk', ['org_id', 'incident_id', 'user_id'])
    .execute();

  await db.schema
    .createTable('log_entries')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'text')
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('agent', 'text')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('details', 'text')
    .addPrimaryKeyConstraint('log_entries_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('log_entries_incident').on('log_entries').columns(['org_id', 'incident_id', 'created_at']).execute();
  await db.schema.createIndex('log_entries_org_created').on('log_entries').columns(['org_id', 'created_at']).execute();

  await db.schema
    .createTable('change_events')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('integration_id', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('source', 'text')
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('change_events_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('change_events_service').on('change_events').columns(['org_id', 'service_id', 'timestamp']).execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
