/**
 * Merge (PagerDuty's `PUT /incidents/{id}/merge`): the open alerts of each source incident
 * move to the target, each source resolves ("Merged into #N" on its timeline, an
 * `incident.resolved` webhook), and the target's timeline lists what it received. All in
 * one transaction: a refused merge changes nothing.
 *
 * Sources must be open incidents of the same organization, other than the target and named
 * once; the target must be open. Every incident involved is locked FOR UPDATE in id order
 * (two merges over the same incidents cannot deadlock), which waits for ingest batches
 * adding alerts to them, so no alert lands on a source after its alerts moved. The target
 * keeps its status and escalation: the sources' people were already paged.
 */
import { VigilError, invalid } from '../errors.js';
import type { IncidentTable } from '../storage/schema.js';
import type { AgentRef, Channel } from './incident.js';
import { findIncident, inTransaction, requireIncident, setStatus, type UnitOfWork } from './incident.service.js';
import * as store from './incident.store.js';
import * as alertStore from './alert.store.js';
import { appendLog, channelName } from './timeline.js';
import { say } from '../lib/i18n/translate.js';

/** More sources than this in one request is refused (PagerDuty documents no figure; this bounds one transaction). */
export const MAX_MERGE_SOURCES = 50;

export async function mergeIncidents(u: UnitOfWork, orgId: string, targetId: string, sources: readonly { id: string }[], agent: AgentRef, channel: Channel): Promise<IncidentTable> {
  if (sources.length === 0) throw invalid('source_incidents: name at least one incident to merge');
  if (sources.length > MAX_MERGE_SOURCES) throw invalid(`source_incidents: at most ${MAX_MERGE_SOURCES} incidents per merge`);
  return inTransaction(u, async (tx) => {
    const target = await requireIncident(tx.trx, orgId, targetId);
    const errors: string[] = [];
    const found: { src: IncidentTable; field: string }[] = [];
    for (const [i, ref] of sources.entries()) {
      const field = `source_incidents[${i}].id`;
      const src = await findIncident(tx.trx, orgId, ref.id);
      if (!src) errors.push(`${field}: incident ${ref.id} not found`);
      else if (src.id === target.id) errors.push(`${field}: #${src.number} is the target incident`);
      else if (found.some((f) => f.src.id === src.id)) errors.push(`${field}: #${src.number} is named twice`);
      else found.push({ src, field });
    }
    if (errors.length) throw invalid(...errors);
    // Lock, then judge the rows as they are now.
    const locked = new Map<string, IncidentTable>();
    for (const id of [target.id, ...found.map((f) => f.src.id)].sort()) {
      const row = await store.lockIncident(tx.trx, orgId, id);
      if (row) locked.set(id, row);
    }
    const tgt = locked.get(target.id)!;
    if (tgt.status === 'resolved') throw new VigilError('incident_already_resolved', [`incident: #${tgt.number} is resolved; merge into an open incident`]);
    const srcs = found.map((f) => ({ ...f, src: locked.get(f.src.id)! }));
    const closed = srcs.filter((f) => f.src.status === 'resolved').map((f) => `${f.field}: #${f.src.number} is resolved; only open incidents merge`);
    if (closed.length) throw invalid(...closed);

    const via = channelName(channel);
    const moved: { id: string; number: number; alerts: number }[] = [];
    for (const { src } of srcs) {
      const alerts = await alertStore.openAlertsOf(tx.trx, orgId, src.id);
      await alertStore.moveAlerts(tx.trx, orgId, alerts.map((a) => a.id), tgt.id);
      const n = alerts.length;
      const summary = say('timeline.mergedInto', { number: String(tgt.number), agent: agent.summary, via, alerts: n });
      await setStatus(tx, src, 'resolved', agent, channel, undefined, summary);
      moved.push({ id: src.id, number: Number(src.number), alerts: n });
    }
    const total = moved.reduce((s, m) => s + m.alerts, 0);
    const names = moved.map((m) => `#${m.number}`).join(', ');
    await appendLog(tx, orgId, tgt.service_id, tgt.id, 'merge_log_entry', say('timeline.mergedHere', { numbers: names, agent: agent.summary, via, alerts: total }), agent, channel, { merged: moved });
    await store.updateIncident(tx.trx, orgId, tgt.id, { updated_at: tx.now });
    tx.changes.push({ orgId, incidentId: tgt.id, serviceId: tgt.service_id, kind: 'updated' });
    return { ...tgt, updated_at: tx.now };
  });
}
