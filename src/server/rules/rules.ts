/**
 * Rule sets in PagerDuty Event Orchestration's shape, pure: validation (every problem
 * names its wire field, e.g. `orchestration_path.sets[0].rules[2].conditions[0].expression:
 * unknown field event.foo at 7`), compilation (each condition parsed once into a
 * closure), and evaluation in one pass.
 *
 *   orchestration_path: { type, sets: [{ id, rules: [{ id, label, disabled, conditions: [{ expression }], actions }] }], catch_all: { actions } }
 *
 * Evaluation: in the current set, the first enabled rule with a matching condition acts
 * (a rule matches when any of its conditions does, or always when it has none). If its
 * actions route to another set (`route_to`), evaluation continues there; otherwise it
 * stops. When no rule of the current set matches, the catch-all's actions apply and
 * evaluation stops. Scalar actions met later override earlier ones (PagerDuty's "last
 * evaluated wins"); notes accumulate. A set is never visited twice: route_to cycles are
 * refused when the rules are saved, so every event takes one pass through at most every
 * set. Conditions in a later set see the event as earlier extractions left it.
 *
 * A router has one set, `start`; its rules route to a service, its catch-all to a
 * service or to `unrouted`.
 */
import { buildActions, applyActions, type ActionsDef, type BuildContext, type CompiledActions, type PathType, type Reference } from './actions.js';
import { textOf, type Reader, type RuleEvent } from './event.js';
import { compileGuarded, PclError, type Condition, type Guard } from './pcl.js';

export type { RuleEvent } from './event.js';
export type { ActionsDef, ExtractionDef, PathType, Reference, VariableDef } from './actions.js';

export interface RuleMatch {
  set: string;
  /** null: the catch-all. */
  rule: string | null;
  label: string | null;
}

export interface RouterOutcome {
  /** Service id; null = unrouted. */
  routeTo: string | null;
  matched: RuleMatch[];
}

export interface ServiceOutcome {
  /** After extractions. */
  event: RuleEvent;
  drop: boolean;
  suppress: boolean;
  severity?: string;
  urgency?: 'high' | 'low';
  priorityId?: string;
  pauseSeconds?: number;
  notes: string[];
  eventAction?: 'trigger' | 'resolve';
  matched: RuleMatch[];
}

export interface ConditionDef {
  expression: string;
}

export interface RuleDef {
  id: string;
  label: string | null;
  disabled: boolean;
  conditions: ConditionDef[];
  actions: ActionsDef;
}

export interface SetDef {
  id: string;
  rules: RuleDef[];
}

export interface OrchestrationPathDef {
  type: PathType;
  sets: SetDef[];
  catch_all: { actions: ActionsDef };
}

export const LIMITS = { sets: 100, rules: 1000, conditions: 25, labelLength: 255 } as const;

const SET_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Fields PagerDuty returns with a path; a client that reads, edits and writes back sends them. They are outputs, not settings. */
const READ_ONLY_PATH_FIELDS = new Set(['parent', 'self', 'created_at', 'created_by', 'updated_at', 'updated_by', 'version', 'migrated_at', 'migrated_by', 'migrated_from', 'migrated_status', 'migrated_via']);

export function defaultPath(type: PathType): OrchestrationPathDef {
  const actions: ActionsDef = type === 'router' ? { route_to: 'unrouted' } : type === 'unrouted' ? { suppress: true } : {};
  return { type, sets: [{ id: 'start', rules: [] }], catch_all: { actions } };
}

interface CompiledRule {
  id: string;
  label: string | null;
  /** null: no conditions, always matches. */
  test: Condition | null;
  actions: CompiledActions;
  /** The set route_to continues in (service and unrouted paths). */
  next: CompiledSet | null;
  guard?: Guard;
}

interface CompiledSet {
  id: string;
  rules: CompiledRule[];
  /** How to skip rules whose guard fails; null when no rule has one. */
  index: SetIndex | null;
}

/**
 * Rules indexed by their guards (pcl.ts): per guarded field, the rules each value can
 * match. An event reads each guarded field once; only the rules its values name, and
 * the rules without a guard, are tried, still in their order. With 200 rules of which
 * most test equality on a few fields, an event that matches none runs a handful of
 * conditions instead of 200.
 */
interface SetIndex {
  /** Indexes of rules without a guard, ascending. */
  open: number[];
  fields: { read: Reader; byValue: Map<string, number[]> }[];
}

function indexRules(rules: CompiledRule[]): SetIndex | null {
  const open: number[] = [];
  const fields = new Map<string, { read: Reader; byValue: Map<string, number[]> }>();
  rules.forEach((r, i) => {
    if (!r.guard) return void open.push(i);
    let f = fields.get(r.guard.key);
    if (!f) fields.set(r.guard.key, (f = { read: r.guard.read, byValue: new Map() }));
    for (const v of r.guard.values) f.byValue.set(v, [...(f.byValue.get(v) ?? []), i]);
  });
  return fields.size ? { open, fields: [...fields.values()] } : null;
}

/** The first rule of the set whose condition holds. */
function firstMatch(set: CompiledSet, e: RuleEvent, now: number): CompiledRule | null {
  const rules = set.rules;
  const index = set.index;
  if (!index) {
    for (const r of rules) if (r.test === null || r.test(e, now)) return r;
    return null;
  }
  let hits: number[] | undefined;
  for (const f of index.fields) {
    const v = f.read(e);
    if (v === undefined || v === null) continue;
    for (const x of Array.isArray(v) ? v : [v]) {
      const t = typeof x === 'string' ? x : textOf(x);
      const l = t === undefined ? undefined : f.byValue.get(t);
      if (l) hits = hits ? hits.concat(l) : l;
    }
  }
  const open = index.open;
  if (!hits) {
    for (let k = 0; k < open.length; k++) {
      const r = rules[open[k]!]!;
      if (r.test === null || r.test(e, now)) return r;
    }
    return null;
  }
  // Both lists ascending: try them merged, in rule order.
  const guarded = [...new Set(hits)].sort((a, b) => a - b);
  let i = 0;
  let j = 0;
  while (i < open.length || j < guarded.length) {
    const next = j >= guarded.length || (i < open.length && open[i]! < guarded[j]!) ? open[i++]! : guarded[j++]!;
    const r = rules[next]!;
    if (r.test === null || r.test(e, now)) return r;
  }
  return null;
}

export interface CompiledRouter {
  readonly kind: 'router';
  readonly start: CompiledSet;
  readonly catchAllRouteTo: string | null;
}

export interface CompiledServiceRules {
  readonly kind: 'service' | 'unrouted';
  readonly start: CompiledSet;
  readonly catchAll: CompiledActions;
}

export type BuildResult =
  | { ok: true; path: OrchestrationPathDef; compiled: CompiledRouter | CompiledServiceRules; references: { services: Reference[]; priorities: Reference[] } }
  | { ok: false; errors: string[] };

export interface BuildOptions {
  /** A fresh rule id (rule ids are assigned by the server). */
  newRuleId: () => string;
  /** Rule ids that may be kept when sent back (those of the version being replaced). */
  knownRuleIds?: ReadonlySet<string>;
  /** Index rules by their guards (default true; false tries every rule, for tests and benchmarks). */
  index?: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validate an `orchestration_path` as sent by a client and compile it. On success the
 * path is normalized (ids assigned, defaults filled, only known fields kept) and ready to
 * store; the references (services routed to, priorities set) are for the caller to find
 * in the organization.
 */
export function buildPath(type: PathType, input: unknown, opts: BuildOptions): BuildResult {
  const F = 'orchestration_path';
  const ctx: BuildContext = { errors: [], services: [], priorities: [], setRoutes: [] };
  if (!isObject(input)) return { ok: false, errors: [`${F} must be an object`] };
  for (const [k, v] of Object.entries(input)) {
    if (k === 'type') {
      if (v !== type) ctx.errors.push(`${F}.type must be ${type} here, got ${JSON.stringify(v)?.slice(0, 40)}`);
    } else if (k !== 'sets' && k !== 'catch_all' && !READ_ONLY_PATH_FIELDS.has(k)) ctx.errors.push(`${F}.${k}: unknown field`);
  }

  const sets: SetDef[] = [];
  const compiledSets: CompiledSet[] = [];
  /** Per compiled rule, the set id its route_to names (resolved once every set exists). */
  const pending: { rule: CompiledRule; to: string }[] = [];
  const usedRuleIds = new Set<string>();
  let ruleCount = 0;

  const rawSets = input.sets === undefined ? defaultPath(type).sets : input.sets;
  if (!Array.isArray(rawSets) || rawSets.length === 0) ctx.errors.push(`${F}.sets must be a non-empty list (with a "start" set)`);
  else if (type === 'router' && rawSets.length !== 1) ctx.errors.push(`${F}.sets: a router has exactly one set, "start"`);
  else if (rawSets.length > LIMITS.sets) ctx.errors.push(`${F}.sets: at most ${LIMITS.sets} sets`);
  else {
    rawSets.forEach((rawSet, si) => {
      const sf = `${F}.sets[${si}]`;
      if (!isObject(rawSet)) return void ctx.errors.push(`${sf} must be an object with id and rules`);
      for (const k of Object.keys(rawSet)) if (k !== 'id' && k !== 'rules') ctx.errors.push(`${sf}.${k}: unknown field`);
      const id = rawSet.id;
      if (typeof id !== 'string' || !SET_ID.test(id)) ctx.errors.push(`${sf}.id must be 1 to 64 letters, digits, - or _`);
      else if (sets.some((s) => s.id === id)) ctx.errors.push(`${sf}.id: set ${id} is defined twice`);
      else if (type === 'router' && id !== 'start') ctx.errors.push(`${sf}.id: a router's one set is "start"`);
      const setId = typeof id === 'string' ? id : `#${si}`;
      const rules: RuleDef[] = [];
      const compiledRules: CompiledRule[] = [];
      const rawRules = rawSet.rules ?? [];
      if (!Array.isArray(rawRules)) ctx.errors.push(`${sf}.rules must be a list`);
      else {
        ruleCount += rawRules.length;
        rawRules.forEach((rawRule, ri) => {
          const built = buildRule(type, rawRule, `${sf}.rules[${ri}]`, ctx, opts, usedRuleIds);
          if (!built) return;
          rules.push(built.def);
          if (built.def.disabled) return;
          compiledRules.push(built.compiled);
          if (type !== 'router' && built.def.actions.route_to !== undefined) pending.push({ rule: built.compiled, to: built.def.actions.route_to });
        });
      }
      sets.push({ id: setId, rules });
      compiledSets.push({ id: setId, rules: compiledRules, index: opts.index === false ? null : indexRules(compiledRules) });
    });
    if (ruleCount > LIMITS.rules) ctx.errors.push(`${F}.sets: at most ${LIMITS.rules} rules in all, got ${ruleCount}`);
    if (!sets.some((s) => s.id === 'start')) ctx.errors.push(`${F}.sets must include the set "start", where evaluation begins`);
  }

  let catchAll: { def: ActionsDef; compiled: CompiledActions } = { def: defaultPath(type).catch_all.actions, compiled: {} };
  if (input.catch_all === undefined || input.catch_all === null) {
    catchAll = buildActions(type, 'catch_all', defaultPath(type).catch_all.actions, `${F}.catch_all.actions`, ctx);
  } else if (!isObject(input.catch_all)) ctx.errors.push(`${F}.catch_all must be an object with actions`);
  else {
    for (const k of Object.keys(input.catch_all)) if (k !== 'actions') ctx.errors.push(`${F}.catch_all.${k}: unknown field`);
    catchAll = buildActions(type, 'catch_all', input.catch_all.actions ?? defaultPath(type).catch_all.actions, `${F}.catch_all.actions`, ctx);
    // PagerDuty's default: a router's catch-all sends what no rule routes to "unrouted".
    if (type === 'router' && catchAll.def.route_to === undefined) {
      catchAll.def.route_to = 'unrouted';
      catchAll.compiled.routeTo = null;
    }
  }

  // route_to between sets: every target exists, and no chain of routes comes back to a set it left.
  const setIds = new Set(sets.map((s) => s.id));
  for (const r of ctx.setRoutes) if (!setIds.has(r.id)) ctx.errors.push(`${r.field}: no set ${r.id} in this orchestration path`);
  if (type !== 'router') ctx.errors.push(...findCycles(sets, F));

  if (ctx.errors.length) return { ok: false, errors: ctx.errors };

  const byId = new Map(compiledSets.map((s) => [s.id, s]));
  for (const p of pending) p.rule.next = byId.get(p.to) ?? null;
  const path: OrchestrationPathDef = { type, sets, catch_all: { actions: catchAll.def } };
  const references = { services: ctx.services, priorities: ctx.priorities };
  if (type === 'router') {
    const compiled: CompiledRouter = { kind: 'router', start: compiledSets[0]!, catchAllRouteTo: catchAll.compiled.routeTo ?? null };
    return { ok: true, path, compiled, references };
  }
  return { ok: true, path, compiled: { kind: type, start: byId.get('start')!, catchAll: catchAll.compiled }, references };
}

function buildRule(type: PathType, raw: unknown, rf: string, ctx: BuildContext, opts: BuildOptions, used: Set<string>): { def: RuleDef; compiled: CompiledRule } | null {
  if (!isObject(raw)) {
    ctx.errors.push(`${rf} must be an object with conditions and actions`);
    return null;
  }
  for (const k of Object.keys(raw)) if (!['id', 'label', 'disabled', 'conditions', 'actions'].includes(k)) ctx.errors.push(`${rf}.${k}: unknown field`);
  let label: string | null = null;
  if (raw.label !== undefined && raw.label !== null) {
    if (typeof raw.label !== 'string' || raw.label.length > LIMITS.labelLength) ctx.errors.push(`${rf}.label must be a string of at most ${LIMITS.labelLength} characters`);
    else label = raw.label;
  }
  let disabled = false;
  if (raw.disabled !== undefined && raw.disabled !== null) {
    if (typeof raw.disabled !== 'boolean') ctx.errors.push(`${rf}.disabled must be true or false`);
    else disabled = raw.disabled;
  }
  const conditions: ConditionDef[] = [];
  const tests: Condition[] = [];
  const guards: (Guard | undefined)[] = [];
  const rawConditions = raw.conditions ?? [];
  if (!Array.isArray(rawConditions)) ctx.errors.push(`${rf}.conditions must be a list of {expression}`);
  else if (rawConditions.length > LIMITS.conditions) ctx.errors.push(`${rf}.conditions: at most ${LIMITS.conditions} conditions`);
  else {
    rawConditions.forEach((c, ci) => {
      const cf = `${rf}.conditions[${ci}]`;
      if (!isObject(c)) return void ctx.errors.push(`${cf} must be an object with an expression`);
      for (const k of Object.keys(c)) if (k !== 'expression') ctx.errors.push(`${cf}.${k}: unknown field`);
      if (typeof c.expression !== 'string') return void ctx.errors.push(`${cf}.expression must be a PCL condition string`);
      try {
        const compiled = compileGuarded(c.expression);
        tests.push(compiled.test);
        guards.push(compiled.guard);
        conditions.push({ expression: c.expression });
      } catch (err) {
        if (!(err instanceof PclError)) throw err;
        ctx.errors.push(`${cf}.expression: ${err.message}`);
      }
    });
  }
  // Actions of a disabled rule are still checked: enabling it later must not need a fix first.
  const actions = buildActions(type, 'rule', raw.actions, `${rf}.actions`, ctx);
  const wanted = typeof raw.id === 'string' ? raw.id : null;
  const id = wanted && opts.knownRuleIds?.has(wanted) && !used.has(wanted) ? wanted : freshId(opts, used);
  used.add(id);
  const test: Condition | null = tests.length === 0 ? null : tests.length === 1 ? tests[0]! : anyOf(tests);
  // Any condition may match: the rule has a guard only if every condition guards the same field.
  const first = guards[0];
  const guard = first && guards.every((g) => g && g.key === first.key) ? { key: first.key, read: first.read, values: new Set(guards.flatMap((g) => [...g!.values])) } : undefined;
  const compiled: CompiledRule = { id, label, test, actions: actions.compiled, next: null, ...(guard ? { guard } : {}) };
  return { def: { id, label, disabled, conditions, actions: actions.def }, compiled };
}

function freshId(opts: BuildOptions, used: Set<string>): string {
  for (;;) {
    const id = opts.newRuleId();
    if (!used.has(id)) return id;
  }
}

function anyOf(tests: Condition[]): Condition {
  return (e, now) => {
    for (const t of tests) if (t(e, now)) return true;
    return false;
  };
}

/** Cycles of route_to between sets (disabled rules included: enabling one must not close a loop). */
function findCycles(sets: SetDef[], F: string): string[] {
  const edges = new Map<string, { to: string; field: string }[]>();
  sets.forEach((s, si) =>
    s.rules.forEach((r, ri) => {
      const to = r.actions.route_to;
      if (to !== undefined) edges.set(s.id, [...(edges.get(s.id) ?? []), { to, field: `${F}.sets[${si}].rules[${ri}].actions.route_to` }]);
    }),
  );
  const errors: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): void => {
    state.set(id, 'open');
    stack.push(id);
    for (const e of edges.get(id) ?? []) {
      const s = state.get(e.to);
      if (s === 'open') {
        const loop = [...stack.slice(stack.indexOf(e.to)), e.to];
        errors.push(`${e.field}: routing to set ${e.to} closes a cycle (${loop.join(' → ')}); route_to must lead to a set not already on the way`);
      } else if (s === undefined && sets.some((x) => x.id === e.to)) visit(e.to);
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const s of sets) if (!state.has(s.id)) visit(s.id);
  return errors;
}

/** Compile a stored router path. Throws if it no longer validates (e.g. a time zone left the tz database). */
export function compileRouter(def: OrchestrationPathDef): CompiledRouter {
  return compileStored('router', def) as CompiledRouter;
}

/** Compile a stored service (or unrouted) path. */
export function compileServiceRules(def: OrchestrationPathDef): CompiledServiceRules {
  return compileStored(def.type === 'unrouted' ? 'unrouted' : 'service', def) as CompiledServiceRules;
}

function compileStored(type: PathType, def: OrchestrationPathDef): CompiledRouter | CompiledServiceRules {
  const ids = new Set(def.sets.flatMap((s) => s.rules.map((r) => r.id)));
  const built = buildPath(type, def, { newRuleId: () => `r${ids.size}`, knownRuleIds: ids });
  if (!built.ok) throw new Error(`stored ${type} rules do not compile: ${built.errors.join('; ')}`);
  return built.compiled;
}

export function routeEvent(c: CompiledRouter, e: RuleEvent, now: number): RouterOutcome {
  const r = firstMatch(c.start, e, now);
  if (r) return { routeTo: r.actions.routeTo ?? null, matched: [{ set: 'start', rule: r.id, label: r.label }] };
  return { routeTo: c.catchAllRouteTo, matched: [{ set: 'start', rule: null, label: null }] };
}

export function applyServiceRules(c: CompiledServiceRules, e: RuleEvent, now: number): ServiceOutcome {
  const out: ServiceOutcome = { event: e, drop: false, suppress: false, notes: [], matched: [] };
  let event = e;
  let set: CompiledSet | null = c.start;
  while (set) {
    const hit = firstMatch(set, event, now);
    if (!hit) {
      out.matched.push({ set: set.id, rule: null, label: null });
      event = applyActions(c.catchAll, event, out);
      break;
    }
    out.matched.push({ set: set.id, rule: hit.id, label: hit.label });
    event = applyActions(hit.actions, event, out);
    // A dropped event is gone: nothing later can bring it back.
    set = out.drop ? null : hit.next;
  }
  out.event = event;
  return out;
}
