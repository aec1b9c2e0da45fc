import type { Kysely } from 'kysely';

/**
 * SMS providers per organization, with failover and a monthly spend cap.
 *
 * `sms_providers`: an organization's ordered list of carriers (Vonage, Plivo, an
 * android-sms-gateway phone, its own Twilio account). `credentials` is JSON sealed at rest
 * and never answered. `cost_micros` is the estimated cost of one message in millionths of
 * the organization's currency; `timeout_ms` bounds one request before the next provider is
 * tried. When an organization has none, the instance-wide Twilio configuration is used.
 *
 * `sms_attempts`: each outbox row's attempt history through those providers, one row per
 * try, numbered `seq` within the notification (unique). A try is written as `sending`
 * before the request leaves and finished as `sent` or `failed`; a `sending` row found
 * after a crash is resent to the same provider (same idempotency key), never to another.
 * Provider health and the month's spend are read from here.
 *
 * `sms_spend`: the organization's monthly cap (NULL: none) and the month (YYYY-MM, UTC)
 * whose 80% warning went out, so admins are warned once a month.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sms_providers')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('from_number', 'text')
    .addColumn('base_url', 'text')
    .addColumn('credentials', 'text', (c) => c.notNull())
    .addColumn('cost_micros', 'bigint', (c) => c.notNull())
    .addColumn('timeout_ms', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('sms_providers_pk', ['org_id', 'id'])
    .execute();
  await db.schema
    .createTable('sms_attempts')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('notification_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('provider_id', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('detail', 'text')
    .addColumn('carrier_id', 'text')
    .addColumn('cost_micros', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addPrimaryKeyConstraint('sms_attempts_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('sms_attempts_seq').on('sms_attempts').columns(['org_id', 'notification_id', 'seq']).unique().execute();
  await db.schema.createIndex('sms_attempts_started').on('sms_attempts').columns(['org_id', 'started_at']).execute();
  await db.schema
    .createTable('sms_spend')
    .addColumn('org_id', 'text', (c) => c.notNull().primaryKey())
    .addColumn('monthly_cap_micros', 'bigint')
    .addColumn('warned_month', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
