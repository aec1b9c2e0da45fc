/**
 * Event orchestration use cases: global orchestrations and their routing keys, the
 * router and unrouted paths, each service's rules, the "test against a sample event"
 * evaluation, and what ingest calls to find and run the rules.
 *
 * Writes validate everything before storing anything: a rule set with one bad
 * expression, an unknown service or priority, or a route_to cycle is refused whole with
 * 400, each problem naming its wire field. A path that was never written reads as
 * PagerDuty's default (an empty start set; a router sends everything to unrouted).
 *
 * For ingest (exact signatures; errors: none besides the database's):
 *   findOrchestrationByKeyHash(db, keyHash) → { orgId, orchestrationId, integrationId } | undefined
 *   loadRouter(db, orgId, orchestrationId) → CompiledRouter | null          (null: no such orchestration)
 *   loadUnrouted(db, orgId, orchestrationId) → CompiledServiceRules | null  (null: no such orchestration)
 *   loadServiceRules(db, orgId, serviceId) → CompiledServiceRules | null    (null: no rules, or rules turned off)
 * Each load reads the path's version (one indexed row) and compiles only when it changed.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { VigilError, invalid, notFound } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { hashSecret, newRoutingKey } from '../lib/secrets.js';
import { parseTimestamp } from '../lib/timestamp.js';
import { livePriorityIds, priorityNames } from '../org/priority.service.js';
import { getService, getServicesByIds } from '../service/service.store.js';
import type { Database, EventOrchestrationIntegrationTable, EventOrchestrationPathTable, EventOrchestrationTable } from '../storage/schema.js';
import { CompiledCache } from './compiled-cache.js';
import { SEVERITIES } from './event.js';
import {
  applyServiceRules,
  buildPath,
  compileRouter,
  compileServiceRules,
  defaultPath,
  routeEvent,
  type CompiledRouter,
  type CompiledServiceRules,
  type OrchestrationPathDef,
  type PathType,
  type Reference,
  type RouterOutcome,
  type RuleEvent,
  type ServiceOutcome,
} from './rules.js';
import * as store from './orchestration.store.js';

type Db = Kysely<Database>;

export interface OrchestrationInput {
  name?: string;
  description?: string | null;
  team?: unknown;
  [readOnly: string]: unknown;
}

/** Fields of an orchestration that PagerDuty returns; a client may send them back. They are outputs, not settings. */
const ORCHESTRATION_READ_ONLY = new Set(['id', 'self', 'type', 'summary', 'integrations', 'routes', 'created_at', 'created_by', 'updated_at', 'updated_by', 'version']);

/** A stored path as the API shows it, with its bookkeeping. */
export interface PathView {
  kind: PathType;
  parentId: string;
  path: OrchestrationPathDef;
  version: number;
  active: boolean;
  created_at: number | null;
  created_by: string | null;
  updated_at: number | null;
  updated_by: string | null;
}

/** PagerDuty's rule ids are 8 hex digits. */
const newRuleId = () => randomBytes(4).toString('hex');

function checkOrchestrationInput(input: OrchestrationInput): string[] {
  const errors: string[] = [];
  for (const k of Object.keys(input)) {
    if (k === 'name' || k === 'description') continue;
    if (k === 'team') {
      if (input.team !== null && input.team !== undefined) errors.push('orchestration.team: teams are not supported by Vigil; an orchestration belongs to the organization (leave team out)');
      continue;
    }
    if (!ORCHESTRATION_READ_ONLY.has(k)) errors.push(`orchestration.${k}: unknown field`);
  }
  if (input.name !== undefined && !input.name.trim()) errors.push('orchestration.name must not be blank');
  return errors;
}

// ---------- orchestrations ----------

export async function requireOrchestration(db: Db, orgId: string, id: string): Promise<EventOrchestrationTable> {
  const o = await store.getOrchestration(db, orgId, id);
  if (!o) throw notFound(`event orchestration ${id}`);
  return o;
}

/** A new orchestration with its first integration, as PagerDuty creates it. The routing key is returned once. */
export async function createOrchestration(
  db: Db,
  clock: Clock,
  orgId: string,
  userId: string | null,
  input: OrchestrationInput & { name: string },
): Promise<{ orchestration: EventOrchestrationTable; integration: EventOrchestrationIntegrationTable; key: string }> {
  const errors = checkOrchestrationInput(input);
  if (errors.length) throw invalid(...errors);
  const now = clock.now();
  const orchestration: EventOrchestrationTable = {
    org_id: orgId,
    id: newId(now),
    name: input.name.trim(),
    description: input.description ?? '',
    version: 1,
    created_at: now,
    created_by: userId,
    updated_at: now,
    updated_by: userId,
  };
  const { integration, key } = newIntegration(orgId, orchestration.id, 'Default', now);
  await db.transaction().execute(async (trx) => {
    await store.insertOrchestration(trx, orchestration);
    await store.insertIntegration(trx, integration);
  });
  return { orchestration, integration, key };
}

export async function updateOrchestration(db: Db, clock: Clock, orgId: string, userId: string | null, id: string, input: OrchestrationInput): Promise<EventOrchestrationTable> {
  const current = await requireOrchestration(db, orgId, id);
  const errors = checkOrchestrationInput(input);
  if (errors.length) throw invalid(...errors);
  const patch = { updated_at: clock.now(), updated_by: userId, ...(input.name !== undefined ? { name: input.name.trim() } : {}), ...(input.description !== undefined ? { description: input.description ?? '' } : {}) };
  await store.updateOrchestration(db, orgId, id, patch);
  return (await store.getOrchestration(db, orgId, id)) ?? { ...current, ...patch };
}

export async function deleteOrchestration(db: Db, orgId: string, id: string): Promise<void> {
  await requireOrchestration(db, orgId, id);
  await db.transaction().execute((trx) => store.deleteOrchestration(trx, orgId, id));
}

export type OrchestrationSortBy = 'name:asc' | 'name:desc' | 'routes:asc' | 'routes:desc' | 'created_at:asc' | 'created_at:desc';

/** A page of orchestrations with their integrations and the number of services each router routes to. */
export async function listOrchestrations(
  db: Db,
  orgId: string,
  q: { limit: number; offset: number; sortBy: OrchestrationSortBy },
): Promise<{ rows: EventOrchestrationTable[]; total: number; integrations: EventOrchestrationIntegrationTable[]; routes: Map<string, number> }> {
  const [field, dir] = q.sortBy.split(':') as ['name' | 'routes' | 'created_at', 'asc' | 'desc'];
  let rows: EventOrchestrationTable[];
  let total: number;
  let routes: Map<string, number>;
  if (field === 'routes') {
    const all = await store.allOrchestrations(db, orgId);
    routes = await routesOf(db, orgId, all.map((o) => o.id));
    const sign = dir === 'desc' ? -1 : 1;
    all.sort((a, b) => sign * ((routes.get(a.id) ?? 0) - (routes.get(b.id) ?? 0)) || a.name.localeCompare(b.name));
    rows = all.slice(q.offset, q.offset + q.limit);
    total = all.length;
  } else {
    ({ rows, total } = await store.listOrchestrations(db, orgId, { sort: field, desc: dir === 'desc', limit: q.limit, offset: q.offset }));
    routes = await routesOf(db, orgId, rows.map((o) => o.id));
  }
  const integrations = await store.listIntegrations(db, orgId, rows.map((o) => o.id));
  return { rows, total, integrations, routes };
}

/** What an orchestration is shown with: its integrations, and how many services its router routes to. */
export async function orchestrationDetails(db: Db, orgId: string, ids: string[]): Promise<{ integrations: EventOrchestrationIntegrationTable[]; routes: Map<string, number> }> {
  const [integrations, routes] = await Promise.all([store.listIntegrations(db, orgId, ids), routesOf(db, orgId, ids)]);
  return { integrations, routes };
}

/** PagerDuty's `routes`: how many different services an orchestration's router sends events to. */
export async function routesOf(db: Db, orgId: string, orchestrationIds: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const p of await store.getPaths(db, orgId, 'router', orchestrationIds)) {
    const def = JSON.parse(p.path) as OrchestrationPathDef;
    const services = new Set(def.sets.flatMap((s) => s.rules.map((r) => r.actions.route_to)));
    const fallback = def.catch_all.actions.route_to;
    if (fallback && fallback !== 'unrouted') services.add(fallback);
    services.delete(undefined);
    out.set(p.parent_id, services.size);
  }
  return out;
}

// ---------- integrations (routing keys) ----------

function newIntegration(orgId: string, orchestrationId: string, label: string, now: number): { integration: EventOrchestrationIntegrationTable; key: string } {
  const key = newRoutingKey();
  return { integration: { org_id: orgId, id: newId(now), orchestration_id: orchestrationId, label, key_hash: hashSecret(key), key_hint: key.slice(0, 4), created_at: now }, key };
}

function checkLabel(label: unknown): string {
  if (typeof label !== 'string' || !label.trim()) throw invalid('integration.label must not be blank');
  return label.trim();
}

export async function createIntegration(db: Db, clock: Clock, orgId: string, orchestrationId: string, label: unknown): Promise<{ integration: EventOrchestrationIntegrationTable; key: string }> {
  await requireOrchestration(db, orgId, orchestrationId);
  const made = newIntegration(orgId, orchestrationId, checkLabel(label), clock.now());
  await store.insertIntegration(db, made.integration);
  return made;
}

export async function listIntegrations(db: Db, orgId: string, orchestrationId: string): Promise<EventOrchestrationIntegrationTable[]> {
  await requireOrchestration(db, orgId, orchestrationId);
  return store.listIntegrations(db, orgId, [orchestrationId]);
}

export async function requireIntegration(db: Db, orgId: string, orchestrationId: string, id: string): Promise<EventOrchestrationIntegrationTable> {
  await requireOrchestration(db, orgId, orchestrationId);
  const i = await store.getIntegration(db, orgId, orchestrationId, id);
  if (!i) throw notFound(`integration ${id} of event orchestration ${orchestrationId}`);
  return i;
}

export async function updateIntegration(db: Db, orgId: string, orchestrationId: string, id: string, label: unknown): Promise<EventOrchestrationIntegrationTable> {
  const current = await requireIntegration(db, orgId, orchestrationId, id);
  const l = checkLabel(label);
  await store.updateIntegrationLabel(db, orgId, id, l);
  return { ...current, label: l };
}

export async function deleteIntegration(db: Db, orgId: string, orchestrationId: string, id: string): Promise<void> {
  await requireIntegration(db, orgId, orchestrationId, id);
  await store.deleteIntegration(db, orgId, id);
}

// ---------- rule paths ----------

function view(type: PathType, parentId: string, row: EventOrchestrationPathTable | undefined): PathView {
  if (!row) return { kind: type, parentId, path: defaultPath(type), version: 0, active: true, created_at: null, created_by: null, updated_at: null, updated_by: null };
  return {
    kind: type,
    parentId,
    path: JSON.parse(row.path) as OrchestrationPathDef,
    version: Number(row.version),
    active: Boolean(row.active),
    created_at: Number(row.created_at),
    created_by: row.created_by,
    updated_at: Number(row.updated_at),
    updated_by: row.updated_by,
  };
}

async function requireParent(db: Db, orgId: string, type: PathType, parentId: string): Promise<void> {
  if (type === 'service') {
    if (!(await getService(db, orgId, parentId))) throw notFound(`service ${parentId}`);
  } else await requireOrchestration(db, orgId, parentId);
}

export async function getPath(db: Db, orgId: string, type: PathType, parentId: string): Promise<PathView> {
  await requireParent(db, orgId, type, parentId);
  return view(type, parentId, await store.getPath(db, orgId, type, parentId));
}

/** Every service and priority a rule set names must exist in the organization. */
async function checkReferences(db: Db, orgId: string, refs: { services: Reference[]; priorities: Reference[] }): Promise<string[]> {
  const errors: string[] = [];
  if (refs.services.length) {
    const found = new Set((await getServicesByIds(db, orgId, [...new Set(refs.services.map((r) => r.id))])).filter((s) => s.deleted_at === null).map((s) => s.id));
    for (const r of refs.services) if (!found.has(r.id)) errors.push(`${r.field}: service ${r.id} not found in this organization`);
  }
  if (refs.priorities.length) {
    const found = await livePriorityIds(db, orgId, refs.priorities.map((r) => r.id));
    for (const r of refs.priorities) if (!found.has(r.id)) errors.push(`${r.field}: priority ${r.id} not found in this organization`);
  }
  return errors;
}

/** Validate a path as sent, against the organization too; refuse it whole, naming every problem. */
async function validated(db: Db, orgId: string, type: PathType, input: unknown, knownRuleIds: ReadonlySet<string>) {
  const built = buildPath(type, input, { newRuleId, knownRuleIds });
  if (!built.ok) throw invalid(...built.errors);
  const errors = await checkReferences(db, orgId, built.references);
  if (errors.length) throw invalid(...errors);
  return built;
}

/** `ifVersion`: write only if the path is still at that version (legacy rules' read-modify-write), else 409 conflict. */
export async function putPath(db: Db, clock: Clock, orgId: string, userId: string | null, type: PathType, parentId: string, input: unknown, ifVersion?: number): Promise<PathView> {
  await requireParent(db, orgId, type, parentId);
  const current = await store.getPath(db, orgId, type, parentId);
  const known = new Set(current ? (JSON.parse(current.path) as OrchestrationPathDef).sets.flatMap((s) => s.rules.map((r) => r.id)) : []);
  const built = await validated(db, orgId, type, input, known);
  const row = { org_id: orgId, kind: type, parent_id: parentId, path: JSON.stringify(built.path), active: current?.active ?? 1, at: clock.now(), by: userId };
  if (ifVersion === undefined) return view(type, parentId, await store.savePath(db, row));
  const saved = await store.savePathIfVersion(db, row, ifVersion);
  if (!saved) throw new VigilError('conflict', [`the rules of ${type} ${parentId} changed while this write was made`]);
  return view(type, parentId, saved);
}

export async function setServiceActive(db: Db, clock: Clock, orgId: string, userId: string | null, serviceId: string, active: boolean): Promise<boolean> {
  await requireParent(db, orgId, 'service', serviceId);
  const row = await store.saveActive(db, { org_id: orgId, parent_id: serviceId, active: active ? 1 : 0, emptyPath: JSON.stringify(defaultPath('service')), at: clock.now(), by: userId });
  return Boolean(row.active);
}

// ---------- testing a rule set against a sample event ----------

/** A PagerDuty Events API v2 event, as the test endpoints take it. */
export interface SampleEvent {
  payload: { summary: string; source?: string; severity: string; component?: string; group?: string; class?: string; custom_details?: unknown; timestamp?: string };
  dedup_key?: string;
  links?: { href: string; text?: string }[];
  client?: string;
}

export function ruleEventOf(sample: SampleEvent, now: number): RuleEvent {
  const p = sample.payload;
  let timestamp = now;
  if (p.timestamp !== undefined) {
    const t = parseTimestamp(p.timestamp);
    if (t === null) throw invalid(`event.payload.timestamp must be an ISO 8601 date-time, got ${JSON.stringify(p.timestamp).slice(0, 64)}`);
    timestamp = t;
  }
  if (!(SEVERITIES as readonly string[]).includes(p.severity)) throw invalid(`event.payload.severity must be one of ${SEVERITIES.join(', ')}, got ${JSON.stringify(p.severity).slice(0, 40)}`);
  const e: RuleEvent = { summary: p.summary, source: p.source ?? null, severity: p.severity, timestamp };
  if (p.component !== undefined) e.component = p.component;
  if (p.group !== undefined) e.group = p.group;
  if (p.class !== undefined) e.class = p.class;
  if (p.custom_details !== undefined) e.custom_details = p.custom_details;
  if (sample.links !== undefined) e.links = sample.links;
  if (sample.dedup_key !== undefined) e.dedup_key = sample.dedup_key;
  if (sample.client !== undefined) e.client = sample.client;
  return e;
}

async function testedPath(db: Db, orgId: string, type: PathType, parentId: string, draft: unknown): Promise<{ compiled: CompiledRouter | CompiledServiceRules; draft: boolean }> {
  await requireParent(db, orgId, type, parentId);
  if (draft !== undefined) {
    const built = await validated(db, orgId, type, draft, new Set());
    return { compiled: built.compiled, draft: true };
  }
  const v = view(type, parentId, await store.getPath(db, orgId, type, parentId));
  return { compiled: type === 'router' ? compileRouter(v.path) : compileServiceRules(v.path), draft: false };
}

/** Which rule of the router (stored, or the draft given) a sample event matches, and where it goes. Stores nothing. */
export async function testRouter(
  db: Db,
  orgId: string,
  orchestrationId: string,
  input: { event: RuleEvent; draft?: unknown; now: number },
): Promise<{ outcome: RouterOutcome; service: { id: string; name: string | null } | null; draft: boolean }> {
  const t = await testedPath(db, orgId, 'router', orchestrationId, input.draft);
  const outcome = routeEvent(t.compiled as CompiledRouter, input.event, input.now);
  const service = outcome.routeTo === null ? null : { id: outcome.routeTo, name: (await getService(db, orgId, outcome.routeTo))?.name ?? null };
  return { outcome, service, draft: t.draft };
}

/** Which rules of a service (stored, or the draft given) a sample event matches, and what they do. Stores nothing. */
export async function testServiceRules(
  db: Db,
  orgId: string,
  serviceId: string,
  input: { event: RuleEvent; draft?: unknown; now: number },
): Promise<{ outcome: ServiceOutcome; priority: { id: string; name: string | null } | null; draft: boolean; active: boolean }> {
  const t = await testedPath(db, orgId, 'service', serviceId, input.draft);
  const active = Boolean((await store.getPathVersion(db, orgId, 'service', serviceId))?.active ?? 1);
  const outcome = applyServiceRules(t.compiled as CompiledServiceRules, input.event, input.now);
  const priority = outcome.priorityId === undefined ? null : { id: outcome.priorityId, name: (await priorityNames(db, orgId, [outcome.priorityId])).get(outcome.priorityId) ?? null };
  return { outcome, priority, draft: t.draft, active };
}

// ---------- ingest ----------

const routers = new CompiledCache<CompiledRouter>();
const serviceRules = new CompiledCache<CompiledServiceRules>();

/** The orchestration an org-wide routing key belongs to (by the key's SHA-256, as service keys are found). */
export async function findOrchestrationByKeyHash(db: Db, keyHash: string): Promise<{ orgId: string; orchestrationId: string; integrationId: string } | undefined> {
  const hit = await store.findIntegrationByKeyHash(db, keyHash);
  return hit && { orgId: hit.org_id, orchestrationId: hit.orchestration_id, integrationId: hit.id };
}

/**
 * The compiled path for the version stored now: one indexed read of (version, active),
 * and the path itself only when that version is not compiled yet. `version` undefined:
 * the path was never written, so its default applies.
 */
async function compiledFor<T>(db: Db, cache: CompiledCache<T>, orgId: string, kind: store.PathKind, parentId: string, stored: { version: number } | undefined, compile: (def: OrchestrationPathDef) => T): Promise<T> {
  const key = `${orgId}/${kind}/${parentId}`;
  const type: PathType = kind;
  if (!stored) return cache.get(key, 0, () => compile(defaultPath(type)));
  const cached = cache.peek(key, Number(stored.version));
  if (cached !== undefined) return cached;
  const row = await store.getPath(db, orgId, kind, parentId);
  if (!row) return cache.get(key, 0, () => compile(defaultPath(type)));
  return cache.get(key, Number(row.version), () => compile(JSON.parse(row.path) as OrchestrationPathDef));
}

/** The orchestration's router, compiled; null when the orchestration does not exist. */
export async function loadRouter(db: Db, orgId: string, orchestrationId: string): Promise<CompiledRouter | null> {
  const stored = await store.getPathVersion(db, orgId, 'router', orchestrationId);
  // A path row exists only while its orchestration does (they are deleted together).
  if (!stored && !(await store.getOrchestration(db, orgId, orchestrationId))) return null;
  return compiledFor(db, routers, orgId, 'router', orchestrationId, stored, compileRouter);
}

/** The orchestration's unrouted path, compiled (what happens to events no router rule took); null when the orchestration does not exist. */
export async function loadUnrouted(db: Db, orgId: string, orchestrationId: string): Promise<CompiledServiceRules | null> {
  const stored = await store.getPathVersion(db, orgId, 'unrouted', orchestrationId);
  if (!stored && !(await store.getOrchestration(db, orgId, orchestrationId))) return null;
  return compiledFor(db, serviceRules, orgId, 'unrouted', orchestrationId, stored, compileServiceRules);
}

/**
 * The service's rules, compiled; null when the service has none or they are turned off (/active false).
 * `read`: the path's version as the caller just read it in its transaction (null: no path), instead of reading it here.
 */
export async function loadServiceRules(db: Db, orgId: string, serviceId: string, read?: { version: number; active: number } | null): Promise<CompiledServiceRules | null> {
  const stored = read === undefined ? await store.getPathVersion(db, orgId, 'service', serviceId) : (read ?? undefined);
  if (!stored || !stored.active) return null;
  return compiledFor(db, serviceRules, orgId, 'service', serviceId, stored, compileServiceRules);
}

/** The orchestration's name (what an alert it routed names as its integration), or null when it no longer exists. */
export async function getOrchestrationName(db: Db, orgId: string, id: string): Promise<string | null> {
  return (await store.getOrchestration(db, orgId, id))?.name ?? null;
}

/**
 * The rule paths that set priority `priorityId` (a priority in use cannot be removed): which
 * kind of path and whose (a service, or an orchestration's unrouted rules).
 */
export async function rulesSettingPriority(db: Db, orgId: string, priorityId: string): Promise<{ kind: store.PathKind; parentId: string }[]> {
  const paths = await store.pathsContaining(db, orgId, JSON.stringify({ priority: priorityId }).slice(1, -1));
  return paths.filter((p) => setsPriority(JSON.parse(p.path) as unknown, priorityId)).map((p) => ({ kind: p.kind, parentId: p.parent_id }));
}

/** Whether a stored path definition has an action `priority: id` anywhere. */
function setsPriority(node: unknown, id: string): boolean {
  if (Array.isArray(node)) return node.some((n) => setsPriority(n, id));
  if (!node || typeof node !== 'object') return false;
  return Object.entries(node).some(([k, v]) => (k === 'priority' && v === id) || setsPriority(v, id));
}
