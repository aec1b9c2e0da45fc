/**
 * PagerDuty's legacy service event rules (`/services/{id}/rules`) mapped onto a service's
 * event rules: each legacy rule is a rule of the service's "start" set, its position the
 * rule's index there. Conditions become one PCL condition, which ingest applies like any
 * other; the mapping is exact both ways:
 *
 *   equals v → `event.F matches 'v'`          nequals v → `event.F does not match 'v'`
 *   contains v → `event.F matches part 'v'`   ncontains v → `event.F does not match part 'v'`
 *   matches v → `event.F matches regex 'v'`   nmatches v → `event.F does not match regex 'v'`
 *   exists → `event.F exists`                 nexists → `event.F does not exist`
 *
 * (exists and nexists answer value "", as PagerDuty does) joined with ` and ` or ` or ` (conditions.operator); no subconditions is a rule that
 * always matches. A legacy path names a PD-CEF field (`summary`, `payload.source`,
 * `custom_details.region`…), read as `event.<field>`. Actions are PagerDuty's `{value}`
 * objects for annotate, event_action, priority, severity, suppress and suspend. What
 * Vigil cannot honour is refused naming the field: time_frame, variables, extractions,
 * suppress thresholds, a subcondition's options. A start-set rule written through event
 * orchestrations whose condition is not of this form is listed with `vigil_conditions`
 * (its PCL) instead of `conditions`, and actions legacy rules lack with `vigil_actions`.
 */
import { parseFieldPath } from './event.js';
import type { ActionsDef } from './actions.js';

export interface Subcondition {
  operator: string;
  parameters: { path: string; value: string };
}

export interface LegacyConditions {
  operator: 'and' | 'or';
  subconditions: Subcondition[];
}

const OPS: Record<string, string> = {
  equals: 'matches',
  nequals: 'does not match',
  contains: 'matches part',
  ncontains: 'does not match part',
  matches: 'matches regex',
  nmatches: 'does not match regex',
  exists: 'exists',
  nexists: 'does not exist',
};
const BY_PCL = new Map(Object.entries(OPS).map(([k, v]) => [v, k]));
/** Longest first, so `does not match part` is not read as `does not match`. */
const PCL_OPS = [...BY_PCL.keys()].sort((a, b) => b.length - a.length);

/** The legacy actions; Vigil's `ActionsDef` keys with the same meaning. */
export const LEGACY_ACTIONS = ['annotate', 'event_action', 'priority', 'severity', 'suppress', 'suspend'] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function fieldOf(path: unknown, f: string, errors: string[]): string | null {
  if (typeof path !== 'string' || !path) return void errors.push(`${f} must be a field path such as summary or custom_details.region`), null;
  const field = `event.${path.replace(/^payload\./, '')}`;
  const parsed = parseFieldPath(field);
  if (!parsed.ok) return void errors.push(`${f}: ${parsed.problem}`), null;
  return field;
}

function subconditionPcl(raw: unknown, f: string, errors: string[]): string | null {
  if (!isObject(raw)) return void errors.push(`${f} must be an object with operator and parameters`), null;
  for (const k of Object.keys(raw)) if (k !== 'operator' && k !== 'parameters') errors.push(`${f}.${k}: unknown field`);
  const op = typeof raw.operator === 'string' ? OPS[raw.operator] : undefined;
  if (!op) errors.push(`${f}.operator must be one of ${Object.keys(OPS).join(', ')}`);
  const params = raw.parameters;
  if (!isObject(params)) return void errors.push(`${f}.parameters must be an object with path (and value)`), null;
  for (const k of Object.keys(params)) {
    if (k === 'options') errors.push(`${f}.parameters.options: not supported by Vigil (text comparisons are case-sensitive; use matches with (?i))`);
    else if (k !== 'path' && k !== 'value') errors.push(`${f}.parameters.${k}: unknown field`);
  }
  const field = fieldOf(params.path, `${f}.parameters.path`, errors);
  if (!op || !field) return null;
  if (op === 'exists' || op === 'does not exist') {
    // PagerDuty answers value "" for these; a client sends it back.
    if (params.value !== undefined && params.value !== '') return void errors.push(`${f}.parameters.value: ${String(raw.operator)} takes no value`), null;
    return `${field} ${op}`;
  }
  if (typeof params.value !== 'string') return void errors.push(`${f}.parameters.value must be a string for ${String(raw.operator)}`), null;
  return `${field} ${op} ${quote(params.value)}`;
}

/** Legacy conditions as one PCL condition; null when they always match. Problems are pushed naming `field`. */
export function conditionsToPcl(raw: unknown, field: string, errors: string[]): string | null {
  if (raw === undefined || raw === null) return null;
  if (!isObject(raw)) return void errors.push(`${field} must be an object with operator and subconditions`), null;
  for (const k of Object.keys(raw)) if (k !== 'operator' && k !== 'subconditions') errors.push(`${field}.${k}: unknown field`);
  const joiner = raw.operator ?? 'and';
  if (joiner !== 'and' && joiner !== 'or') errors.push(`${field}.operator must be and or or`);
  const subs = raw.subconditions ?? [];
  if (!Array.isArray(subs)) return void errors.push(`${field}.subconditions must be a list`), null;
  if (subs.length > 25) errors.push(`${field}.subconditions: at most 25`);
  const atoms = subs.map((s, i) => subconditionPcl(s, `${field}.subconditions[${i}]`, errors));
  if (!atoms.length || atoms.some((a) => a === null)) return null;
  return atoms.join(` ${String(joiner)} `);
}

/** Read back a condition written by conditionsToPcl; undefined when it is not of that form. */
export function pclToConditions(expression: string): LegacyConditions | undefined {
  const subconditions: Subcondition[] = [];
  let operator: 'and' | 'or' | undefined;
  let rest = expression;
  for (;;) {
    const field = /^event\.[^\s]+/.exec(rest)?.[0];
    if (!field) return undefined;
    rest = rest.slice(field.length + 1);
    const op = PCL_OPS.find((o) => rest === o || rest.startsWith(`${o} `));
    if (!op || expression[expression.length - rest.length - 1] !== ' ') return undefined;
    rest = rest.slice(op.length);
    const path = field.slice('event.'.length);
    if (op === 'exists' || op === 'does not exist') subconditions.push({ operator: BY_PCL.get(op)!, parameters: { path, value: '' } });
    else {
      const str = /^ '((?:[^'\\]|\\.)*)'/.exec(rest);
      if (!str) return undefined;
      subconditions.push({ operator: BY_PCL.get(op)!, parameters: { path, value: str[1]!.replace(/\\(.)/g, '$1') } });
      rest = rest.slice(str[0].length);
    }
    if (!rest) return { operator: operator ?? 'and', subconditions };
    const j = /^ (and|or) /.exec(rest);
    if (!j || (operator && operator !== j[1])) return undefined;
    operator = j[1] as 'and' | 'or';
    rest = rest.slice(j[0].length);
  }
}

/** Legacy actions (`{annotate: {value}}`…) as Vigil's; problems are pushed naming `field`. */
export function actionsFromLegacy(raw: unknown, field: string, errors: string[]): Partial<ActionsDef> {
  const out: Record<string, unknown> = {};
  if (raw === undefined || raw === null) return out;
  if (!isObject(raw)) return void errors.push(`${field} must be an object`), out;
  for (const [k, v] of Object.entries(raw)) {
    const f = `${field}.${k}`;
    if (k === 'extractions') {
      if (Array.isArray(v) && v.length) errors.push(`${f}: not supported on legacy rules; set extractions through /event_orchestrations/services/{id}`);
      continue;
    }
    if (!(LEGACY_ACTIONS as readonly string[]).includes(k)) {
      errors.push(`${f}: unknown action`);
      continue;
    }
    if (v === null) continue;
    if (!isObject(v) || !('value' in v)) {
      errors.push(`${f} must be {"value": …}`);
      continue;
    }
    for (const vk of Object.keys(v)) if (vk !== 'value') errors.push(`${f}.${vk}: ${vk.startsWith('threshold_') ? 'suppression thresholds are not supported by Vigil' : 'unknown field'}`);
    out[k] = v.value;
  }
  return out;
}

/** Vigil's actions as PagerDuty shows a legacy rule's: each action `{value}` or null; the rest apart. */
export function actionsToLegacy(actions: ActionsDef): { actions: Record<(typeof LEGACY_ACTIONS)[number], { value: unknown } | null>; vigil: Partial<ActionsDef> | undefined } {
  const legacy = Object.fromEntries(LEGACY_ACTIONS.map((k) => [k, actions[k] === undefined ? null : { value: actions[k] }])) as Record<(typeof LEGACY_ACTIONS)[number], { value: unknown } | null>;
  const vigil = Object.fromEntries(Object.entries(actions).filter(([k]) => !(LEGACY_ACTIONS as readonly string[]).includes(k)));
  return { actions: legacy, vigil: Object.keys(vigil).length ? (vigil as Partial<ActionsDef>) : undefined };
}
