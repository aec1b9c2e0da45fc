import type { Kysely } from 'kysely';
import { run, statement } from '../storage/prepared.js';
import type { Database, WebhookSubscriptionTable } from '../storage/schema.js';

type Db = Kysely<Database>;

// Runs for every timeline entry (ingest hot path): hand-written, see storage/prepared.ts.
const ACTIVE_SUBSCRIPTIONS = statement('SELECT * FROM webhook_subscriptions WHERE org_id = ? AND active = 1 AND deleted_at IS NULL');

export async function activeSubscriptions(db: Db, orgId: string): Promise<WebhookSubscriptionTable[]> {
  return run<WebhookSubscriptionTable>(db, ACTIVE_SUBSCRIPTIONS, [orgId]);
}

export async function listSubscriptions(db: Db, orgId: string, limit: number, offset: number): Promise<{ rows: WebhookSubscriptionTable[]; total: number }> {
  const base = db.selectFrom('webhook_subscriptions').where('org_id', '=', orgId).where('deleted_at', 'is', null);
  const rows = await base.selectAll().orderBy('created_at').orderBy('id').limit(limit).offset(offset).execute();
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows, total: Number(total.n) };
}

export async function getSubscription(db: Db, orgId: string, id: string): Promise<WebhookSubscriptionTable | undefined> {
  return db.selectFrom('webhook_subscriptions').selectAll().where('org_id', '=', orgId).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
}

export async function insertSubscription(db: Db, row: WebhookSubscriptionTable): Promise<void> {
  await db.insertInto('webhook_subscriptions').values(row).execute();
}

export async function updateSubscription(db: Db, orgId: string, id: string, patch: Partial<WebhookSubscriptionTable>): Promise<void> {
  await db.updateTable('webhook_subscriptions').set(patch).where('org_id', '=', orgId).where('id', '=', id).execute();
}

/** One more failed delivery in a row (a success resets it through updateSubscription). */
export async function countSubscriptionFailure(db: Db, orgId: string, id: string): Promise<void> {
  await db.updateTable('webhook_subscriptions').set((eb) => ({ consecutive_failures: eb('consecutive_failures', '+', 1) })).where('org_id', '=', orgId).where('id', '=', id).execute();
}
