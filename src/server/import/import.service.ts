/**
 * `vigil import opsgenie`: read the source stage by stage (users, schedules, escalations,
 * teams and integrations), plan each stage purely (opsgenie-plan.ts) and apply it through
 * the same use cases the API uses. Every object made is remembered in import_mappings
 * (source id → Vigil id) as soon as it exists, so a run that stops half-way (a source
 * error) resumes on the next run, and a later run updates instead of duplicating.
 */
import type { Kysely } from 'kysely';
import { inviteImported } from '../account/account.service.js';
import type { AccountMailer } from '../account/mailer.js';
import type { Clock } from '../lib/clock.js';
import { getUserByEmail, listOrganizations } from '../org/org.store.js';
import type { LayerInput } from '../schedule/schedule.service.js';
import type { Database } from '../storage/schema.js';
import { addOverrides, applyUsers, compareWithVigil, exists, keepIntegration, Mappings, normalize, teamRefs, upsertPolicy, upsertSchedule, upsertService, upsertTeam, VERIFY_WEEKS, WEEK_MS, zero, type ImportCounts, type ImportDeps, type ImportSource } from './import-common.js';
import * as store from './import.store.js';
import type { OpsgenieClient } from './opsgenie-client.js';
import { planPolicies, planSchedules, planServices, planTeams, planUsers, type OgEscalation, type OgIntegration, type OgSchedule, type OgTeam, type OgUser, type OpsgeniePlan, type OpsgenieSource, type PlannedPolicy, type PlannedSchedule, planOpsgenie } from './opsgenie-plan.js';

export { applyUsers, comparePeriods, exists, iso, Mappings, normalize, VERIFY_WEEKS, zero, type ImportCounts, type ImportDeps, type Period } from './import-common.js';

type Db = Kysely<Database>;
const SOURCE: ImportSource = 'opsgenie';

export interface ImportReport {
  plan: OpsgeniePlan;
  dryRun: boolean;
  counts: Record<'users' | 'contact_methods' | 'teams' | 'schedules' | 'overrides' | 'policies' | 'services', ImportCounts>;
  /** One line per schedule compared with Opsgenie's timeline: "ok" or what differs. */
  verification: { schedule: string; ok: boolean; detail: string }[];
}

/** The organization to import into: the one named, or the only one there is. */
export async function importTarget(db: Db, orgId: string | undefined): Promise<string> {
  const orgs = await listOrganizations(db);
  if (orgId) {
    if (!orgs.some((o) => o.id === orgId)) throw new Error(`--org ${orgId}: no such organization`);
    return orgId;
  }
  if (orgs.length !== 1) throw new Error(orgs.length ? `there are ${orgs.length} organizations; name one with --org (${orgs.map((o) => `${o.id} ${o.name}`).join(', ')})` : 'no organization yet; run vigil init first');
  return orgs[0]!.id;
}

// ------------------------------------------------------------------ reading

async function readUsers(c: OpsgenieClient): Promise<OgUser[]> {
  const users = (await c.list('/v2/users', { sortField: 'username', order: 'asc' })) as OgUser[];
  for (const u of users) u.contacts = ((await c.get(`/v2/users/${encodeURIComponent(u.id)}/contacts`)).data ?? []) as OgUser['contacts'];
  return users;
}

async function readSchedules(c: OpsgenieClient): Promise<OgSchedule[]> {
  const schedules = ((await c.get('/v2/schedules', { expand: 'rotation' })).data ?? []) as OgSchedule[];
  for (const s of schedules) {
    if (!s.rotations) s.rotations = (await c.get(`/v2/schedules/${encodeURIComponent(s.id)}/rotations`)).data ?? [];
    s.overrides = (await c.get(`/v2/schedules/${encodeURIComponent(s.id)}/overrides`)).data ?? [];
  }
  return schedules;
}

async function readEscalations(c: OpsgenieClient): Promise<OgEscalation[]> {
  return ((await c.get('/v2/escalations')).data ?? []) as OgEscalation[];
}

async function readTeamsAndIntegrations(c: OpsgenieClient): Promise<{ teams: OgTeam[]; integrations: OgIntegration[] }> {
  const teams = ((await c.get('/v2/teams')).data ?? []) as OgTeam[];
  // The list answers id, name and description; a team's members come with the team itself.
  for (const t of teams) t.members = ((await c.get(`/v2/teams/${encodeURIComponent(t.id)}`)).data as OgTeam | undefined)?.members ?? [];
  for (const t of teams) t.routingRules = (await c.get(`/v2/teams/${encodeURIComponent(t.id)}/routing-rules`)).data ?? [];
  const list = (await c.list('/v2/integrations')) as OgIntegration[];
  const integrations: OgIntegration[] = [];
  for (const i of list) integrations.push({ ...i, ...((await c.get(`/v2/integrations/${encodeURIComponent(i.id)}`)).data ?? {}) });
  return { teams, integrations };
}

export async function readOpsgenie(c: OpsgenieClient): Promise<OpsgenieSource> {
  const users = await readUsers(c);
  const schedules = await readSchedules(c);
  const escalations = await readEscalations(c);
  return { users, schedules, escalations, ...(await readTeamsAndIntegrations(c)) };
}

// ----------------------------------------------------------------- applying

/**
 * `--invite`: email an invitation to each member an import from `source` made (or matched)
 * who has no password and was never invited, so a second run emails nobody twice.
 */
export async function inviteImportedMembers(db: Db, clock: Clock, mailer: AccountMailer, publicUrl: string, orgId: string, source: ImportSource): Promise<{ sent: string[]; notSent: string[] }> {
  const ids = (await store.listMappings(db, orgId, source)).filter((m) => m.kind === 'user').map((m) => m.vigil_id);
  return inviteImported(db, clock, mailer, publicUrl, orgId, [...new Set(ids)]);
}


export async function runOpsgenieImport(deps: ImportDeps, client: OpsgenieClient, orgId: string, opts: { dryRun: boolean; verify?: boolean }): Promise<ImportReport> {
  const { db, clock, log } = deps;
  const maps = await new Mappings(db, orgId, () => clock.now(), SOURCE).load();
  if (opts.dryRun) {
    const plan = planOpsgenie(await readOpsgenie(client));
    // What a real run would do: objects already imported are updated, the rest created.
    const tally = (kind: string, ids: string[]): ImportCounts => ({ created: ids.filter((id) => !maps.get(kind, id)).length, updated: ids.filter((id) => maps.get(kind, id)).length });
    const counts: ImportReport['counts'] = {
      users: { created: 0, updated: 0 },
      contact_methods: zero(),
      teams: tally('team', plan.teams.map((t) => t.sourceId)),
      schedules: tally('schedule', plan.schedules.map((s) => s.sourceId)),
      overrides: { created: plan.schedules.flatMap((s) => s.overrides).filter((o) => !maps.get('override', o.sourceId)).length, updated: 0 },
      policies: tally('policy', plan.policies.map((p) => p.sourceId)),
      services: tally('service', plan.services.map((s) => s.sourceId)),
    };
    for (const u of plan.users) counts.users[maps.get('user', u.sourceId) || (await getUserByEmail(db, orgId, u.email)) ? 'updated' : 'created']++;
    return { plan, dryRun: true, counts, verification: [] };
  }
  const notes: string[] = [];
  const counts: ImportReport['counts'] = { users: zero(), contact_methods: zero(), teams: zero(), schedules: zero(), overrides: zero(), policies: zero(), services: zero() };

  const ogUsers = await readUsers(client);
  const users = planUsers(ogUsers, notes);
  const emailOf = await applyUsers(deps, maps, orgId, users, counts, notes, 'Opsgenie');
  const userIds = new Map(users.map((u) => [u.sourceId, u.email]));
  const vigilUser = (sourceId: string) => maps.get('user', sourceId)!;
  log(`users: ${counts.users.created} invited, ${counts.users.updated} already there; ${counts.contact_methods.created} contact methods added (unverified until each person confirms)`);

  // Teams before what they own, so schedules, policies and services name them.
  const { teams: ogTeams, integrations } = await readTeamsAndIntegrations(client);
  const teams = planTeams(ogTeams, userIds, notes);
  for (const t of teams) await upsertTeam(deps, maps, orgId, t, counts.teams);
  log(`teams: ${counts.teams.created} created, ${counts.teams.updated} updated`);

  // Schedules: one per rotation; overrides added once each.
  const ogSchedules = await readSchedules(client);
  const schedules = planSchedules(ogSchedules, userIds, notes);
  for (const s of schedules) {
    const layer: LayerInput = {
      name: s.layer.name,
      start: s.layer.start,
      end: s.layer.end,
      rotation_virtual_start: s.layer.start,
      rotation_turn_length: s.layer.turn,
      users: s.layer.users.map((id) => ({ user: { id: vigilUser(id) } })),
      restrictions: s.layer.restrictions,
    };
    const row = await upsertSchedule(deps, maps, orgId, s.sourceId, { name: s.name, time_zone: s.timeZone, schedule_layers: [layer], teams: teamRefs(maps, [s.teamSourceId]) }, counts.schedules);
    await addOverrides(deps, maps, orgId, row, s.overrides, counts.overrides);
  }
  const scheduleIds = new Set(schedules.map((s) => s.ogScheduleId));
  log(`schedules: ${counts.schedules.created} created, ${counts.schedules.updated} updated; ${counts.overrides.created} overrides added`);

  // Escalation policies, then services (whose routing may add a policy for a schedule).
  const policies = planPolicies(await readEscalations(client), userIds, scheduleIds, notes);
  const services = planServices({ users: ogUsers, teams: ogTeams, schedules: ogSchedules, escalations: [], integrations }, policies, scheduleIds, notes);
  for (const p of policies) await applyPolicy(deps, maps, orgId, p, schedules, counts);
  log(`escalation policies: ${counts.policies.created} created, ${counts.policies.updated} updated`);

  for (const s of services) {
    const svc = await upsertService(deps, maps, orgId, { ...s, teams: teamRefs(maps, [s.teamSourceId]) }, counts.services);
    const kept = await keepIntegration(deps, maps, orgId, svc, s.sourceId, { type: 'opsgenie', name: `Opsgenie API (${s.name})` }, s.apiKey ?? undefined);
    if (kept.newKey) log(`service ${s.name}: new Opsgenie-API key ${kept.newKey} (shown once)`);
  }
  log(`services: ${counts.services.created} created, ${counts.services.updated} updated`);

  const plan: OpsgeniePlan = { users, teams, schedules, policies, services, notMapped: notes };
  const verification = opts.verify === false ? [] : await verifySchedules(deps, client, orgId, maps, schedules, emailOf, ogUsers);
  return { plan, dryRun: false, counts, verification };
}


async function applyPolicy(deps: ImportDeps, maps: Mappings, orgId: string, p: PlannedPolicy, schedules: PlannedSchedule[], counts: ImportReport['counts']): Promise<void> {
  const rules = p.rules.map((r) => ({
    escalation_delay_in_minutes: r.delayMinutes,
    targets: r.targets.flatMap((t) =>
      t.type === 'user'
        ? [{ type: 'user_reference', id: maps.get('user', t.sourceId)! }]
        : schedules.filter((s) => s.ogScheduleId === t.sourceId).map((s) => ({ type: 'schedule_reference', id: maps.get('schedule', s.sourceId)! })),
    ),
  }));
  await upsertPolicy(deps, maps, orgId, p.sourceId, { name: p.name, num_loops: p.numLoops, escalation_rules: rules, teams: teamRefs(maps, [p.teamSourceId]) }, counts.policies);
}

// --------------------------------------------------------------- verifying


/** The next 8 weeks of each imported rotation, rendered by Vigil, against Opsgenie's final timeline. */
async function verifySchedules(deps: ImportDeps, client: OpsgenieClient, orgId: string, maps: Mappings, schedules: PlannedSchedule[], emailOf: Map<string, string>, ogUsers: OgUser[]): Promise<ImportReport['verification']> {
  const since = deps.clock.now();
  const until = since + VERIFY_WEEKS * WEEK_MS;
  const ogEmail = new Map(ogUsers.map((u) => [u.id, u.username.toLowerCase()]));
  const out: ImportReport['verification'] = [];
  const bySchedule = new Map<string, PlannedSchedule[]>();
  for (const s of schedules) bySchedule.set(s.ogScheduleId, [...(bySchedule.get(s.ogScheduleId) ?? []), s]);
  for (const [ogId, rotations] of bySchedule) {
    let timeline: any;
    try {
      timeline = (await client.get(`/v2/schedules/${encodeURIComponent(ogId)}/timeline`, { interval: VERIFY_WEEKS, intervalUnit: 'weeks', date: new Date(since).toISOString(), expand: 'base,override' })).data;
    } catch (err) {
      out.push({ schedule: rotations[0]!.name, ok: false, detail: `could not read the Opsgenie timeline: ${err instanceof Error ? err.message : String(err)}` });
      continue;
    }
    // Compared where both answers speak: Opsgenie may start its timeline elsewhere than asked.
    const from = Math.max(since, Date.parse(timeline?.startDate ?? '') || since);
    const to = Math.min(until, Date.parse(timeline?.endDate ?? '') || until);
    for (const s of rotations) {
      const ogRot = (timeline?.finalTimeline?.rotations ?? []).find((r: { id?: string }) => r.id === s.ogRotationId);
      const theirs = normalize(
        ((ogRot?.periods ?? []) as { startDate: string; endDate: string; recipient?: OgUser & { type?: string; name?: string } }[]).map((p) => ({
          start: Date.parse(p.startDate),
          end: Date.parse(p.endDate),
          who: p.recipient?.type === 'user' ? (ogEmail.get(p.recipient.id) ?? p.recipient.name ?? p.recipient.id) : `${p.recipient?.type ?? 'nobody'}`,
        })),
        from,
        to,
      );
      out.push({ schedule: s.name, ...(await compareWithVigil(deps, orgId, maps, s.sourceId, theirs, emailOf, from, to, 'Opsgenie')) });
    }
  }
  return out;
}


/** Plain-text report for the CLI. */
export function formatReport(r: ImportReport): string {
  const lines: string[] = [];
  const p = r.plan;
  lines.push(`${r.dryRun ? 'Plan (dry run, nothing written)' : 'Imported'} from Opsgenie:`);
  lines.push(`  users: ${p.users.length} (${p.users.map((u) => `${u.email} as ${u.role}`).join(', ')})`);
  lines.push(`  teams: ${p.teams.length} (${p.teams.map((t) => `${t.name}: ${t.members.length} members`).join('; ')})`);
  lines.push(`  schedules: ${p.schedules.length} (${p.schedules.map((s) => `${s.name}: ${s.layer.turn.count} ${s.layer.turn.unit}, ${s.layer.users.length} people, ${s.layer.restrictions.length} restrictions, ${s.overrides.length} overrides`).join('; ')})`);
  lines.push(`  escalation policies: ${p.policies.length} (${p.policies.map((x) => `${x.name}: ${x.rules.length} rules, ${x.numLoops} repeats`).join('; ')})`);
  lines.push(`  services with Opsgenie-API integrations: ${p.services.length} (${p.services.map((s) => `${s.name}${s.apiKey ? ', key kept' : ', new key'}`).join('; ')})`);
  for (const [k, c] of Object.entries(r.counts)) {
    if (r.dryRun && k === 'contact_methods') continue;
    lines.push(r.dryRun ? `  ${k.replace('_', ' ')}: would create ${c.created}, update ${c.updated}` : `  ${k.replace('_', ' ')}: ${c.created} created, ${c.updated} updated`);
  }
  lines.push(p.notMapped.length ? `Not mapped (${p.notMapped.length}):` : 'Everything was mapped.');
  for (const n of p.notMapped) lines.push(`  - ${n}`);
  if (r.verification.length) {
    lines.push(`Final schedules, next ${VERIFY_WEEKS} weeks, Vigil against Opsgenie:`);
    for (const v of r.verification) lines.push(`  ${v.ok ? 'ok  ' : 'DIFF'} ${v.schedule}: ${v.detail}`);
  }
  if (!r.dryRun && p.users.length) lines.push('New members have a pending invitation: send it from People (Invite), or they use "forgot password" once SMTP is set.');
  return lines.join('\n');
}
