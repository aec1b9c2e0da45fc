import type { Kysely } from 'kysely';
import { needsReseal, openSecret, sealSecret } from '../lib/secret-box.js';
import { run, statement } from '../storage/prepared.js';
import type { Database, WebhookSubscriptionTable } from '../storage/schema.js';

type Db = Kysely<Database>;

// Runs for every timeline entry (ingest hot path): hand-written, see storage/prepared.ts.
const ACTIVE_SUBSCRIPTIONS = statement('SELECT * FROM webhook_subscriptions WHERE org_id = ? AND active = 1 AND deleted_at IS NULL');

// Sealed at rest (lib/secret-box.ts): the signing secret and each custom header's value.
type Header = { name: string; value: string };
const mapHeaders = (json: string, f: (v: string) => string) => JSON.stringify((JSON.parse(json) as Header[]).map((h) => ({ name: h.name, value: f(h.value) })));

function opened(row: WebhookSubscriptionTable): WebhookSubscriptionTable {
  return { ...row, secret: openSecret(row.secret), custom_headers: mapHeaders(row.custom_headers, openSecret) };
}

function sealed<T extends Partial<WebhookSubscriptionTable>>(row: T): T {
  return { ...row, ...(row.secret !== undefined ? { secret: sealSecret(row.secret) } : {}), ...(row.custom_headers !== undefined ? { custom_headers: mapHeaders(row.custom_headers, sealSecret) } : {}) };
}

export async function activeSubscriptions(db: Db, orgId: string): Promise<WebhookSubscriptionTable[]> {
  return (await run<WebhookSubscriptionTable>(db, ACTIVE_SUBSCRIPTIONS, [orgId])).map(opened);
}

export async function listSubscriptions(db: Db, orgId: string, limit: number, offset: number): Promise<{ rows: WebhookSubscriptionTable[]; total: number }> {
  const base = db.selectFrom('webhook_subscriptions').where('org_id', '=', orgId).where('deleted_at', 'is', null);
  const rows = await base.selectAll().orderBy('created_at').orderBy('id').limit(limit).offset(offset).execute();
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows: rows.map(opened), total: Number(total.n) };
}

export async function getSubscription(db: Db, orgId: string, id: string): Promise<WebhookSubscriptionTable | undefined> {
  const row = await db.selectFrom('webhook_subscriptions').selectAll().where('org_id', '=', orgId).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  return row && opened(row);
}

export async function insertSubscription(db: Db, row: WebhookSubscriptionTable): Promise<void> {
  await db.insertInto('webhook_subscriptions').values(sealed(row)).execute();
}

export async function updateSubscription(db: Db, orgId: string, id: string, patch: Partial<WebhookSubscriptionTable>): Promise<void> {
  await db.updateTable('webhook_subscriptions').set(sealed(patch)).where('org_id', '=', orgId).where('id', '=', id).execute();
}

/** Seal plaintext rows from before, and re-seal rows under an old key (see resealContactMethods). */
export async function resealSubscriptions(db: Db): Promise<number> {
  const rows = await db.selectFrom('webhook_subscriptions').select(['org_id', 'id', 'secret', 'custom_headers']).execute();
  let n = 0;
  for (const r of rows) {
    const headers = JSON.parse(r.custom_headers) as Header[];
    if (!needsReseal(r.secret) && !headers.some((h) => needsReseal(h.value))) continue;
    await db
      .updateTable('webhook_subscriptions')
      .set({ secret: sealSecret(openSecret(r.secret)), custom_headers: mapHeaders(r.custom_headers, (v) => sealSecret(openSecret(v))) })
      .where('org_id', '=', r.org_id)
      .where('id', '=', r.id)
      .execute();
    n++;
  }
  return n;
}

/** One more failed delivery in a row (a success resets it through updateSubscription). */
export async function countSubscriptionFailure(db: Db, orgId: string, id: string): Promise<void> {
  await db.updateTable('webhook_subscriptions').set((eb) => ({ consecutive_failures: eb('consecutive_failures', '+', 1) })).where('org_id', '=', orgId).where('id', '=', id).execute();
}
