/**
 * PagerDuty's legacy service event rules as use cases over the service's event rules
 * (legacy-rules.ts maps the shapes): list, get, create at a position, update, delete.
 * Every write is a whole-path write through putPath, so it is validated (references,
 * PCL, limits) and versioned like any other, and ingest applies it at once. It is written
 * only if the path is still the version read (concurrent creates, as Terraform makes them,
 * all land); otherwise it is read and applied again.
 */
import type { Kysely } from 'kysely';
import { VigilError, invalid, notFound } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Database } from '../storage/schema.js';
import { actionsFromLegacy, conditionsToPcl, LEGACY_ACTIONS } from './legacy-rules.js';
import { getPath, putPath, type PathView } from './orchestration.service.js';
import type { ActionsDef } from './actions.js';
import type { RuleDef } from './rules.js';

type Db = Kysely<Database>;

export interface LegacyRule {
  rule: RuleDef;
  position: number;
}

/** Fields of a legacy rule PagerDuty answers; a client may send them back unchanged. */
const READ_ONLY = new Set(['id', 'self', 'vigil_conditions', 'vigil_actions']);
const F = 'rule';

function startRules(view: PathView): RuleDef[] {
  return view.path.sets.find((s) => s.id === 'start')?.rules ?? [];
}

export async function listLegacyRules(db: Db, orgId: string, serviceId: string): Promise<LegacyRule[]> {
  return startRules(await getPath(db, orgId, 'service', serviceId)).map((rule, position) => ({ rule, position }));
}

export async function getLegacyRule(db: Db, orgId: string, serviceId: string, ruleId: string): Promise<LegacyRule> {
  const found = (await listLegacyRules(db, orgId, serviceId)).find((r) => r.rule.id === ruleId);
  if (!found) throw notFound(`rule ${ruleId} on service ${serviceId}`);
  return found;
}

/** The rule as sent, over `current` (PUT keeps what is not sent, and the actions legacy rules lack). */
function merged(input: unknown, current: RuleDef | undefined, count: number): { rule: Omit<RuleDef, 'id'> & { id?: string }; position: number } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid(`${F} must be an object`);
  const raw = input as Record<string, unknown>;
  const errors: string[] = [];
  for (const [k, v] of Object.entries(raw)) {
    if (['conditions', 'actions', 'disabled', 'position'].includes(k) || READ_ONLY.has(k)) continue;
    if ((k === 'time_frame' || k === 'variables') && (v === null || (Array.isArray(v) && !v.length))) continue;
    if (k === 'time_frame') errors.push(`${F}.time_frame: not supported on legacy rules; use a condition "now in …" through /event_orchestrations/services/{id}`);
    else if (k === 'variables') errors.push(`${F}.variables: not supported on legacy rules; set variables through /event_orchestrations/services/{id}`);
    else errors.push(`${F}.${k}: unknown field`);
  }
  if (raw.disabled !== undefined && typeof raw.disabled !== 'boolean') errors.push(`${F}.disabled must be true or false`);
  const maxPosition = current ? count - 1 : count;
  if (raw.position !== undefined && (!Number.isInteger(raw.position) || (raw.position as number) < 0 || (raw.position as number) > maxPosition)) errors.push(`${F}.position must be an integer from 0 to ${maxPosition}`);
  const expression = raw.conditions === undefined ? undefined : conditionsToPcl(raw.conditions, `${F}.conditions`, errors);
  const sent = raw.actions === undefined ? undefined : actionsFromLegacy(raw.actions, `${F}.actions`, errors);
  if (errors.length) throw invalid(...errors);
  const kept: ActionsDef = current ? Object.fromEntries(Object.entries(current.actions).filter(([k]) => !(LEGACY_ACTIONS as readonly string[]).includes(k))) : {};
  return {
    rule: {
      ...(current ? { id: current.id } : {}),
      label: current?.label ?? null,
      disabled: (raw.disabled as boolean | undefined) ?? current?.disabled ?? false,
      conditions: expression === undefined ? (current?.conditions ?? []) : expression === null ? [] : [{ expression }],
      actions: sent === undefined ? (current?.actions ?? {}) : { ...kept, ...sent },
    },
    position: (raw.position as number | undefined) ?? (current ? -1 : count),
  };
}

/** Write the start set as `rules`, if the path is still the one read; errors name the legacy fields. */
async function write(db: Db, clock: Clock, orgId: string, userId: string | null, serviceId: string, view: PathView, rules: RuleDef[]): Promise<PathView> {
  const path = { ...view.path, sets: view.path.sets.map((s) => (s.id === 'start' ? { ...s, rules } : s)) };
  try {
    return await putPath(db, clock, orgId, userId, 'service', serviceId, path, view.version);
  } catch (e) {
    if (!(e instanceof VigilError) || e.kind !== 'invalid_input') throw e;
    throw invalid(...e.errors.map((m) => m.replace(/^orchestration_path\.sets\[\d+\]\.rules\[\d+\]/, F)));
  }
}

/** Read the path, change it, write it if nobody else did meanwhile; else read again (at most 8 times, then 409). */
async function changed<T>(db: Db, orgId: string, serviceId: string, change: (view: PathView) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await change(await getPath(db, orgId, 'service', serviceId));
    } catch (e) {
      if (!(e instanceof VigilError) || e.kind !== 'conflict' || attempt >= 8) throw e;
    }
  }
}

export async function createLegacyRule(db: Db, clock: Clock, orgId: string, userId: string | null, serviceId: string, input: unknown): Promise<LegacyRule> {
  return changed(db, orgId, serviceId, async (view) => {
    const rules = startRules(view);
    const { rule, position } = merged(input, undefined, rules.length);
    const next = [...rules];
    next.splice(position, 0, rule as RuleDef);
    const saved = startRules(await write(db, clock, orgId, userId, serviceId, view, next));
    return { rule: saved[position]!, position };
  });
}

export async function updateLegacyRule(db: Db, clock: Clock, orgId: string, userId: string | null, serviceId: string, ruleId: string, input: unknown): Promise<LegacyRule> {
  return changed(db, orgId, serviceId, async (view) => {
    const rules = startRules(view);
    const at = rules.findIndex((r) => r.id === ruleId);
    if (at < 0) throw notFound(`rule ${ruleId} on service ${serviceId}`);
    const { rule, position } = merged(input, rules[at], rules.length);
    const next = rules.filter((r) => r.id !== ruleId);
    const to = position < 0 ? at : position;
    next.splice(to, 0, rule as RuleDef);
    const saved = startRules(await write(db, clock, orgId, userId, serviceId, view, next));
    return { rule: saved[to]!, position: to };
  });
}

export async function deleteLegacyRule(db: Db, clock: Clock, orgId: string, userId: string | null, serviceId: string, ruleId: string): Promise<void> {
  await changed(db, orgId, serviceId, async (view) => {
    const rules = startRules(view);
    if (!rules.some((r) => r.id === ruleId)) throw notFound(`rule ${ruleId} on service ${serviceId}`);
    await write(db, clock, orgId, userId, serviceId, view, rules.filter((r) => r.id !== ruleId));
  });
}
