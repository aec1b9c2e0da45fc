import type { Kysely } from 'kysely';

/**
 * Open shifts, offers and swaps, the weekly coverage digest, and incidents marked
 * intense. A claim or an accepted trade is ALSO written as a
 * schedule override (the final schedule, on-calls, escalation and the hours ledger
 * read overrides already); these rows keep who claimed or traded what, and why.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('open_shift_claims')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('schedule_id', 'text', (c) => c.notNull())
    .addColumn('layer_id', 'text', (c) => c.notNull())
    // The slot as it was when claimed (an open-shift layer's turn piece).
    .addColumn('slot_start', 'bigint', (c) => c.notNull())
    .addColumn('slot_end', 'bigint', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('start', 'bigint', (c) => c.notNull())
    .addColumn('end', 'bigint', (c) => c.notNull())
    // The schedule override that puts the claimer on call.
    .addColumn('override_id', 'text', (c) => c.notNull())
    // active | released
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('released_at', 'bigint')
    .addPrimaryKeyConstraint('open_shift_claims_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('open_shift_claims_schedule').on('open_shift_claims').columns(['org_id', 'schedule_id', 'start']).execute();
  await db.schema.createIndex('open_shift_claims_user').on('open_shift_claims').columns(['org_id', 'user_id', 'start']).execute();

  await db.schema
    .createTable('shift_trades')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    // offer | swap
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('schedule_id', 'text', (c) => c.notNull())
    .addColumn('holder_id', 'text', (c) => c.notNull())
    .addColumn('start', 'bigint', (c) => c.notNull())
    .addColumn('end', 'bigint', (c) => c.notNull())
    // offer: a specific volunteer, or NULL for anyone; swap: the holder of the other shift
    .addColumn('to_user_id', 'text')
    .addColumn('counter_schedule_id', 'text')
    .addColumn('counter_start', 'bigint')
    .addColumn('counter_end', 'bigint')
    // pending | accepted | declined | withdrawn | expired
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('decided_at', 'bigint')
    .addColumn('decided_by', 'text')
    // JSON string[]: the overrides written when accepted
    .addColumn('override_ids', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('shift_trades_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('shift_trades_status').on('shift_trades').columns(['org_id', 'status', 'start']).execute();

  await db.schema
    .createTable('coverage_digests')
    .addColumn('org_id', 'text', (c) => c.notNull())
    // The Monday (org zone, YYYY-MM-DD) of the week the digest covers.
    .addColumn('week', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'bigint', (c) => c.notNull())
    .addColumn('recipients', 'integer', (c) => c.notNull())
    .addColumn('gaps', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('coverage_digests_pk', ['org_id', 'week'])
    .execute();

  await db.schema
    .createTable('intense_incidents')
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'text', (c) => c.notNull())
    .addColumn('marked_by', 'text', (c) => c.notNull())
    .addColumn('marked_at', 'bigint', (c) => c.notNull())
    .addColumn('note', 'text')
    .addPrimaryKeyConstraint('intense_incidents_pk', ['org_id', 'incident_id'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
