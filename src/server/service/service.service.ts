import type { Kysely } from 'kysely';
import { audited, type AuditActor } from '../org/audit.service.js';
import { invalid, notFound } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { getPolicy } from '../escalation/policy.store.js';
import { deletePolicy } from '../escalation/policy.service.js';
import { newId } from '../lib/ids.js';
import { lockOrganization } from '../storage/dialect.js';
import { hashSecret, newRoutingKey } from '../lib/secrets.js';
import type { Database, IntegrationTable, IntegrationType, ServiceTable } from '../storage/schema.js';
import { compileMapping, type WebhookConfig } from './webhook-mapping.js';
import { WEBHOOK_PRESETS } from './webhook-presets.js';
import * as store from './service.store.js';
import { alertSettingsPatch, type AlertSettingsInput } from './alert-settings.js';
import { getOrganization, updateOrganization } from '../org/org.store.js';
import { objectIdsOfTeams, setObjectTeams, teamIdsOfRefs } from '../org/team.service.js';
import { parseGrouping, storeGrouping } from './alert-grouping.js';
import { parseForward } from './forward.js';

export interface ServiceInput extends AlertSettingsInput {
  type?: 'service';
  name?: string;
  description?: string | null;
  status?: ServiceTable['status'];
  escalation_policy?: { id: string } | null;
  acknowledgement_timeout?: number | null;
  auto_resolve_timeout?: number | null;
  /** PagerDuty's teams: references to the organization's teams; replaces the service's teams. */
  teams?: unknown;
}

/** Fields of PagerDuty's service that Vigil computes: a client that sends back what it read (GET, change, PUT) may include them; they change nothing. */
const READ_ONLY = ['id', 'summary', 'self', 'html_url', 'created_at', 'updated_at', 'last_incident_timestamp', 'integrations', 'built_in'];
const WRITABLE = ['teams', 'type', 'name', 'description', 'status', 'escalation_policy', 'acknowledgement_timeout', 'auto_resolve_timeout', 'incident_urgency_rule', 'support_hours', 'scheduled_actions', 'alert_grouping_parameters', 'auto_pause_notifications_parameters', 'alert_creation'];

/** Every field of a service body is honoured or refused, never dropped: add-ons and response plays Vigil does not have are refused unless empty. */
function unknownFields(input: object): string[] {
  const errors: string[] = [];
  for (const [k, v] of Object.entries(input)) {
    if (WRITABLE.includes(k) || READ_ONLY.includes(k)) continue;
    if (k === 'addons' && Array.isArray(v) && v.length === 0) continue;
    if (k === 'response_play' && v === null) continue;
    if (k === 'addons') errors.push('service.addons: Vigil has no add-ons; leave it out or send []');
    else if (k === 'response_play') errors.push('service.response_play: Vigil has no response plays (PagerDuty deprecated them); leave it out or send null');
    else errors.push(`service.${k} is not a field of a service`);
  }
  return errors;
}

async function policyId(db: Kysely<Database>, orgId: string, ref: ServiceInput['escalation_policy']): Promise<string | null | undefined> {
  if (ref === undefined) return undefined;
  if (ref === null) return null;
  if (!(await getPolicy(db, orgId, ref.id))) throw invalid(`service.escalation_policy: escalation policy ${ref.id} not found`);
  return ref.id;
}

export async function createService(db: Kysely<Database>, clock: Clock, orgId: string, input: ServiceInput & { name: string }, actor?: AuditActor): Promise<ServiceTable> {
  const now = clock.now();
  // New services group alerts as their organization chose (PagerDuty's default: not at all).
  const grouping = (await getOrganization(db, orgId))?.default_alert_grouping ?? null;
  const { patch, errors } = alertSettingsPatch(input, null, now);
  errors.unshift(...unknownFields(input));
  if (!input.name.trim()) errors.unshift('service.name must not be blank');
  if (errors.length) throw invalid(...errors);
  const row: ServiceTable = {
    org_id: orgId,
    id: newId(now),
    name: input.name.trim(),
    description: input.description ?? null,
    status: input.status ?? 'active',
    escalation_policy_id: (await policyId(db, orgId, input.escalation_policy)) ?? null,
    urgency_rule: 'high',
    urgency_during: null,
    urgency_outside: null,
    support_hours: null,
    scheduled_actions: null,
    urgency_change_at: null,
    auto_pause: null,
    alert_grouping: grouping,
    ...patch,
    acknowledgement_timeout: input.acknowledgement_timeout ?? null,
    auto_resolve_timeout: input.auto_resolve_timeout ?? null,
    created_at: now,
    updated_at: now,
    deleted_at: null,
    built_in: null,
  };
  const teamIds = input.teams === undefined ? undefined : await teamIdsOfRefs(db, orgId, input.teams, 'service.teams');
  await audited(db, now, orgId, actor, { root: { type: 'service', id: row.id, name: row.name }, action: 'create', before: null, after: { ...row } }, async (trx) => {
    await store.insertService(trx, row);
    if (teamIds) await setObjectTeams(trx, orgId, 'service', row.id, teamIds);
  });
  return row;
}

export const HEALTH_SERVICE_NAME = 'Vigil health';

/**
 * The organization's built-in "Vigil health" service, created on first need: Vigil's
 * self-checks open incidents on it (engine/self-check). It has no escalation policy, so
 * its incidents page every owner and admin on their verified methods (the last resort,
 * escalation/step.ts). Under the organization's lock, so two nodes never create two.
 * Deleted by someone, it is created again at the next need.
 */
export async function ensureHealthService(trx: Kysely<Database>, now: number, orgId: string): Promise<ServiceTable> {
  const found = await store.findBuiltInService(trx, orgId, 'vigil_health');
  if (found) return found;
  await lockOrganization(trx, orgId);
  const again = await store.findBuiltInService(trx, orgId, 'vigil_health');
  if (again) return again;
  const row: ServiceTable = {
    org_id: orgId,
    id: newId(now),
    name: HEALTH_SERVICE_NAME,
    description: 'Built in: Vigil opens incidents here when it finds itself unwell (engine lag, messages stuck in the outbox, a failing channel, low disk, a failed backup) and pages the organization’s owners and admins. See docs/operating.md, "Self-checks".',
    status: 'active',
    escalation_policy_id: null,
    urgency_rule: 'high',
    urgency_during: null,
    urgency_outside: null,
    support_hours: null,
    scheduled_actions: null,
    urgency_change_at: null,
    auto_pause: null,
    alert_grouping: null,
    acknowledgement_timeout: null,
    auto_resolve_timeout: null,
    created_at: now,
    updated_at: now,
    deleted_at: null,
    built_in: 'vigil_health',
  };
  await store.insertService(trx, row);
  return row;
}

export async function updateService(db: Kysely<Database>, clock: Clock, orgId: string, id: string, input: ServiceInput, actor?: AuditActor): Promise<ServiceTable> {
  const current = await store.getService(db, orgId, id);
  if (!current) throw notFound(`service ${id}`);
  const now = clock.now();
  const settings = alertSettingsPatch(input, current, now);
  settings.errors.unshift(...unknownFields(input));
  if (input.name !== undefined && !input.name.trim()) settings.errors.unshift('service.name must not be blank');
  if (settings.errors.length) throw invalid(...settings.errors);
  const patch: Partial<ServiceTable> = { updated_at: now, ...settings.patch };
  if (input.name !== undefined) patch.name = input.name.trim();
  if (input.description !== undefined) patch.description = input.description;
  if (input.status !== undefined) patch.status = input.status;
  const pol = await policyId(db, orgId, input.escalation_policy);
  if (pol !== undefined) patch.escalation_policy_id = pol;
  if (input.acknowledgement_timeout !== undefined) patch.acknowledgement_timeout = input.acknowledgement_timeout;
  if (input.auto_resolve_timeout !== undefined) patch.auto_resolve_timeout = input.auto_resolve_timeout;
  const teamIds = input.teams === undefined ? undefined : await teamIdsOfRefs(db, orgId, input.teams, 'service.teams');
  const after = { ...current, ...patch };
  await audited(db, now, orgId, actor, { root: { type: 'service', id, name: after.name }, action: 'update', before: { ...current }, after: { ...after } }, async (trx) => {
    await store.updateService(trx, orgId, id, patch);
    if (teamIds) await setObjectTeams(trx, orgId, 'service', id, teamIds);
  });
  return after;
}

const TYPE_ALIASES: Record<string, IntegrationType> = {
  events_v2: 'events_v2',
  events_api_v2: 'events_v2',
  events_api_v2_inbound_integration: 'events_v2',
  generic_events_api_inbound_integration: 'events_v2',
  alertmanager: 'alertmanager',
  alertmanager_inbound_integration: 'alertmanager',
  heartbeat: 'heartbeat',
  heartbeat_inbound_integration: 'heartbeat',
  impact: 'impact',
  impact_inbound_integration: 'impact',
  opsgenie: 'opsgenie',
  generic_webhook: 'generic_webhook',
  generic_webhook_inbound_integration: 'generic_webhook',
  email: 'email',
  email_inbound_integration: 'email',
  generic_email_inbound_integration: 'email',
};

export function integrationType(t: string): IntegrationType {
  const v = TYPE_ALIASES[t];
  if (!v) throw invalid(`integration.type: ${t} is not supported; use events_v2, alertmanager, heartbeat, impact, opsgenie, generic_webhook or email (generic_email_inbound_integration)`);
  return v;
}

/**
 * A new integration with a fresh routing key. The key is returned once and stored as its SHA-256.
 * `keepKey` (the importer only: an Opsgenie API key or PagerDuty routing key the sender already
 * holds) is used instead of a fresh one, stored hashed the same way.
 */
export async function createIntegration(db: Kysely<Database>, clock: Clock, orgId: string, service: ServiceTable, input: { type: string; name?: string; heartbeat_interval_seconds?: number; preset?: string | null; mapping?: unknown; email_config?: string }, keepKey?: string): Promise<{ integration: IntegrationTable; key: string }> {
  const type = integrationType(input.type);
  const webhook = type === 'generic_webhook' ? webhookConfig(input.preset, input.mapping, null) : null;
  if (type !== 'generic_webhook' && (input.preset !== undefined || input.mapping !== undefined)) throw invalid(`integration.${input.preset !== undefined ? 'preset' : 'mapping'}: applies to generic_webhook integrations only`);
  const now = clock.now();
  if (keepKey !== undefined) await checkKeptKey(db, keepKey, null);
  const key = keepKey ?? newRoutingKey();
  const integration: IntegrationTable = {
    org_id: orgId,
    id: newId(now),
    service_id: service.id,
    type,
    name: input.name?.trim() || (webhook?.preset ? `${WEBHOOK_PRESETS[webhook.preset]!.name} webhook` : { events_v2: 'Events API v2', alertmanager: 'Alertmanager', heartbeat: 'Heartbeat', impact: 'Impact counts', opsgenie: 'Opsgenie Alert API', generic_webhook: 'Generic webhook', email: 'Email' }[type]),
    key_hash: hashSecret(key),
    key_hint: key.slice(0, 4),
    created_at: now,
    deleted_at: null,
    // A heartbeat starts 'pending': it goes down only after a first ping was expected and missed.
    heartbeat_interval: type === 'heartbeat' ? (input.heartbeat_interval_seconds ?? 300) : null,
    heartbeat_next_due: type === 'heartbeat' ? now + (input.heartbeat_interval_seconds ?? 300) * 1000 : null,
    heartbeat_state: type === 'heartbeat' ? 'pending' : null,
    forward_url: null,
    forward_kind: null,
    forward_key: null,
    webhook_mapping: webhook ? JSON.stringify(webhook) : null,
    // Email integrations: their settings, checked by ingest/email/email-config.ts (the caller); the defaults when none were given.
    email_config: type === 'email' ? (input.email_config ?? '{}') : null,
  };
  if (type !== 'email' && input.email_config !== undefined) throw invalid('integration.email_incident_creation: email settings apply to email integrations only (type generic_email_inbound_integration)');
  if (type !== 'heartbeat' && input.heartbeat_interval_seconds !== undefined) throw invalid('integration.heartbeat_interval_seconds applies to heartbeat integrations only');
  await store.insertIntegration(db, integration);
  return { integration, key };
}

/** A kept key must be long enough to be a secret and must not already route to another integration. */
async function checkKeptKey(db: Kysely<Database>, key: string, integrationId: string | null): Promise<void> {
  if (key.length < 20 || key.length > 200 || /\s/.test(key)) throw invalid('integration key: a kept key must be 20 to 200 characters without spaces');
  const other = await store.integrationIdByKeyHash(db, hashSecret(key));
  if (other && other !== integrationId) throw invalid('integration key: this key already routes to another integration');
}

/** The importer: make an integration answer to the key its sender already holds. */
export async function setIntegrationKey(db: Kysely<Database>, orgId: string, integration: IntegrationTable, key: string): Promise<IntegrationTable> {
  await checkKeptKey(db, key, integration.id);
  const patch = { key_hash: hashSecret(key), key_hint: key.slice(0, 4) };
  await store.updateIntegration(db, orgId, integration.id, patch);
  return { ...integration, ...patch };
}

export async function rotateIntegrationKey(db: Kysely<Database>, orgId: string, integration: IntegrationTable): Promise<{ integration: IntegrationTable; key: string }> {
  const key = newRoutingKey();
  const patch = { key_hash: hashSecret(key), key_hint: key.slice(0, 4) };
  await store.updateIntegration(db, orgId, integration.id, patch);
  return { integration: { ...integration, ...patch }, key };
}

/**
 * `PUT …/integrations/{id}`: rename, and set or clear the forward (service/forward.ts). Every
 * field is checked first and the row written once, so a refused body changes nothing; an
 * unknown field is refused by name.
 */
export async function updateIntegration(db: Kysely<Database>, orgId: string, integration: IntegrationTable, input: Record<string, unknown>, emailConfig?: string): Promise<IntegrationTable> {
  const changeable = integration.type === 'generic_webhook' ? ['name', 'forward', 'preset', 'mapping'] : ['name', 'forward'];
  for (const name of Object.keys(input)) if (!changeable.includes(name)) throw invalid(`integration.${name}: cannot be changed here (${changeable.join(', ')}${integration.type === 'email' ? ' and the email settings' : ''})`);
  if (emailConfig !== undefined && integration.type !== 'email') throw invalid('integration.email_incident_creation: email settings apply to email integrations only');
  const webhook = input.preset !== undefined || input.mapping !== undefined ? webhookConfig(input.preset, input.mapping, integration.webhook_mapping) : undefined;
  let name = integration.name;
  if (input.name !== undefined) {
    if (typeof input.name !== 'string' || !input.name.trim() || input.name.length > 255) throw invalid('integration.name: must be 1 to 255 characters');
    name = input.name.trim();
  }
  const forward = input.forward === undefined ? undefined : parseForward(input.forward, integration);
  return db.transaction().execute(async (trx) => {
    const webhook_mapping = webhook ? JSON.stringify(webhook) : integration.webhook_mapping;
    const email_config = emailConfig ?? integration.email_config;
    if (name !== integration.name || webhook || emailConfig !== undefined) await store.updateIntegration(trx, orgId, integration.id, { name, ...(webhook ? { webhook_mapping } : {}), ...(emailConfig !== undefined ? { email_config } : {}) });
    if (forward === undefined) return { ...integration, name, webhook_mapping, email_config };
    if (forward === null) {
      await store.setIntegrationForward(trx, orgId, integration.id, null);
      return { ...integration, name, forward_url: null, forward_kind: null, forward_key: null };
    }
    const key = forward.key ?? (await store.integrationForward(trx, orgId, integration.id))?.key;
    if (!key) throw invalid(`integration.forward.${forward.kind === 'events_v2' ? 'routing_key' : 'api_key'}: is required`);
    await store.setIntegrationForward(trx, orgId, integration.id, { url: forward.url, kind: forward.kind, key });
    const after = await store.getIntegration(trx, orgId, integration.service_id, integration.id);
    return after ?? { ...integration, name };
  });
}

/**
 * A generic webhook's `preset` and `mapping` from a body: the preset's mapping, with the fields
 * the body's mapping sets (an empty string clears one) over it; on an update, the stored mapping
 * is the base when no preset is named. Every expression is compiled: a syntax error is a 400
 * naming its field (`integration.mapping.summary`).
 */
export function webhookConfig(preset: unknown, mapping: unknown, stored: string | null): WebhookConfig {
  if (preset !== undefined && preset !== null && (typeof preset !== 'string' || !WEBHOOK_PRESETS[preset])) throw invalid(`integration.preset: must be one of ${Object.keys(WEBHOOK_PRESETS).join(', ')} (or null)`);
  if (mapping !== undefined && mapping !== null && (typeof mapping !== 'object' || Array.isArray(mapping))) throw invalid('integration.mapping: must be an object of JSONata expressions');
  const before = stored ? (JSON.parse(stored) as WebhookConfig) : null;
  const name = typeof preset === 'string' ? preset : preset === null ? null : mapping === undefined || mapping === null ? (before?.preset ?? null) : null;
  const base: Record<string, unknown> = typeof preset === 'string' ? { ...WEBHOOK_PRESETS[preset]!.mapping } : preset === undefined && before ? { ...before.mapping } : {};
  const merged: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries((mapping ?? {}) as Record<string, unknown>)) {
    if (v === '' || v === null) delete merged[k];
    else merged[k] = v;
  }
  if (!name && !Object.keys(merged).length) throw invalid('integration.mapping: is required for a generic_webhook integration (or name a preset)');
  const c = compileMapping(merged, 'integration.mapping');
  if (!c.ok) throw invalid(...c.errors);
  // A preset whose mapping was changed is no longer that preset.
  const canon = (m: object) => JSON.stringify(Object.entries(m).sort(([a], [b]) => a.localeCompare(b)));
  const same = name !== null && canon(c.value.mapping) === canon(WEBHOOK_PRESETS[name]!.mapping);
  return { preset: same ? name : null, mapping: c.value.mapping };
}

/** The services that page through an escalation policy (PagerDuty lists them on the policy). */
export async function servicesUsingPolicy(db: Kysely<Database>, orgId: string, policyId: string): Promise<{ id: string; name: string }[]> {
  return store.servicesUsingPolicy(db, orgId, policyId);
}

/** Delete an escalation policy unless a service uses it (400 naming the services, as PagerDuty does). */
export async function deletePolicyIfUnused(db: Kysely<Database>, clock: Clock, orgId: string, policyId: string, actor?: AuditActor): Promise<void> {
  if (!(await getPolicy(db, orgId, policyId))) throw notFound(`escalation policy ${policyId}`);
  const services = await store.servicesUsingPolicy(db, orgId, policyId);
  if (services.length) {
    throw invalid(`escalation_policy: in use by ${services.length === 1 ? 'service' : 'services'} ${services.map((s) => `${s.name} (${s.id})`).join(', ')}; give them another policy first`);
  }
  await deletePolicy(db, clock, orgId, policyId, actor);
}

/** `teamIds`: only the services any of these teams owns (400 for an unknown team). */
export async function listServices(db: Kysely<Database>, orgId: string, q: { query?: string; sortDesc?: boolean; teamIds?: string[]; limit: number; offset: number }): Promise<{ rows: ServiceTable[]; total: number }> {
  const { teamIds, ...rest } = q;
  return store.listServices(db, orgId, { ...rest, ...(teamIds?.length ? { ids: await objectIdsOfTeams(db, orgId, 'service', teamIds) } : {}) });
}

/** A live service of the organization, or 404. */
export async function requireService(db: Kysely<Database>, orgId: string, id: string): Promise<ServiceTable> {
  const s = await store.getService(db, orgId, id);
  if (!s) throw notFound(`service ${id}`);
  return s;
}

/** Delete a service: its integrations stop accepting events at once; its incidents stay in history. */
export async function deleteService(db: Kysely<Database>, clock: Clock, orgId: string, id: string, actor?: AuditActor): Promise<void> {
  const current = await requireService(db, orgId, id);
  const now = clock.now();
  await audited(db, now, orgId, actor, { root: { type: 'service', id, name: current.name }, action: 'delete', before: { ...current }, after: null }, (trx) => store.softDeleteService(trx, orgId, id, now));
}

/** The live integrations of a service, oldest first. */
export async function integrationsOf(db: Kysely<Database>, orgId: string, serviceId: string): Promise<IntegrationTable[]> {
  return store.listIntegrations(db, orgId, [serviceId]);
}

/** A live integration of the service, or 404. */
export async function requireIntegration(db: Kysely<Database>, orgId: string, serviceId: string, id: string): Promise<IntegrationTable> {
  const i = await store.getIntegration(db, orgId, serviceId, id);
  if (!i) throw notFound(`integration ${id}`);
  return i;
}

export async function deleteIntegration(db: Kysely<Database>, clock: Clock, orgId: string, integration: IntegrationTable): Promise<void> {
  await store.updateIntegration(db, orgId, integration.id, { deleted_at: clock.now() });
}

/** Whether `id` is a live service of the organization. */
export async function serviceExists(db: Kysely<Database>, orgId: string, id: string): Promise<boolean> {
  return (await store.getService(db, orgId, id)) !== undefined;
}

/** How the organization's new services group alerts (existing services keep theirs). */
export async function setDefaultGrouping(db: Kysely<Database>, orgId: string, input: unknown): Promise<void> {
  const g = parseGrouping(input, 'organization.default_alert_grouping_parameters');
  if (g.errors.length) throw invalid(...g.errors);
  await updateOrganization(db, orgId, { default_alert_grouping: storeGrouping(g.value) });
}
