import type { Kysely } from 'kysely';

/**
 * Maintenance windows can be ended early (PagerDuty: deleting an ongoing window ends it).
 * A one-off window then simply ends at that instant, but a recurring one keeps its first
 * occurrence's times (they give every later occurrence its wall-clock start and length),
 * so the instant the series was cut needs a column of its own. Existing rows end naturally.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('maintenance_windows').addColumn('ended_at', 'bigint').execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
