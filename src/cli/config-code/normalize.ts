/**
 * One form for each resource, whether read from an organization or from a file: nulls, empty
 * lists and defaults left out, sets (members, skills, a window's services) sorted. Export writes
 * this form; apply compares in it, so a file that export wrote is applied as "unchanged".
 */
export type Entry = Record<string, any>;

export interface ConfigData {
  version: 1;
  teams: Entry[];
  schedules: Entry[];
  volunteer_pools: Entry[];
  escalation_policies: Entry[];
  services: Entry[];
  maintenance_windows: Entry[];
}

export const KINDS = ['teams', 'schedules', 'volunteer_pools', 'escalation_policies', 'services', 'maintenance_windows'] as const;
export type Kind = (typeof KINDS)[number];

/** Nulls and undefined left out, at every depth; key order kept. */
export function canon<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => canon(x)) as T;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = canon(x);
    return out as T;
  }
  return v;
}

/** JSON with keys sorted: two values are the same configuration when these are equal. */
export function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Equal configuration values; two instants with an offset are equal when they are the same instant. */
export function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string' && ISO_WITH_OFFSET.test(a) && ISO_WITH_OFFSET.test(b)) return Date.parse(a) === Date.parse(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return stable(ka) === stable(kb) && ka.every((k) => same((a as Entry)[k], (b as Entry)[k]));
  }
  return stable(a) === stable(b);
}

const nonEmpty = <T>(xs: T[] | undefined): T[] | undefined => (xs && xs.length ? xs : undefined);
const sorted = (xs: string[] | undefined) => (xs ? [...xs].sort() : xs);
/** The teams that own a schedule, policy or service: a set of names. */
const teamNames = (xs: string[] | undefined) => nonEmpty(sorted(xs));

export function normTeam(t: Entry): Entry {
  const members = t.members as Entry[] | undefined;
  return canon({
    name: t.name,
    description: t.description || undefined,
    members: members ? members.map((m) => ({ user: String(m.user), role: m.role ?? 'responder' })).sort((a, b) => a.user.localeCompare(b.user, 'en')) : undefined,
  });
}

export function normSchedule(s: Entry): Entry {
  return canon({
    name: s.name,
    description: s.description || undefined,
    time_zone: s.time_zone,
    schedule_layers: (s.schedule_layers as Entry[]).map((l) => ({
      name: l.name,
      start: l.start,
      end: l.end,
      rotation_virtual_start: l.rotation_virtual_start,
      rotation_turn_length: l.rotation_turn_length,
      users: l.users,
      restrictions: nonEmpty(l.restrictions as Entry[] | undefined)?.map((r) => ({ type: r.type, start_time_of_day: r.start_time_of_day, duration_seconds: r.duration_seconds, start_day_of_week: r.type === 'weekly_restriction' ? r.start_day_of_week : undefined })),
      open_shifts: l.open_shifts === true ? true : undefined,
    })),
    teams: teamNames(s.teams),
  });
}

export function normPool(p: Entry): Entry {
  const req = (p.requires ?? {}) as Entry;
  const requires = canon({ references: req.references === true ? true : undefined, background_check: req.background_check === true ? true : undefined, skills: nonEmpty(sorted(req.skills)) });
  return canon({
    name: p.name,
    description: p.description || undefined,
    strategy: p.strategy,
    round_robin_timeout_minutes: p.round_robin_timeout_minutes,
    requires: Object.keys(requires).length ? requires : undefined,
    members: nonEmpty(p.members as string[] | undefined),
  });
}

export function normPolicy(p: Entry): Entry {
  return canon({
    name: p.name,
    description: p.description || undefined,
    num_loops: p.num_loops,
    on_call_handoff_notifications: p.on_call_handoff_notifications,
    escalation_rules: (p.escalation_rules as Entry[]).map((r) => ({ escalation_delay_in_minutes: r.escalation_delay_in_minutes, targets: r.targets })),
    teams: teamNames(p.teams),
  });
}

/** A service's event rules; `priorityName` maps a priority id to its name when reading an organization. */
export function normRules(r: Entry | undefined, priorityName: (id: string) => string = (x) => x): Entry | undefined {
  if (!r) return undefined;
  const actions = (a: Entry | undefined) => {
    const out = canon({ ...(a ?? {}) });
    if (typeof out.priority === 'string') out.priority = priorityName(out.priority);
    return out;
  };
  const sets = ((r.sets ?? []) as Entry[]).map((s) => ({
    id: s.id,
    rules: ((s.rules ?? []) as Entry[]).map((x) => canon({ label: x.label || undefined, disabled: x.disabled === true ? true : undefined, conditions: nonEmpty(x.conditions as Entry[] | undefined)?.map((c) => ({ expression: c.expression })), actions: actions(x.actions) })),
  }));
  const catchAll = actions(r.catch_all?.actions);
  const out = canon({ active: r.active === false ? false : undefined, sets, catch_all: Object.keys(catchAll).length ? { actions: catchAll } : undefined });
  const nothing = out.active === undefined && !out.catch_all && sets.every((s) => s.rules.length === 0) && sets.length <= 1;
  return nothing ? undefined : out;
}

export function normService(s: Entry, rulesAreFileForm = false): Entry {
  const grouping = s.alert_grouping_parameters as Entry | undefined;
  const pause = s.auto_pause_notifications_parameters as Entry | undefined;
  return canon({
    name: s.name,
    description: s.description || undefined,
    disabled: s.disabled === true ? true : undefined,
    escalation_policy: s.escalation_policy,
    incident_urgency_rule: s.incident_urgency_rule,
    support_hours: s.support_hours,
    scheduled_actions: nonEmpty(s.scheduled_actions),
    alert_grouping_parameters: grouping && grouping.type ? grouping : undefined,
    auto_pause_notifications_parameters: pause && pause.enabled ? { enabled: true, timeout: pause.timeout } : undefined,
    acknowledgement_timeout: s.acknowledgement_timeout,
    auto_resolve_timeout: s.auto_resolve_timeout,
    integrations: nonEmpty(((s.integrations ?? []) as Entry[]).map((i) => canon({ name: i.name, type: i.type, heartbeat_interval_seconds: i.type === 'heartbeat' ? i.heartbeat_interval_seconds : undefined, ...(i.type === 'email' ? emailSettings(i) : {}) })).sort((a, b) => String(a.name).localeCompare(String(b.name), 'en'))),
    rules: rulesAreFileForm ? normRules(s.rules) : s.rules,
    teams: teamNames(s.teams),
  });
}

export function normWindow(w: Entry): Entry {
  return canon({ description: w.description, start_time: w.start_time, end_time: w.end_time, services: sorted(w.services), recurrence: w.recurrence || undefined, time_zone: w.time_zone || undefined });
}

export const NORMALIZE: Record<Kind, (e: Entry) => Entry> = {
  teams: normTeam,
  schedules: normSchedule,
  volunteer_pools: normPool,
  escalation_policies: normPolicy,
  services: (s) => normService(s, true),
  maintenance_windows: normWindow,
};

/** The identity of an entry within its kind. */
export const keyOf = (kind: Kind, e: Entry): string => String(kind === 'maintenance_windows' ? e.description : e.name);

/** An email integration's settings as a file holds them: the defaults left out, so a file and an export compare equal. */
function emailSettings(i: Entry): Entry {
  const list = (v: unknown) => (Array.isArray(v) && v.length ? v : undefined);
  return {
    email_incident_creation: i.email_incident_creation === 'on_new_email' ? undefined : i.email_incident_creation,
    email_filter_mode: i.email_filter_mode === 'all-email' ? undefined : i.email_filter_mode,
    email_filters: list(i.email_filters),
    email_parsers: list(i.email_parsers),
    email_parsing_fallback: i.email_parsing_fallback === null || (i.email_parsing_fallback === 'open_new_incident' && i.email_incident_creation === 'use_rules') ? undefined : i.email_parsing_fallback,
    email_allowed_senders: list(i.email_allowed_senders),
  };
}
