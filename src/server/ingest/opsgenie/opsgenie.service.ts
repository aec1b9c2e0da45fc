/**
 * Opsgenie's Alert API over Vigil's ingest path: a create is a trigger keyed by `alias`,
 * acknowledge and close are the Events API's acknowledge and resolve of that key, so event
 * rules, grouping, maintenance and durability are the same as for any event. Opsgenie
 * answers every action 202 with a request id and reports the outcome later
 * (`GET /v2/alerts/requests/{id}`); Vigil records the request in the transaction that
 * carries the event, so a 202 means both are committed.
 *
 * Identifiers (`identifierType`): `alias` is the dedup key; `id` is Vigil's alert id; `tiny`
 * is the number people see on the incident (an incident may hold several alerts: it names
 * the newest alert this integration added to it). All resolve within the key's integration.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../../lib/clock.js';
import type { Bus } from '../../lib/bus.js';
import type { Database, AlertTable, IntegrationTable } from '../../storage/schema.js';
import type { AgentRef, Channel } from '../../incident/incident.js';
import { addNote, inTransaction } from '../../incident/incident.service.js';
import { getIncident, getIncidentByNumber } from '../../incident/incident.store.js';
import { getAlert, latestAlertByKey, latestAlertOfIncident } from '../../incident/alert.store.js';
import { priorityNamed } from '../../org/priority.service.js';
import { heartbeatsNamed } from '../../service/service.store.js';
import { acceptPing } from '../heartbeat.js';
import type { IngestService, ResolvedIntegration } from '../ingest.service.js';
import { getRequest, recordRequest } from './request.store.js';
import { queueForward } from '../../notify/forward.js';
import { SEVERITY_OF, type AlertAction, type CreateAlert, type IdentifierType } from './validate.js';

export interface OpsgenieDeps {
  db: Kysely<Database>;
  clock: Clock;
  bus: Pick<Bus, 'publish'>;
  ingest: IngestService;
}

export type Action = 'Acknowledge' | 'Close' | 'AddNote';

export interface RequestStatus {
  success: boolean;
  isSuccess: boolean;
  action: string;
  processedAt: number;
  integrationId: string;
  status: string;
  alertId: string;
  alias: string;
}

/** The Opsgenie integration a GenieKey belongs to, or null. */
export async function integrationForKey(ingest: IngestService, key: string | null): Promise<ResolvedIntegration | null> {
  if (!key) return null;
  return ingest.resolveKey(key, 'opsgenie');
}

function channelOf(a: { source?: string; user?: string }): Channel {
  return { type: 'opsgenie', ...(a.source ? { source: a.source } : {}), ...(a.user ? { user: a.user } : {}) };
}

/** Create (or, with an open alert of that alias, count again): committed before it returns. */
/**
 * `raw`: the body as received, copied to the tool being left when the integration forwards
 * (notify/forward.ts). A create without an alias is copied with the alias Vigil gave it, and
 * an action always names its alert by alias there, so both tools track the same alert.
 */
export async function createAlert(deps: OpsgenieDeps, target: ResolvedIntegration, a: CreateAlert, raw?: unknown): Promise<{ requestId: string; alias: string }> {
  const requestId = randomUUID();
  const alias = a.alias ?? randomUUID();
  const priority = await priorityNamed(deps.db, target.integration.org_id, a.priority);
  const details = {
    custom_details: a.details,
    ...(a.description !== undefined ? { description: a.description } : {}),
    ...(a.tags.length ? { tags: a.tags } : {}),
    ...(a.entity !== undefined ? { entity: a.entity } : {}),
    ...(a.user !== undefined ? { user: a.user } : {}),
    opsgenie_priority: a.priority,
  };
  deps.ingest.admit(target.integration.id);
  await deps.ingest.submit({
    kind: 'trigger',
    target,
    channel: channelOf(a),
    dedupKey: alias,
    summary: a.message,
    severity: SEVERITY_OF[a.priority],
    source: a.source ?? null,
    details,
    priorityId: priority?.id ?? null,
    ...(a.note ? { note: a.note } : {}),
    request: { id: requestId, action: 'Create' },
    ...forwardCopy(target, requestId, '/v2/alerts', raw === undefined || a.alias !== undefined ? raw : { ...(raw as Record<string, unknown>), alias }),
  });
  deps.ingest.count('accepted', 'opsgenie');
  return { requestId, alias };
}

/** The alert an identifier names within this integration, or null. */
async function findAlert(db: Kysely<Database>, integration: IntegrationTable, identifier: string, type: IdentifierType): Promise<AlertTable | null> {
  const orgId = integration.org_id;
  if (type === 'alias') return (await latestAlertByKey(db, orgId, integration.id, identifier)) ?? null;
  if (type === 'id') {
    const alert = await getAlert(db, orgId, identifier);
    return alert && alert.integration_id === integration.id ? alert : null;
  }
  if (!/^[1-9]\d{0,15}$/.test(identifier)) return null;
  const incident = await getIncidentByNumber(db, orgId, Number(identifier));
  return incident ? ((await latestAlertOfIncident(db, orgId, incident.id, integration.id)) ?? null) : null;
}

/**
 * Acknowledge, close or add a note. Like Opsgenie, an identifier that names no alert is still
 * accepted (202); its request then reports the failure.
 */
export async function act(deps: OpsgenieDeps, target: ResolvedIntegration, action: Action, identifier: string, type: IdentifierType, body: AlertAction, raw?: unknown): Promise<{ requestId: string }> {
  const requestId = randomUUID();
  const { integration } = target;
  deps.ingest.admit(integration.id);
  const failed = (status: string, alert?: AlertTable | null) =>
    recordRequest(deps.db, { org_id: integration.org_id, id: requestId, integration_id: integration.id, action, dedup_key: alert?.dedup_key ?? (type === 'alias' ? identifier : null), alert_id: alert?.id ?? null, success: 0, status, created_at: deps.clock.now() });

  if (action === 'AddNote') {
    const alert = await findAlert(deps.db, integration, identifier, type);
    if (!alert) return failed('Alert does not exist').then(() => ({ requestId }));
    if (!alert.incident_id) return failed('Alert is suppressed: it has no incident to take a note', alert).then(() => ({ requestId }));
    const agent: AgentRef = { id: integration.id, type: 'integration_reference', summary: integration.name };
    await inTransaction(deps, async (tx) => {
      const incident = await getIncident(tx.trx, integration.org_id, alert.incident_id!);
      if (!incident) throw new Error(`incident ${alert.incident_id} of alert ${alert.id} is missing`);
      await addNote(tx, incident, body.note!, agent, channelOf(body));
      const copy = forwardCopy(target, requestId, actionPath(alert.dedup_key, action), raw).forward;
      if (copy) await queueForward(tx.trx, tx.now, integration.org_id, integration.id, copy);
      await recordRequest(tx.trx, { org_id: integration.org_id, id: requestId, integration_id: integration.id, action, dedup_key: alert.dedup_key, alert_id: alert.id, success: 1, status: 'Added note', created_at: tx.now });
    });
    return { requestId };
  }

  let dedupKey = identifier;
  if (type !== 'alias') {
    const alert = await findAlert(deps.db, integration, identifier, type);
    if (!alert) return failed('Alert does not exist').then(() => ({ requestId }));
    if (alert.open !== 1) return failed('Alert is already closed', alert).then(() => ({ requestId }));
    dedupKey = alert.dedup_key;
  }
  await deps.ingest.submit({
    kind: action === 'Close' ? 'resolve' : 'acknowledge',
    target,
    channel: channelOf(body),
    dedupKey,
    ...(body.note ? { note: body.note } : {}),
    request: { id: requestId, action },
    ...forwardCopy(target, requestId, actionPath(dedupKey, action), raw),
  });
  deps.ingest.count('accepted', 'opsgenie');
  return { requestId };
}

const ACTION_PATH: Record<Action, string> = { Acknowledge: 'acknowledge', Close: 'close', AddNote: 'notes' };
const actionPath = (alias: string, action: Action) => `/v2/alerts/${encodeURIComponent(alias)}/${ACTION_PATH[action]}?identifierType=alias`;

/** The job's copy for the tool being left, when the integration forwards (notify/forward.ts). */
function forwardCopy(target: ResolvedIntegration, requestId: string, path: string, raw: unknown): { forward?: { eventId: string; path: string; body: unknown } } {
  return target.integration.forward_url && raw !== undefined ? { forward: { eventId: requestId, path, body: raw ?? {} } } : {};
}

const DONE: Record<string, string> = { Create: 'Created alert', Acknowledge: 'Acknowledged alert', Close: 'Closed alert', AddNote: 'Added note' };

/** What became of a request made with any Opsgenie key of the organization; null: no such request. */
export async function requestStatus(db: Kysely<Database>, orgId: string, requestId: string): Promise<RequestStatus | null> {
  const r = await getRequest(db, orgId, requestId);
  if (!r) return null;
  const at = Number(r.created_at);
  let success = r.success === null ? null : r.success === 1;
  let status = r.status;
  let alertId = r.alert_id;
  if (success === null) {
    const alert = r.dedup_key === null ? undefined : await latestAlertByKey(db, orgId, r.integration_id, r.dedup_key, at);
    success = alert !== undefined;
    alertId = alert?.id ?? null;
    status = !alert ? (r.action === 'Create' ? 'Alert was not created: its service is disabled' : 'Alert does not exist') : r.action === 'Create' && Number(alert.first_seen_at) < at ? 'Alert already exists: its count was increased' : (DONE[r.action] ?? r.action);
  }
  return { success, isSuccess: success, action: r.action, processedAt: at, integrationId: r.integration_id, status: status ?? '', alertId: alertId ?? '', alias: r.dedup_key ?? '' };
}

/**
 * A ping of the organization's heartbeat integration with this name (the oldest, if several
 * share it). Null: no heartbeat has that name.
 */
export async function pingHeartbeat(deps: OpsgenieDeps, orgId: string, name: string): Promise<{ recovered: boolean } | null> {
  const [hb] = await heartbeatsNamed(deps.db, orgId, name);
  if (!hb) return null;
  deps.ingest.admit(hb.id);
  const r = await acceptPing(deps, hb);
  return { recovered: r.recovered };
}
