/**
 * Incident status updates (PagerDuty's `POST /incidents/{id}/status_updates`): a message to
 * the incident's stakeholders, on the timeline, sent by email to every member subscribed to
 * the incident (`notification_subscriptions`), on the methods their status update
 * notification rules name (notify/status-rule.service.ts). Not the public status page's
 * updates (status-page/, `public_updates`): those are published to the world; these reach
 * subscribers only.
 *
 * Subscribers are members (`subscriber_type: user`), subscribed on an incident or themselves,
 * and teams (`/teams/{id}/notification_subscriptions`): a team's members when the update is
 * sent hear it. Subscribables are incidents; Vigil has no business services, so
 * `business_service` is refused by name.
 */
import type { Kysely } from 'kysely';
import { invalid } from '../errors.js';
import { newId } from '../lib/ids.js';
import type { Database, IncidentTable, StatusUpdateTable, UserTable } from '../storage/schema.js';
import { getUsers } from '../org/org.store.js';
import { liveTeamsAmong, membersOfTeams, type NamedTeam } from '../org/team.service.js';
import { queueStatusUpdate } from '../notify/notify.service.js';
import type { AgentRef, Channel } from './incident.js';
import { findIncident, inTransaction, requireIncident, type UnitOfWork } from './incident.service.js';
import * as store from './collab.store.js';
import { appendLog } from './timeline.js';

type Db = Kysely<Database>;

export interface StatusUpdateInput {
  message: string;
  subject?: string;
  html_message?: string;
}

export async function publishStatusUpdate(u: UnitOfWork, orgId: string, incidentId: string, input: StatusUpdateInput, sender: AgentRef, channel: Channel, incidentUrl: (id: string) => string): Promise<{ update: StatusUpdateTable; recipients: number }> {
  if (!input.message.trim()) throw invalid('message must not be blank');
  if (input.subject !== undefined && !input.subject.trim()) throw invalid('subject must not be blank when given');
  return inTransaction(u, async (tx) => {
    const incident = await requireIncident(tx.trx, orgId, incidentId);
    const update: StatusUpdateTable = { org_id: orgId, id: newId(tx.now), incident_id: incident.id, sender_id: sender.type === 'user_reference' ? sender.id : null, message: input.message, subject: input.subject ?? null, html_message: input.html_message ?? null, created_at: tx.now };
    await store.insertStatusUpdate(tx.trx, update);
    const subscribers = await liveSubscribers(tx.trx, orgId, incident.id);
    const subject = input.subject ?? `Status update on incident #${incident.number}: ${incident.title}`;
    const text = `${input.message}\n\nIncident #${incident.number}: ${incident.title} (${incident.status})\n${incidentUrl(incident.id)}\nFrom ${sender.summary}.`;
    const recipients = await queueStatusUpdate(tx.trx, tx.now, orgId, subscribers.map((s) => s.id), { id: update.id, subject, text, html: update.html_message });
    await appendLog(tx, orgId, incident.service_id, incident.id, 'status_update_log_entry', input.message, sender, channel, { status_update_id: update.id, ...(input.subject ? { subject: input.subject } : {}), subscribers: subscribers.length, emails: recipients });
    await store.touchIncident(tx.trx, orgId, incident.id, tx.now);
    tx.changes.push({ orgId, incidentId: incident.id, serviceId: incident.service_id, kind: 'updated' });
    return { update, recipients };
  });
}

/** The live members who hear the incident's updates: subscribed themselves, or through subscribed teams (`via`). */
async function subscribersWithTeams(db: Db, orgId: string, incidentId: string): Promise<{ user: UserTable; direct: boolean; via: NamedTeam[] }[]> {
  const subs = await store.subscribersOf(db, orgId, incidentId);
  const direct = new Set(subs.filter((s) => s.subscriber_type === 'user').map((s) => s.subscriber_id));
  const viaTeams = await membersOfTeams(db, orgId, subs.filter((s) => s.subscriber_type === 'team').map((s) => s.subscriber_id));
  const users = (await getUsers(db, orgId, [...new Set([...direct, ...viaTeams.keys()])])).filter((x) => x.deleted_at === null);
  const order = [...direct, ...viaTeams.keys()];
  users.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
  return users.map((user) => ({ user, direct: direct.has(user.id), via: viaTeams.get(user.id) ?? [] }));
}

async function liveSubscribers(db: Db, orgId: string, incidentId: string): Promise<UserTable[]> {
  return (await subscribersWithTeams(db, orgId, incidentId)).map((s) => s.user);
}

export interface Subscriber {
  subscriber_id: string;
  subscriber_type: string;
}

type SubscriberType = 'user' | 'team';

/** Who hears the incident's updates; `via`: the subscribed teams a member hears them through. */
export async function incidentSubscribers(db: Db, orgId: string, incidentId: string): Promise<{ incident: IncidentTable; subscribers: { id: string; via: NamedTeam[] }[] }> {
  const incident = await requireIncident(db, orgId, incidentId);
  return { incident, subscribers: (await subscribersWithTeams(db, orgId, incident.id)).map((s) => ({ id: s.user.id, via: s.via })) };
}

async function checkSubscribers(db: Db, orgId: string, subscribers: readonly Subscriber[]): Promise<void> {
  const errors: string[] = [];
  subscribers.forEach((s, i) => {
    if (s.subscriber_type !== 'user' && s.subscriber_type !== 'team') errors.push(`subscribers[${i}].subscriber_type: must be user or team`);
  });
  if (errors.length) throw invalid(...errors);
  const ids = (type: string) => [...new Set(subscribers.filter((s) => s.subscriber_type === type).map((s) => s.subscriber_id))];
  const live = new Set((await getUsers(db, orgId, ids('user'))).filter((x) => x.deleted_at === null).map((x) => x.id));
  const teams = new Set((await liveTeamsAmong(db, orgId, ids('team'))).map((x) => x.id));
  subscribers.forEach((s, i) => {
    if (s.subscriber_type === 'user' && !live.has(s.subscriber_id)) errors.push(`subscribers[${i}].subscriber_id: user ${s.subscriber_id} not found`);
    if (s.subscriber_type === 'team' && !teams.has(s.subscriber_id)) errors.push(`subscribers[${i}].subscriber_id: team ${s.subscriber_id} not found`);
  });
  if (errors.length) throw invalid(...errors);
}

export async function subscribeToIncident(
  u: UnitOfWork,
  orgId: string,
  incidentId: string,
  subscribers: readonly Subscriber[],
): Promise<{ incident: IncidentTable; results: { subscriber_id: string; subscriber_type: SubscriberType; result: 'success' | 'duplicate' }[] }> {
  return inTransaction(u, async (tx) => {
    const incident = await requireIncident(tx.trx, orgId, incidentId);
    await checkSubscribers(tx.trx, orgId, subscribers);
    const results: { subscriber_id: string; subscriber_type: SubscriberType; result: 'success' | 'duplicate' }[] = [];
    for (const s of subscribers) {
      const type = s.subscriber_type as SubscriberType;
      const added = await store.subscribe(tx.trx, { org_id: orgId, subscriber_type: type, subscriber_id: s.subscriber_id, subscribable_type: 'incident', subscribable_id: incident.id, created_at: tx.now });
      results.push({ subscriber_id: s.subscriber_id, subscriber_type: type, result: added ? 'success' : 'duplicate' });
    }
    return { incident, results };
  });
}

export interface UnsubscribeCounts {
  deleted_count: number;
  unauthorized_count: number;
  non_existent_count: number;
}

export async function unsubscribeFromIncident(u: UnitOfWork, orgId: string, incidentId: string, subscribers: readonly Subscriber[]): Promise<UnsubscribeCounts> {
  return inTransaction(u, async (tx) => {
    const incident = await requireIncident(tx.trx, orgId, incidentId);
    await checkSubscribers(tx.trx, orgId, subscribers);
    let deleted = 0;
    for (const s of subscribers) if (await store.unsubscribe(tx.trx, orgId, { subscriber_type: s.subscriber_type as SubscriberType, subscriber_id: s.subscriber_id, subscribable_type: 'incident', subscribable_id: incident.id })) deleted++;
    return { deleted_count: deleted, unauthorized_count: 0, non_existent_count: subscribers.length - deleted };
  });
}

export interface Subscribable {
  subscribable_id: string;
  subscribable_type: string;
}

/** The incidents named, checked: `business_service` is refused, unknown incidents are named. */
async function checkSubscribables(db: Db, orgId: string, subscribables: readonly Subscribable[]): Promise<IncidentTable[]> {
  const errors: string[] = [];
  const incidents: IncidentTable[] = [];
  for (const [i, s] of subscribables.entries()) {
    if (s.subscribable_type === 'business_service') errors.push(`subscribables[${i}].subscribable_type: Vigil has no business services; subscribe to incidents`);
    else if (s.subscribable_type !== 'incident') errors.push(`subscribables[${i}].subscribable_type: must be incident or business_service`);
    else {
      const inc = await findIncident(db, orgId, s.subscribable_id);
      if (inc) incidents.push(inc);
      else errors.push(`subscribables[${i}].subscribable_id: incident ${s.subscribable_id} not found`);
    }
  }
  if (errors.length) throw invalid(...errors);
  return incidents;
}

/** Subscribes a member (or, `type` team, a team: the caller checked it exists) to incidents. */
export async function subscribeUser(u: UnitOfWork, orgId: string, userId: string, subscribables: readonly Subscribable[], type: SubscriberType = 'user'): Promise<{ subscribable_id: string; result: 'success' | 'duplicate' }[]> {
  return inTransaction(u, async (tx) => {
    const incidents = await checkSubscribables(tx.trx, orgId, subscribables);
    const out: { subscribable_id: string; result: 'success' | 'duplicate' }[] = [];
    for (const inc of incidents) {
      const added = await store.subscribe(tx.trx, { org_id: orgId, subscriber_type: type, subscriber_id: userId, subscribable_type: 'incident', subscribable_id: inc.id, created_at: tx.now });
      out.push({ subscribable_id: inc.id, result: added ? 'success' : 'duplicate' });
    }
    return out;
  });
}

export async function unsubscribeUser(u: UnitOfWork, orgId: string, userId: string, subscribables: readonly Subscribable[], type: SubscriberType = 'user'): Promise<UnsubscribeCounts> {
  return inTransaction(u, async (tx) => {
    const incidents = await checkSubscribables(tx.trx, orgId, subscribables);
    let deleted = 0;
    for (const inc of incidents) if (await store.unsubscribe(tx.trx, orgId, { subscriber_type: type, subscriber_id: userId, subscribable_type: 'incident', subscribable_id: inc.id })) deleted++;
    return { deleted_count: deleted, unauthorized_count: 0, non_existent_count: incidents.length - deleted };
  });
}

export async function userSubscriptions(db: Db, orgId: string, userId: string, type: SubscriberType = 'user'): Promise<{ subscribable_id: string; title: string | null }[]> {
  return (await store.subscriptionsOfUser(db, orgId, userId, type)).map((s) => ({ subscribable_id: s.subscribable_id, title: s.title }));
}
