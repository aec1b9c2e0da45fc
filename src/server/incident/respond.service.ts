/**
 * Acting on an incident from wherever the page reached someone: a one-click link, a chat
 * button, an SMS reply. The caller has checked the credential (link token, request
 * signature); this acts as the person it names, and says why when there is nothing to do.
 */
import type { Kysely } from 'kysely';
import { localeFor } from '../lib/i18n/translate.js';
import { findPhoneOwnerLocales, getOrganization, getUser } from '../org/org.store.js';
import type { Database, IncidentTable } from '../storage/schema.js';
import type { Channel } from './incident.js';
import { inTransaction, requireIncident, setStatus, type UnitOfWork } from './incident.service.js';
import { findIncidentPagedTo } from './incident.store.js';

/**
 * What happened (`done`), or why nothing did (`reason`, with the incident's `number`), as codes:
 * each channel words them in its reader's language (http/presenters/one-click-page.ts `outcomeText`).
 */
export type RespondOutcome = { ok: true; incident: IncidentTable; done: 'acknowledged' | 'resolved' | 'already_acknowledged' } | { ok: false; reason: 'not_member' | 'already_resolved'; number: number };

/** Acknowledge or resolve as `userId`, who must still be a member. Acknowledging an acknowledged incident is not an error. */
export async function respondAs(u: UnitOfWork, orgId: string, incidentId: string, userId: string, action: 'acknowledge' | 'resolve', channel: Channel): Promise<RespondOutcome> {
  return inTransaction(u, async (tx): Promise<RespondOutcome> => {
    const inc = await requireIncident(tx.trx, orgId, incidentId);
    const user = await getUser(tx.trx, orgId, userId);
    if (!user) return { ok: false, reason: 'not_member', number: Number(inc.number) };
    if (inc.status === 'resolved') return { ok: false, reason: 'already_resolved', number: Number(inc.number) };
    // Acknowledging a snoozed incident again ends its snooze (setStatus), as in PagerDuty.
    if (action === 'acknowledge' && inc.status === 'acknowledged' && inc.snoozed_until === null) return { ok: true, incident: inc, done: 'already_acknowledged' };
    const updated = await setStatus(tx, inc, action === 'acknowledge' ? 'acknowledged' : 'resolved', { id: user.id, type: 'user_reference', summary: user.name }, channel);
    return { ok: true, incident: updated, done: action === 'acknowledge' ? 'acknowledged' : 'resolved' };
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

/**
 * The language to answer an SMS reply in: the replying member's (theirs, else their
 * organization's); before an incident is found, that of the members whose verified phone
 * sent it when they all read the same one, else English.
 */
export async function smsReplyLocale(db: Kysely<Database>, from: string, target?: { orgId: string; userId: string } | null): Promise<string> {
  if (target) {
    const [user, org] = await Promise.all([getUser(db, target.orgId, target.userId), getOrganization(db, target.orgId)]);
    return localeFor(user?.locale, org?.default_locale);
  }
  const locales = new Set((await findPhoneOwnerLocales(db, from)).map((m) => localeFor(m.locale, m.orgLocale)));
  return locales.size === 1 ? [...locales][0]! : localeFor(null, null);
}
