import type { Kysely } from 'kysely';

/**
 * PagerDuty's audit records and on-call handoff notification rules (issue 16).
 *
 * `audit_records`: one row per change to a service, escalation policy, schedule or user,
 * written in the change's transaction by org/audit.store.ts. `fields` is JSON: PagerDuty's
 * details.fields (name, value, before_value), secrets never included. `actor_user_id` and
 * `actor_name` are NULL for changes no member made (an import from the command line).
 *
 * `handoff_rules`: a member's oncall_handoff_notification_rules. The engine module
 * engine/handoff-notices reads each rule's shifts over (checked_until, now] shifted by the
 * advance and moves `checked_until` in the transaction that queues the notices, so a tick
 * run twice sends nothing twice.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('audit_records')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('root_type', 'text', (c) => c.notNull())
    .addColumn('root_id', 'text', (c) => c.notNull())
    .addColumn('root_name', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('actor_user_id', 'text')
    .addColumn('actor_name', 'text')
    .addColumn('fields', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('audit_records_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('audit_records_root').on('audit_records').columns(['org_id', 'root_type', 'root_id', 'at', 'id']).execute();
  await db.schema
    .createTable('handoff_rules')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('contact_method_id', 'text', (c) => c.notNull())
    .addColumn('handoff_type', 'text', (c) => c.notNull())
    .addColumn('notify_advance_in_minutes', 'integer', (c) => c.notNull())
    .addColumn('checked_until', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('handoff_rules_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('handoff_rules_user').on('handoff_rules').columns(['org_id', 'user_id']).execute();
  await db.schema.createIndex('handoff_rules_due').on('handoff_rules').columns(['checked_until']).execute();
}
