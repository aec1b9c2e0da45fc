import type { Kysely } from 'kysely';

/**
 * Incident collaboration (PagerDuty REST: responder requests, status updates and their
 * subscribers, status update notification rules).
 *
 * `incident_responders`: one row per person asked to join an incident (PagerDuty's
 * `incidents_responders`), with the request it came from (`request_id`, shared by the people
 * one request asked), who asked and why, the escalation policy it went through (NULL: the
 * person was asked directly) and its state: pending, joined (they acknowledged), declined,
 * user_cancelled (the request was cancelled).
 *
 * `status_updates`: messages to an incident's stakeholders (not the public status page's
 * `public_updates`): the text, and for email an optional subject and HTML body.
 *
 * `notification_subscriptions`: who hears an incident's status updates: a subscriber (a
 * member) and a subscribable (an incident). Its key makes a subscription unique.
 *
 * `status_update_rules`: the contact methods a member receives status updates on
 * (PagerDuty's status update notification rules); none: every verified email method.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('incident_responders')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('requester_id', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('policy_id', 'text')
    .addColumn('policy_name', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('requested_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('incident_responders_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('incident_responders_incident').on('incident_responders').columns(['org_id', 'incident_id', 'user_id']).execute();
  await db.schema
    .createTable('status_updates')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'text', (c) => c.notNull())
    .addColumn('sender_id', 'text')
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('subject', 'text')
    .addColumn('html_message', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('status_updates_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('status_updates_incident').on('status_updates').columns(['org_id', 'incident_id', 'created_at']).execute();
  await db.schema
    .createTable('notification_subscriptions')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('subscriber_type', 'text', (c) => c.notNull())
    .addColumn('subscriber_id', 'text', (c) => c.notNull())
    .addColumn('subscribable_type', 'text', (c) => c.notNull())
    .addColumn('subscribable_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('notification_subscriptions_pk', ['org_id', 'subscribable_type', 'subscribable_id', 'subscriber_type', 'subscriber_id'])
    .execute();
  await db.schema.createIndex('notification_subscriptions_subscriber').on('notification_subscriptions').columns(['org_id', 'subscriber_type', 'subscriber_id']).execute();
  await db.schema
    .createTable('status_update_rules')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('contact_method_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('status_update_rules_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('status_update_rules_method').on('status_update_rules').columns(['org_id', 'user_id', 'contact_method_id']).unique().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['status_update_rules', 'notification_subscriptions', 'status_updates', 'incident_responders']) await db.schema.dropTable(t).execute();
}
