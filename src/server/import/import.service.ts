/**
 * `vigil import opsgenie`: read the source stage by stage (users, schedules, escalations,
 * teams and integrations), plan each stage purely (opsgenie-plan.ts) and apply it through
 * the same use cases the API uses. Every object made is remembered in import_mappings
 * (source id → Vigil id) as soon as it exists, so a run that stops half-way (a source
 * error) resumes on the next run, and a later run updates instead of duplicating.
 */
import type { Kysely } from 'kysely';
import { inviteMember } from '../account/account.service.js';
import type { TargetRegistry } from '../escalation/targets.js';
import { createPolicy, updatePolicy, requirePolicy } from '../escalation/policy.service.js';
import type { Clock } from '../lib/clock.js';
import { VigilError } from '../errors.js';
import type { OutboundPolicy } from '../lib/outbound-policy.js';
import { createContactMethod, listContactMethods, normalizeAddress } from '../notify/contact.service.js';
import { findUser, updateMember } from '../org/org.service.js';
import { getUserByEmail, listOrganizations } from '../org/org.store.js';
import { createOverrides, createSchedule, finalSchedule, requireSchedule, updateSchedule, type LayerInput } from '../schedule/schedule.service.js';
import { createIntegration, createService, integrationsOf, requireService, setIntegrationKey, updateService } from '../service/service.service.js';
import type { Database } from '../storage/schema.js';
import * as store from './import.store.js';
import type { OpsgenieClient } from './opsgenie-client.js';
import { planPolicies, planSchedules, planServices, planUsers, type OgEscalation, type OgIntegration, type OgSchedule, type OgTeam, type OgUser, type OpsgeniePlan, type OpsgenieSource, type PlannedPolicy, type PlannedSchedule, type PlannedUser, planOpsgenie } from './opsgenie-plan.js';

type Db = Kysely<Database>;
const SOURCE = 'opsgenie';
const WEEK_MS = 7 * 86_400_000;
export const VERIFY_WEEKS = 8;

export interface ImportDeps {
  db: Db;
  clock: Clock;
  targets: TargetRegistry;
  outbound: OutboundPolicy;
  log: (line: string) => void;
}

export interface ImportCounts {
  created: number;
  updated: number;
}
export interface ImportReport {
  plan: OpsgeniePlan;
  dryRun: boolean;
  counts: Record<'users' | 'contact_methods' | 'schedules' | 'overrides' | 'policies' | 'services', ImportCounts>;
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

/** Source id → Vigil id for one source system and organization, written as soon as an object exists. */
export class Mappings {
  private readonly map = new Map<string, string>();
  constructor(
    private readonly db: Db,
    private readonly orgId: string,
    private readonly now: () => number,
    private readonly source: string = SOURCE,
  ) {}
  async load(): Promise<this> {
    for (const m of await store.listMappings(this.db, this.orgId, this.source)) this.map.set(`${m.kind}:${m.source_id}`, m.vigil_id);
    return this;
  }
  get(kind: string, sourceId: string): string | undefined {
    return this.map.get(`${kind}:${sourceId}`);
  }
  async put(kind: string, sourceId: string, vigilId: string): Promise<void> {
    await store.putMapping(this.db, { org_id: this.orgId, source: this.source, kind, source_id: sourceId, vigil_id: vigilId, created_at: this.now() });
    this.map.set(`${kind}:${sourceId}`, vigilId);
  }
}

export const zero = (): ImportCounts => ({ created: 0, updated: 0 });
const isNotFound = (err: unknown) => err instanceof Error && 'code' in err && (err as { code: string }).code === 'not_found';

export async function exists<T>(load: () => Promise<T>): Promise<T | null> {
  try {
    return await load();
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

export async function runOpsgenieImport(deps: ImportDeps, client: OpsgenieClient, orgId: string, opts: { dryRun: boolean; verify?: boolean }): Promise<ImportReport> {
  const { db, clock, log } = deps;
  const maps = await new Mappings(db, orgId, () => clock.now()).load();
  if (opts.dryRun) {
    const plan = planOpsgenie(await readOpsgenie(client));
    // What a real run would do: objects already imported are updated, the rest created.
    const tally = (kind: string, ids: string[]): ImportCounts => ({ created: ids.filter((id) => !maps.get(kind, id)).length, updated: ids.filter((id) => maps.get(kind, id)).length });
    const counts: ImportReport['counts'] = {
      users: { created: 0, updated: 0 },
      contact_methods: zero(),
      schedules: tally('schedule', plan.schedules.map((s) => s.sourceId)),
      overrides: { created: plan.schedules.flatMap((s) => s.overrides).filter((o) => !maps.get('override', o.sourceId)).length, updated: 0 },
      policies: tally('policy', plan.policies.map((p) => p.sourceId)),
      services: tally('service', plan.services.map((s) => s.sourceId)),
    };
    for (const u of plan.users) counts.users[maps.get('user', u.sourceId) || (await getUserByEmail(db, orgId, u.email)) ? 'updated' : 'created']++;
    return { plan, dryRun: true, counts, verification: [] };
  }
  const notes: string[] = [];
  const counts: ImportReport['counts'] = { users: zero(), contact_methods: zero(), schedules: zero(), overrides: zero(), policies: zero(), services: zero() };

  const ogUsers = await readUsers(client);
  const users = planUsers(ogUsers, notes);
  const emailOf = await applyUsers(deps, maps, orgId, users, counts, notes, 'Opsgenie');
  const userIds = new Map(users.map((u) => [u.sourceId, u.email]));
  const vigilUser = (sourceId: string) => maps.get('user', sourceId)!;
  log(`users: ${counts.users.created} invited, ${counts.users.updated} already there; ${counts.contact_methods.created} contact methods added (unverified until each person confirms)`);

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
    const mapped = maps.get('schedule', s.sourceId);
    let row = mapped ? await exists(() => requireSchedule(db, orgId, mapped)) : null;
    if (row) {
      row = await updateSchedule(db, clock, orgId, row.id, { name: s.name, time_zone: s.timeZone, schedule_layers: [{ ...layer, id: row.layers[0]?.id ?? null }] });
      counts.schedules.updated++;
    } else {
      row = await createSchedule(db, clock, orgId, { name: s.name, time_zone: s.timeZone, schedule_layers: [layer] });
      await maps.put('schedule', s.sourceId, row.id);
      counts.schedules.created++;
    }
    for (const o of s.overrides) {
      if (maps.get('override', o.sourceId)) continue;
      const [made] = await createOverrides(db, clock, orgId, row, [{ start: o.start, end: o.end, user: { id: vigilUser(o.userSourceId) } }], () => `override ${o.sourceId}`);
      await maps.put('override', o.sourceId, made!.id);
      counts.overrides.created++;
    }
  }
  const scheduleIds = new Set(schedules.map((s) => s.ogScheduleId));
  log(`schedules: ${counts.schedules.created} created, ${counts.schedules.updated} updated; ${counts.overrides.created} overrides added`);

  // Escalation policies, then services (whose routing may add a policy for a schedule).
  const policies = planPolicies(await readEscalations(client), userIds, scheduleIds, notes);
  const { teams, integrations } = await readTeamsAndIntegrations(client);
  for (const t of teams) notes.unshift(`team ${t.name}: not mapped (Vigil has no teams); its members are imported as users`);
  const services = planServices({ users: ogUsers, teams, schedules: ogSchedules, escalations: [], integrations }, policies, scheduleIds, notes);
  for (const p of policies) await applyPolicy(deps, maps, orgId, p, schedules, counts);
  log(`escalation policies: ${counts.policies.created} created, ${counts.policies.updated} updated`);

  for (const s of services) {
    const policyId = s.policySourceId ? (maps.get('policy', s.policySourceId) ?? null) : null;
    const mapped = maps.get('service', s.sourceId);
    let svc = mapped ? await exists(() => requireService(db, orgId, mapped)) : null;
    if (svc) {
      svc = await updateService(db, clock, orgId, svc.id, { name: s.name, escalation_policy: policyId ? { id: policyId } : null });
      counts.services.updated++;
    } else {
      svc = await createService(db, clock, orgId, { name: s.name, ...(policyId ? { escalation_policy: { id: policyId } } : {}) });
      await maps.put('service', s.sourceId, svc.id);
      counts.services.created++;
    }
    const integ = (await integrationsOf(db, orgId, svc.id)).find((i) => i.id === maps.get('integration', s.sourceId));
    if (integ) {
      if (s.apiKey) await setIntegrationKey(db, orgId, integ, s.apiKey);
    } else {
      const made = await createIntegration(db, clock, orgId, svc, { type: 'opsgenie', name: `Opsgenie API (${s.name})` }, s.apiKey ?? undefined);
      await maps.put('integration', s.sourceId, made.integration.id);
      if (!s.apiKey) log(`service ${s.name}: new Opsgenie-API key ${made.key} (shown once)`);
    }
  }
  log(`services: ${counts.services.created} created, ${counts.services.updated} updated`);

  const plan: OpsgeniePlan = { users, schedules, policies, services, notMapped: notes };
  const verification = opts.verify === false ? [] : await verifySchedules(deps, client, orgId, maps, schedules, emailOf, ogUsers);
  return { plan, dryRun: false, counts, verification };
}

/**
 * Users: matched by mapping, then by e-mail; new ones are members with a pending invitation,
 * and their contact methods are added unverified. Answers Vigil user id → e-mail.
 */
export async function applyUsers(
  deps: ImportDeps,
  maps: Mappings,
  orgId: string,
  users: PlannedUser[],
  counts: Pick<ImportReport['counts'], 'users' | 'contact_methods'>,
  notes: string[],
  sourceName: string,
): Promise<Map<string, string>> {
  const { db, clock } = deps;
  const emailOf = new Map<string, string>();
  for (const u of users) {
    let vigil = maps.get('user', u.sourceId) ? await findUser(db, orgId, maps.get('user', u.sourceId)!) : undefined;
    if (vigil && vigil.deleted_at === null) {
      if (vigil.name !== u.name || vigil.time_zone !== u.timeZone) vigil = await updateMember(db, orgId, vigil, { name: u.name, time_zone: u.timeZone }, { now: clock.now() });
      if (vigil.role !== u.role) notes.push(`user ${u.email}: a member as ${vigil.role} in Vigil; role kept (${sourceName} role maps to ${u.role})`);
      counts.users.updated++;
    } else if ((vigil = await getUserByEmail(db, orgId, u.email))) {
      // Already a member (the owner who ran vigil init, or someone added by hand): used as is, role kept.
      if (vigil.role !== u.role) notes.push(`user ${u.email}: a member as ${vigil.role} in Vigil; role kept (${sourceName} role maps to ${u.role})`);
      counts.users.updated++;
      await maps.put('user', u.sourceId, vigil.id);
    } else {
      const r = await inviteMember(db, clock, orgId, 'owner', { email: u.email, name: u.name, role: u.role });
      vigil = r.user;
      if (r.created && u.timeZone) vigil = await updateMember(db, orgId, vigil, { time_zone: u.timeZone }, { now: clock.now() });
      counts.users[r.created ? 'created' : 'updated']++;
      await maps.put('user', u.sourceId, vigil.id);
    }
    emailOf.set(vigil.id, u.email);
    const have = await listContactMethods(db, orgId, vigil.id);
    for (const c of u.contacts) {
      let address: string;
      try {
        address = normalizeAddress(c.type, c.address);
      } catch {
        notes.push(`user ${u.email}: ${c.type} contact ${c.address} is not a valid address, not imported`);
        continue;
      }
      if (have.some((m) => m.type === c.type && m.address === address)) continue;
      try {
        await createContactMethod(db, clock, deps.outbound, orgId, vigil.id, { type: c.type, address });
        counts.contact_methods.created++;
      } catch (err) {
        if (!(err instanceof VigilError)) throw err;
        notes.push(`user ${u.email}: ${c.type} contact ${c.address} not imported (${err.errors.join('; ')})`);
      }
    }
  }
  return emailOf;
}

async function applyPolicy(deps: ImportDeps, maps: Mappings, orgId: string, p: PlannedPolicy, schedules: PlannedSchedule[], counts: ImportReport['counts']): Promise<void> {
  const { db, clock, targets } = deps;
  const rules = p.rules.map((r) => ({
    escalation_delay_in_minutes: r.delayMinutes,
    targets: r.targets.flatMap((t) =>
      t.type === 'user'
        ? [{ type: 'user_reference', id: maps.get('user', t.sourceId)! }]
        : schedules.filter((s) => s.ogScheduleId === t.sourceId).map((s) => ({ type: 'schedule_reference', id: maps.get('schedule', s.sourceId)! })),
    ),
  }));
  const mapped = maps.get('policy', p.sourceId);
  const row = mapped ? await exists(() => requirePolicy(db, orgId, mapped)) : null;
  if (row) {
    await updatePolicy(db, clock, targets, orgId, row.id, { name: p.name, num_loops: p.numLoops, escalation_rules: rules.map((r, i) => ({ ...r, id: row.rules[i]?.id ?? null })) });
    counts.policies.updated++;
  } else {
    const made = await createPolicy(db, clock, targets, orgId, { name: p.name, num_loops: p.numLoops, escalation_rules: rules });
    await maps.put('policy', p.sourceId, made.id);
    counts.policies.created++;
  }
}

// --------------------------------------------------------------- verifying

export interface Period {
  start: number;
  end: number;
  who: string;
}

/** Clip to the window, drop empty pieces, merge touching pieces of the same person. */
export function normalize(periods: Period[], since: number, until: number): Period[] {
  const out: Period[] = [];
  for (const p of [...periods].sort((a, b) => a.start - b.start)) {
    const start = Math.max(p.start, since);
    const end = Math.min(p.end, until);
    if (end <= start) continue;
    const last = out[out.length - 1];
    if (last && last.who === p.who && last.end >= start) last.end = Math.max(last.end, end);
    else out.push({ start, end, who: p.who });
  }
  return out;
}

export const iso = (t: number) => new Date(t).toISOString().replace(':00.000Z', 'Z');

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
      const row = await requireSchedule(deps.db, orgId, maps.get('schedule', s.sourceId)!);
      const { entries } = await finalSchedule(deps.db, orgId, row, { since: from, until: to });
      const ours = normalize(
        entries.filter((e) => e.userId !== null).map((e) => ({ start: e.start, end: e.end, who: emailOf.get(e.userId!) ?? e.userId! })),
        from,
        to,
      );
      out.push({ schedule: s.name, ...comparePeriods(theirs, ours, from, to, 'Opsgenie') });
    }
  }
  return out;
}

/** Two normalized timelines of one schedule: "ok" or how many shifts differ and the first difference. */
export function comparePeriods(theirs: Period[], ours: Period[], from: number, to: number, sourceName: string): { ok: boolean; detail: string } {
  const key = (p: Period) => `${p.start}|${p.end}|${p.who}`;
  const ourKeys = new Set(ours.map(key));
  const theirKeys = new Set(theirs.map(key));
  const missing = theirs.filter((p) => !ourKeys.has(key(p)));
  const extra = ours.filter((p) => !theirKeys.has(key(p)));
  if (!missing.length && !extra.length) return { ok: true, detail: `${ours.length} shifts match from ${iso(from)} to ${iso(to)}` };
  const first = missing[0] ? `${sourceName} has ${missing[0].who} ${iso(missing[0].start)}–${iso(missing[0].end)}` : `Vigil has ${extra[0]!.who} ${iso(extra[0]!.start)}–${iso(extra[0]!.end)}`;
  return { ok: false, detail: `${missing.length} ${sourceName} shifts missing in Vigil, ${extra.length} Vigil shifts not in ${sourceName}; first: ${first}` };
}

/** Plain-text report for the CLI. */
export function formatReport(r: ImportReport): string {
  const lines: string[] = [];
  const p = r.plan;
  lines.push(`${r.dryRun ? 'Plan (dry run, nothing written)' : 'Imported'} from Opsgenie:`);
  lines.push(`  users: ${p.users.length} (${p.users.map((u) => `${u.email} as ${u.role}`).join(', ')})`);
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
