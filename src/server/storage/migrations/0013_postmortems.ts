import type { Kysely } from 'kysely';

/**
 * Postmortems: one review document per resolved incident (Markdown, draft → in review →
 * published), and its action items with an owner, a due date and a status. An open item's
 * `next_reminder_at` is the timer row of the overdue reminder (engine/action-item-reminders).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('postmortems')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('published_at', 'bigint')
    .addPrimaryKeyConstraint('postmortems_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('postmortems_incident').on('postmortems').columns(['org_id', 'incident_id']).unique().execute();
  await db.schema
    .createTable('postmortem_action_items')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('postmortem_id', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('due_date', 'text', (c) => c.notNull())
    .addColumn('due_at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('next_reminder_at', 'bigint')
    .addColumn('reminders_sent', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('completed_at', 'bigint')
    .addPrimaryKeyConstraint('postmortem_action_items_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('action_items_postmortem').on('postmortem_action_items').columns(['org_id', 'postmortem_id']).execute();
  await db.schema.createIndex('action_items_org_due').on('postmortem_action_items').columns(['org_id', 'status', 'due_at']).execute();
  await db.schema.createIndex('action_items_reminder').on('postmortem_action_items').columns(['next_reminder_at']).execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
