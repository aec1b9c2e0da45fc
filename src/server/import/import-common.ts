/**
 * What the three importers (Opsgenie, PagerDuty, Grafana OnCall) share once each has planned
 * its source purely: the id map (source id → Vigil id, written as soon as an object exists, so
 * a run that stops half-way resumes and a later run updates instead of duplicating), the
 * writes of users, schedules with their overrides, services and kept integration keys through
 * the same use cases the API uses, and the comparison of each imported schedule's next weeks
 * with the source's own final schedule.
 */
import type { Kysely } from 'kysely';
import { inviteMember } from '../account/account.service.js';
import { createPolicy, requirePolicy, updatePolicy } from '../escalation/policy.service.js';
import type { TargetRegistry } from '../escalation/targets.js';
import { VigilError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { OutboundPolicy } from '../lib/outbound-policy.js';
import { createContactMethod, listContactMethods, normalizeAddress } from '../notify/contact.service.js';
import { findUser, updateMember } from '../org/org.service.js';
import { createTeam, listTeams, requireTeam, setTeamMember, teamMembers, updateTeam } from '../org/team.service.js';
import { getUserByEmail } from '../org/org.store.js';
import { createOverrides, createSchedule, finalSchedule, requireSchedule, updateSchedule, type LayerInput } from '../schedule/schedule.service.js';
import { createIntegration, createService, integrationsOf, requireService, setIntegrationKey, updateService } from '../service/service.service.js';
import type { Database, TeamRole } from '../storage/schema.js';
import * as store from './import.store.js';
import type { PlannedUser } from './opsgenie-plan.js';

type Db = Kysely<Database>;
export type ImportSource = 'opsgenie' | 'pagerduty' | 'grafana-oncall';
export const WEEK_MS = 7 * 86_400_000;
/** How far ahead each imported schedule is compared with the source's. */
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

/** Source id → Vigil id for one source system and organization, written as soon as an object exists. */
export class Mappings {
  private readonly map = new Map<string, string>();
  constructor(
    private readonly db: Db,
    private readonly orgId: string,
    private readonly now: () => number,
    private readonly source: ImportSource,
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

/**
 * Users: matched by mapping, then by e-mail; new ones are members with a pending invitation,
 * and their contact methods are added unverified. Answers Vigil user id → e-mail.
 */
export async function applyUsers(
  deps: ImportDeps,
  maps: Mappings,
  orgId: string,
  users: PlannedUser[],
  counts: Record<'users' | 'contact_methods', ImportCounts>,
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

/** A source's team, its members by source user id with their team role. */
export interface PlannedTeam {
  sourceId: string;
  name: string;
  description: string | null;
  members: { userSourceId: string; role: TeamRole }[];
}

/**
 * Team references for a Vigil resource: the mapped teams among these source team ids. When the
 * source names no team, undefined: the resource's teams in Vigil are left as they are.
 */
export function teamRefs(maps: Mappings, sourceTeamIds: readonly (string | null | undefined)[]): { type: 'team_reference'; id: string }[] | undefined {
  const named = sourceTeamIds.filter((t): t is string => !!t);
  if (!named.length) return undefined;
  return [...new Set(named.flatMap((t) => (maps.get('team', t) ? [maps.get('team', t)!] : [])))].map((id) => ({ type: 'team_reference' as const, id }));
}

/**
 * A source's team in Vigil: the mapped one (renamed when the source renamed it), else a live
 * team of the same name (made by hand, kept), else created; then mapped. Each imported member
 * is set with the source's team role; members added in Vigil by hand are left alone.
 */
export async function upsertTeam(deps: ImportDeps, maps: Mappings, orgId: string, t: PlannedTeam, counts: ImportCounts): Promise<string> {
  const u = { db: deps.db, clock: deps.clock };
  const mapped = maps.get('team', t.sourceId);
  let row = mapped ? await exists(() => requireTeam(deps.db, orgId, mapped)) : null;
  row ??= (await listTeams(deps.db, orgId, { query: t.name, limit: 100, offset: 0 })).rows.find((x) => x.name.toLowerCase() === t.name.trim().toLowerCase()) ?? null;
  if (row) {
    if (row.name !== t.name.trim() || (row.description ?? null) !== t.description) row = await updateTeam(u, orgId, row.id, { name: t.name, description: t.description });
    counts.updated++;
  } else {
    row = await createTeam(u, orgId, { name: t.name, description: t.description });
    counts.created++;
  }
  if (mapped !== row.id) await maps.put('team', t.sourceId, row.id);
  // The importer acts as the organization's owner (as inviteMember does above); a member whose
  // team role is already the source's is left alone, so a re-run writes no audit record.
  const have = new Map((await teamMembers(deps.db, orgId, row.id, 10_000, 0)).rows.map((m) => [m.user.id, m.role]));
  for (const m of t.members) {
    const userId = maps.get('user', m.userSourceId);
    if (userId && have.get(userId) !== m.role) await setTeamMember(u, orgId, row.id, userId, m.role, { userId, role: 'owner' });
  }
  return row.id;
}

type Schedule = Awaited<ReturnType<typeof requireSchedule>>;
type Service = Awaited<ReturnType<typeof requireService>>;

/** A source's schedule in Vigil: updated in place when mapped (layer ids kept by position), else created and mapped. */
export async function upsertSchedule(deps: ImportDeps, maps: Mappings, orgId: string, sourceId: string, input: { name: string; description?: string | null; time_zone: string; schedule_layers: LayerInput[]; teams?: { type: 'team_reference'; id: string }[] }, counts: ImportCounts): Promise<Schedule> {
  const { db, clock } = deps;
  const mapped = maps.get('schedule', sourceId);
  const row = mapped ? await exists(() => requireSchedule(db, orgId, mapped)) : null;
  if (row) {
    const updated = await updateSchedule(db, clock, orgId, row.id, { ...input, schedule_layers: input.schedule_layers.map((l, i) => ({ ...l, id: row.layers[i]?.id ?? null })) });
    counts.updated++;
    return updated;
  }
  const made = await createSchedule(db, clock, orgId, input);
  await maps.put('schedule', sourceId, made.id);
  counts.created++;
  return made;
}

/**
 * The source's overrides on `row` that are not mapped yet, each made once and mapped. An
 * override Vigil refuses goes to `refused` when given (the import goes on), else stops the run.
 */
export async function addOverrides(deps: ImportDeps, maps: Mappings, orgId: string, row: Schedule, overrides: readonly { sourceId: string; userSourceId: string; start: string; end: string }[], counts: ImportCounts, refused?: (o: { start: string; end: string }, errors: string[]) => void): Promise<void> {
  for (const o of overrides) {
    if (maps.get('override', o.sourceId)) continue;
    try {
      const [made] = await createOverrides(deps.db, deps.clock, orgId, row, [{ start: o.start, end: o.end, user: { id: maps.get('user', o.userSourceId)! } }], () => `override ${o.sourceId}`);
      await maps.put('override', o.sourceId, made!.id);
      counts.created++;
    } catch (err) {
      if (!refused || !(err instanceof VigilError)) throw err;
      refused(o, err.errors);
    }
  }
}

/** A source's escalation policy in Vigil: updated in place when mapped (rule ids kept by position), else created and mapped. */
export async function upsertPolicy(deps: ImportDeps, maps: Mappings, orgId: string, sourceId: string, input: { name: string; description?: string | null; num_loops: number; escalation_rules: { escalation_delay_in_minutes: number; targets: { type: string; id: string }[] }[]; teams?: { type: 'team_reference'; id: string }[] }, counts: ImportCounts): Promise<void> {
  const { db, clock, targets } = deps;
  const mapped = maps.get('policy', sourceId);
  const row = mapped ? await exists(() => requirePolicy(db, orgId, mapped)) : null;
  if (row) {
    await updatePolicy(db, clock, targets, orgId, row.id, { ...input, escalation_rules: input.escalation_rules.map((r, i) => ({ ...r, id: row.rules[i]?.id ?? null })) });
    counts.updated++;
    return;
  }
  const made = await createPolicy(db, clock, targets, orgId, input);
  await maps.put('policy', sourceId, made.id);
  counts.created++;
}

/** A source's service in Vigil with its escalation policy (the mapped one, or none): updated when mapped, else created and mapped. */
export async function upsertService(deps: ImportDeps, maps: Mappings, orgId: string, s: { sourceId: string; name: string; policySourceId: string | null; teams?: { type: 'team_reference'; id: string }[] }, counts: ImportCounts): Promise<Service> {
  const { db, clock } = deps;
  const policyId = s.policySourceId ? (maps.get('policy', s.policySourceId) ?? null) : null;
  const mapped = maps.get('service', s.sourceId);
  const svc = mapped ? await exists(() => requireService(db, orgId, mapped)) : null;
  if (svc) {
    counts.updated++;
    return updateService(db, clock, orgId, svc.id, { name: s.name, escalation_policy: policyId ? { id: policyId } : null, ...(s.teams ? { teams: s.teams } : {}) });
  }
  const made = await createService(db, clock, orgId, { name: s.name, ...(policyId ? { escalation_policy: { id: policyId } } : {}), ...(s.teams ? { teams: s.teams } : {}) });
  await maps.put('service', s.sourceId, made.id);
  counts.created++;
  return made;
}

/**
 * The integration a source's integration maps to on `svc`: kept (its old key set again when
 * the source's key is kept) or created with the kept key, else with a new one, answered once.
 */
export async function keepIntegration(deps: ImportDeps, maps: Mappings, orgId: string, svc: Service, sourceId: string, input: Parameters<typeof createIntegration>[4], keptKey: string | undefined): Promise<{ created: boolean; newKey: string | null }> {
  const { db, clock } = deps;
  const integ = (await integrationsOf(db, orgId, svc.id)).find((i) => i.id === maps.get('integration', sourceId));
  if (integ) {
    if (keptKey) await setIntegrationKey(db, orgId, integ, keptKey);
    return { created: false, newKey: null };
  }
  const made = await createIntegration(db, clock, orgId, svc, input, keptKey);
  await maps.put('integration', sourceId, made.integration.id);
  return { created: true, newKey: keptKey ? null : made.key };
}

/** An imported schedule's final on-call in Vigil over [from, to), as periods by e-mail, against the source's (`theirs`, normalized). */
export async function compareWithVigil(deps: ImportDeps, orgId: string, maps: Mappings, scheduleSourceId: string, theirs: Period[], emailOf: Map<string, string>, from: number, to: number, sourceName: string): Promise<{ ok: boolean; detail: string }> {
  const row = await requireSchedule(deps.db, orgId, maps.get('schedule', scheduleSourceId)!);
  const { entries } = await finalSchedule(deps.db, orgId, row, { since: from, until: to });
  const ours = normalize(
    entries.filter((e) => e.userId !== null).map((e) => ({ start: e.start, end: e.end, who: emailOf.get(e.userId!) ?? e.userId! })),
    from,
    to,
  );
  return comparePeriods(theirs, ours, from, to, sourceName);
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
