/**
 * Incident collaboration rows: responders asked to join, status updates, who subscribes to
 * them; and the notes of the timeline (annotate_log_entry rows) that their author edits or
 * deletes. Queries only.
 */
import type { Kysely } from 'kysely';
import type { Database, IncidentResponderTable, IncidentTable, LogEntryTable, NotificationSubscriptionTable, ResponderState, StatusUpdateTable } from '../storage/schema.js';

type Db = Kysely<Database>;

export async function getNote(db: Db, orgId: string, incidentId: string, noteId: string): Promise<LogEntryTable | undefined> {
  return db.selectFrom('log_entries').selectAll().where('org_id', '=', orgId).where('id', '=', noteId).where('incident_id', '=', incidentId).where('type', '=', 'annotate_log_entry').executeTakeFirst();
}

export async function updateNote(db: Db, orgId: string, noteId: string, summary: string, details: string): Promise<void> {
  await db.updateTable('log_entries').set({ summary, details }).where('org_id', '=', orgId).where('id', '=', noteId).where('type', '=', 'annotate_log_entry').execute();
}

export async function deleteNote(db: Db, orgId: string, noteId: string): Promise<void> {
  await db.deleteFrom('log_entries').where('org_id', '=', orgId).where('id', '=', noteId).where('type', '=', 'annotate_log_entry').execute();
}

export async function insertResponders(db: Db, rows: IncidentResponderTable[]): Promise<void> {
  if (rows.length) await db.insertInto('incident_responders').values(rows).execute();
}

export async function respondersOf(db: Db, orgId: string, incidentIds: readonly string[]): Promise<IncidentResponderTable[]> {
  if (!incidentIds.length) return [];
  return db.selectFrom('incident_responders').selectAll().where('org_id', '=', orgId).where('incident_id', 'in', [...incidentIds]).orderBy('requested_at').orderBy('id').execute();
}

export async function setResponderState(db: Db, orgId: string, ids: readonly string[], state: ResponderState, at: number): Promise<void> {
  if (!ids.length) return;
  await db.updateTable('incident_responders').set({ state, updated_at: at }).where('org_id', '=', orgId).where('id', 'in', [...ids]).execute();
}

export async function insertStatusUpdate(db: Db, row: StatusUpdateTable): Promise<void> {
  await db.insertInto('status_updates').values(row).execute();
}

export async function subscribersOf(db: Db, orgId: string, incidentId: string): Promise<NotificationSubscriptionTable[]> {
  return db.selectFrom('notification_subscriptions').selectAll().where('org_id', '=', orgId).where('subscribable_type', '=', 'incident').where('subscribable_id', '=', incidentId).orderBy('created_at').orderBy('subscriber_id').execute();
}

export async function subscriptionsOfUser(db: Db, orgId: string, userId: string, subscriberType: NotificationSubscriptionTable['subscriber_type'] = 'user'): Promise<(NotificationSubscriptionTable & { title: string | null })[]> {
  return db
    .selectFrom('notification_subscriptions as s')
    .leftJoin('incidents as i', (j) => j.onRef('i.org_id', '=', 's.org_id').onRef('i.id', '=', 's.subscribable_id'))
    .selectAll('s')
    .select('i.title as title')
    .where('s.org_id', '=', orgId)
    .where('s.subscriber_type', '=', subscriberType)
    .where('s.subscriber_id', '=', userId)
    .orderBy('s.created_at')
    .orderBy('s.subscribable_id')
    .execute();
}

/** Inserts the subscription unless it exists; answers whether it was new. */
export async function subscribe(db: Db, row: NotificationSubscriptionTable): Promise<boolean> {
  const r = await db
    .insertInto('notification_subscriptions')
    .values(row)
    .onConflict((oc) => oc.columns(['org_id', 'subscribable_type', 'subscribable_id', 'subscriber_type', 'subscriber_id']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function unsubscribe(db: Db, orgId: string, s: Pick<NotificationSubscriptionTable, 'subscriber_type' | 'subscriber_id' | 'subscribable_type' | 'subscribable_id'>): Promise<boolean> {
  const r = await db
    .deleteFrom('notification_subscriptions')
    .where('org_id', '=', orgId)
    .where('subscribable_type', '=', s.subscribable_type)
    .where('subscribable_id', '=', s.subscribable_id)
    .where('subscriber_type', '=', s.subscriber_type)
    .where('subscriber_id', '=', s.subscriber_id)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Incidents of a service created in [since, before), newest first, other than `exceptId`. */
export async function serviceIncidentsSince(db: Db, orgId: string, serviceId: string, since: number, before: number, exceptId: string, limit: number): Promise<IncidentTable[]> {
  return db
    .selectFrom('incidents')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('service_id', '=', serviceId)
    .where('created_at', '>=', since)
    .where('created_at', '<', before)
    .where('id', '!=', exceptId)
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute();
}

/** Incidents of other services under escalation policy `policyId`, open at some moment of [from, to], newest first. */
export async function otherIncidentsOverlapping(db: Db, orgId: string, exceptServiceId: string, policyId: string, from: number, to: number, limit: number): Promise<IncidentTable[]> {
  return db
    .selectFrom('incidents')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('service_id', '!=', exceptServiceId)
    .where('escalation_policy_id', '=', policyId)
    .where('created_at', '<=', to)
    .where((eb) => eb.or([eb('resolved_at', 'is', null), eb('resolved_at', '>=', from)]))
    .orderBy('created_at', 'desc')
    .limit(limit)
    .execute();
}

export async function touchIncident(db: Db, orgId: string, incidentId: string, at: number): Promise<void> {
  await db.updateTable('incidents').set({ updated_at: at }).where('org_id', '=', orgId).where('id', '=', incidentId).execute();
}
