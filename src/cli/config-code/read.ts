/**
 * Reads an organization's configuration through the REST API into the file's form (names, not
 * ids; nulls and defaults left out; lists sorted by name), with the ids apply needs to change it.
 * The built-in "Vigil health" service and windows already over are not configuration.
 */
import type { Api, Json } from './api.js';
import { normPolicy, normPool, normRules, normSchedule, normService, normTeam, normWindow, type ConfigData, type Entry } from './normalize.js';

export interface Ids {
  users: Map<string, string>;
  priorities: Map<string, string>;
  teams: Map<string, string>;
  /** team name → its members' emails → team role */
  teamMembers: Map<string, Map<string, string>>;
  schedules: Map<string, string>;
  pools: Map<string, string>;
  policies: Map<string, string>;
  services: Map<string, string>;
  /** service name + "\u0000" + integration name → { service id, integration id } */
  integrations: Map<string, { serviceId: string; id: string }>;
  windows: Map<string, string>;
}

export interface Current {
  data: ConfigData;
  ids: Ids;
}

const byName = (a: Entry, b: Entry) => String(a.name ?? a.description).localeCompare(String(b.name ?? b.description), 'en');
/** id → name, from the rows themselves (two rows of one name keep both ids). */
const namesOf = (rows: Json[], key = 'name') => new Map(rows.map((r) => [String(r.id), String(r[key])]));
export const integrationKey = (service: string, name: string) => `${service}\u0000${name}`;

function nameOf(names: Map<string, string>, id: string, what: string): string {
  const n = names.get(id);
  if (n === undefined) throw new Error(`${what} ${id} is not in the organization's configuration`);
  return n;
}

/** Team references → team names (a set: sorted). */
const teamsOf = (refs: Json[] | undefined, teamName: Map<string, string>) => (refs ?? []).map((r) => nameOf(teamName, String(r.id), 'team'));

function scheduleEntry(s: Json, emailOf: Map<string, string>, teamName: Map<string, string>): Entry {
  return normSchedule({
    teams: teamsOf(s.teams, teamName),
    name: s.name,
    description: s.description,
    time_zone: s.time_zone,
    schedule_layers: (s.schedule_layers as Json[]).map((l) => ({
      name: l.name,
      start: l.start,
      end: l.end,
      rotation_virtual_start: l.rotation_virtual_start,
      rotation_turn_length: { unit: l.rotation_turn_length.unit, count: l.rotation_turn_length.count },
      users: (l.users as Json[]).map((u) => nameOf(emailOf, u.user.id, 'user')),
      restrictions: (l.restrictions as Json[]).length ? l.restrictions : undefined,
      open_shifts: l.open_shifts === true ? true : undefined,
    })),
  });
}

function poolEntry(p: Json, emailOf: Map<string, string>): Entry {
  return normPool({
    name: p.name,
    description: p.description,
    strategy: p.strategy,
    round_robin_timeout_minutes: p.round_robin_timeout_minutes,
    requires: { references: p.requires.references, background_check: p.requires.background_check, skills: [...p.requires.skills].sort() },
    members: (p.members as Json[]).map((m) => nameOf(emailOf, m.user.id, 'user')),
  });
}

const TARGET_KIND: Record<string, 'user' | 'schedule' | 'volunteer_pool'> = { user_reference: 'user', schedule_reference: 'schedule', volunteer_pool_reference: 'volunteer_pool' };

function policyEntry(p: Json, names: { user: Map<string, string>; schedule: Map<string, string>; volunteer_pool: Map<string, string>; team: Map<string, string> }): Entry {
  return normPolicy({
    teams: teamsOf(p.teams, names.team),
    name: p.name,
    description: p.description,
    num_loops: p.num_loops,
    on_call_handoff_notifications: p.on_call_handoff_notifications,
    escalation_rules: (p.escalation_rules as Json[]).map((r) => ({
      escalation_delay_in_minutes: r.escalation_delay_in_minutes,
      targets: (r.targets as Json[]).map((t) => {
        const kind = TARGET_KIND[t.type as string];
        if (!kind) throw new Error(`escalation policy ${p.name}: target type ${t.type} is not one a file can name`);
        return { [kind]: nameOf(names[kind], t.id, kind.replace('_', ' ')) };
      }),
    })),
  });
}

async function serviceEntry(api: Api, s: Json, names: { policy: Map<string, string>; priority: Map<string, string>; team: Map<string, string> }, ids: Ids): Promise<Entry> {
  const integrations = (await api.list(`/api/v1/services/${s.id}/integrations`, 'integrations')).sort(byName);
  for (const i of integrations) ids.integrations.set(integrationKey(s.name, i.name), { serviceId: s.id, id: i.id });
  const path = (await api.call('GET', `/api/v1/event_orchestrations/services/${s.id}`)).orchestration_path as Json;
  const active = (await api.call('GET', `/api/v1/event_orchestrations/services/${s.id}/active`)).active as boolean;
  const rules = normRules({ active, sets: path.sets, catch_all: path.catch_all }, (id) => nameOf(names.priority, id, 'priority'));
  return normService({
    name: s.name,
    description: s.description,
    disabled: s.status === 'disabled' ? true : undefined,
    escalation_policy: s.escalation_policy ? nameOf(names.policy, s.escalation_policy.id, 'escalation policy') : undefined,
    incident_urgency_rule: s.incident_urgency_rule,
    support_hours: s.support_hours,
    scheduled_actions: s.scheduled_actions,
    alert_grouping_parameters: s.alert_grouping_parameters,
    auto_pause_notifications_parameters: s.auto_pause_notifications_parameters,
    acknowledgement_timeout: s.acknowledgement_timeout,
    auto_resolve_timeout: s.auto_resolve_timeout,
    integrations: integrations.map((i) => ({
      name: i.name,
      type: i.vigil_type,
      heartbeat_interval_seconds: i.heartbeat?.interval_seconds,
      // Email settings (the Mailgun signing key is write-only: never in a file).
      ...(i.vigil_type === 'email'
        ? { email_incident_creation: i.email_incident_creation, email_filter_mode: i.email_filter_mode, email_filters: i.email_filters, email_parsers: i.email_parsers, email_parsing_fallback: i.email_parsing_fallback, email_allowed_senders: i.email_allowed_senders }
        : {}),
    })),
    rules,
    teams: teamsOf(s.teams, names.team),
  });
}

async function teamEntry(api: Api, t: Json, emailOf: Map<string, string>, ids: Ids): Promise<Entry> {
  const members = (await api.list(`/api/v1/teams/${t.id}/members`, 'members')).map((m) => ({ user: nameOf(emailOf, String(m.user.id), 'user'), role: String(m.role) }));
  ids.teamMembers.set(String(t.name), new Map(members.map((m) => [m.user, m.role])));
  return normTeam({ name: t.name, description: t.description, members: members.length ? members : undefined });
}

function windowEntry(w: Json, serviceName: Map<string, string>): Entry {
  return normWindow({
    description: w.description,
    start_time: w.start_time,
    end_time: w.end_time,
    services: (w.services as Json[]).map((s) => nameOf(serviceName, s.id, 'service')).sort(),
    recurrence: w.recurrence,
    time_zone: w.time_zone,
  });
}

const mapOf = (rows: Json[], key = 'name') => new Map(rows.map((r) => [String(r[key]), String(r.id)]));

/** The organization's configuration as a file would hold it, and the ids behind each name. */
export async function readCurrent(api: Api): Promise<Current> {
  const users = await api.list('/api/v1/users', 'users');
  const priorities = (await api.call('GET', '/api/v1/priorities')).priorities as Json[];
  const teams = await api.list('/api/v1/teams', 'teams');
  const schedules = await api.list('/api/v1/schedules', 'schedules');
  const pools = await api.list('/api/v1/volunteer_pools', 'volunteer_pools');
  const policies = await api.list('/api/v1/escalation_policies', 'escalation_policies');
  const services = (await api.list('/api/v1/services', 'services')).filter((s) => !s.built_in);
  const windows = (await api.list('/api/v1/maintenance_windows?filter=open', 'maintenance_windows')).filter((w) => w.description);
  const ids: Ids = {
    users: mapOf(users, 'email'),
    priorities: mapOf(priorities),
    teams: mapOf(teams),
    teamMembers: new Map(),
    schedules: mapOf(schedules),
    pools: mapOf(pools),
    policies: mapOf(policies),
    services: mapOf(services),
    integrations: new Map(),
    windows: mapOf(windows, 'description'),
  };
  const emailOf = namesOf(users, 'email');
  const teamName = namesOf(teams);
  const fullSchedules = await Promise.all(schedules.map(async (s) => (await api.call('GET', `/api/v1/schedules/${s.id}`)).schedule as Json));
  const data: ConfigData = {
    version: 1,
    teams: [],
    schedules: fullSchedules.map((s) => scheduleEntry(s, emailOf, teamName)).sort(byName),
    volunteer_pools: pools.map((p) => poolEntry(p, emailOf)).sort(byName),
    escalation_policies: policies.map((p) => policyEntry(p, { user: emailOf, schedule: namesOf(schedules), volunteer_pool: namesOf(pools), team: teamName })).sort(byName),
    services: [],
    maintenance_windows: windows.map((w) => windowEntry(w, namesOf(services))).sort(byName),
  };
  for (const tm of teams) data.teams.push(await teamEntry(api, tm, emailOf, ids));
  data.teams.sort(byName);
  for (const s of services) data.services.push(await serviceEntry(api, s, { policy: namesOf(policies), priority: namesOf(priorities), team: teamName }, ids));
  data.services.sort(byName);
  return { data, ids };
}
