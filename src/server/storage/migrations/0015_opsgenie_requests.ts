import type { Kysely } from 'kysely';

/**
 * Opsgenie's Alert API answers every action 202 with a request id, and
 * `GET /v2/alerts/requests/{id}` later tells whether it succeeded and which alert it
 * touched. A request row is written in the same transaction as the event it carries,
 * so a 202 always has a status to report. `success`/`alert_id` are filled when the
 * outcome is known at write time (notes, unknown identifiers); a create, acknowledge or
 * close is answered from the alert its alias named at `created_at`.
 *
 * Also: webhook subscriptions keep PagerDuty's `oauth_client_id`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('opsgenie_requests')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('integration_id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('dedup_key', 'text')
    .addColumn('alert_id', 'text')
    .addColumn('success', 'integer')
    .addColumn('status', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('opsgenie_requests_pk', ['org_id', 'id'])
    .execute();
  // PagerDuty's webhook subscription names the OAuth client that owns it (PagerDuty's own example body sends one): kept and shown.
  await db.schema.alterTable('webhook_subscriptions').addColumn('oauth_client_id', 'text').execute();
  await db.schema.createIndex('opsgenie_requests_created').on('opsgenie_requests').columns(['created_at']).execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
