/**
 * Staff mark an incident intense: volunteers who respond to it get the cool-down after
 * it, as after a critical incident (work.ts criticalIncidents). The mark, its audit
 * entry and the timeline entry are written in one transaction.
 */
import type { Kysely } from 'kysely';
import { notFound } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { getUsers } from '../org/org.store.js';
import { getIncident } from '../incident/incident.store.js';
import { appendLog } from '../incident/timeline.js';
import type { Database, IncidentTable } from '../storage/schema.js';
import { audit } from './access.service.js';
import * as shiftStore from './shift.store.js';
import { say } from '../lib/i18n/translate.js';

type Db = Kysely<Database>;

export interface IntenseMark {
  incident: IncidentTable;
  markedBy: { id: string; name: string | null };
  markedAt: number;
  note: string | null;
}

async function agentOf(db: Db, orgId: string, userId: string) {
  const name = (await getUsers(db, orgId, [userId])).find((u) => u.id === userId)?.name ?? null;
  return { name, agent: { id: userId, type: 'user_reference' as const, summary: name ?? userId } };
}

export async function markIntense(db: Db, clock: Clock, orgId: string, actorId: string, incidentId: string, note: string | null): Promise<IntenseMark> {
  const inc = await getIncident(db, orgId, incidentId);
  if (!inc) throw notFound(`incident ${incidentId}`);
  const now = clock.now();
  const { name, agent } = await agentOf(db, orgId, actorId);
  await db.transaction().execute(async (trx) => {
    await shiftStore.putIntense(trx, { org_id: orgId, incident_id: inc.id, marked_by: actorId, marked_at: now, note });
    await audit(trx, orgId, actorId, 'incident.intense', `incidents/${inc.id}`, now);
    await appendLog({ trx, now, changes: [] }, orgId, inc.service_id, inc.id, 'intense_log_entry', say('timeline.intense.marked', { agent: agent.summary, hasNote: note ? 'yes' : 'no', note: note ?? '' }), agent, { type: 'api' });
  });
  return { incident: inc, markedBy: { id: actorId, name }, markedAt: now, note };
}

export async function unmarkIntense(db: Db, clock: Clock, orgId: string, actorId: string, incidentId: string): Promise<void> {
  const inc = await getIncident(db, orgId, incidentId);
  const now = clock.now();
  const { agent } = await agentOf(db, orgId, actorId);
  await db.transaction().execute(async (trx) => {
    const removed = await shiftStore.deleteIntense(trx, orgId, incidentId);
    if (!inc || !removed) throw notFound(`intense mark on incident ${incidentId}`);
    await audit(trx, orgId, actorId, 'incident.not_intense', `incidents/${inc.id}`, now);
    await appendLog({ trx, now, changes: [] }, orgId, inc.service_id, inc.id, 'intense_log_entry', say('timeline.intense.unmarked', { agent: agent.summary }), agent, { type: 'api' });
  });
}
