import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * The round-robin module looks for volunteer pages whose follow-up is due and not yet done
 * (volunteer.store.ts `claimDueFollowUps`), and the engine reads the earliest of them at the
 * start of every pass (engine/deadlines.store.ts). A page keeps its `follow_up_at` once it was
 * followed up, so the index on `follow_up_at` alone made both walk every page ever followed
 * up before the first one still waiting. This partial index holds only the waiting ones.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('volunteer_pages_follow_up').execute();
  await db.schema.createIndex('volunteer_pages_follow_up_due').on('volunteer_pages').column('follow_up_at').where(sql.ref('followed_up_at'), 'is', null).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('volunteer_pages_follow_up_due').execute();
  await db.schema.createIndex('volunteer_pages_follow_up').on('volunteer_pages').columns(['follow_up_at']).execute();
}
