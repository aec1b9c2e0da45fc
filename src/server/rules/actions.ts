/**
 * What a matching rule does, in PagerDuty's action names: validated (every problem names
 * its field), normalized to the stored shape, and compiled for evaluation.
 *
 * Which actions a path allows follows PagerDuty: a router only routes; a service's rules
 * suppress, suspend (pause notifications), set priority, severity, event action, notes,
 * variables and extractions; the unrouted path changes the event and suppresses it.
 * Vigil adds two actions to service rules: `urgency` (high | low) and `drop_event`
 * (which PagerDuty has on global orchestrations only).
 *
 * PagerDuty actions Vigil does not implement are refused, never stored and ignored:
 * dynamic routing, escalation policy overrides, automation actions, incident custom
 * fields and incident types. Their empty values (null, [], false), which PagerDuty
 * clients send back after reading an orchestration, carry no instruction and are
 * accepted.
 */
import { parseFieldPath, parseTargetPath, reader, textOf, withField, SEVERITIES, type FieldRef, type Reader, type RuleEvent, type Severity } from './event.js';
import { compileRegex, type Regex } from './regex.js';
import { compileTemplate, type Template, type Variables } from './template.js';

export type PathType = 'router' | 'service' | 'unrouted';

export interface VariableDef {
  name: string;
  path: string;
  type: 'regex';
  value: string;
}

export type ExtractionDef = { target: string; template: string } | { target: string; source: string; regex: string };

export interface ActionsDef {
  route_to?: string;
  suppress?: boolean;
  suspend?: number;
  priority?: string;
  severity?: Severity;
  annotate?: string;
  event_action?: 'trigger' | 'resolve';
  variables?: VariableDef[];
  extractions?: ExtractionDef[];
  /** Vigil extension. */
  urgency?: 'high' | 'low';
  /** Vigil extension on service rules (PagerDuty: global orchestrations). */
  drop_event?: boolean;
}

export interface CompiledActions {
  /** Router: a service id, or null for unrouted. Service and unrouted paths: a set id. */
  routeTo?: string | null;
  suppress?: boolean;
  suspendSeconds?: number;
  priorityId?: string;
  severity?: Severity;
  urgency?: 'high' | 'low';
  eventAction?: 'trigger' | 'resolve';
  drop?: boolean;
  note?: Template;
  variables?: { name: string; read: Reader; regex: Regex }[];
  extractions?: { target: FieldRef; value: (e: RuleEvent, vars: Variables | undefined) => string | undefined }[];
}

/** A reference the service layer must find in the organization. */
export interface Reference {
  id: string;
  field: string;
}

export interface BuildContext {
  errors: string[];
  services: Reference[];
  priorities: Reference[];
  /** Set ids named by route_to in service and unrouted paths, checked once every set is known. */
  setRoutes: Reference[];
}

export const MAX_NOTE_LENGTH = 2048;
export const MAX_SUSPEND_SECONDS = 86_400;
const MAX_LIST = 25;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

const SERVICE_ACTIONS = ['route_to', 'suppress', 'suspend', 'priority', 'severity', 'annotate', 'event_action', 'variables', 'extractions', 'urgency', 'drop_event'] as const;
type ActionName = (typeof SERVICE_ACTIONS)[number];

const ALLOWED: Record<PathType, Record<'rule' | 'catch_all', readonly ActionName[]>> = {
  router: { rule: ['route_to'], catch_all: ['route_to'] },
  service: { rule: SERVICE_ACTIONS, catch_all: SERVICE_ACTIONS.filter((a) => a !== 'route_to') },
  unrouted: { rule: ['route_to', 'severity', 'event_action', 'variables', 'extractions'], catch_all: ['suppress', 'severity', 'event_action', 'variables', 'extractions'] },
};

const NOT_IMPLEMENTED: Record<string, string> = {
  dynamic_route_to: 'dynamic routing is not supported by Vigil; add one rule per service',
  escalation_policy: 'overriding the escalation policy from a rule is not supported by Vigil',
  automation_actions: 'automation actions (webhooks from rules) are not supported by Vigil; use a webhook subscription',
  pagerduty_automation_actions: 'PagerDuty automation actions are not supported by Vigil',
  incident_custom_field_updates: 'incident custom fields are not supported by Vigil',
  incident_type: 'incident types are not supported by Vigil',
};

const isEmpty = (v: unknown) => v === undefined || v === null || v === false || (Array.isArray(v) && v.length === 0);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown) => JSON.stringify(v)?.slice(0, 60) ?? String(v);
const where = (type: PathType, place: 'rule' | 'catch_all') => (place === 'catch_all' ? `a ${type} catch_all` : `a ${type} rule`);

/**
 * Validate and compile one `actions` object. `field` is its wire path
 * (`orchestration_path.sets[0].rules[2].actions`); problems go to ctx.errors.
 */
export function buildActions(type: PathType, place: 'rule' | 'catch_all', input: unknown, field: string, ctx: BuildContext): { def: ActionsDef; compiled: CompiledActions } {
  const def: ActionsDef = {};
  const compiled: CompiledActions = {};
  if (input === undefined || input === null) input = {};
  if (!isObject(input)) {
    ctx.errors.push(`${field} must be an object`);
    return { def, compiled };
  }
  const allowed = ALLOWED[type][place];
  for (const [key, value] of Object.entries(input)) {
    const f = `${field}.${key}`;
    if (key in NOT_IMPLEMENTED) {
      if (!isEmpty(value)) ctx.errors.push(`${f}: ${NOT_IMPLEMENTED[key]}`);
      continue;
    }
    if (!(SERVICE_ACTIONS as readonly string[]).includes(key)) {
      ctx.errors.push(`${f}: unknown action`);
      continue;
    }
    if (!allowed.includes(key as ActionName)) {
      if (!isEmpty(value)) ctx.errors.push(`${f}: not available in ${where(type, place)} (available: ${allowed.join(', ')})`);
      continue;
    }
    if (value === null) continue;
    switch (key as ActionName) {
      case 'route_to':
        buildRouteTo(type, place, value, f, ctx, def, compiled);
        break;
      case 'suppress':
        if (typeof value !== 'boolean') ctx.errors.push(`${f} must be true or false`);
        else if (type === 'unrouted' && !value) ctx.errors.push(`${f}: unrouted events are always suppressed; only true is accepted`);
        else def.suppress = compiled.suppress = value;
        break;
      case 'suspend':
        if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > MAX_SUSPEND_SECONDS) ctx.errors.push(`${f} must be a whole number of seconds from 0 to ${MAX_SUSPEND_SECONDS}, got ${show(value)}`);
        else {
          def.suspend = value as number;
          if ((value as number) > 0) compiled.suspendSeconds = value as number;
        }
        break;
      case 'priority':
        if (typeof value !== 'string' || !value || value.length > 64) ctx.errors.push(`${f} must be a priority id`);
        else {
          def.priority = compiled.priorityId = value;
          ctx.priorities.push({ id: value, field: f });
        }
        break;
      case 'severity':
        if (!(SEVERITIES as readonly unknown[]).includes(value)) ctx.errors.push(`${f} must be one of ${SEVERITIES.join(', ')}, got ${show(value)}`);
        else def.severity = compiled.severity = value as Severity;
        break;
      case 'event_action':
        if (value !== 'trigger' && value !== 'resolve') ctx.errors.push(`${f} must be trigger or resolve, got ${show(value)}`);
        else def.event_action = compiled.eventAction = value;
        break;
      case 'urgency':
        if (value !== 'high' && value !== 'low') ctx.errors.push(`${f} must be high or low, got ${show(value)}`);
        else def.urgency = compiled.urgency = value;
        break;
      case 'drop_event':
        if (typeof value !== 'boolean') ctx.errors.push(`${f} must be true or false`);
        else {
          def.drop_event = value;
          if (value) compiled.drop = true;
        }
        break;
      case 'variables':
      case 'extractions':
      case 'annotate':
        // Templates may name the rule's variables: these three are built together below.
        break;
    }
  }
  const variables = buildVariables(input.variables, `${field}.variables`, ctx, allowed.includes('variables'));
  if (variables) {
    def.variables = variables.defs;
    if (variables.compiled.length) compiled.variables = variables.compiled;
  }
  const names = new Set(variables?.defs.map((v) => v.name) ?? []);
  if (allowed.includes('extractions') && input.extractions !== undefined && input.extractions !== null) {
    const ex = buildExtractions(input.extractions, `${field}.extractions`, ctx, names);
    def.extractions = ex.defs;
    if (ex.compiled.length) compiled.extractions = ex.compiled;
  }
  if (allowed.includes('annotate') && input.annotate !== undefined && input.annotate !== null) {
    const f = `${field}.annotate`;
    if (typeof input.annotate !== 'string') ctx.errors.push(`${f} must be a string`);
    else if (input.annotate.length > MAX_NOTE_LENGTH) ctx.errors.push(`${f} is longer than ${MAX_NOTE_LENGTH} characters`);
    else if (input.annotate !== '') {
      const t = compileTemplate(input.annotate, names);
      if (!t.ok) ctx.errors.push(`${f}: ${t.problem}`);
      else {
        def.annotate = input.annotate;
        compiled.note = t.render;
      }
    }
  }
  if (type === 'router' && place === 'rule' && def.route_to === undefined && !ctx.errors.some((e) => e.startsWith(`${field}.route_to`))) {
    ctx.errors.push(`${field}.route_to is required: a router rule routes to a service`);
  }
  return { def, compiled };
}

function buildRouteTo(type: PathType, place: 'rule' | 'catch_all', value: unknown, f: string, ctx: BuildContext, def: ActionsDef, compiled: CompiledActions): void {
  if (typeof value !== 'string' || !value || value.length > 64) {
    ctx.errors.push(`${f} must be ${type === 'router' ? 'a service id' + (place === 'catch_all' ? ' or "unrouted"' : '') : 'the id of a set'}`);
    return;
  }
  def.route_to = value;
  if (type !== 'router') {
    compiled.routeTo = value;
    ctx.setRoutes.push({ id: value, field: f });
    return;
  }
  if (place === 'catch_all' && value === 'unrouted') {
    compiled.routeTo = null;
    return;
  }
  if (value === 'unrouted') {
    ctx.errors.push(`${f}: a router rule routes to a service; "unrouted" is for the catch_all`);
    return;
  }
  compiled.routeTo = value;
  ctx.services.push({ id: value, field: f });
}

function buildVariables(input: unknown, field: string, ctx: BuildContext, allowed: boolean): { defs: VariableDef[]; compiled: NonNullable<CompiledActions['variables']> } | null {
  if (!allowed || input === undefined || input === null) return null;
  if (!Array.isArray(input)) {
    ctx.errors.push(`${field} must be a list`);
    return null;
  }
  if (input.length > MAX_LIST) ctx.errors.push(`${field}: at most ${MAX_LIST} variables`);
  const defs: VariableDef[] = [];
  const compiled: NonNullable<CompiledActions['variables']> = [];
  const seen = new Set<string>();
  input.slice(0, MAX_LIST).forEach((v, i) => {
    const f = `${field}[${i}]`;
    if (!isObject(v)) return void ctx.errors.push(`${f} must be an object with name, path, type and value`);
    for (const k of Object.keys(v)) if (!['name', 'path', 'type', 'value'].includes(k)) ctx.errors.push(`${f}.${k}: unknown field`);
    const { name, path, type, value } = v;
    let ok = true;
    if (typeof name !== 'string' || !VARIABLE_NAME.test(name)) (ok = false), ctx.errors.push(`${f}.name must be letters, digits and _, not starting with a digit (at most 64)`);
    else if (seen.has(name)) (ok = false), ctx.errors.push(`${f}.name: ${name} is defined twice`);
    if (type !== 'regex') (ok = false), ctx.errors.push(`${f}.type must be regex (the only kind of variable)`);
    let read: Reader | undefined;
    if (typeof path !== 'string') (ok = false), ctx.errors.push(`${f}.path must be a field path such as event.summary`);
    else {
      const p = parseFieldPath(path);
      if (!p.ok) (ok = false), ctx.errors.push(`${f}.path: ${p.problem}`);
      else read = p.ref.kind === 'timestamp' ? (e) => new Date(e.timestamp).toISOString() : reader(p.ref);
    }
    let regex: Regex | undefined;
    if (typeof value !== 'string') (ok = false), ctx.errors.push(`${f}.value must be a regular expression`);
    else {
      const r = compileRegex(value);
      if (!r.ok) (ok = false), ctx.errors.push(`${f}.value: ${r.problem}`);
      else regex = r.regex;
    }
    if (typeof name === 'string') seen.add(name);
    if (ok && read && regex) {
      defs.push({ name: name as string, path: path as string, type: 'regex', value: value as string });
      compiled.push({ name: name as string, read, regex });
    }
  });
  return { defs, compiled };
}

function buildExtractions(input: unknown, field: string, ctx: BuildContext, variables: ReadonlySet<string>): { defs: ExtractionDef[]; compiled: NonNullable<CompiledActions['extractions']> } {
  const defs: ExtractionDef[] = [];
  const compiled: NonNullable<CompiledActions['extractions']> = [];
  if (!Array.isArray(input)) {
    ctx.errors.push(`${field} must be a list`);
    return { defs, compiled };
  }
  if (input.length > MAX_LIST) ctx.errors.push(`${field}: at most ${MAX_LIST} extractions`);
  input.slice(0, MAX_LIST).forEach((x, i) => {
    const f = `${field}[${i}]`;
    if (!isObject(x)) return void ctx.errors.push(`${f} must be an object with target and template, or target, source and regex`);
    for (const k of Object.keys(x)) if (!['target', 'template', 'source', 'regex'].includes(k)) ctx.errors.push(`${f}.${k}: unknown field`);
    let target: FieldRef | undefined;
    if (typeof x.target !== 'string') ctx.errors.push(`${f}.target must be a field path such as event.summary`);
    else {
      const t = parseTargetPath(x.target);
      if (!t.ok) ctx.errors.push(`${f}.target: ${t.problem}`);
      else target = t.ref;
    }
    const hasTemplate = x.template !== undefined && x.template !== null;
    const hasRegex = (x.regex !== undefined && x.regex !== null) || (x.source !== undefined && x.source !== null);
    if (hasTemplate === hasRegex) return void ctx.errors.push(`${f}: give either template, or source and regex`);
    if (hasTemplate) {
      if (typeof x.template !== 'string') return void ctx.errors.push(`${f}.template must be a string`);
      const t = compileTemplate(x.template, variables);
      if (!t.ok) return void ctx.errors.push(`${f}.template: ${t.problem}`);
      if (target) {
        defs.push({ target: x.target as string, template: x.template });
        compiled.push({ target, value: t.render });
      }
      return;
    }
    let read: Reader | undefined;
    if (typeof x.source !== 'string') ctx.errors.push(`${f}.source must be a field path such as event.summary`);
    else {
      const s = parseFieldPath(x.source);
      if (!s.ok) ctx.errors.push(`${f}.source: ${s.problem}`);
      else read = s.ref.kind === 'timestamp' ? (e) => new Date(e.timestamp).toISOString() : reader(s.ref);
    }
    let regex: Regex | undefined;
    if (typeof x.regex !== 'string') ctx.errors.push(`${f}.regex must be a regular expression`);
    else {
      const r = compileRegex(x.regex);
      if (!r.ok) ctx.errors.push(`${f}.regex: ${r.problem}`);
      else regex = r.regex;
    }
    if (target && read && regex) {
      const [rd, re] = [read, regex];
      defs.push({ target: x.target as string, source: x.source as string, regex: x.regex as string });
      compiled.push({ target, value: (e) => extractFrom(rd(e), re) });
    }
  });
  return { defs, compiled };
}

/** The regex's extraction from the first value (of a list: the first element) it matches. */
function extractFrom(v: unknown, re: Regex): string | undefined {
  if (Array.isArray(v)) {
    for (const x of v) {
      const s = textOf(x);
      const got = s === undefined ? undefined : re.extract(s);
      if (got !== undefined) return got;
    }
    return undefined;
  }
  const s = textOf(v);
  return s === undefined ? undefined : re.extract(s);
}

/**
 * Apply compiled actions to the working event and the outcome being built. Variables
 * and every extraction read the event as the rule found it, so the order of extractions
 * within one rule does not matter; the event returned carries their writes.
 */
export function applyActions(a: CompiledActions, e: RuleEvent, out: MutableOutcome): RuleEvent {
  let vars: Map<string, string> | undefined;
  if (a.variables) {
    vars = new Map();
    for (const v of a.variables) {
      const got = extractFrom(v.read(e), v.regex);
      if (got !== undefined) vars.set(v.name, got);
    }
  }
  let next = e;
  if (a.extractions) {
    for (const x of a.extractions) {
      const value = x.value(e, vars);
      if (value !== undefined) next = withField(next, x.target, value);
    }
  }
  if (a.note) out.notes.push(a.note(e, vars));
  if (a.suppress !== undefined) out.suppress = a.suppress;
  if (a.suspendSeconds !== undefined) out.pauseSeconds = a.suspendSeconds;
  if (a.priorityId !== undefined) out.priorityId = a.priorityId;
  if (a.severity !== undefined) out.severity = a.severity;
  if (a.urgency !== undefined) out.urgency = a.urgency;
  if (a.eventAction !== undefined) out.eventAction = a.eventAction;
  if (a.drop) out.drop = true;
  return next;
}

export interface MutableOutcome {
  drop: boolean;
  suppress: boolean;
  severity?: string;
  urgency?: 'high' | 'low';
  priorityId?: string;
  pauseSeconds?: number;
  notes: string[];
  eventAction?: 'trigger' | 'resolve';
}
