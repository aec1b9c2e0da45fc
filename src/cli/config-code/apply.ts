/**
 * `vigil export` and `vigil apply` over the REST API: the file is checked against its JSON
 * Schema and every name it uses is resolved before anything is written; the plan is then carried
 * out in dependency order (teams and their members, schedules, volunteer pools, escalation
 * policies, services, integrations, event rules, maintenance windows), deletions (--prune) last
 * and in reverse.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import YAML from 'yaml';
import { configFileJsonSchema } from '../../contract/config-file.js';
import { Api, type Json, type Transport } from './api.js';
import { KINDS, type ConfigData, type Entry } from './normalize.js';
import { ORDER, duplicateNames, formatPlan, makePlan, normalizeFile, type Change } from './plan.js';
import { integrationKey, readCurrent, type Ids } from './read.js';

export class ConfigFileError extends Error {
  constructor(readonly problems: string[]) {
    super(`the configuration file is not valid:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

/** The file as export writes it: YAML, keys in a fixed order, lists sorted by name. */
export function formatConfig(data: ConfigData): string {
  const out: Entry = { version: 1 };
  for (const kind of KINDS) if (data[kind].length) out[kind] = data[kind];
  // Written so YAML 1.1 readers agree too: strings such as 17:00:00, yes or on are quoted.
  return YAML.stringify(out, { version: '1.1', lineWidth: 0, sortMapEntries: false });
}

export async function exportConfig(transport: Transport): Promise<string> {
  return formatConfig((await readCurrent(new Api(transport))).data);
}

let validator: ReturnType<Ajv2020['compile']> | null = null;

/** Parses (YAML 1.2, so JSON too) and checks a file against docs/vigil-config.schema.json; problems name their path. */
export function parseConfig(text: string): ConfigData {
  let doc: unknown;
  try {
    doc = YAML.parse(text, { prettyErrors: true });
  } catch (e) {
    throw new ConfigFileError([`(file): ${(e as Error).message.split('\n')[0]}`]);
  }
  validator ??= new Ajv2020({ allErrors: true, strict: false }).compile(configFileJsonSchema());
  if (!validator(doc)) {
    const problems = (validator.errors ?? []).map((e) => {
      const extra = e.keyword === 'additionalProperties' ? `: ${(e.params as { additionalProperty: string }).additionalProperty} is not a field here` : ` ${e.message ?? ''}`;
      return `${e.instancePath || '/'}${extra}${e.keyword === 'enum' || e.keyword === 'const' ? ` ${JSON.stringify(e.params)}` : ''}`;
    });
    throw new ConfigFileError([...new Set(problems)]);
  }
  const data = normalizeFile(doc as Entry);
  const dup = duplicateNames(data);
  if (dup.length) throw new ConfigFileError(dup);
  return data;
}

/** Every user, team, schedule, pool, policy, service and priority the file names exists (or is in the file). */
function unresolved(desired: ConfigData, ids: Ids, prune: boolean): string[] {
  const problems: string[] = [];
  const names = (kind: (typeof KINDS)[number], have: Map<string, string>) => new Set([...desired[kind].map((e) => String(e.name)), ...have.keys()]);
  const schedules = names('schedules', ids.schedules);
  const pools = names('volunteer_pools', ids.pools);
  const policies = names('escalation_policies', ids.policies);
  const services = new Set(desired.services.map((s) => String(s.name)));
  const user = (path: string, email: string) => ids.users.has(email) || problems.push(`${path}: no user with email ${email} in the organization`);
  // With --prune a team left out of the file is deleted, so a name must then be in the file.
  const teams = names('teams', prune ? new Map() : ids.teams);
  const team = (path: string, kind: 'schedules' | 'escalation_policies' | 'services') =>
    desired[kind].forEach((e, i) => ((e.teams ?? []) as string[]).forEach((n, k) => teams.has(n) || problems.push(`${path}/${i}/teams/${k}: no team named ${n}`)));
  // Members are a set (sorted when read), so the problem names the email rather than a position.
  desired.teams.forEach((tm, i) => ((tm.members ?? []) as Entry[]).forEach((m) => user(`/teams/${i}/members`, m.user)));
  team('/schedules', 'schedules');
  team('/escalation_policies', 'escalation_policies');
  team('/services', 'services');
  desired.schedules.forEach((s, i) => (s.schedule_layers as Entry[]).forEach((l, j) => (l.users as string[]).forEach((u, k) => user(`/schedules/${i}/schedule_layers/${j}/users/${k}`, u))));
  desired.volunteer_pools.forEach((p, i) => ((p.members ?? []) as string[]).forEach((u, k) => user(`/volunteer_pools/${i}/members/${k}`, u)));
  desired.escalation_policies.forEach((p, i) =>
    (p.escalation_rules as Entry[]).forEach((r, j) =>
      (r.targets as Entry[]).forEach((t, k) => {
        const path = `/escalation_policies/${i}/escalation_rules/${j}/targets/${k}`;
        if (t.user) user(path, t.user);
        if (t.schedule && !schedules.has(t.schedule)) problems.push(`${path}: no schedule named ${t.schedule}`);
        if (t.volunteer_pool && !pools.has(t.volunteer_pool)) problems.push(`${path}: no volunteer pool named ${t.volunteer_pool}`);
      }),
    ),
  );
  desired.services.forEach((s, i) => {
    if (s.escalation_policy && !policies.has(s.escalation_policy)) problems.push(`/services/${i}/escalation_policy: no escalation policy named ${s.escalation_policy}`);
    const r = s.rules as Entry | undefined;
    const actions = [...((r?.sets ?? []) as Entry[]).flatMap((set) => (set.rules as Entry[]).map((x) => x.actions as Entry)), r?.catch_all?.actions as Entry | undefined];
    for (const a of actions) if (a?.priority && !ids.priorities.has(a.priority)) problems.push(`/services/${i}/rules: no priority named ${a.priority}`);
  });
  desired.maintenance_windows.forEach((w, i) => (w.services as string[]).forEach((s, k) => services.has(s) || ids.services.has(s) || problems.push(`/maintenance_windows/${i}/services/${k}: no service named ${s}`)));
  return problems;
}

const ref = (id: string, type: string) => ({ id, type });
const need = (m: Map<string, string>, name: string, what: string) => {
  const id = m.get(name);
  if (!id) throw new Error(`${what} ${name} has no id (it was to be created earlier in this apply)`);
  return id;
};
const teamRefs = (names: string[] | undefined, ids: Ids) => names?.map((n) => ref(need(ids.teams, n, 'team'), 'team_reference'));
const TARGET_TYPE = { user: 'user_reference', schedule: 'schedule_reference', volunteer_pool: 'volunteer_pool_reference' } as const;

function bodyOf(c: Change, ids: Ids): Json {
  const d = c.desired!;
  const keep = (o: Json) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  switch (c.kind) {
    case 'team':
      return { team: keep({ type: 'team', name: d.name, description: d.description }) };
    case 'schedule':
      return { schedule: keep({ name: d.name, description: d.description, time_zone: d.time_zone, teams: teamRefs(d.teams, ids), schedule_layers: (d.schedule_layers as Entry[]).map((l) => keep({ ...l, users: (l.users as string[]).map((u) => ({ user: ref(need(ids.users, u, 'user'), 'user_reference') })) })) }) };
    case 'volunteer_pool':
      return { volunteer_pool: keep({ ...d, members: d.members ? (d.members as string[]).map((u) => ref(need(ids.users, u, 'user'), 'user_reference')) : undefined }) };
    case 'escalation_policy':
      return {
        escalation_policy: keep({
          ...d,
          teams: teamRefs(d.teams, ids),
          escalation_rules: (d.escalation_rules as Entry[]).map((r) => ({
            escalation_delay_in_minutes: r.escalation_delay_in_minutes,
            targets: (r.targets as Entry[]).map((t) => {
              const kind = Object.keys(t)[0] as keyof typeof TARGET_TYPE;
              const map = kind === 'user' ? ids.users : kind === 'schedule' ? ids.schedules : ids.pools;
              return ref(need(map, t[kind], kind), TARGET_TYPE[kind]);
            }),
          })),
        }),
      };
    case 'service': {
      const { integrations: _i, rules: _r, disabled, escalation_policy, ...rest } = d;
      return { service: keep({ ...rest, teams: teamRefs(d.teams, ids), status: disabled === true ? 'disabled' : undefined, escalation_policy: escalation_policy ? ref(need(ids.policies, escalation_policy, 'escalation policy'), 'escalation_policy_reference') : undefined }) };
    }
    case 'maintenance_window':
      return { maintenance_window: keep({ ...d, services: (d.services as string[]).map((s) => ref(need(ids.services, s, 'service'), 'service_reference')) }) };
    default:
      throw new Error(`no body for ${c.kind}`);
  }
}

const PATH = { team: 'teams', schedule: 'schedules', volunteer_pool: 'volunteer_pools', escalation_policy: 'escalation_policies', service: 'services', maintenance_window: 'maintenance_windows' } as const;
const MAP = { team: 'teams', schedule: 'schedules', volunteer_pool: 'pools', escalation_policy: 'policies', service: 'services', maintenance_window: 'windows' } as const;

function rulesBody(rules: Entry | undefined, ids: Ids): Json {
  const actions = (a: Entry | undefined) => (a?.priority ? { ...a, priority: need(ids.priorities, a.priority, 'priority') } : (a ?? {}));
  const sets = ((rules?.sets ?? [{ id: 'start', rules: [] }]) as Entry[]).map((s) => ({ id: s.id, rules: (s.rules as Entry[]).map((r) => ({ ...r, actions: actions(r.actions) })) }));
  return { orchestration_path: { sets, catch_all: { actions: actions(rules?.catch_all?.actions) } } };
}

/** Makes a team's membership the file's: roles set, members not listed removed (only when the file lists members). */
async function syncMembers(api: Api, c: Change, ids: Ids): Promise<void> {
  const wanted = c.desired?.members as Entry[] | undefined;
  if (!wanted) return;
  const id = need(ids.teams, c.key, 'team');
  const had = ids.teamMembers.get(c.key) ?? new Map<string, string>();
  for (const m of wanted) if (had.get(m.user) !== m.role) await api.call('PUT', `/api/v1/teams/${id}/users/${need(ids.users, m.user, 'user')}`, { role: m.role });
  const keep = new Set(wanted.map((m) => String(m.user)));
  for (const email of had.keys()) if (!keep.has(email)) await api.call('DELETE', `/api/v1/teams/${id}/users/${need(ids.users, email, 'user')}`);
}

/** Carries out one change; returns a line to print once (a new integration's key), if any. */
async function carryOut(api: Api, c: Change, ids: Ids): Promise<string | null> {
  if (c.kind === 'integration') {
    const [service, name] = c.key.split('\u0000') as [string, string];
    const existing = ids.integrations.get(c.key);
    if (existing && c.action !== 'create') await api.call('DELETE', `/api/v1/services/${existing.serviceId}/integrations/${existing.id}`);
    if (c.action === 'delete') return null;
    const d = c.desired!;
    const made = (await api.call('POST', `/api/v1/services/${need(ids.services, service, 'service')}/integrations`, { integration: { type: d.type, name, ...(d.heartbeat_interval_seconds ? { heartbeat_interval_seconds: d.heartbeat_interval_seconds } : {}), ...emailFields(d) } })).integration as Json;
    ids.integrations.set(integrationKey(service, name), { serviceId: need(ids.services, service, 'service'), id: made.id });
    return `integration ${JSON.stringify(`${service} / ${name}`)} key (shown once): ${made.integration_key}${made.ingest_url ? `  (${made.ingest_url})` : ''}`;
  }
  if (c.kind === 'rules') {
    const id = need(ids.services, c.key, 'service');
    await api.call('PUT', `/api/v1/event_orchestrations/services/${id}`, rulesBody(c.action === 'delete' ? undefined : c.desired, ids));
    const active = c.action === 'delete' ? true : c.desired?.active !== false;
    await api.call('PUT', `/api/v1/event_orchestrations/services/${id}/active`, { active });
    return null;
  }
  const map = ids[MAP[c.kind]];
  const path = `/api/v1/${PATH[c.kind]}`;
  if (c.action === 'delete') {
    await api.call('DELETE', `${path}/${need(map, c.key, c.kind)}`);
    map.delete(c.key);
    return null;
  }
  const body = bodyOf(c, ids);
  if (c.action === 'update') await api.call('PUT', `${path}/${need(map, c.key, c.kind)}`, body);
  else {
    const made = await api.call('POST', path, body);
    map.set(c.key, String((Object.values(made)[0] as Json).id));
  }
  if (c.kind === 'team') await syncMembers(api, c, ids);
  return null;
}

export interface ApplyResult {
  plan: Change[];
  planText: string;
  /** Lines printed once: the keys of integrations made by this apply. */
  keys: string[];
  changed: number;
}

/** Plans (and, unless dry-run, carries out) a file against the organization the transport's token belongs to. */
export async function applyConfig(transport: Transport, text: string, opts: { dryRun?: boolean; prune?: boolean } = {}): Promise<ApplyResult> {
  const desired = parseConfig(text);
  const api = new Api(transport);
  const current = await readCurrent(api);
  // Names identify resources: two of a kind with one name in the organization cannot be told apart.
  const clash = duplicateNames(current.data, 'organization: ');
  if (clash.length) throw new ConfigFileError(clash.map((c) => `${c} (rename one before applying)`));
  const missing = unresolved(desired, current.ids, opts.prune === true);
  if (missing.length) throw new ConfigFileError(missing);
  const plan = makePlan(desired, current.data, opts.prune === true);
  const todo = plan.filter((c) => c.action !== 'unchanged');
  const result: ApplyResult = { plan, planText: formatPlan(plan), keys: [], changed: todo.length };
  if (opts.dryRun) return result;
  const rank = (c: Change) => (c.action === 'delete' ? ORDER.length * 2 - ORDER.indexOf(c.kind) : ORDER.indexOf(c.kind));
  for (const c of [...todo].sort((a, b) => rank(a) - rank(b))) {
    const line = await carryOut(api, c, current.ids);
    if (line) result.keys.push(line);
  }
  return result;
}

/** An email integration's settings from the file, sent as given (the server checks them). */
function emailFields(d: Json): Json {
  const out: Json = {};
  for (const f of ['email_incident_creation', 'email_filter_mode', 'email_filters', 'email_parsers', 'email_parsing_fallback', 'email_allowed_senders']) if (d[f] !== undefined) out[f] = d[f];
  return out;
}
