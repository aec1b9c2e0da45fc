/**
 * The facts a message needs, read for the deliver module: the incidents a group of outbox
 * rows is about (with their service and assignees), one-click action tokens for people,
 * and, for a webhook event, who caused it and the note it reports. The wording and shape
 * are notify's (notify/message.ts).
 */
import type { Kysely } from 'kysely';
import type { Database, NotificationTable } from '../../storage/schema.js';
import type { Message } from '../../notify/channel.js';
import { actionChannel, composeMessage, incidentView, wantsActionLinks, withActionLinks } from '../../notify/message.js';
import { createActionToken } from '../../notify/action-token.js';
import { confirmLinkFor } from '../../notify/test-page.service.js';
import { assignmentsOf, getIncidentsByIds, getLogEntry } from '../../incident/incident.store.js';
import { getServicesByIds } from '../../service/service.store.js';
import { getOrganization, getUsers } from '../../org/org.store.js';
import { priorityNames } from '../../org/priority.service.js';
import { localeFor } from '../../lib/i18n/translate.js';

type Db = Kysely<Database>;

export async function gatherMessage(db: Db, rows: readonly NotificationTable[], ctx: { baseUrl: string; now: number }): Promise<Message> {
  const first = rows[0]!;
  const orgId = first.org_id;
  const ids = [...new Set(rows.map((r) => r.incident_id).filter((x): x is string => !!x))];
  const [org, recipient, incidents, assignments] = await Promise.all([
    getOrganization(db, orgId),
    first.user_id ? getUsers(db, orgId, [first.user_id]).then((u) => u[0]) : undefined,
    getIncidentsByIds(db, orgId, ids),
    assignmentsOf(db, orgId, ids),
  ]);
  const [services, assignees, priorities] = await Promise.all([
    getServicesByIds(db, orgId, [...new Set(incidents.map((i) => i.service_id))]),
    getUsers(db, orgId, [...new Set([...assignments.values()].flat().map((a) => a.user_id))]),
    priorityNames(db, orgId, incidents.flatMap((i) => (i.priority_id ? [i.priority_id] : []))),
  ]);
  const serviceName = new Map(services.map((s) => [s.id, s.name]));
  const userName = new Map(assignees.map((u) => [u.id, u.name]));
  const byId = new Map(incidents.map((i) => [i.id, i]));
  const views = [];
  for (const id of ids) {
    const incident = byId.get(id);
    if (!incident) continue;
    let view = incidentView(
      { incident, serviceName: serviceName.get(incident.service_id) ?? null, priorityName: incident.priority_id ? (priorities.get(incident.priority_id) ?? null) : null, assignees: (assignments.get(id) ?? []).filter((a) => userName.has(a.user_id)).map((a) => ({ id: a.user_id, name: userName.get(a.user_id)! })) },
      ctx.baseUrl,
    );
    if (first.channel === 'voice' && wantsActionLinks(first)) {
      // A call acts by keypress: one token, the key decides (1 acknowledges, 2 escalates).
      view = { ...view, keypressToken: await createActionToken(db, ctx.now, { orgId, incidentId: id, userId: first.user_id!, action: 'keypress', channel: 'voice' }) };
    } else if (wantsActionLinks(first)) {
      const token = (action: 'acknowledge' | 'resolve') => createActionToken(db, ctx.now, { orgId, incidentId: id, userId: first.user_id!, action, channel: actionChannel(first) });
      view = withActionLinks(view, ctx.baseUrl, await token('acknowledge'), await token('resolve'));
    }
    views.push(view);
  }
  // Read in the person's language and zone; a message to no one (a chat room) in the organization's.
  const locale = localeFor(recipient?.locale, org?.default_locale);
  const timeZone = recipient?.time_zone ?? org?.time_zone ?? 'UTC';
  const msg = composeMessage(rows, views, { orgName: org?.name ?? '', ...(recipient ? { recipientName: recipient.name } : {}), locale, timeZone });
  const confirm = await confirmLinkFor(db, first, ctx.baseUrl, ctx.now);
  if (confirm) {
    msg.confirmUrl = confirm.url;
    msg.confirmToken = confirm.token;
  }
  if (first.subscription_id && first.payload) {
    const { log_entry_id } = JSON.parse(first.payload) as { log_entry_id?: string };
    const e = log_entry_id ? await getLogEntry(db, orgId, log_entry_id) : undefined;
    if (e?.agent) {
      const a = JSON.parse(e.agent) as { id: string; type: string; summary: string };
      msg.agent = { id: a.id, type: a.type === 'user_reference' ? 'user_reference' : 'service_reference', name: a.summary };
    }
    if (e && e.type === 'annotate_log_entry') msg.note = { id: e.id, content: e.summary };
  }
  return msg;
}
