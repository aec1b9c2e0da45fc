import type { Kysely } from 'kysely';

/** The engine's rows: the notification outbox, fired escalation steps, webhook subscriptions, one-click action tokens, heartbeats. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('notifications')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'text')
    .addColumn('user_id', 'text')
    .addColumn('contact_method_id', 'text')
    .addColumn('subscription_id', 'text')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('event_type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_until', 'bigint')
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('step_key', 'text')
    .addColumn('payload', 'text')
    .addColumn('last_error', 'text')
    .addColumn('provider_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint')
    .addPrimaryKeyConstraint('notifications_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('notifications_key').on('notifications').columns(['org_id', 'idempotency_key']).unique().execute();
  await db.schema.createIndex('notifications_due').on('notifications').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('notifications_incident').on('notifications').columns(['org_id', 'incident_id']).execute();
  await db.schema.createIndex('notifications_dest').on('notifications').columns(['org_id', 'contact_method_id', 'sent_at']).execute();

  // A row per fired (incident, loop, level): the primary key makes each step fire once, whatever the number of nodes.
  await db.schema
    .createTable('escalation_steps')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'text', (c) => c.notNull())
    .addColumn('epoch', 'integer', (c) => c.notNull())
    .addColumn('loop', 'integer', (c) => c.notNull())
    .addColumn('level', 'integer', (c) => c.notNull())
    .addColumn('fired_at', 'bigint', (c) => c.notNull())
    .addColumn('due_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('escalation_steps_pk', ['org_id', 'incident_id', 'epoch', 'loop', 'level'])
    .execute();
  // Bumped each time an incident re-triggers (ack timeout, un-acknowledge), so its steps may fire again.
  await db.schema.alterTable('incidents').addColumn('escalation_epoch', 'integer', (c) => c.notNull().defaultTo(0)).execute();

  await db.schema
    .createTable('webhook_subscriptions')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('filter_type', 'text', (c) => c.notNull())
    .addColumn('filter_id', 'text')
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('custom_headers', 'text', (c) => c.notNull())
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('disabled_until', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .addPrimaryKeyConstraint('webhook_subscriptions_pk', ['org_id', 'id'])
    .execute();

  await db.schema
    .createTable('action_tokens')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('action_tokens_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('action_tokens_hash').on('action_tokens').column('token_hash').unique().execute();

  await db.schema.alterTable('integrations').addColumn('heartbeat_interval', 'bigint').execute();
  await db.schema.alterTable('integrations').addColumn('heartbeat_next_due', 'bigint').execute();
  await db.schema.alterTable('integrations').addColumn('heartbeat_state', 'text').execute();
  await db.schema.createIndex('integrations_heartbeat_due').on('integrations').columns(['heartbeat_next_due']).execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
