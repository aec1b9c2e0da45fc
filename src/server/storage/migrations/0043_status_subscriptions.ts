import type { Kysely } from 'kysely';

/**
 * Subscriptions to the public status page (issue 19 item 1).
 *
 * `status_subscribers`: an email address (double opt-in: `confirmed_at` is null until the
 * link of the confirmation mail is followed, and the row is deleted at `expires_at` if it
 * never is) or a webhook URL (added by owners and admins, confirmed at once), with the
 * components (service ids, JSON; `[]` = all) it follows. Unsubscribing deletes the row.
 * `unsubscribe_token` is sealed at rest (lib/secret-box.ts); lookups go by the SHA-256 of
 * the tokens. One row per (organization, type, address).
 *
 * `status_component_watch`: per component, the state last seen and the state last told,
 * with the changes not told yet and when they are due (status-page/subscriptions.ts: the
 * throttle that makes a flapping component send one message).
 *
 * `status_notices_sent`: the maintenance notices already queued (announced, started,
 * ended), one row per window occurrence and phase.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('status_subscribers')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('secret', 'text')
    .addColumn('components', 'text', (c) => c.notNull())
    .addColumn('confirm_hash', 'text')
    .addColumn('unsubscribe_hash', 'text', (c) => c.notNull())
    .addColumn('unsubscribe_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('confirmed_at', 'bigint')
    .addColumn('expires_at', 'bigint')
    .addPrimaryKeyConstraint('status_subscribers_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('status_subscribers_address').on('status_subscribers').columns(['org_id', 'type', 'address']).unique().execute();
  await db.schema.createIndex('status_subscribers_unsubscribe').on('status_subscribers').column('unsubscribe_hash').unique().execute();
  await db.schema.createIndex('status_subscribers_confirm').on('status_subscribers').column('confirm_hash').execute();
  await db.schema.createIndex('status_subscribers_expiry').on('status_subscribers').column('expires_at').execute();
  await db.schema
    .createTable('status_component_watch')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('told_state', 'text', (c) => c.notNull())
    .addColumn('changes', 'integer', (c) => c.notNull())
    .addColumn('first_change_at', 'bigint')
    .addColumn('due_at', 'bigint')
    .addColumn('last_sent_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('status_component_watch_pk', ['org_id', 'service_id'])
    .execute();
  await db.schema
    .createTable('status_notices_sent')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('status_notices_sent_pk', ['org_id', 'key'])
    .execute();
}
