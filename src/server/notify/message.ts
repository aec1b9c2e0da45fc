/**
 * Outbox rows → the Message a channel sends: one or several incidents, with absolute
 * links and, for people on email and chat, one-click action links. Pure: the engine
 * reads the incidents (engine/deliver/message.ts) and creates the action tokens.
 */
import { iso } from '../lib/clock.js';
import type { ActionTokenTable, IncidentTable, NotificationTable } from '../storage/schema.js';
import type { PolicySnapshot } from '../escalation/policy.js';
import type { IncidentEventType, IncidentView, Message } from './channel.js';

/** What a message says about one incident, read by the caller. */
export interface IncidentFacts {
  incident: IncidentTable;
  serviceName: string | null;
  assignees: { id: string; name: string }[];
  /** The name of the incident's priority, when it has one. */
  priorityName?: string | null;
}

export function incidentView(f: IncidentFacts, baseUrl: string): IncidentView {
  const i = f.incident;
  const snap = i.escalation_snapshot ? (JSON.parse(i.escalation_snapshot) as PolicySnapshot) : null;
  return {
    id: i.id,
    number: Number(i.number),
    title: i.title,
    status: i.status,
    urgency: i.urgency,
    incidentKey: i.incident_key,
    createdAt: iso(Number(i.created_at)),
    htmlUrl: `${baseUrl}/incidents/${i.id}`,
    selfUrl: `${baseUrl}/api/v1/incidents/${i.id}`,
    service: { id: i.service_id, name: f.serviceName ?? i.service_id },
    escalationPolicy: snap ? { id: snap.policyId, name: snap.name } : null,
    assignees: f.assignees,
    priority: i.priority_id ? { id: i.priority_id, name: f.priorityName ?? i.priority_id } : null,
  };
}

/** Action links are offered on pages to people, on every channel but webhooks. */
export function wantsActionLinks(first: NotificationTable): boolean {
  return first.kind === 'page' && first.user_id !== null && first.channel !== 'webhook';
}

/** The channel an action token is issued for (what the person will press it in). */
export function actionChannel(first: NotificationTable): ActionTokenTable['channel'] {
  const c = first.channel;
  return c === 'slack' || c === 'email' || c === 'ntfy' || c === 'push' || c === 'discord' || c === 'teams' || c === 'matrix' || c === 'telegram' ? c : 'sms';
}

/** One-click links for an incident view, from a pair of action tokens. */
export function withActionLinks(v: IncidentView, baseUrl: string, ack: string, resolve: string): IncidentView {
  return { ...v, ackUrl: `${baseUrl}/a/${ack}`, resolveUrl: `${baseUrl}/a/${resolve}`, chatActionToken: `${ack}.${resolve}` };
}

/** The message for a group of outbox rows that go to one destination together. */
export function composeMessage(rows: readonly NotificationTable[], incidents: IncidentView[], ctx: { orgName: string; recipientName?: string; locale?: string; timeZone?: string }): Message {
  const first = rows[0]!;
  const payload = first.payload ? (JSON.parse(first.payload) as { note?: { id: string; content: string }; agent?: Message['agent']; notice?: { subject: string; text: string; html?: string }; code?: string; email_headers?: Record<string, string>; status_event?: Record<string, unknown> }) : {};
  return {
    idempotencyKey: rows.length === 1 ? first.idempotency_key : `bundle:${rows.map((r) => r.id).sort().join(',')}`,
    kind: first.kind,
    eventType: (incidents.length && first.kind === 'page' ? (incidents[0]!.status === 'triggered' ? 'incident.triggered' : `incident.${incidents[0]!.status}`) : first.event_type) as IncidentEventType,
    occurredAt: iso(first.created_at),
    orgName: ctx.orgName,
    agent: payload.agent ?? null,
    incidents,
    ...(payload.note ? { note: payload.note } : {}),
    ...(payload.notice ? { notice: payload.notice } : {}),
    ...(payload.email_headers ? { emailHeaders: payload.email_headers } : {}),
    ...(payload.status_event ? { statusEvent: payload.status_event } : {}),
    ...(first.kind === 'verification' ? { code: payload.code ?? '' } : {}),
    ...(ctx.recipientName ? { recipientName: ctx.recipientName } : {}),
    ...(ctx.locale ? { locale: ctx.locale } : {}),
    ...(ctx.timeZone ? { timeZone: ctx.timeZone } : {}),
  };
}
