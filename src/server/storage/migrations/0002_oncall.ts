import type { Kysely } from 'kysely';

/** Schedules, escalation policies, contact methods and notification rules. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('schedules')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('time_zone', 'text', (c) => c.notNull())
    // Layers are always read with their schedule: one JSON document (see schedule.store.ts).
    .addColumn('layers', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .addPrimaryKeyConstraint('schedules_pk', ['org_id', 'id'])
    .execute();

  await db.schema
    .createTable('schedule_overrides')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('schedule_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('start', 'bigint', (c) => c.notNull())
    .addColumn('end', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('schedule_overrides_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('schedule_overrides_range').on('schedule_overrides').columns(['org_id', 'schedule_id', 'end']).execute();

  await db.schema
    .createTable('escalation_policies')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('num_loops', 'integer', (c) => c.notNull())
    // [{id, escalation_delay_in_minutes, targets: [{id, type}]}]
    .addColumn('rules', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .addPrimaryKeyConstraint('escalation_policies_pk', ['org_id', 'id'])
    .execute();

  await db.schema
    .createTable('contact_methods')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    // email | sms | phone | webhook | slack
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('verified_at', 'bigint')
    .addColumn('verification_code_hash', 'text')
    .addColumn('verification_expires_at', 'bigint')
    .addColumn('verification_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    // Webhook signing secret (the receiver verifies it; we must be able to sign with it).
    .addColumn('secret', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .addPrimaryKeyConstraint('contact_methods_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('contact_methods_user').on('contact_methods').columns(['org_id', 'user_id']).execute();

  await db.schema
    .createTable('notification_rules')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('contact_method_id', 'text', (c) => c.notNull())
    .addColumn('start_delay_in_minutes', 'integer', (c) => c.notNull())
    // high | low
    .addColumn('urgency', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('notification_rules_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('notification_rules_user').on('notification_rules').columns(['org_id', 'user_id']).execute();

  await db.schema
    .createTable('calendar_feeds')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    // user | schedule
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addPrimaryKeyConstraint('calendar_feeds_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('calendar_feeds_token').on('calendar_feeds').column('token_hash').unique().execute();

  // The escalation state of an incident: the frozen policy and where it stands.
  await db.schema.alterTable('incidents').addColumn('escalation_policy_id', 'text').execute();
  await db.schema.alterTable('incidents').addColumn('escalation_snapshot', 'text').execute();
  await db.schema.alterTable('incidents').addColumn('escalation_level', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('incidents').addColumn('escalation_loop', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('incidents').addColumn('next_step_at', 'bigint').execute();
  await db.schema.createIndex('incidents_next_step').on('incidents').columns(['next_step_at']).execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
