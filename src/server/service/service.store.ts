import { sql, type Kysely } from 'kysely';
import { rowLock } from '../storage/dialect.js';
import { needsReseal, openSecret, sealSecret } from '../lib/secret-box.js';
import type { Database, IntegrationTable, ServiceTable } from '../storage/schema.js';

type Db = Kysely<Database>;

export async function insertService(db: Db, row: ServiceTable): Promise<void> {
  await db.insertInto('services').values(row).execute();
}

export async function getService(db: Db, orgId: string, id: string): Promise<ServiceTable | undefined> {
  return db.selectFrom('services').selectAll().where('org_id', '=', orgId).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
}

/** The organization's live built-in service of this kind (the self-checks' "Vigil health"), if it has one. */
export async function findBuiltInService(db: Db, orgId: string, kind: NonNullable<ServiceTable['built_in']>): Promise<ServiceTable | undefined> {
  return db.selectFrom('services').selectAll().where('org_id', '=', orgId).where('built_in', '=', kind).where('deleted_at', 'is', null).orderBy('created_at').executeTakeFirst();
}

export async function getServicesByIds(db: Db, orgId: string, ids: string[]): Promise<ServiceTable[]> {
  if (!ids.length) return [];
  return db.selectFrom('services').selectAll().where('org_id', '=', orgId).where('id', 'in', ids).execute();
}

/** `ids`: only these (the team_ids[] filter; none matches an empty list). */
export async function listServices(db: Db, orgId: string, q: { query?: string; sortDesc?: boolean; ids?: string[]; limit: number; offset: number }): Promise<{ rows: ServiceTable[]; total: number }> {
  if (q.ids && !q.ids.length) return { rows: [], total: 0 };
  let base = db.selectFrom('services').where('org_id', '=', orgId).where('deleted_at', 'is', null);
  if (q.ids) base = base.where('id', 'in', q.ids);
  if (q.query) base = base.where((eb) => eb(eb.fn('lower', ['name']), 'like', `%${q.query!.toLowerCase()}%`));
  const rows = await base.selectAll().orderBy('name', q.sortDesc ? 'desc' : 'asc').orderBy('id').limit(q.limit).offset(q.offset).execute();
  const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return { rows, total: Number(total.n) };
}

export async function updateService(db: Db, orgId: string, id: string, patch: Partial<ServiceTable>): Promise<void> {
  await db.updateTable('services').set(patch).where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function softDeleteService(db: Db, orgId: string, id: string, at: number): Promise<void> {
  await db.updateTable('services').set({ deleted_at: at }).where('org_id', '=', orgId).where('id', '=', id).execute();
  await db.updateTable('integrations').set({ deleted_at: at }).where('org_id', '=', orgId).where('service_id', '=', id).where('deleted_at', 'is', null).execute();
}

export async function insertIntegration(db: Db, row: IntegrationTable): Promise<void> {
  await db.insertInto('integrations').values(row).execute();
}

export async function listIntegrations(db: Db, orgId: string, serviceIds: string[]): Promise<IntegrationTable[]> {
  if (!serviceIds.length) return [];
  return db.selectFrom('integrations').selectAll().where('org_id', '=', orgId).where('service_id', 'in', serviceIds).where('deleted_at', 'is', null).orderBy('created_at').execute();
}

export async function getIntegration(db: Db, orgId: string, serviceId: string, id: string): Promise<IntegrationTable | undefined> {
  return db
    .selectFrom('integrations')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('service_id', '=', serviceId)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

export async function updateIntegration(db: Db, orgId: string, id: string, patch: Partial<IntegrationTable>): Promise<void> {
  await db.updateTable('integrations').set(patch).where('org_id', '=', orgId).where('id', '=', id).execute();
}

/** Every column of a service, for reads that carry one beside another table's row (aliased `s_<column>`). */
const SERVICE_COLUMNS = ['org_id', 'id', 'name', 'description', 'status', 'escalation_policy_id', 'urgency_rule', 'urgency_during', 'urgency_outside', 'support_hours', 'scheduled_actions', 'urgency_change_at', 'auto_pause', 'alert_grouping', 'acknowledgement_timeout', 'auto_resolve_timeout', 'created_at', 'updated_at', 'deleted_at', 'built_in'] as const;
// A column added to services and not to the list fails to compile here.
const everyServiceColumn: Exclude<keyof ServiceTable, (typeof SERVICE_COLUMNS)[number]> extends never ? true : never = true;
void everyServiceColumn;

/**
 * Ingest's lookup: the key hash alone identifies the integration (and so the organization),
 * read with its live service in one statement (a routing key not seen for a few seconds is
 * the first thing a new incident waits for).
 */
export async function findIntegrationByKeyHash(db: Db, keyHash: string): Promise<{ integration: IntegrationTable; service: ServiceTable } | undefined> {
  const row = (await db
    .selectFrom('integrations as i')
    .innerJoin('services as s', (j) => j.onRef('s.org_id', '=', 'i.org_id').onRef('s.id', '=', 'i.service_id'))
    .selectAll('i')
    .select(SERVICE_COLUMNS.map((c) => sql.ref(`s.${c}`).as(`s_${c}`)))
    .where('i.key_hash', '=', keyHash)
    .where('i.deleted_at', 'is', null)
    .where('s.deleted_at', 'is', null)
    .executeTakeFirst()) as Record<string, unknown> | undefined;
  if (!row) return undefined;
  const integration: Record<string, unknown> = {};
  const service: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (k.startsWith('s_')) service[k.slice(2)] = v;
    else integration[k] = v;
  }
  return { integration: integration as unknown as IntegrationTable, service: service as unknown as ServiceTable };
}

/** Heartbeat integrations whose ping is overdue and not yet reported down, claimed for this transaction (SKIP LOCKED: nodes share them). */
export async function claimOverdueHeartbeats(db: Db, now: number, limit: number): Promise<IntegrationTable[]> {
  const due = await sql<IntegrationTable>`
    SELECT * FROM integrations WHERE type = 'heartbeat' AND deleted_at IS NULL
      AND heartbeat_next_due <= ${now} AND heartbeat_state <> 'down'
    LIMIT ${limit} ${rowLock(db, 'update', { skipLocked: true })}`.execute(db);
  return due.rows;
}

export async function setHeartbeat(db: Db, orgId: string, integrationId: string, patch: Pick<IntegrationTable, 'heartbeat_state'> & Partial<Pick<IntegrationTable, 'heartbeat_next_due'>>): Promise<void> {
  await db.updateTable('integrations').set(patch).where('org_id', '=', orgId).where('id', '=', integrationId).execute();
}

export async function heartbeatState(db: Db, orgId: string, integrationId: string): Promise<IntegrationTable['heartbeat_state'] | undefined> {
  const r = await db.selectFrom('integrations').select('heartbeat_state').where('org_id', '=', orgId).where('id', '=', integrationId).executeTakeFirst();
  return r?.heartbeat_state;
}

export async function servicesUsingPolicy(db: Db, orgId: string, policyId: string): Promise<{ id: string; name: string }[]> {
  return db.selectFrom('services').select(['id', 'name']).where('org_id', '=', orgId).where('escalation_policy_id', '=', policyId).where('deleted_at', 'is', null).execute();
}

/** Live services whose escalation policy is one of these. */
export async function serviceIdsOfPolicies(db: Db, orgId: string, policyIds: string[]): Promise<string[]> {
  if (!policyIds.length) return [];
  const rows = await db.selectFrom('services').select('id').where('org_id', '=', orgId).where('escalation_policy_id', 'in', policyIds).where('deleted_at', 'is', null).execute();
  return rows.map((r) => r.id);
}

/** The organization's services that are neither deleted nor disabled, by name. */
export async function listActiveServices(db: Db, orgId: string): Promise<ServiceTable[]> {
  return db.selectFrom('services').selectAll().where('org_id', '=', orgId).where('deleted_at', 'is', null).where('status', '!=', 'disabled').orderBy('name').execute();
}

/** Services whose scheduled urgency change is due, claimed for this transaction (SKIP LOCKED: nodes share them; deleted ones too, so their stale time is cleared). */
export async function claimDueUrgencyChanges(db: Db, now: number, limit: number): Promise<ServiceTable[]> {
  const due = await sql<ServiceTable>`
    SELECT * FROM services WHERE urgency_change_at <= ${now}
    ORDER BY urgency_change_at LIMIT ${limit} ${rowLock(db, 'no key update', { skipLocked: true })}`.execute(db);
  return due.rows.map((r) => ({ ...r, urgency_change_at: r.urgency_change_at === null ? null : Number(r.urgency_change_at) }));
}

/** The earliest scheduled urgency change of any service (indexed), as a scalar subquery (column `t`); no later than any service claimDueUrgencyChanges takes. */
export function urgencyChangeDueQuery(db: Db) {
  return db.selectFrom('services').select((eb) => eb.fn.min('urgency_change_at').as('t')).where('urgency_change_at', 'is not', null);
}

/** The earliest ping deadline of a heartbeat claimOverdueHeartbeats would take (the same conditions), as a scalar subquery (column `t`). */
export function heartbeatDueQuery(db: Db) {
  return db.selectFrom('integrations').select((eb) => eb.fn.min('heartbeat_next_due').as('t')).where('type', '=', 'heartbeat').where('deleted_at', 'is', null).where('heartbeat_state', '<>', 'down');
}

export async function setUrgencyChangeAt(db: Db, orgId: string, id: string, at: number | null): Promise<void> {
  await db.updateTable('services').set({ urgency_change_at: at }).where('org_id', '=', orgId).where('id', '=', id).execute();
}

/** The organization's live heartbeat integrations with this name (Opsgenie pings a heartbeat by name), oldest first. */
export async function heartbeatsNamed(db: Db, orgId: string, name: string): Promise<IntegrationTable[]> {
  return db
    .selectFrom('integrations')
    .innerJoin('services', (j) => j.onRef('services.org_id', '=', 'integrations.org_id').onRef('services.id', '=', 'integrations.service_id'))
    .selectAll('integrations')
    .where('integrations.org_id', '=', orgId)
    .where('integrations.type', '=', 'heartbeat')
    .where('integrations.name', '=', name)
    .where('integrations.deleted_at', 'is', null)
    .where('services.deleted_at', 'is', null)
    .orderBy('integrations.created_at')
    .execute();
}

/** Any live integration (of any organization) whose key has this hash: keys route across organizations, so they must be unique. */
export async function integrationIdByKeyHash(db: Db, keyHash: string): Promise<string | null> {
  const r = await db.selectFrom('integrations').select('id').where('key_hash', '=', keyHash).where('deleted_at', 'is', null).executeTakeFirst();
  return r?.id ?? null;
}

/** Where an integration forwards its accepted events (migration 0027); the key is sealed here and opened only for the sender. */
export interface ForwardSetting {
  url: string;
  kind: 'events_v2' | 'opsgenie';
  key: string;
}

export async function setIntegrationForward(db: Db, orgId: string, id: string, forward: ForwardSetting | null): Promise<void> {
  await db
    .updateTable('integrations')
    .set(forward ? { forward_url: forward.url, forward_kind: forward.kind, forward_key: sealSecret(forward.key) } : { forward_url: null, forward_kind: null, forward_key: null })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .execute();
}

/** The forward of a live integration, key opened (the sender only), or null when it forwards nothing or is gone. */
export async function integrationForward(db: Db, orgId: string, id: string): Promise<ForwardSetting | null> {
  const r = await db.selectFrom('integrations').select(['forward_url', 'forward_kind', 'forward_key']).where('org_id', '=', orgId).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  if (!r || r.forward_url === null || r.forward_kind === null || r.forward_key === null) return null;
  return { url: r.forward_url, kind: r.forward_kind, key: openSecret(r.forward_key) };
}

/** Seal plaintext forward keys from before, and re-seal keys under an old key (see resealContactMethods). */
export async function resealIntegrationForwards(db: Db): Promise<number> {
  const rows = await db.selectFrom('integrations').select(['org_id', 'id', 'forward_key']).where('forward_key', 'is not', null).execute();
  let n = 0;
  for (const r of rows) {
    if (!needsReseal(r.forward_key!)) continue;
    await db.updateTable('integrations').set({ forward_key: sealSecret(openSecret(r.forward_key!)) }).where('org_id', '=', r.org_id).where('id', '=', r.id).execute();
    n++;
  }
  return n;
}
