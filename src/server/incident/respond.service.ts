/**
 * Acting on an incident from wherever the page reached someone: a one-click link, a chat
 * button, an SMS reply. The caller has checked the credential (link token, request
 * signature); this acts as the person it names, and says why when there is nothing to do.
 */
import type { Kysely } from 'kysely';
import { getUser } from '../org/org.store.js';
import type { Database, IncidentTable } from '../storage/schema.js';
import type { Channel } from './incident.js';
import { inTransaction, requireIncident, setStatus, type UnitOfWork } from './incident.service.js';
import { findIncidentPagedTo } from './incident.store.js';

/** What happened, in words for the person who acted (`did`), or why nothing did (`message`). */
export type RespondOutcome = { ok: true; incident: IncidentTable; did: string } | { ok: false; message: string };

/** Acknowledge or resolve as `userId`, who must still be a member. Acknowledging an acknowledged incident is not an error. */
export async function respondAs(u: UnitOfWork, orgId: string, incidentId: string, userId: string, action: 'acknowledge' | 'resolve', channel: Channel): Promise<RespondOutcome> {
  return inTransaction(u, async (tx): Promise<RespondOutcome> => {
    const user = await getUser(tx.trx, orgId, userId);
    if (!user) return { ok: false, message: 'This person is no longer a member of the organization.' };
    const inc = await requireIncident(tx.trx, orgId, incidentId);
    if (inc.status === 'resolved') return { ok: false, message: `Incident #${inc.number} is already resolved.` };
    // Acknowledging a snoozed incident again ends its snooze (setStatus), as in PagerDuty.
    if (action === 'acknowledge' && inc.status === 'acknowledged' && inc.snoozed_until === null) return { ok: true, incident: inc, did: 'was already acknowledged' };
    const updated = await setStatus(tx, inc, action === 'acknowledge' ? 'acknowledged' : 'resolved', { id: user.id, type: 'user_reference', summary: user.name }, channel);
    return { ok: true, incident: updated, did: action === 'acknowledge' ? 'acknowledged' : 'resolved' };
  });
}

/**
 * Who is replying by SMS, and to which incident: the sender's verified SMS or phone
 * contact method, and the incident with that number most recently paged to it. A number
 * shared by members of several organizations resolves to the one that paged it.
 */
export async function findSmsResponder(db: Kysely<Database>, from: string, number: number): Promise<{ orgId: string; userId: string; incidentId: string } | null> {
  if (!from) return null;
  return findIncidentPagedTo(db, from, number);
}
