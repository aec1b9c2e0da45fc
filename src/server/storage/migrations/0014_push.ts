import type { Kysely } from 'kysely';

/**
 * Web Push: each organization's VAPID key pairs (RFC 8292). One is current (retired_at
 * null); a rotation retires it and adds a new one. Retired keys stay so subscriptions made
 * with them can still be sent to until the device subscribes again. The private key is
 * never answered by the API. Subscriptions themselves are contact methods (type
 * push_notification): endpoint as address, keys as the method's secret.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('vapid_keys')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('private_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('retired_at', 'bigint')
    .addPrimaryKeyConstraint('vapid_keys_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('vapid_keys_public').on('vapid_keys').columns(['org_id', 'public_key']).unique().execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
