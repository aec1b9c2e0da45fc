/**
 * Snooze (PagerDuty's `POST /incidents/{id}/snooze`): an acknowledged incident stays
 * acknowledged for `duration` seconds, with its acknowledgement timeout and auto-resolve
 * suspended, then triggers again and escalates from the first level (the engine's snooze
 * module calls `endSnooze` once `snoozed_until` has passed).
 *
 * Only an acknowledged incident can be snoozed, as in PagerDuty ("you're only able to snooze
 * acknowledged incidents"): a triggered one is refused with 400, so a snooze is always a
 * decision by someone who already owns the incident. Snoozing again replaces the end.
 * Acknowledging again, resolving, escalating now, or a high-urgency alert re-triggering it
 * ends the snooze at once (setStatus, escalateNow and trigger.service.ts clear
 * `snoozed_until`).
 */
import { VigilError } from '../errors.js';
import { iso } from '../lib/clock.js';
import type { IncidentTable } from '../storage/schema.js';
import { MAX_SNOOZE_SECONDS, durationWords, type AgentRef, type Channel } from './incident.js';
import { inTransaction, requireIncident, setStatus, type UnitOfWork } from './incident.service.js';
import * as store from './incident.store.js';
import { appendLog, channelName, type Tx } from './timeline.js';
import { say } from '../lib/i18n/translate.js';

/** Snooze the incident `id` (by id or number) for `seconds`, in its own transaction. Answers the row as it is after. */
export async function snoozeIncident(u: UnitOfWork, orgId: string, id: string, seconds: number, agent: AgentRef, channel: Channel): Promise<IncidentTable> {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_SNOOZE_SECONDS) throw new VigilError('invalid_input', [`duration: whole seconds from 1 to ${MAX_SNOOZE_SECONDS} (a week)`]);
  return inTransaction(u, async (tx) => {
    const found = await requireIncident(tx.trx, orgId, id);
    // Taken FOR UPDATE: the snooze module's claim skips it until this commits, so a snooze being replaced never ends under it.
    const inc = (await store.lockIncident(tx.trx, orgId, found.id)) ?? found;
    if (inc.status === 'resolved') throw new VigilError('incident_already_resolved', [`incident ${inc.id} is resolved`]);
    if (inc.status !== 'acknowledged') throw new VigilError('invalid_status', [`incident ${inc.id} is ${inc.status}: only an acknowledged incident can be snoozed; acknowledge it first`]);
    const until = tx.now + seconds * 1000;
    const patch: Partial<IncidentTable> = { snoozed_until: until, updated_at: tx.now };
    await store.updateIncident(tx.trx, orgId, inc.id, patch);
    await appendLog(
      tx,
      orgId,
      inc.service_id,
      inc.id,
      'snooze_log_entry',
      say('timeline.snoozed', { duration: durationWords(seconds), agent: agent.summary, via: channelName(channel), at: iso(until).slice(0, 16).replace('T', ' ') }),
      agent,
      channel,
      { duration: seconds, snoozed_until: iso(until) },
    );
    tx.changes.push({ orgId, incidentId: inc.id, serviceId: inc.service_id, kind: 'updated' });
    return { ...inc, ...patch };
  });
}

/**
 * The snooze of a claimed incident has ended: an acknowledged incident triggers again and
 * escalates from the first level, as the acknowledgement timeout does. Anything else (a
 * status that changed without clearing it) just loses the stale end.
 */
export async function endSnooze(tx: Tx, incident: IncidentTable): Promise<void> {
  if (incident.status === 'acknowledged') {
    await setStatus(tx, incident, 'triggered', null, { type: 'timeout', reason: 'snooze ended' }, undefined, say('timeline.snoozeEnded'));
    return;
  }
  await store.updateIncident(tx.trx, incident.org_id, incident.id, { snoozed_until: null });
}
