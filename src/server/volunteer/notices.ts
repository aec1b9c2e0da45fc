/**
 * Email notices that are not about an incident (the weekly coverage digest, a shift
 * offered or swapped with someone): rows of the durable outbox, inserted in the
 * caller's transaction and sent by the deliver module like any notification, once
 * per idempotency key. Sent to the person's verified email methods only (the notice
 * is text; SMS and chat stay for pages).
 */
import type { Kysely } from 'kysely';
import { newId } from '../lib/ids.js';
import type { Database, NotificationTable } from '../storage/schema.js';

type Db = Kysely<Database>;

/** Queue the notice for each verified email method of these users; returns how many rows were queued. */
export async function enqueueNotice(db: Db, orgId: string, userIds: readonly string[], n: { key: string; eventType: string; subject: string; text: string; now: number }): Promise<number> {
  if (!userIds.length) return 0;
  const methods = await db
    .selectFrom('contact_methods as c')
    .innerJoin('users as u', (j) => j.onRef('u.org_id', '=', 'c.org_id').onRef('u.id', '=', 'c.user_id'))
    .select(['c.id', 'c.user_id'])
    .where('c.org_id', '=', orgId)
    .where('c.user_id', 'in', [...userIds])
    .where('c.type', '=', 'email')
    .where('c.verified_at', 'is not', null)
    .where('c.deleted_at', 'is', null)
    .where('u.deleted_at', 'is', null)
    .execute();
  for (const m of methods) {
    const row: NotificationTable = {
      org_id: orgId,
      id: newId(n.now),
      incident_id: null,
      user_id: m.user_id,
      contact_method_id: m.id,
      subscription_id: null,
      channel: 'email',
      kind: 'status',
      event_type: n.eventType,
      status: 'pending',
      attempts: 0,
      next_attempt_at: n.now,
      claimed_until: null,
      idempotency_key: `${n.key}:${m.id}`,
      step_key: null,
      payload: JSON.stringify({ notice: { subject: n.subject, text: n.text } }),
      last_error: null,
      provider_id: null,
      created_at: n.now,
      sent_at: null,
    };
    await db.insertInto('notifications').values(row).onConflict((oc) => oc.columns(['org_id', 'idempotency_key']).doNothing()).execute();
  }
  return methods.length;
}
