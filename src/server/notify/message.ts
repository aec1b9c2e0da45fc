/**
 * Rows → the Message a channel sends: one or several incidents, with absolute
 * links and, for people on email and chat, one-click action links.
 */
import type { Kysely } from 'kysely';
import type { Database, IncidentTable, NotificationTable } from '../storage/schema.js';
import { iso } from '../lib/clock.js';
import type { IncidentEventType, IncidentView, Message } from './channel.js';
import { createActionToken } from './action-token.js';
import type { PolicySnapshot } from '../escalation/policy.js';

export async function incidentViews(db: Kysely<Database>, orgId: string, incidentIds: string[], baseUrl: string): Promise<Map<string, IncidentView>> {
  const out = new Map<string, IncidentView>();
  if (!incidentIds.length) return out;
  const incidents = await db.selectFrom('incidents').selectAll().where('org_id', '=', orgId).where('id', 'in', incidentIds).execute();
  const serviceIds = [...new Set(incidents.map((i) => i.service_id))];
  const services = serviceIds.length ? await db.selectFrom('services').select(['id', 'name']).where('org_id', '=', orgId).where('id', 'in', serviceIds).execute() : [];
  const assignments = await db
    .selectFrom('incident_assignments as a')
    .innerJoin('users as u', (j) => j.onRef('u.org_id', '=', 'a.org_id').onRef('u.id', '=', 'a.user_id'))
    .select(['a.incident_id', 'u.id', 'u.name'])
    .where('a.org_id', '=', orgId)
    .where('a.incident_id', 'in', incidentIds)
    .execute();
  const svc = new Map(services.map((s) => [s.id, s.name]));
  for (const i of incidents as IncidentTable[]) {
    const snap = i.escalation_snapshot ? (JSON.parse(i.escalation_snapshot) as PolicySnapshot) : null;
    out.set(i.id, {
      id: i.id,
      number: Number(i.number),
      title: i.title,
      status: i.status,
      urgency: i.urgency,
      incidentKey: i.incident_key,
      createdAt: iso(Number(i.created_at)),
      htmlUrl: `${baseUrl}/incidents/${i.id}`,
      selfUrl: `${baseUrl}/api/v1/incidents/${i.id}`,
      service: { id: i.service_id, name: svc.get(i.service_id) ?? i.service_id },
      escalationPolicy: snap ? { id: snap.policyId, name: snap.name } : null,
      assignees: assignments.filter((a) => a.incident_id === i.id).map((a) => ({ id: a.id, name: a.name })),
    });
  }
  return out;
}

/** Build the message for a group of outbox rows that go to one destination together. */
export async function buildMessage(
  db: Kysely<Database>,
  rows: NotificationTable[],
  ctx: { baseUrl: string; orgName: string; now: number; recipientName?: string; withActionLinks: boolean },
): Promise<Message> {
  const first = rows[0]!;
  const ids = [...new Set(rows.map((r) => r.incident_id).filter((x): x is string => !!x))];
  const views = await incidentViews(db, first.org_id, ids, ctx.baseUrl);
  const incidents: IncidentView[] = [];
  for (const id of ids) {
    const v = views.get(id);
    if (!v) continue;
    if (ctx.withActionLinks && first.user_id && first.channel !== 'webhook') {
      const ch = first.channel === 'slack' ? 'slack' : first.channel === 'email' ? 'email' : 'sms';
      const ack = await createActionToken(db, ctx.now, { orgId: first.org_id, incidentId: id, userId: first.user_id, action: 'acknowledge', channel: ch });
      const res = await createActionToken(db, ctx.now, { orgId: first.org_id, incidentId: id, userId: first.user_id, action: 'resolve', channel: ch });
      v.ackUrl = `${ctx.baseUrl}/a/${ack}`;
      v.resolveUrl = `${ctx.baseUrl}/a/${res}`;
      (v as IncidentView & { chatActionToken?: string }).chatActionToken = `${ack}.${res}`;
    }
    incidents.push(v);
  }
  const payload = first.payload ? (JSON.parse(first.payload) as { note?: { id: string; content: string }; agent?: Message['agent']; notice?: { subject: string; text: string } }) : {};
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
    ...(ctx.recipientName ? { recipientName: ctx.recipientName } : {}),
  };
}
