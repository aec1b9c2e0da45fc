/**
 * Priorities as incidents use them. The list itself is the organization's
 * (org/priority.service.ts); here an incident is given one (a timeline entry whose
 * webhook is `incident.priority_updated`), and one is removed only when nothing uses it.
 *
 * What removal means: a priority set on an open incident, or set by an event rule, cannot
 * be removed (400, naming the incidents and the rules); change those first. Resolved
 * incidents keep naming a removed priority (the row stays, marked removed), so history
 * reads as it happened. Giving an incident a priority holds the priority FOR KEY SHARE
 * and removal takes it FOR UPDATE, so neither can slip past the other's check.
 */
import type { Kysely } from 'kysely';
import { VigilError, invalid } from '../errors.js';
import { lockPriorityForRemoval, priorityForUse, priorityNames, removePriority } from '../org/priority.service.js';
import { getOrchestrationName, rulesSettingPriority } from '../rules/orchestration.service.js';
import { getServicesByIds } from '../service/service.store.js';
import type { Database, IncidentTable } from '../storage/schema.js';
import type { AgentRef, Channel } from './incident.js';
import * as store from './incident.store.js';
import { appendLog, channelName, type Tx } from './timeline.js';
import { say } from '../lib/i18n/translate.js';

/** At most this many open incidents are named when a removal is refused. */
const NAMED = 10;

/**
 * Give an open incident priority `priorityId`, or none (null). The same priority again
 * changes nothing and writes nothing. `field` names the request field in errors.
 */
export async function setPriority(tx: Tx, incident: IncidentTable, priorityId: string | null, agent: AgentRef | null, channel: Channel, field = 'incident.priority'): Promise<IncidentTable> {
  if (incident.status === 'resolved') throw new VigilError('incident_already_resolved', [`incident ${incident.id} is resolved`]);
  if (priorityId === incident.priority_id) return incident;
  const next = priorityId === null ? null : await priorityForUse(tx.trx, incident.org_id, priorityId, `${field}.id`);
  const previous = incident.priority_id ? ((await priorityNames(tx.trx, incident.org_id, [incident.priority_id])).get(incident.priority_id) ?? incident.priority_id) : null;
  const patch: Partial<IncidentTable> = { priority_id: priorityId, updated_at: tx.now };
  await store.updateIncident(tx.trx, incident.org_id, incident.id, patch);
  const what = next ? (previous ? 'changed' : 'set') : 'removed';
  const words = say('timeline.priority', { what, previous: previous ?? '', next: next?.name ?? '', by: agent ? 'yes' : 'no', agent: agent?.summary ?? '', via: channelName(channel) });
  await appendLog(tx, incident.org_id, incident.service_id, incident.id, 'priority_change_log_entry', words, agent, channel, {
    priority_id: priorityId,
    ...(next ? { priority: next.name } : {}),
    previous_priority_id: incident.priority_id,
  });
  tx.changes.push({ orgId: incident.org_id, incidentId: incident.id, serviceId: incident.service_id, kind: 'updated' });
  return { ...incident, ...patch };
}

/** Remove a priority nothing uses (see the top of this file); 404 when it is not a live priority of the organization. */
export async function deletePriority(u: { db: Kysely<Database>; clock: { now(): number } }, orgId: string, id: string): Promise<void> {
  await u.db.transaction().execute(async (trx) => {
    const p = await lockPriorityForRemoval(trx, orgId, id);
    const errors: string[] = [];
    const open = await store.openIncidentsWithPriority(trx, orgId, id, NAMED + 1);
    if (open.length) {
      const named = open.slice(0, NAMED).map((i) => `#${i.number}`).join(', ');
      errors.push(`priority: ${p.name} is the priority of open incident${open.length > 1 ? 's' : ''} ${named}${open.length > NAMED ? ' and more' : ''}; give them another priority or resolve them first`);
    }
    const rules = await rulesSettingPriority(trx, orgId, id);
    if (rules.length) {
      const services = new Map((await getServicesByIds(trx, orgId, rules.filter((r) => r.kind === 'service').map((r) => r.parentId))).map((s) => [s.id, s.name]));
      for (const r of rules) {
        const whose = r.kind === 'service' ? `service ${services.get(r.parentId) ?? r.parentId}` : `the unrouted rules of orchestration ${(await getOrchestrationName(trx, orgId, r.parentId)) ?? r.parentId}`;
        errors.push(`priority: ${p.name} is set by the event rules of ${whose}; change those rules first`);
      }
    }
    if (errors.length) throw invalid(...errors);
    await removePriority(trx, orgId, id, u.clock.now());
  });
}
