/**
 * The facts a message needs, read for the deliver module: the incidents a group of outbox
 * rows is about (with their service's and priority's names and their assignees), one-click action tokens for people,
 * and, for a webhook event, who caused it and the note it reports. The wording and shape
 * are notify's (notify/message.ts).
 */
import type { Kysely } from 'kysely';
import type { Database, NotificationTable } from '../../storage/schema.js';
import type { Message } from '../../notify/channel.js';
import { actionChannel, composeMessage, incidentView, wantsActionLinks, withActionLinks } from '../../notify/message.js';
import { createActionToken } from '../../notify/action-token.js';
import { confirmLinkFor } from '../../notify/test-page.service.js';
import { incidentsForMessage } from '../../incident/incident.store.js';
import { getLogEntry } from '../../incident/log-entry.store.js';
import { getOrganization, getUsers } from '../../org/org.store.js';
import { localeFor } from '../../lib/i18n/translate.js';

type Db = Kysely<Database>;

/**
 * What a message says, read without writing anything: the deliver module reads it while it
 * reads the destination (two reads, one wait) and writes the one-click tokens only once it
 * knows the message goes out.
 */
export interface MessageFacts {
  org: Awaited<ReturnType<typeof getOrganization>>;
  recipient: Awaited<ReturnType<typeof getUsers>>[number] | undefined;
  views: IncidentView[];
  /** For a webhook event: the timeline entry it reports (who caused it, the note). */
  logEntry: Awaited<ReturnType<typeof getLogEntry>>;
}

type IncidentView = ReturnType<typeof incidentView>;

export async function readMessageFacts(db: Db, rows: readonly NotificationTable[], ctx: { baseUrl: string }): Promise<MessageFacts> {
  const first = rows[0]!;
  const orgId = first.org_id;
  const ids = [...new Set(rows.map((r) => r.incident_id).filter((x): x is string => !!x))];
  const logEntryId = first.subscription_id && first.payload ? (JSON.parse(first.payload) as { log_entry_id?: string }).log_entry_id : undefined;
  const [org, recipient, { incidents, assignees }, logEntry] = await Promise.all([
    getOrganization(db, orgId),
    first.user_id ? getUsers(db, orgId, [first.user_id]).then((u) => u[0]) : undefined,
    incidentsForMessage(db, orgId, ids),
    logEntryId ? getLogEntry(db, orgId, logEntryId) : undefined,
  ]);
  const byId = new Map(incidents.map((i) => [i.id, i]));
  const views = ids.flatMap((id) => {
    const incident = byId.get(id);
    if (!incident) return [];
    return [incidentView({ incident, serviceName: incident.service_name, priorityName: incident.priority_name, assignees: assignees.get(id) ?? [] }, ctx.baseUrl)];
  });
  return { org, recipient, views, logEntry };
}

/** The message for `rows` from what was read, with the one-click tokens (and a test's confirmation link) it carries written now. */
export async function composeFromFacts(db: Db, rows: readonly NotificationTable[], facts: MessageFacts, ctx: { baseUrl: string; now: number }): Promise<Message> {
  const first = rows[0]!;
  const orgId = first.org_id;
  const { org, recipient } = facts;
  const views = await Promise.all(
    facts.views.map(async (view) => {
      const id = view.id;
      if (first.channel === 'voice' && wantsActionLinks(first)) {
        // A call acts by keypress: one token, the key decides (1 acknowledges, 2 escalates).
        return { ...view, keypressToken: await createActionToken(db, ctx.now, { orgId, incidentId: id, userId: first.user_id!, action: 'keypress', channel: 'voice' }) };
      }
      if (!wantsActionLinks(first)) return view;
      const token = (action: 'acknowledge' | 'resolve') => createActionToken(db, ctx.now, { orgId, incidentId: id, userId: first.user_id!, action, channel: actionChannel(first) });
      const [ack, resolve] = await Promise.all([token('acknowledge'), token('resolve')]);
      return withActionLinks(view, ctx.baseUrl, ack, resolve);
    }),
  );
  // Read in the person's language and zone; a message to no one (a chat room) in the organization's.
  const locale = localeFor(recipient?.locale, org?.default_locale);
  const timeZone = recipient?.time_zone ?? org?.time_zone ?? 'UTC';
  const msg = composeMessage(rows, views, { orgName: org?.name ?? '', ...(recipient ? { recipientName: recipient.name } : {}), locale, timeZone });
  const confirm = await confirmLinkFor(db, first, ctx.baseUrl, ctx.now);
  if (confirm) {
    msg.confirmUrl = confirm.url;
    msg.confirmToken = confirm.token;
  }
  const e = facts.logEntry;
  if (e) {
    if (e.agent) {
      const a = JSON.parse(e.agent) as { id: string; type: string; summary: string };
      msg.agent = { id: a.id, type: a.type === 'user_reference' ? 'user_reference' : 'service_reference', name: a.summary };
    }
    if (e.type === 'annotate_log_entry') msg.note = { id: e.id, content: e.summary };
  }
  return msg;
}
