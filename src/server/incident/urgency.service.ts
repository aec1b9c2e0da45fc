/**
 * Raising an open low-urgency incident to high when its service's support hours begin
 * (PagerDuty's scheduled action `urgency_change` at `support_hours_start`); the engine's
 * urgency-change module calls it for each such incident of a service whose change is due.
 *
 * - Triggered: the urgency becomes high and the level now responsible is paged again at high
 *   urgency (a new epoch due now, as when a high-urgency alert joins a low-urgency incident:
 *   the escalate module fires it and writes the pages to the outbox), so the people who were
 *   told through their low-urgency rules overnight are now paged through their high-urgency
 *   rules.
 * - Triggered with notifications paused (auto-pause): nobody has been paged yet; the urgency
 *   becomes high and the page at the pause's end goes out at high urgency.
 * - Acknowledged (or snoozed): someone owns it. The urgency becomes high and the
 *   acknowledgement stands, so nobody is woken again for it; if the acknowledgement times out
 *   or the snooze ends, it triggers again at high urgency.
 *
 * The timeline says which of these happened and why.
 */
import { iso } from '../lib/clock.js';
import type { IncidentTable } from '../storage/schema.js';
import type { Channel } from './incident.js';
import * as store from './incident.store.js';
import { appendLog, type Tx } from './timeline.js';
import { repagePosition } from './trigger.service.js';
import { say, type Wording } from '../lib/i18n/translate.js';

export const SUPPORT_HOURS_CHANNEL: Channel = { type: 'auto', reason: 'support hours began' };

/** Raise one open low-urgency incident (locked by the caller) to high because support hours began (`when`: "09:00 America/New_York"). */
export async function raiseForSupportHours(tx: Tx, incident: IncidentTable, when: string): Promise<IncidentTable> {
  if (incident.urgency !== 'low' || (incident.status !== 'triggered' && incident.status !== 'acknowledged')) return incident;
  const details = { reason: 'support_hours_start', urgency: 'high' };
  let patch: Partial<IncidentTable> = { urgency: 'high', updated_at: tx.now };
  let summary: Wording;
  const pausedUntil = incident.paused_until === null ? null : Number(incident.paused_until);
  if (incident.status === 'acknowledged') {
    summary = say('timeline.supportHours.acknowledged', { when });
  } else if (pausedUntil !== null && pausedUntil > tx.now) {
    summary = say('timeline.supportHours.paused', { when, until: iso(pausedUntil).slice(11, 16) });
  } else {
    const { patch: position, paged } = await repagePosition(tx, incident);
    patch = { ...patch, ...position };
    summary = say('timeline.supportHours.repaged', { when, paged });
  }
  await store.updateIncident(tx.trx, incident.org_id, incident.id, patch);
  await appendLog(tx, incident.org_id, incident.service_id, incident.id, 'urgency_change_log_entry', summary, null, SUPPORT_HOURS_CHANNEL, details);
  tx.changes.push({ orgId: incident.org_id, incidentId: incident.id, serviceId: incident.service_id, kind: 'updated' });
  return { ...incident, ...patch };
}
