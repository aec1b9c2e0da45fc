/**
 * `vigil import pagerduty`: read PagerDuty's REST API v2 stage by stage (users with contact
 * methods and notification rules, teams, schedules with overrides, escalation policies,
 * services with integrations), plan each stage purely (pagerduty-plan.ts) and apply it
 * through the same use cases the API uses. Every object made is remembered in
 * import_mappings (source `pagerduty`) as soon as it exists, so a run that stops half-way
 * resumes on the next run, and a later run updates instead of duplicating. Afterwards each
 * schedule's next 8 weeks are compared with PagerDuty's own final schedule.
 */
import { createPolicy, requirePolicy, updatePolicy } from '../escalation/policy.service.js';
import { VigilError } from '../errors.js';
import { createNotificationRule, listContactMethods, listNotificationRules, normalizeAddress } from '../notify/contact.service.js';
import { getUserByEmail } from '../org/org.store.js';
import { createOverrides, createSchedule, finalSchedule, requireSchedule, updateSchedule, type LayerInput } from '../schedule/schedule.service.js';
import { createIntegration, createService, integrationsOf, requireService, setIntegrationKey, updateService } from '../service/service.service.js';
import { VERIFY_WEEKS, Mappings, addOverrides, applyUsers, compareWithVigil, exists, keepIntegration, normalize, teamRefs, upsertPolicy, upsertSchedule, upsertTeam, zero, type ImportCounts, type ImportDeps, type ImportSource } from './import-common.js';
import type { PagerDutyClient } from './pagerduty-client.js';
import { planPagerDuty, planPdPolicies, planPdSchedules, planPdServices, planPdTeams, planPdUsers, type PagerDutyPlan, type PagerDutySource, type PdContactMethod, type PdNotificationRule, type PdPlannedPolicy, type PdPlannedSchedule, type PdPlannedService, type PdPlannedUser, type PdPolicy, type PdSchedule, type PdService, type PdTeam, type PdUser } from './pagerduty-plan.js';

const SOURCE = 'pagerduty';
const WEEK_MS = 7 * 86_400_000;
/** Overrides are read from now this far ahead (PagerDuty needs both since and until). */
const OVERRIDE_HORIZON_MS = 366 * 86_400_000;

type Kind = 'users' | 'contact_methods' | 'notification_rules' | 'teams' | 'schedules' | 'overrides' | 'policies' | 'services' | 'integrations';
export interface PagerDutyReport {
  plan: PagerDutyPlan;
  dryRun: boolean;
  counts: Record<Kind, ImportCounts>;
  /** One line per schedule compared with PagerDuty's final schedule: "ok" or what differs. */
  verification: { schedule: string; ok: boolean; detail: string }[];
  /** Events API v2 integrations whose PagerDuty key could not be read: the new Vigil key, shown once. */
  newKeys: { service: string; integration: string; key: string }[];
}

// ------------------------------------------------------------------ reading

const enc = encodeURIComponent;

export async function readPdUsers(c: PagerDutyClient): Promise<PdUser[]> {
  const users = (await c.list('/users', 'users', { 'include[]': ['contact_methods', 'notification_rules'] })) as PdUser[];
  for (const u of users) {
    // Without the include honoured, the lists hold references: read them in full.
    if ((u.contact_methods ?? []).some((m) => m.address === undefined)) u.contact_methods = ((await c.get(`/users/${enc(u.id)}/contact_methods`)).contact_methods ?? []) as PdContactMethod[];
    if ((u.notification_rules ?? []).some((r) => r.start_delay_in_minutes === undefined)) u.notification_rules = ((await c.get(`/users/${enc(u.id)}/notification_rules`)).notification_rules ?? []) as PdNotificationRule[];
  }
  return users;
}

export async function readPdTeams(c: PagerDutyClient): Promise<PdTeam[]> {
  const teams = (await c.list('/teams', 'teams')) as PdTeam[];
  for (const t of teams) t.members = await c.list(`/teams/${enc(t.id)}/members`, 'members');
  return teams;
}

export async function readPdSchedules(c: PagerDutyClient, now: number): Promise<PdSchedule[]> {
  const list = (await c.list('/schedules', 'schedules')) as PdSchedule[];
  const out: PdSchedule[] = [];
  for (const s of list) {
    const full = (await c.get(`/schedules/${enc(s.id)}`)).schedule as PdSchedule;
    const range = { since: new Date(now).toISOString(), until: new Date(now + OVERRIDE_HORIZON_MS).toISOString() };
    full.overrides = (await c.get(`/schedules/${enc(s.id)}/overrides`, range)).overrides ?? [];
    out.push(full);
  }
  return out;
}

export async function readPdPolicies(c: PagerDutyClient): Promise<PdPolicy[]> {
  return (await c.list('/escalation_policies', 'escalation_policies')) as PdPolicy[];
}

export async function readPdServices(c: PagerDutyClient): Promise<PdService[]> {
  const services = (await c.list('/services', 'services', { 'include[]': ['integrations'] })) as PdService[];
  for (const s of services) {
    const full = [];
    // The integration key is only in an integration's own answer.
    for (const i of s.integrations ?? []) full.push((await c.get(`/services/${enc(s.id)}/integrations/${enc(i.id)}`)).integration);
    s.integrations = full;
  }
  return services;
}

export async function readPagerDuty(c: PagerDutyClient, now: number): Promise<PagerDutySource> {
  const users = await readPdUsers(c);
  const teams = await readPdTeams(c);
  const schedules = await readPdSchedules(c, now);
  const policies = await readPdPolicies(c);
  return { users, teams, schedules, policies, services: await readPdServices(c) };
}

// ----------------------------------------------------------------- applying

function counts(): PagerDutyReport['counts'] {
  return { users: zero(), contact_methods: zero(), notification_rules: zero(), teams: zero(), schedules: zero(), overrides: zero(), policies: zero(), services: zero(), integrations: zero() };
}

async function dryRun(deps: ImportDeps, client: PagerDutyClient, orgId: string, maps: Mappings): Promise<PagerDutyReport> {
  const plan = planPagerDuty(await readPagerDuty(client, deps.clock.now()));
  // What a real run would do: objects already imported are updated, the rest created.
  const tally = (kind: string, ids: string[]): ImportCounts => ({ created: ids.filter((id) => !maps.get(kind, id)).length, updated: ids.filter((id) => maps.get(kind, id)).length });
  const c = counts();
  c.teams = tally('team', plan.teams.map((t) => t.sourceId));
  c.schedules = tally('schedule', plan.schedules.map((s) => s.sourceId));
  c.overrides = { created: plan.schedules.flatMap((s) => s.overrides).filter((o) => !maps.get('override', o.sourceId)).length, updated: 0 };
  c.policies = tally('policy', plan.policies.map((p) => p.sourceId));
  c.services = tally('service', plan.services.map((s) => s.sourceId));
  c.integrations = tally('integration', plan.services.flatMap((s) => s.integrations.map((i) => i.sourceId)));
  for (const u of plan.users) c.users[maps.get('user', u.sourceId) || (await getUserByEmail(deps.db, orgId, u.email)) ? 'updated' : 'created']++;
  return { plan, dryRun: true, counts: c, verification: [], newKeys: [] };
}

export async function runPagerDutyImport(deps: ImportDeps, client: PagerDutyClient, orgId: string, opts: { dryRun: boolean; verify?: boolean }): Promise<PagerDutyReport> {
  const { db, clock, log } = deps;
  const maps = await new Mappings(db, orgId, () => clock.now(), SOURCE).load();
  if (opts.dryRun) return dryRun(deps, client, orgId, maps);
  const notes: string[] = [];
  const c = counts();
  const newKeys: PagerDutyReport['newKeys'] = [];

  const pdUsers = await readPdUsers(client);
  const users = planPdUsers(pdUsers, notes);
  const emailOf = await applyUsers(deps, maps, orgId, users, c, notes, 'PagerDuty');
  for (const u of users) await applyRules(deps, maps, orgId, u, c, notes);
  log(`users: ${c.users.created} invited, ${c.users.updated} already there; ${c.contact_methods.created} contact methods added (unverified until each person confirms), ${c.notification_rules.created} notification rules`);
  const userIds = new Set(users.map((u) => u.sourceId));

  // Teams before what they own, so schedules, policies and services name them.
  const teams = planPdTeams(await readPdTeams(client), userIds, notes);
  for (const t of teams) await upsertTeam(deps, maps, orgId, t, c.teams);
  log(`teams: ${c.teams.created} created, ${c.teams.updated} updated`);

  const schedules = planPdSchedules(await readPdSchedules(client, clock.now()), userIds, notes);
  const imported: PdPlannedSchedule[] = [];
  for (const s of schedules) if (await applySchedule(deps, maps, orgId, s, c, notes)) imported.push(s);
  log(`schedules: ${c.schedules.created} created, ${c.schedules.updated} updated; ${c.overrides.created} overrides added`);

  const policies = planPdPolicies(await readPdPolicies(client), userIds, new Set(imported.map((s) => s.sourceId)), notes);
  for (const p of policies) await applyPolicy(deps, maps, orgId, p, c, notes);
  log(`escalation policies: ${c.policies.created} created, ${c.policies.updated} updated`);

  const services = planPdServices(await readPdServices(client), new Set(policies.filter((p) => maps.get('policy', p.sourceId)).map((p) => p.sourceId)), notes);
  for (const s of services) await applyService(deps, maps, orgId, s, c, notes, newKeys);
  log(`services: ${c.services.created} created, ${c.services.updated} updated; integrations: ${c.integrations.created} created, ${c.integrations.updated} updated`);

  const plan: PagerDutyPlan = { users, teams, schedules, policies, services, notMapped: notes };
  log(`PagerDuty: ${client.stats.requests} requests, ${client.stats.rateLimited} answered 429 and waited out`);
  const verification = opts.verify === false ? [] : await verifyPdSchedules(deps, client, orgId, maps, imported, emailOf, pdUsers);
  return { plan, dryRun: false, counts: c, verification, newKeys };
}

/** Notification rules, each once: a rule Vigil already has (same method, delay, urgency) is left alone. */
async function applyRules(deps: ImportDeps, maps: Mappings, orgId: string, u: PdPlannedUser, c: PagerDutyReport['counts'], notes: string[]): Promise<void> {
  const userId = maps.get('user', u.sourceId);
  if (!userId || !u.rules.length) return;
  const methods = await listContactMethods(deps.db, orgId, userId);
  const have = await listNotificationRules(deps.db, orgId, userId);
  for (const r of u.rules) {
    let address: string;
    try {
      address = normalizeAddress(r.type, r.address);
    } catch {
      continue; // the method itself was refused and noted
    }
    const m = methods.find((x) => x.type === r.type && x.address === address);
    if (!m) continue;
    if (have.some((h) => h.method.id === m.id && Number(h.rule.start_delay_in_minutes) === r.delayMinutes && h.rule.urgency === r.urgency)) continue;
    try {
      await createNotificationRule(deps.db, deps.clock, orgId, userId, { start_delay_in_minutes: r.delayMinutes, contact_method: { id: m.id }, urgency: r.urgency });
      c.notification_rules.created++;
    } catch (err) {
      if (!(err instanceof VigilError)) throw err;
      notes.push(`user ${u.email}: notification rule after ${r.delayMinutes} min not imported (${err.errors.join('; ')})`);
    }
  }
}

async function applySchedule(deps: ImportDeps, maps: Mappings, orgId: string, s: PdPlannedSchedule, c: PagerDutyReport['counts'], notes: string[]): Promise<boolean> {
  const layers: LayerInput[] = s.layers.map((l) => ({
    name: l.name,
    start: l.start,
    end: l.end,
    rotation_virtual_start: l.rotationVirtualStart,
    rotation_turn_length_seconds: l.turnSeconds,
    users: l.users.map((id) => ({ user: { id: maps.get('user', id)! } })),
    restrictions: l.restrictions,
  }));
  let row;
  try {
    row = await upsertSchedule(deps, maps, orgId, s.sourceId, { name: s.name, description: s.description, time_zone: s.timeZone, schedule_layers: layers, teams: teamRefs(maps, s.teamSourceIds) }, c.schedules);
  } catch (err) {
    if (!(err instanceof VigilError)) throw err;
    notes.push(`schedule ${s.name}: not imported (${err.errors.join('; ')})`);
    return false;
  }
  await addOverrides(deps, maps, orgId, row, s.overrides, c.overrides, (o, errors) => notes.push(`schedule ${s.name}: override ${o.start}–${o.end} not imported (${errors.join('; ')})`));
  return true;
}

async function applyPolicy(deps: ImportDeps, maps: Mappings, orgId: string, p: PdPlannedPolicy, c: PagerDutyReport['counts'], notes: string[]): Promise<void> {
  const rules = p.rules.map((r) => ({
    escalation_delay_in_minutes: r.delayMinutes,
    targets: r.targets.map((t) => ({ type: t.type === 'user' ? 'user_reference' : 'schedule_reference', id: maps.get(t.type, t.sourceId)! })),
  }));
  try {
    await upsertPolicy(deps, maps, orgId, p.sourceId, { name: p.name, description: p.description, num_loops: p.numLoops, escalation_rules: rules, teams: teamRefs(maps, p.teamSourceIds) }, c.policies);
  } catch (err) {
    if (!(err instanceof VigilError)) throw err;
    notes.push(`escalation policy ${p.name}: not imported (${err.errors.join('; ')})`);
  }
}

async function applyService(deps: ImportDeps, maps: Mappings, orgId: string, s: PdPlannedService, c: PagerDutyReport['counts'], notes: string[], newKeys: PagerDutyReport['newKeys']): Promise<void> {
  const { db, clock } = deps;
  const policyId = s.policySourceId ? (maps.get('policy', s.policySourceId) ?? null) : null;
  const teams = teamRefs(maps, s.teamSourceIds);
  const base = { name: s.name, description: s.description, escalation_policy: policyId ? { id: policyId } : null, ...(teams ? { teams } : {}) };
  const mapped = maps.get('service', s.sourceId);
  let svc = mapped ? await exists(() => requireService(db, orgId, mapped)) : null;
  const write = (input: Record<string, unknown>) => (svc ? updateService(db, clock, orgId, svc.id, input) : createService(db, clock, orgId, { ...input, name: s.name }));
  let written;
  try {
    written = await write({ ...base, ...s.settings });
  } catch (err) {
    if (!(err instanceof VigilError)) throw err;
    // PagerDuty settings Vigil refuses: the service moves without them, and the report says which.
    notes.push(`service ${s.name}: settings not imported (${err.errors.join('; ')})`);
    written = await write(base);
  }
  c.services[svc ? 'updated' : 'created']++;
  svc = written;
  if (!mapped || mapped !== svc.id) await maps.put('service', s.sourceId, svc.id);
  for (const i of s.integrations) {
    try {
      const kept = await keepIntegration(deps, maps, orgId, svc, i.sourceId, { type: 'events_v2', name: i.name }, i.key ?? undefined);
      c.integrations[kept.created ? 'created' : 'updated']++;
      if (kept.newKey) newKeys.push({ service: s.name, integration: i.name, key: kept.newKey });
    } catch (err) {
      if (!(err instanceof VigilError)) throw err;
      notes.push(`service ${s.name} integration ${i.name}: not imported (${err.errors.join('; ')})`);
    }
  }
}

// --------------------------------------------------------------- verifying

/** The next 8 weeks of each imported schedule, rendered by Vigil, against PagerDuty's final_schedule. */
async function verifyPdSchedules(deps: ImportDeps, client: PagerDutyClient, orgId: string, maps: Mappings, schedules: PdPlannedSchedule[], emailOf: Map<string, string>, pdUsers: PdUser[]): Promise<PagerDutyReport['verification']> {
  const since = deps.clock.now();
  const until = since + VERIFY_WEEKS * WEEK_MS;
  const pdEmail = new Map(pdUsers.map((u) => [u.id, u.email.toLowerCase()]));
  const out: PagerDutyReport['verification'] = [];
  for (const s of schedules) {
    let entries: { start: string; end: string; user?: { id?: string; summary?: string } | null }[];
    try {
      const body = await client.get(`/schedules/${enc(s.sourceId)}`, { since: new Date(since).toISOString(), until: new Date(until).toISOString(), time_zone: 'UTC' });
      entries = body?.schedule?.final_schedule?.rendered_schedule_entries ?? [];
    } catch (err) {
      out.push({ schedule: s.name, ok: false, detail: `could not read PagerDuty's final schedule: ${err instanceof Error ? err.message : String(err)}` });
      continue;
    }
    const theirs = normalize(
      entries.filter((e) => e.user?.id).map((e) => ({ start: Date.parse(e.start), end: Date.parse(e.end), who: pdEmail.get(e.user!.id!) ?? e.user!.summary ?? e.user!.id! })),
      since,
      until,
    );
    out.push({ schedule: s.name, ...(await compareWithVigil(deps, orgId, maps, s.sourceId, theirs, emailOf, since, until, 'PagerDuty')) });
  }
  return out;
}

/** Plain-text report for the CLI. */
export function formatPagerDutyReport(r: PagerDutyReport): string {
  const lines: string[] = [];
  const p = r.plan;
  lines.push(`${r.dryRun ? 'Plan (dry run, nothing written)' : 'Imported'} from PagerDuty:`);
  lines.push(`  users: ${p.users.length} (${p.users.map((u) => `${u.email} as ${u.role}`).join(', ')})`);
  lines.push(`  teams: ${p.teams.length} (${p.teams.map((t) => `${t.name}: ${t.members.length} members`).join('; ')})`);
  lines.push(`  schedules: ${p.schedules.length} (${p.schedules.map((s) => `${s.name}: ${s.layers.length} layers, ${s.overrides.length} overrides`).join('; ')})`);
  lines.push(`  escalation policies: ${p.policies.length} (${p.policies.map((x) => `${x.name}: ${x.rules.length} rules, ${x.numLoops} loops`).join('; ')})`);
  lines.push(`  services: ${p.services.length} (${p.services.map((s) => `${s.name}: ${s.integrations.length} Events API v2 integrations${s.integrations.some((i) => i.key) ? ', keys kept' : ''}`).join('; ')})`);
  for (const [k, c] of Object.entries(r.counts)) {
    if (r.dryRun && (k === 'contact_methods' || k === 'notification_rules')) continue;
    lines.push(r.dryRun ? `  ${k.replace('_', ' ')}: would create ${c.created}, update ${c.updated}` : `  ${k.replace('_', ' ')}: ${c.created} created, ${c.updated} updated`);
  }
  lines.push(p.notMapped.length ? `Not mapped (${p.notMapped.length}):` : 'Everything was mapped.');
  for (const n of p.notMapped) lines.push(`  - ${n}`);
  for (const k of r.newKeys) lines.push(`New routing key for ${k.service} / ${k.integration} (shown once): ${k.key}`);
  if (r.verification.length) {
    lines.push(`Final schedules, next ${VERIFY_WEEKS} weeks, Vigil against PagerDuty:`);
    for (const v of r.verification) lines.push(`  ${v.ok ? 'ok  ' : 'DIFF'} ${v.schedule}: ${v.detail}`);
  }
  if (!r.dryRun && p.users.length) lines.push('New members have a pending invitation: send it from People (Invite), or they use "forgot password" once SMTP is set.');
  return lines.join('\n');
}
