/**
 * The plan of `vigil apply`: each resource of the file against the organization's, as create,
 * update (the fields that differ, before → after), unchanged, or delete (only with --prune).
 * Pure: it reads two configurations in the normalized form and writes nothing.
 */
import { integrationKey } from './read.js';
import { KINDS, NORMALIZE, keyOf, stable, same, type ConfigData, type Entry } from './normalize.js';

export type PlanKind = 'team' | 'schedule' | 'volunteer_pool' | 'escalation_policy' | 'service' | 'integration' | 'rules' | 'maintenance_window';
export type Action = 'create' | 'update' | 'replace' | 'delete' | 'unchanged';

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

export interface Change {
  kind: PlanKind;
  /** The name (a window: its description; an integration: its service and name; rules: their service) */
  key: string;
  service?: string;
  action: Action;
  fields: FieldChange[];
  desired?: Entry;
}

/** Apply order: what is referenced before what references it (deletes run the other way). */
export const ORDER: PlanKind[] = ['team', 'schedule', 'volunteer_pool', 'escalation_policy', 'service', 'integration', 'rules', 'maintenance_window'];
const KIND_OF = { teams: 'team', schedules: 'schedule', volunteer_pools: 'volunteer_pool', escalation_policies: 'escalation_policy', services: 'service', maintenance_windows: 'maintenance_window' } as const;
const NESTED = new Set(['integrations', 'rules']);

/**
 * Whether the current value already is what the file asks for. A field the file leaves out is
 * left as it is, at any depth (a layer without a name keeps its name); lists are compared whole.
 */
export function covers(desired: unknown, current: unknown): boolean {
  if (desired && typeof desired === 'object' && !Array.isArray(desired)) {
    if (!current || typeof current !== 'object' || Array.isArray(current)) return false;
    return Object.entries(desired).every(([k, v]) => covers(v, (current as Entry)[k]));
  }
  if (Array.isArray(desired)) return Array.isArray(current) && desired.length === current.length && desired.every((d, i) => covers(d, current[i]));
  return same(desired, current);
}

function fieldChanges(desired: Entry, current: Entry): FieldChange[] {
  return Object.keys(desired)
    .filter((f) => !NESTED.has(f) && !covers(desired[f], current[f]))
    .map((field) => ({ field, from: current[field], to: desired[field] }));
}

function compare(kind: PlanKind, key: string, desired: Entry | undefined, current: Entry | undefined, prune: boolean, service?: string): Change | null {
  const base = { kind, key, ...(service ? { service } : {}) };
  if (desired && !current) return { ...base, action: 'create', fields: [], desired };
  if (!desired && current) return prune ? { ...base, action: 'delete', fields: [] } : null;
  if (!desired || !current) return null;
  const fields = fieldChanges(desired, current);
  if (!fields.length) return { ...base, action: 'unchanged', fields, desired };
  const replace = kind === 'integration';
  return { ...base, action: replace ? 'replace' : 'update', fields, desired };
}

function integrationChanges(want: Entry | undefined, have: Entry | undefined, prune: boolean, serviceDeleted: boolean): Change[] {
  const name = String((want ?? have)!.name);
  if (serviceDeleted) return [];
  const wanted = want && 'integrations' in want ? (want.integrations as Entry[]) : want ? undefined : [];
  if (wanted === undefined && !prune) return [];
  const had = ((have?.integrations ?? []) as Entry[]);
  const keys = [...new Set([...(wanted ?? []).map((i) => String(i.name)), ...had.map((i) => String(i.name))])].sort();
  const out: Change[] = [];
  for (const k of keys) {
    const c = compare('integration', integrationKey(name, k), (wanted ?? []).find((i) => i.name === k), had.find((i) => i.name === k), prune, name);
    if (c) out.push(c);
  }
  return out;
}

function rulesChange(want: Entry | undefined, have: Entry | undefined, prune: boolean): Change | null {
  const name = String((want ?? have)!.name);
  if (!want) return null;
  const desired = want.rules as Entry | undefined;
  const current = have?.rules as Entry | undefined;
  if (!desired) return current && prune ? { kind: 'rules', key: name, service: name, action: 'delete', fields: [] } : null;
  if (!current) return { kind: 'rules', key: name, service: name, action: 'create', fields: [], desired };
  const same = covers(desired, current);
  return { kind: 'rules', key: name, service: name, action: same ? 'unchanged' : 'update', fields: same ? [] : [{ field: 'rules', from: current, to: desired }], desired };
}

/** Normalizes a validated file into the form export writes. */
export function normalizeFile(file: Entry): ConfigData {
  const out = { version: 1 } as ConfigData;
  for (const kind of KINDS) out[kind] = ((file[kind] ?? []) as Entry[]).map(NORMALIZE[kind]);
  return out;
}

export function makePlan(desired: ConfigData, current: ConfigData, prune: boolean): Change[] {
  const changes: Change[] = [];
  for (const kind of KINDS) {
    const want = new Map(desired[kind].map((e) => [keyOf(kind, e), e]));
    const have = new Map(current[kind].map((e) => [keyOf(kind, e), e]));
    for (const key of [...new Set([...want.keys(), ...have.keys()])].sort()) {
      const c = compare(KIND_OF[kind], key, want.get(key), have.get(key), prune);
      if (c) changes.push(c);
      if (kind !== 'services') continue;
      changes.push(...integrationChanges(want.get(key), have.get(key), prune, c?.action === 'delete'));
      const r = rulesChange(want.get(key), have.get(key), prune);
      if (r) changes.push(r);
    }
  }
  return changes.sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind));
}

/** Names within a kind must be unique in a file (they identify resources). */
export function duplicateNames(desired: ConfigData, where = ''): string[] {
  const problems: string[] = [];
  for (const kind of KINDS) {
    const seen = new Set<string>();
    desired[kind].forEach((e, i) => {
      const k = keyOf(kind, e);
      if (seen.has(k)) problems.push(`${where}/${kind}/${i}: ${kind === 'maintenance_windows' ? 'description' : 'name'} ${JSON.stringify(k)} appears twice`);
      seen.add(k);
    });
    if (kind === 'services')
      desired.services.forEach((s, i) => {
        const names = ((s.integrations ?? []) as Entry[]).map((x) => String(x.name));
        if (new Set(names).size !== names.length) problems.push(`${where}/services/${i}/integrations: two integrations have the same name`);
      });
  }
  return problems;
}

const LABEL: Record<PlanKind, string> = { team: 'team', schedule: 'schedule', volunteer_pool: 'volunteer pool', escalation_policy: 'escalation policy', service: 'service', integration: 'integration', rules: 'event rules of service', maintenance_window: 'maintenance window' };
const SIGN: Record<Action, string> = { create: '+', update: '~', replace: '±', delete: '-', unchanged: '=' };
const short = (v: unknown) => {
  const s = v === undefined ? '(unset)' : stable(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
};

/** The plan as people read it; unchanged resources are counted, not listed. */
export function formatPlan(changes: Change[]): string {
  const lines: string[] = [];
  for (const c of changes) {
    if (c.action === 'unchanged') continue;
    const name = c.kind === 'integration' ? `${c.service} / ${c.key.split('\u0000')[1]}` : c.key;
    lines.push(`${SIGN[c.action]} ${LABEL[c.kind]} ${JSON.stringify(name)}${c.action === 'replace' ? ' (replaced: a new key)' : ''}`);
    for (const f of c.fields) lines.push(`    ${f.field}: ${short(f.from)} → ${short(f.to)}`);
  }
  const n = (a: Action) => changes.filter((c) => c.action === a).length;
  const total = changes.length - n('unchanged');
  lines.push(total === 0 ? `0 changes (${n('unchanged')} unchanged)` : `${total} change${total === 1 ? '' : 's'}: ${n('create')} to create, ${n('update')} to update, ${n('replace')} to replace, ${n('delete')} to delete (${n('unchanged')} unchanged)`);
  return lines.join('\n') + '\n';
}
