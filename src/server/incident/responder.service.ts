/**
 * Responder requests (PagerDuty's `POST /incidents/{id}/responder_requests`): ask members,
 * or the people an escalation policy's first level reaches now, to join an incident. Each
 * person asked is a row (`incident_responders`, state `pending`) and is paged through the
 * normal path: their high-urgency notification rules over their verified methods, queued in
 * the outbox in the request's transaction. They accept by acknowledging (responder-join.ts);
 * cancelling stops the pages not yet sent. All of it is on the timeline.
 */
import { VigilError, invalid } from '../errors.js';
import { newId } from '../lib/ids.js';
import type { IncidentResponderTable, IncidentTable, UserTable } from '../storage/schema.js';
import { getUsers } from '../org/org.store.js';
import { requirePolicy } from '../escalation/policy.service.js';
import type { TargetRegistry } from '../escalation/targets.js';
import { cancelStepPages, contactPlans, queuePages, type PageOrder } from '../notify/notify.service.js';
import type { AgentRef, Channel } from './incident.js';
import { inTransaction, requireIncident, type UnitOfWork } from './incident.service.js';
import * as store from './collab.store.js';
import { appendLog, type Tx } from './timeline.js';
import { say, type Wording } from '../lib/i18n/translate.js';
import { unreachableWording } from '../notify/plan.js';

export const MAX_RESPONDER_TARGETS = 20;

export interface ResponderTarget {
  kind: 'user' | 'escalation_policy';
  id: string;
}

/** A wire target type as a kind, or undefined. */
export function responderKind(type: string): ResponderTarget['kind'] | undefined {
  if (type === 'user' || type === 'user_reference') return 'user';
  if (type === 'escalation_policy' || type === 'escalation_policy_reference') return 'escalation_policy';
  return undefined;
}

export interface RequestedTarget extends ResponderTarget {
  summary: string;
  responders: IncidentResponderTable[];
}

export interface ResponderRequest {
  incident: IncidentTable;
  requester: UserTable;
  requestId: string;
  requestedAt: number;
  message: string;
  targets: RequestedTarget[];
  users: Map<string, UserTable>;
}

const stepKey = (requestId: string) => `responder:${requestId}`;

async function liveUser(tx: Tx, orgId: string, id: string, field: string): Promise<UserTable> {
  const [u] = await getUsers(tx.trx, orgId, [id]);
  if (!u || u.deleted_at !== null) throw invalid(`${field}: user ${id} not found`);
  return u;
}

/** The people a target asks now: the user, or whoever the policy's first level reaches. */
async function peopleOf(tx: Tx, registry: TargetRegistry, incident: IncidentTable, t: ResponderTarget, i: number): Promise<{ summary: string; policy: { id: string; name: string } | null; userIds: string[] }> {
  const field = `responder_request_targets[${i}]`;
  if (t.kind === 'user') {
    const u = await liveUser(tx, incident.org_id, t.id, `${field}.id`);
    return { summary: u.name, policy: null, userIds: [u.id] };
  }
  const policy = await requirePolicy(tx.trx, incident.org_id, t.id).catch((e: unknown) => {
    throw e instanceof VigilError && e.kind === 'not_found' ? invalid(`${field}.id: escalation policy ${t.id} not found`) : e;
  });
  const first = policy.rules[0];
  const level = first ? await registry.resolve(tx.trx, { orgId: incident.org_id, now: tx.now, incidentId: incident.id }, first.targets) : { users: [] };
  if (!level.users.length) throw invalid(`${field}: escalation policy ${policy.name} reaches nobody now (its first level has nobody on call)`);
  return { summary: policy.name, policy: { id: policy.id, name: policy.name }, userIds: level.users.map((u) => u.userId) };
}

export async function requestResponders(
  u: UnitOfWork & { targets: TargetRegistry },
  orgId: string,
  incidentId: string,
  input: { requesterId: string; message: string; targets: ResponderTarget[] },
  agent: AgentRef,
  channel: Channel,
): Promise<ResponderRequest> {
  return inTransaction(u, async (tx) => {
    const incident = await requireIncident(tx.trx, orgId, incidentId);
    if (incident.status === 'resolved') throw new VigilError('incident_already_resolved', [`incident ${incident.id} is resolved: nobody can be asked to join it`]);
    const requester = await liveUser(tx, orgId, input.requesterId, 'requester_id');
    const requestId = newId(tx.now);
    const existing = await store.respondersOf(tx.trx, orgId, [incident.id]);
    const active = new Map(existing.filter((r) => r.state === 'pending' || r.state === 'joined').map((r) => [r.user_id, r]));
    const targets: RequestedTarget[] = [];
    const fresh: IncidentResponderTable[] = [];
    for (const [i, t] of input.targets.entries()) {
      const people = await peopleOf(tx, u.targets, incident, t, i);
      const responders: IncidentResponderTable[] = [];
      for (const userId of people.userIds) {
        const already = active.get(userId) ?? fresh.find((r) => r.user_id === userId);
        if (already) {
          responders.push(already);
          continue;
        }
        const row: IncidentResponderTable = { org_id: orgId, id: newId(tx.now), request_id: requestId, incident_id: incident.id, user_id: userId, requester_id: requester.id, message: input.message, policy_id: people.policy?.id ?? null, policy_name: people.policy?.name ?? null, state: 'pending', requested_at: tx.now, updated_at: tx.now };
        fresh.push(row);
        responders.push(row);
      }
      targets.push({ ...t, summary: people.summary, responders });
    }
    await store.insertResponders(tx.trx, fresh);
    const userIds = [...new Set(targets.flatMap((t) => t.responders.map((r) => r.user_id)))];
    const users = new Map((await getUsers(tx.trx, orgId, userIds)).map((x) => [x.id, x]));
    await pageResponders(tx, incident, requestId, fresh, users, requester, input.message, agent, channel);
    return { incident, requester, requestId, requestedAt: tx.now, message: input.message, targets, users };
  });
}

/** Pages each newly asked person through their high-urgency rules; one timeline entry says who was asked and who cannot be reached. */
async function pageResponders(tx: Tx, incident: IncidentTable, requestId: string, fresh: IncidentResponderTable[], users: Map<string, UserTable>, requester: UserTable, message: string, agent: AgentRef, channel: Channel): Promise<void> {
  const plans = await contactPlans(tx.trx, incident.org_id, fresh.map((r) => r.user_id), 'high');
  const pages: PageOrder[] = [];
  const unreachable: (Wording | string)[] = [];
  for (const r of fresh) {
    const plan = plans.get(r.user_id);
    if (!plan || plan.reason) unreachable.push(unreachableWording(users.get(r.user_id)?.name ?? r.user_id, plan));
    for (const p of plan?.plan ?? []) pages.push({ userId: r.user_id, contactMethod: p.contactMethod, delayMinutes: p.delayMinutes });
  }
  await queuePages(tx.trx, tx.now, incident, stepKey(requestId), pages);
  const names = fresh.map((r) => users.get(r.user_id)?.name ?? r.user_id);
  const notReachable = { hasUnreachable: unreachable.length ? 'yes' : 'no', unreachable };
  const words = names.length ? say('timeline.responders.asked', { requester: requester.name, names: names.join(', '), message, ...notReachable }) : say('timeline.responders.askedNobody', { requester: requester.name, ...notReachable });
  await appendLog(tx, incident.org_id, incident.service_id, incident.id, 'responder_request_log_entry', words, agent, channel, { request_id: requestId, requester_id: requester.id, user_ids: fresh.map((r) => r.user_id) });
  tx.changes.push({ orgId: incident.org_id, incidentId: incident.id, serviceId: incident.service_id, kind: 'updated' });
}

export type CancelResult = 'cancelled' | 'joined' | 'declined' | 'not_found';

/** Cancels the pending requests of these users, or of the people asked through these policies; pages not yet sent stop. */
export async function cancelResponders(u: UnitOfWork, orgId: string, incidentId: string, requesterId: string, targets: ResponderTarget[], agent: AgentRef, channel: Channel): Promise<{ target: ResponderTarget; result: CancelResult }[]> {
  return inTransaction(u, async (tx) => {
    const incident = await requireIncident(tx.trx, orgId, incidentId);
    const requester = await liveUser(tx, orgId, requesterId, 'requester_id');
    const rows = await store.respondersOf(tx.trx, orgId, [incident.id]);
    const out: { target: ResponderTarget; result: CancelResult }[] = [];
    const cancelled: IncidentResponderTable[] = [];
    for (const t of targets) {
      const mine = rows.filter((r) => (t.kind === 'user' ? r.user_id === t.id : r.policy_id === t.id));
      const pending = mine.filter((r) => r.state === 'pending');
      cancelled.push(...pending);
      const result: CancelResult = pending.length ? 'cancelled' : mine.some((r) => r.state === 'joined') ? 'joined' : mine.some((r) => r.state === 'declined') ? 'declined' : 'not_found';
      out.push({ target: t, result });
    }
    const ids = [...new Set(cancelled.map((r) => r.id))];
    if (ids.length) {
      await store.setResponderState(tx.trx, orgId, ids, 'user_cancelled', tx.now);
      await cancelStepPages(tx.trx, orgId, incident.id, [...new Set(cancelled.map((r) => stepKey(r.request_id)))], [...new Set(cancelled.map((r) => r.user_id))]);
      const names = (await getUsers(tx.trx, orgId, [...new Set(cancelled.map((r) => r.user_id))])).map((x) => x.name);
      await appendLog(tx, orgId, incident.service_id, incident.id, 'responder_cancel_log_entry', say('timeline.responders.cancelled', { requester: requester.name, names: names.join(', ') }), agent, channel, { requester_id: requester.id, responder_ids: ids });
      tx.changes.push({ orgId, incidentId: incident.id, serviceId: incident.service_id, kind: 'updated' });
    }
    return out;
  });
}

/** The people asked to join these incidents, oldest request first. */
export async function respondersOf(db: UnitOfWork['db'], orgId: string, incidentIds: readonly string[]): Promise<IncidentResponderTable[]> {
  return store.respondersOf(db, orgId, incidentIds);
}
