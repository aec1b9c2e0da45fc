/**
 * `vigil import grafana-oncall`: read Grafana OnCall's public API stage by stage (users and
 * their notification rules, schedules with their shifts, escalation chains with their steps,
 * teams, integrations with their routes), plan each stage purely (grafana-oncall-plan.ts) and
 * apply it through the same use cases the API uses. Every object made is remembered in
 * import_mappings (source `grafana-oncall`) as soon as it exists, so a run that stops
 * half-way resumes on the next run, and a later run updates instead of duplicating.
 */
import { getUserByEmail } from '../org/org.store.js';
import type { LayerInput } from '../schedule/schedule.service.js';
import type { GrafanaOnCallClient } from './grafana-oncall-client.js';
import {
  planGrafanaOnCall,
  planPolicies,
  planSchedules,
  planServices,
  planTeams,
  planUsers,
  type GocChain,
  type GocIntegration,
  type GocNotificationRule,
  type GocPolicy,
  type GocPlannedSchedule,
  type GocPlannedService,
  type GocSchedule,
  type GocShift,
  type GocTeam,
  type GocUser,
  type GrafanaOnCallPlan,
  type GrafanaOnCallSource,
} from './grafana-oncall-plan.js';
import { addOverrides, applyUsers, compareWithVigil, Mappings, normalize, teamRefs, upsertPolicy, upsertSchedule, upsertService, upsertTeam, keepIntegration, VERIFY_WEEKS, zero, type ImportCounts, type ImportDeps, type ImportSource, type Period } from './import-common.js';
import type { ImportReport } from './import.service.js';
import type { PlannedPolicy } from './opsgenie-plan.js';

const SOURCE = 'grafana-oncall';
const WEEK_MS = 7 * 86_400_000;
const DAY_MS = 86_400_000;

export interface GrafanaOnCallReport {
  plan: GrafanaOnCallPlan;
  dryRun: boolean;
  counts: ImportReport['counts'];
  /** One line per schedule compared with OnCall's final shifts: "ok" or what differs. */
  verification: ImportReport['verification'];
}

// ------------------------------------------------------------------ reading

async function readUsers(c: GrafanaOnCallClient): Promise<{ users: GocUser[]; rules: GocNotificationRule[] }> {
  const users = (await c.list('users')) as GocUser[];
  const rules = (await c.list('personal_notification_rules')) as GocNotificationRule[];
  return { users, rules };
}

async function readSchedules(c: GrafanaOnCallClient): Promise<GocSchedule[]> {
  const schedules = (await c.list('schedules')) as GocSchedule[];
  for (const s of schedules) if (s.type !== 'ical') s.on_call_shifts = (await c.list('on_call_shifts', { schedule_id: s.id })) as GocShift[];
  return schedules;
}

async function readChains(c: GrafanaOnCallClient): Promise<{ chains: GocChain[]; policies: GocPolicy[] }> {
  const chains = (await c.list('escalation_chains')) as GocChain[];
  const policies = (await c.list('escalation_policies')) as GocPolicy[];
  return { chains, policies };
}

async function readIntegrations(c: GrafanaOnCallClient): Promise<{ teams: GocTeam[]; integrations: GocIntegration[] }> {
  const teams = (await c.list('teams')) as GocTeam[];
  const integrations = (await c.list('integrations')) as GocIntegration[];
  for (const i of integrations) i.routes = await c.list('routes', { integration_id: i.id });
  return { teams, integrations };
}

export async function readGrafanaOnCall(c: GrafanaOnCallClient): Promise<GrafanaOnCallSource> {
  const { users, rules } = await readUsers(c);
  const schedules = await readSchedules(c);
  const { chains, policies } = await readChains(c);
  return { users, notificationRules: rules, schedules, chains, policies, ...(await readIntegrations(c)) };
}

// ----------------------------------------------------------------- applying

async function dryRun(deps: ImportDeps, maps: Mappings, orgId: string, client: GrafanaOnCallClient): Promise<GrafanaOnCallReport> {
  const plan = planGrafanaOnCall(await readGrafanaOnCall(client));
  // What a real run would do: objects already imported are updated, the rest created.
  const tally = (kind: string, ids: string[]): ImportCounts => ({ created: ids.filter((id) => !maps.get(kind, id)).length, updated: ids.filter((id) => maps.get(kind, id)).length });
  const counts: ImportReport['counts'] = {
    users: zero(),
    contact_methods: zero(),
    teams: tally('team', plan.teams.map((t) => t.sourceId)),
    schedules: tally('schedule', plan.schedules.map((s) => s.sourceId)),
    overrides: { created: plan.schedules.flatMap((s) => s.overrides).filter((o) => !maps.get('override', o.sourceId)).length, updated: 0 },
    policies: tally('policy', plan.policies.map((p) => p.sourceId)),
    services: tally('service', plan.services.map((s) => s.sourceId)),
  };
  for (const u of plan.users) counts.users[maps.get('user', u.sourceId) || (await getUserByEmail(deps.db, orgId, u.email)) ? 'updated' : 'created']++;
  return { plan, dryRun: true, counts, verification: [] };
}

export async function runGrafanaOnCallImport(deps: ImportDeps, client: GrafanaOnCallClient, orgId: string, opts: { dryRun: boolean; verify?: boolean }): Promise<GrafanaOnCallReport> {
  const { db, clock, log } = deps;
  const maps = await new Mappings(db, orgId, () => clock.now(), SOURCE).load();
  if (opts.dryRun) return dryRun(deps, maps, orgId, client);
  const notes: string[] = [];
  const counts: ImportReport['counts'] = { users: zero(), contact_methods: zero(), teams: zero(), schedules: zero(), overrides: zero(), policies: zero(), services: zero() };

  const src = await readUsers(client);
  const users = planUsers(src.users, src.rules, notes);
  const emailOf = await applyUsers(deps, maps, orgId, users, counts, notes, 'OnCall');
  const userIds = new Set(users.map((u) => u.sourceId));
  log(`users: ${counts.users.created} invited, ${counts.users.updated} already there; ${counts.contact_methods.created} contact methods added (unverified until each person confirms)`);

  // Teams before what they own, so schedules, policies and services name them.
  const { teams: gocTeams, integrations } = await readIntegrations(client);
  const teams = planTeams(gocTeams, src.users, userIds);
  for (const t of teams) await upsertTeam(deps, maps, orgId, t, counts.teams);
  log(`teams: ${counts.teams.created} created, ${counts.teams.updated} updated`);

  const schedules = planSchedules(await readSchedules(client), userIds, notes);
  for (const s of schedules) await applySchedule(deps, maps, orgId, s, counts);
  log(`schedules: ${counts.schedules.created} created, ${counts.schedules.updated} updated; ${counts.overrides.created} overrides added`);

  const policies = planPolicies(await readChains(client), userIds, new Set(schedules.map((s) => s.sourceId)), notes);
  const services = planServices({ integrations }, new Set(policies.map((p) => p.sourceId)), notes);
  for (const p of policies) await applyPolicy(deps, maps, orgId, p, counts);
  log(`escalation policies: ${counts.policies.created} created, ${counts.policies.updated} updated`);

  for (const s of services) await applyService(deps, maps, orgId, s, counts);
  log(`services: ${counts.services.created} created, ${counts.services.updated} updated`);

  const plan: GrafanaOnCallPlan = { users, teams, schedules, policies, services, notMapped: notes };
  const verification = opts.verify === false ? [] : await verifySchedules(deps, client, orgId, maps, schedules, emailOf, src.users);
  return { plan, dryRun: false, counts, verification };
}

async function applySchedule(deps: ImportDeps, maps: Mappings, orgId: string, s: GocPlannedSchedule, counts: ImportReport['counts']): Promise<void> {
  const layers: LayerInput[] = s.layers.map((l) => ({
    name: l.name,
    start: l.start,
    end: l.end,
    rotation_virtual_start: l.rotationVirtualStart,
    rotation_turn_length: l.turn,
    users: l.users.map((id) => ({ user: { id: maps.get('user', id)! } })),
    restrictions: l.restrictions,
  }));
  const row = await upsertSchedule(deps, maps, orgId, s.sourceId, { name: s.name, time_zone: s.timeZone, schedule_layers: layers, teams: teamRefs(maps, [s.teamSourceId]) }, counts.schedules);
  await addOverrides(deps, maps, orgId, row, s.overrides, counts.overrides);
}

async function applyPolicy(deps: ImportDeps, maps: Mappings, orgId: string, p: PlannedPolicy, counts: ImportReport['counts']): Promise<void> {
  const rules = p.rules.map((r) => ({
    escalation_delay_in_minutes: r.delayMinutes,
    targets: r.targets.map((t) => ({ type: t.type === 'user' ? 'user_reference' : 'schedule_reference', id: maps.get(t.type, t.sourceId)! })),
  }));
  await upsertPolicy(deps, maps, orgId, p.sourceId, { name: p.name, num_loops: p.numLoops, escalation_rules: rules, teams: teamRefs(maps, [p.teamSourceId]) }, counts.policies);
}

async function applyService(deps: ImportDeps, maps: Mappings, orgId: string, s: GocPlannedService, counts: ImportReport['counts']): Promise<void> {
  const svc = await upsertService(deps, maps, orgId, { ...s, teams: teamRefs(maps, [s.teamSourceId]) }, counts.services);
  const keep = s.move.kind === 'kept_url' ? s.move.token : undefined;
  const kept = await keepIntegration(deps, maps, orgId, svc, s.sourceId, { type: s.move.type, name: `Grafana OnCall ${s.oncallType} (${s.name})` }, keep);
  if (kept.newKey && s.move.kind === 'new_key') deps.log(`service ${s.name}: new Events API v2 key ${kept.newKey} (shown once); ${s.move.change}`);
}

// --------------------------------------------------------------- verifying

/** Every final shift OnCall reports for the window, following its pages. */
async function finalShifts(client: GrafanaOnCallClient, scheduleId: string, since: number, until: number): Promise<Period[]> {
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  const rows = (await client.list(`schedules/${encodeURIComponent(scheduleId)}/final_shifts`, { start_date: day(since), end_date: day(until) })) as { user_pk?: string; user_email?: string; shift_start: string; shift_end: string }[];
  return rows.map((r) => ({ start: Date.parse(r.shift_start), end: Date.parse(r.shift_end), who: (r.user_email ?? r.user_pk ?? 'nobody').toLowerCase() }));
}

/** The next 8 weeks of each imported schedule, rendered by Vigil, against OnCall's final shifts. */
async function verifySchedules(deps: ImportDeps, client: GrafanaOnCallClient, orgId: string, maps: Mappings, schedules: GocPlannedSchedule[], emailOf: Map<string, string>, gocUsers: GocUser[]): Promise<ImportReport['verification']> {
  const since = deps.clock.now();
  const until = since + VERIFY_WEEKS * WEEK_MS;
  const byId = new Map(gocUsers.map((u) => [u.id, u.email.toLowerCase()]));
  const out: ImportReport['verification'] = [];
  for (const s of schedules) {
    let theirs: Period[];
    try {
      // Whole UTC days are asked (start_date and end_date are dates); both sides are clipped to the window.
      theirs = await finalShifts(client, s.sourceId, since, until + DAY_MS);
    } catch (err) {
      out.push({ schedule: s.name, ok: false, detail: `could not read OnCall's final shifts: ${err instanceof Error ? err.message : String(err)}` });
      continue;
    }
    theirs = normalize(
      theirs.map((p) => ({ ...p, who: byId.get(p.who) ?? p.who })),
      since,
      until,
    );
    out.push({ schedule: s.name, ...(await compareWithVigil(deps, orgId, maps, s.sourceId, theirs, emailOf, since, until, 'OnCall')) });
  }
  return out;
}

/** Plain-text report for the CLI. */
export function formatGrafanaOnCallReport(r: GrafanaOnCallReport): string {
  const lines: string[] = [];
  const p = r.plan;
  lines.push(`${r.dryRun ? 'Plan (dry run, nothing written)' : 'Imported'} from Grafana OnCall:`);
  lines.push(`  users: ${p.users.length} (${p.users.map((u) => `${u.email} as ${u.role}`).join(', ')})`);
  lines.push(`  teams: ${p.teams.length} (${p.teams.map((t) => `${t.name}: ${t.members.length} members`).join('; ')})`);
  lines.push(`  schedules: ${p.schedules.length} (${p.schedules.map((s) => `${s.name}: ${s.layers.map((l) => `${l.name} ${l.turn.count} ${l.turn.unit}, ${l.users.length} people, ${l.restrictions.length} restrictions`).join(' / ')}, ${s.overrides.length} overrides`).join('; ')})`);
  lines.push(`  escalation policies: ${p.policies.length} (${p.policies.map((x) => `${x.name}: ${x.rules.length} rules, ${x.numLoops} repeats`).join('; ')})`);
  lines.push(`  services: ${p.services.length} (${p.services.map((s) => `${s.name}: ${s.move.kind === 'kept_url' ? `${s.oncallType} URL kept (${s.move.path} on Vigil's host)` : `new Events API v2 key`}`).join('; ')})`);
  for (const [k, c] of Object.entries(r.counts)) {
    if (r.dryRun && k === 'contact_methods') continue;
    lines.push(r.dryRun ? `  ${k.replace('_', ' ')}: would create ${c.created}, update ${c.updated}` : `  ${k.replace('_', ' ')}: ${c.created} created, ${c.updated} updated`);
  }
  lines.push(p.notMapped.length ? `Not mapped (${p.notMapped.length}):` : 'Everything was mapped.');
  for (const n of p.notMapped) lines.push(`  - ${n}`);
  if (r.verification.length) {
    lines.push(`Final schedules, next ${VERIFY_WEEKS} weeks, Vigil against OnCall's final_shifts:`);
    for (const v of r.verification) lines.push(`  ${v.ok ? 'ok  ' : 'DIFF'} ${v.schedule}: ${v.detail}`);
  }
  if (!r.dryRun && p.users.length) lines.push('New members have a pending invitation: send it from People (Invite), or they use "forgot password" once SMTP is set.');
  return lines.join('\n');
}
