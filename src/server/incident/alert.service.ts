/**
 * One alert of an incident (PagerDuty's `/incidents/{id}/alerts/{alert_id}` and the
 * many-alert `PUT /incidents/{id}/alerts`): read it, resolve it, or move it to another open
 * incident of the organization.
 *
 * Resolving an alert resolves its incident with its last open alert, as a resolve event
 * does (resolveAlert in incident.service.ts). Moving an alert says so on both timelines;
 * an incident whose last open alert moved away resolves ("its last open alert moved to
 * #N"), as the sources of a merge do. Status `triggered` is accepted for an open alert (it
 * already is) and refused for a resolved one: a resolved alert never opens again, a new
 * event opens a new one. Several alerts change in one transaction: all or none.
 */
import { VigilError, invalid, notFound } from '../errors.js';
import type { Kysely } from 'kysely';
import { getService } from '../service/service.store.js';
import type { AlertTable, Database, IncidentTable } from '../storage/schema.js';
import type { AgentRef, Channel } from './incident.js';
import { findIncident, inTransaction, requireIncident, setStatus, type UnitOfWork } from './incident.service.js';
import * as store from './incident.store.js';
import * as alertStore from './alert.store.js';
import { appendLog, channelName, type Tx } from './timeline.js';
import { say } from '../lib/i18n/translate.js';

/** At most this many alerts per `PUT /incidents/{id}/alerts` (PagerDuty's limit; 413 above). */
export const MAX_ALERTS_PER_UPDATE = 250;

export interface AlertChange {
  /** The alert's id (the many-alert form only). */
  id?: string | undefined;
  status?: 'resolved' | 'triggered' | undefined;
  incident?: { id: string } | undefined;
}

async function alertOf(db: Kysely<Database>, inc: IncidentTable, alertId: string): Promise<AlertTable> {
  const alert = await alertStore.getAlert(db, inc.org_id, alertId);
  if (!alert || alert.incident_id !== inc.id) throw notFound(`alert ${alertId} of incident ${inc.id}`);
  return alert;
}

/** An alert of the incident `incidentId` (by id or number), with its service's name; 404 when it belongs to another incident. */
export async function incidentAlert(db: Kysely<Database>, orgId: string, incidentId: string, alertId: string): Promise<{ alert: AlertTable; serviceName: string | null }> {
  const inc = await requireIncident(db, orgId, incidentId);
  const alert = await alertOf(db, inc, alertId);
  const service = alert.service_id ? await getService(db, orgId, alert.service_id) : undefined;
  return { alert, serviceName: service?.name ?? null };
}

/** Change one alert of the incident (by id or number) in its own transaction. Answers the alert as it is after. */
export async function changeIncidentAlert(u: UnitOfWork, orgId: string, incidentId: string, alertId: string, change: AlertChange, agent: AgentRef, channel: Channel): Promise<AlertTable> {
  return inTransaction(u, async (tx) => changeAlert(tx, await requireIncident(tx.trx, orgId, incidentId), alertId, change, agent, channel, 'alert'));
}

/** Change several alerts of the incident (by id or number), all in one transaction. Answers them as they are after, in the order given. */
export async function changeIncidentAlerts(u: UnitOfWork, orgId: string, incidentId: string, changes: readonly AlertChange[], agent: AgentRef, channel: Channel): Promise<AlertTable[]> {
  if (changes.length > MAX_ALERTS_PER_UPDATE) throw new VigilError('payload_too_large', [`alerts: at most ${MAX_ALERTS_PER_UPDATE} per request`]);
  const missing = changes.findIndex((c) => !c.id);
  if (missing >= 0) throw invalid(`alerts[${missing}].id is required`);
  return inTransaction(u, async (tx) => {
    const inc = await requireIncident(tx.trx, orgId, incidentId);
    const out: AlertTable[] = [];
    for (const [i, c] of changes.entries()) out.push(await changeAlert(tx, inc, c.id!, c, agent, channel, `alerts[${i}]`));
    return out;
  });
}

async function changeAlert(tx: Tx, inc: IncidentTable, alertId: string, change: AlertChange, agent: AgentRef, channel: Channel, field: string): Promise<AlertTable> {
  if (change.status === undefined && change.incident === undefined) throw invalid(`${field}: give status (resolved) or incident (where to move it)`);
  let alert = await alertOf(tx.trx, inc, alertId);
  if (change.status === 'triggered' && alert.open !== 1) throw invalid(`${field}.status: alert ${alert.id} is resolved and cannot be triggered again; a new event opens a new alert`);
  if (change.incident && change.incident.id !== inc.id && change.incident.id !== String(inc.number)) alert = await moveAlert(tx, inc, alert, change.incident.id, agent, channel, field);
  if (change.status === 'resolved' && alert.open === 1) await resolveOne(tx, alert, agent, channel);
  return (await alertStore.getAlert(tx.trx, inc.org_id, alert.id))!;
}

async function moveAlert(tx: Tx, from: IncidentTable, alert: AlertTable, toId: string, agent: AgentRef, channel: Channel, field: string): Promise<AlertTable> {
  if (alert.open !== 1) throw invalid(`${field}.incident: alert ${alert.id} is resolved; only open alerts move`);
  const target = await findIncident(tx.trx, from.org_id, toId);
  if (!target) throw invalid(`${field}.incident.id: incident ${toId} not found`);
  // Both FOR UPDATE, in id order; judged as they are once locked.
  const locked = new Map<string, IncidentTable>();
  for (const id of [from.id, target.id].sort()) {
    const row = await store.lockIncident(tx.trx, from.org_id, id);
    if (row) locked.set(id, row);
  }
  const src = locked.get(from.id)!;
  const dst = locked.get(target.id)!;
  if (dst.status === 'resolved') throw invalid(`${field}.incident.id: #${dst.number} is resolved; move alerts to an open incident`);
  await alertStore.moveAlerts(tx.trx, from.org_id, [alert.id], dst.id);
  const via = channelName(channel);
  const details = { alert_id: alert.id, dedup_key: alert.dedup_key };
  await appendLog(tx, src.org_id, src.service_id, src.id, 'alert_log_entry', say('timeline.alert.movedOut', { number: String(dst.number), agent: agent.summary, via, alert: alert.summary }), agent, channel, { action: 'moved_out', to_incident_id: dst.id, ...details });
  await appendLog(tx, dst.org_id, dst.service_id, dst.id, 'alert_log_entry', say('timeline.alert.movedIn', { number: String(src.number), agent: agent.summary, via, alert: alert.summary }), agent, channel, { action: 'moved_in', from_incident_id: src.id, ...details });
  await store.updateIncident(tx.trx, dst.org_id, dst.id, { updated_at: tx.now });
  tx.changes.push({ orgId: dst.org_id, incidentId: dst.id, serviceId: dst.service_id, kind: 'alert' });
  if (src.status !== 'resolved' && (await alertStore.countOpenAlerts(tx.trx, src.org_id, src.id)) === 0) {
    await setStatus(tx, src, 'resolved', agent, channel, undefined, say('timeline.resolvedLastAlertMoved', { agent: agent.summary, via, number: String(dst.number) }));
  } else {
    tx.changes.push({ orgId: src.org_id, incidentId: src.id, serviceId: src.service_id, kind: 'alert' });
  }
  return { ...alert, incident_id: dst.id };
}

/** Resolve one open alert; its incident resolves with its last open alert. */
async function resolveOne(tx: Tx, alert: AlertTable, agent: AgentRef, channel: Channel): Promise<void> {
  await alertStore.setAlertStatus(tx.trx, alert.org_id, alert.id, 'resolved', tx.now);
  const inc = alert.incident_id ? await store.getIncident(tx.trx, alert.org_id, alert.incident_id) : undefined;
  if (!inc) return;
  await appendLog(tx, inc.org_id, inc.service_id, inc.id, 'alert_log_entry', say('timeline.alert.resolvedBy', { agent: agent.summary, via: channelName(channel), alert: alert.summary }), agent, channel, { action: 'resolved', alert_id: alert.id, dedup_key: alert.dedup_key });
  if (inc.status !== 'resolved' && (await alertStore.countOpenAlerts(tx.trx, inc.org_id, inc.id)) === 0) await setStatus(tx, inc, 'resolved', agent, channel);
  else tx.changes.push({ orgId: inc.org_id, incidentId: inc.id, serviceId: inc.service_id, kind: 'alert' });
}
