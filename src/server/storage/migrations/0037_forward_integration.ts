import { sql, type Kysely } from 'kysely';

/**
 * A forward row (notify/forward.ts, channel `forward`) names the integration whose event it
 * copies in its own column, so an integration's forward health and the in-order wait of its
 * copies read an index instead of matching the outbox key with LIKE (which neither SQLite,
 * case-insensitive by default, nor PostgreSQL, outside the C collation, answers from the key's
 * index: both scanned every notification of the organization). The index is partial: the
 * other rows (every page) carry NULL and cost it nothing.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('notifications').addColumn('forward_integration_id', 'text').execute();
  const rows = await db.selectFrom('notifications').select(['org_id', 'id', 'idempotency_key']).where('channel', '=', 'forward').execute();
  for (const r of rows as { org_id: string; id: string; idempotency_key: string }[]) {
    const integrationId = /^forward:([^:]+):/.exec(r.idempotency_key)?.[1];
    if (integrationId) await db.updateTable('notifications').set({ forward_integration_id: integrationId }).where('org_id', '=', r.org_id).where('id', '=', r.id).execute();
  }
  await db.schema
    .createIndex('notifications_forward')
    .on('notifications')
    .columns(['org_id', 'forward_integration_id', 'status'])
    .where(sql.ref('forward_integration_id'), 'is not', null)
    .execute();
}
