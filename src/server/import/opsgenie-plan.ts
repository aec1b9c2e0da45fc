/**
 * Opsgenie configuration → what Vigil will hold, as pure data (BRIEF.md §5), plus every
 * thing that cannot be mapped. No I/O: import.service.ts reads the source and applies a plan.
 *
 * Lossy choices, each reported as a note where it applies:
 * - Opsgenie puts everyone on call in every rotation at once; a Vigil schedule has one person
 *   on call. A schedule with several rotations becomes one Vigil schedule per rotation, and an
 *   escalation rule naming the schedule names all of them.
 * - Escalation delays count from alert creation in Opsgenie; Vigil's delay is the time spent on
 *   a rule, so it is the difference to the next rule's delay.
 * - Teams become Vigil teams (team admins as managers, users as responders) and own the
 *   schedules, escalations and integrations' services their `ownerTeam` names; team
 *   participants and team recipients are not mapped (Vigil notifies people and schedules).
 */
import { IANAZone } from 'luxon';
import type { Role, TeamRole } from '../storage/schema.js';
import type { PlannedTeam } from './import-common.js';

// ------------------------------------------------------------- source shapes

export interface OgRecipient {
  type: string;
  id?: string;
  username?: string;
  name?: string;
}
export interface OgUser {
  id: string;
  username: string;
  fullName?: string;
  role?: { id?: string; name?: string };
  timeZone?: string;
  blocked?: boolean;
  contacts?: { method: string; to: string; status?: { enabled?: boolean } }[];
}
export type OgTimeRestriction =
  | { type: 'time-of-day'; restriction: { startHour: number; startMin: number; endHour: number; endMin: number } }
  | { type: 'weekday-and-time-of-day'; restrictions: { startDay: string; startHour: number; startMin: number; endDay: string; endHour: number; endMin: number }[] };
export interface OgRotation {
  id: string;
  name?: string;
  startDate: string;
  endDate?: string | null;
  type: string;
  length?: number;
  participants?: OgRecipient[];
  timeRestriction?: OgTimeRestriction | null;
}
export interface OgOverride {
  alias: string;
  user: OgRecipient;
  startDate: string;
  endDate: string;
  rotations?: { id?: string; name?: string }[];
}
export interface OgSchedule {
  id: string;
  name: string;
  timezone?: string;
  enabled?: boolean;
  rotations?: OgRotation[];
  overrides?: OgOverride[];
  ownerTeam?: { id?: string; name?: string } | null;
}
export interface OgEscalation {
  id: string;
  name: string;
  rules?: { condition?: string; notifyType?: string; delay?: { timeAmount?: number; timeUnit?: string }; recipient?: OgRecipient }[];
  repeat?: { waitInterval?: number; count?: number } | null;
  ownerTeam?: { id?: string; name?: string } | null;
}
export interface OgRoutingRule {
  id?: string;
  name?: string;
  isDefault?: boolean;
  order?: number;
  criteria?: { type?: string };
  notify?: { type?: string; id?: string; name?: string };
}
export interface OgTeam {
  id: string;
  name: string;
  description?: string | null;
  members?: { user?: { id?: string; username?: string }; role?: string }[];
  routingRules?: OgRoutingRule[];
}
export interface OgIntegration {
  id: string;
  name: string;
  type: string;
  enabled?: boolean;
  teamId?: string | null;
  ownerTeam?: { id?: string; name?: string } | null;
  apiKey?: string;
}
export interface OpsgenieSource {
  users: OgUser[];
  teams: OgTeam[];
  schedules: OgSchedule[];
  escalations: OgEscalation[];
  integrations: OgIntegration[];
}

// --------------------------------------------------------------- plan shapes

export interface PlannedUser {
  sourceId: string;
  email: string;
  name: string;
  role: Role;
  timeZone: string | null;
  contacts: { type: 'email' | 'sms' | 'phone'; address: string }[];
}
export interface PlannedSchedule {
  /** `<schedule id>/<rotation id>` */
  sourceId: string;
  ogScheduleId: string;
  ogRotationId: string;
  name: string;
  timeZone: string;
  layer: {
    name: string;
    start: string;
    end: string | null;
    turn: { unit: 'hours' | 'days' | 'weeks'; count: number };
    /** Source user ids, in rotation order. */
    users: string[];
    restrictions: { type: 'daily_restriction' | 'weekly_restriction'; start_time_of_day: string; duration_seconds: number; start_day_of_week?: number }[];
  };
  overrides: { sourceId: string; userSourceId: string; start: string; end: string }[];
  /** The owning Opsgenie team's id. */
  teamSourceId: string | null;
}
export interface PlannedPolicy {
  sourceId: string;
  teamSourceId: string | null;
  name: string;
  numLoops: number;
  /** Targets: a source user id, or an Opsgenie schedule id (all its rotation schedules). */
  rules: { delayMinutes: number; targets: { type: 'user' | 'schedule'; sourceId: string }[] }[];
}
export interface PlannedService {
  /** The Opsgenie integration id. */
  sourceId: string;
  name: string;
  policySourceId: string | null;
  /** The integration's API key, kept as the Vigil integration's key. */
  apiKey: string | null;
  teamSourceId: string | null;
}
export interface OpsgeniePlan {
  users: PlannedUser[];
  teams: PlannedTeam[];
  schedules: PlannedSchedule[];
  policies: PlannedPolicy[];
  services: PlannedService[];
  notMapped: string[];
}

// ----------------------------------------------------------------- mapping

const ROLE: Record<string, Role> = { owner: 'admin', admin: 'admin', user: 'responder', observer: 'observer' };
const DAY: Record<string, number> = { monday: 1, tuesday: 2, wednesday: 3, thursday: 4, friday: 5, saturday: 6, sunday: 7 };
const UNIT: Record<string, 'hours' | 'days' | 'weeks'> = { hourly: 'hours', daily: 'days', weekly: 'weeks' };
const MAX_LOOPS = 9;

const pad = (n: number) => String(n).padStart(2, '0');
const hhmm = (h: number, m: number) => `${pad(h)}:${pad(m)}:00`;

/** Opsgenie phone numbers are `<country code>-<number>`. */
function phone(to: string): string {
  const m = /^\+?(\d{1,4})-(\d+)$/.exec(to.replace(/\s/g, ''));
  return m ? `+${m[1]}${m[2]}` : to;
}

export function planUsers(users: OgUser[], notes: string[]): PlannedUser[] {
  const out: PlannedUser[] = [];
  for (const u of users) {
    const email = u.username?.trim().toLowerCase();
    if (!email || !email.includes('@')) {
      notes.push(`user ${u.fullName ?? u.id}: no e-mail username, not imported`);
      continue;
    }
    const roleName = (u.role?.name ?? 'User').toLowerCase();
    const role = ROLE[roleName] ?? 'responder';
    if (roleName === 'owner') notes.push(`user ${email}: Opsgenie Owner imported as admin (the Vigil organization keeps its own owner)`);
    else if (!ROLE[roleName]) notes.push(`user ${email}: custom role ${u.role?.name} imported as responder`);
    if (u.blocked) notes.push(`user ${email}: blocked in Opsgenie, imported as a member all the same`);
    const contacts: PlannedUser['contacts'] = [];
    for (const c of u.contacts ?? []) {
      if (c.method === 'email') contacts.push({ type: 'email', address: c.to });
      else if (c.method === 'sms') contacts.push({ type: 'sms', address: phone(c.to) });
      else if (c.method === 'voice') contacts.push({ type: 'phone', address: phone(c.to) });
      else notes.push(`user ${email}: ${c.method} contact not mapped (${c.method === 'mobile' ? 'the Opsgenie app; add a push or ntfy method in Vigil' : 'no Vigil counterpart'})`);
    }
    let timeZone = u.timeZone ?? null;
    if (timeZone && !IANAZone.isValidZone(timeZone)) {
      notes.push(`user ${email}: time zone ${timeZone} is not an IANA zone, left unset`);
      timeZone = null;
    }
    out.push({ sourceId: u.id, email, name: u.fullName?.trim() || email, role, timeZone, contacts });
  }
  return out;
}

function restrictionsOf(r: OgTimeRestriction | null | undefined): PlannedSchedule['layer']['restrictions'] {
  if (!r) return [];
  if (r.type === 'time-of-day') {
    const { startHour, startMin, endHour, endMin } = r.restriction;
    let d = (endHour * 60 + endMin - (startHour * 60 + startMin)) * 60;
    if (d <= 0) d += 86_400;
    return [{ type: 'daily_restriction', start_time_of_day: hhmm(startHour, startMin), duration_seconds: d }];
  }
  return r.restrictions.map((w) => {
    const s = ((DAY[w.startDay] ?? 1) - 1) * 1440 + w.startHour * 60 + w.startMin;
    const e = ((DAY[w.endDay] ?? 1) - 1) * 1440 + w.endHour * 60 + w.endMin;
    let d = (e - s) * 60;
    if (d <= 0) d += 7 * 86_400;
    return { type: 'weekly_restriction' as const, start_day_of_week: DAY[w.startDay] ?? 1, start_time_of_day: hhmm(w.startHour, w.startMin), duration_seconds: d };
  });
}

export function planSchedules(schedules: OgSchedule[], users: Map<string, string>, notes: string[]): PlannedSchedule[] {
  const out: PlannedSchedule[] = [];
  const userRef = (r: OgRecipient): string | null => (r.id && users.has(r.id) ? r.id : null);
  for (const s of schedules) {
    const rotations = s.rotations ?? [];
    if (!rotations.length) {
      notes.push(`schedule ${s.name}: has no rotations, not imported`);
      continue;
    }
    const zone = s.timezone && IANAZone.isValidZone(s.timezone) ? s.timezone : 'UTC';
    if (s.timezone && zone !== s.timezone) notes.push(`schedule ${s.name}: time zone ${s.timezone} is not an IANA zone, imported in UTC`);
    if (s.enabled === false) notes.push(`schedule ${s.name}: disabled in Opsgenie, imported enabled`);
    if (rotations.length > 1) notes.push(`schedule ${s.name}: ${rotations.length} rotations are on call together in Opsgenie; imported as ${rotations.length} Vigil schedules ("${s.name} / <rotation>"), and escalations naming it name all of them`);
    for (const r of rotations) {
      const label = `schedule ${s.name} rotation ${r.name ?? r.id}`;
      const unit = UNIT[r.type];
      if (!unit) {
        notes.push(`${label}: rotation type ${r.type} not mapped`);
        continue;
      }
      const members: string[] = [];
      for (const p of r.participants ?? []) {
        const id = p.type === 'user' ? userRef(p) : null;
        if (id) members.push(id);
        else notes.push(`${label}: participant ${p.type}${p.name ? ` ${p.name}` : p.username ? ` ${p.username}` : ''} not mapped (${p.type === 'none' ? 'a turn with nobody on call' : p.type === 'user' ? 'unknown user' : `Vigil has no ${p.type} participants`}); later turns shift`);
      }
      const overrides: PlannedSchedule['overrides'] = [];
      for (const o of s.overrides ?? []) {
        const forRotation = !o.rotations?.length || o.rotations.some((x) => x.id === r.id || (x.name !== undefined && x.name === r.name));
        if (!forRotation) continue;
        const id = o.user.type === 'user' ? userRef(o.user) : null;
        if (!id) {
          notes.push(`schedule ${s.name}: override ${o.alias} for ${o.user.type} not mapped`);
          continue;
        }
        overrides.push({ sourceId: `${o.alias}@${s.id}/${r.id}`, userSourceId: id, start: o.startDate, end: o.endDate });
      }
      out.push({
        sourceId: `${s.id}/${r.id}`,
        ogScheduleId: s.id,
        ogRotationId: r.id,
        name: rotations.length > 1 ? `${s.name} / ${r.name ?? r.id}` : s.name,
        timeZone: zone,
        layer: { name: r.name ?? 'Rotation', start: r.startDate, end: r.endDate ?? null, turn: { unit, count: Math.max(1, r.length ?? 1) }, users: members, restrictions: restrictionsOf(r.timeRestriction) },
        overrides,
        teamSourceId: s.ownerTeam?.id ?? null,
      });
    }
  }
  return out;
}

export function planPolicies(escalations: OgEscalation[], users: Map<string, string>, schedules: Set<string>, notes: string[]): PlannedPolicy[] {
  const out: PlannedPolicy[] = [];
  for (const e of escalations) {
    const label = `escalation ${e.name}`;
    const steps = new Map<number, PlannedPolicy['rules'][number]['targets']>();
    for (const [i, r] of (e.rules ?? []).entries()) {
      const rec = r.recipient ?? { type: 'none' };
      if (r.condition && r.condition !== 'if-not-acked') notes.push(`${label} rule ${i + 1}: condition ${r.condition} treated as if-not-acked (Vigil escalates until acknowledged)`);
      if (r.notifyType && r.notifyType !== 'default') {
        notes.push(`${label} rule ${i + 1}: notify ${r.notifyType} of ${rec.type} not mapped`);
        continue;
      }
      let target: { type: 'user' | 'schedule'; sourceId: string } | null = null;
      if (rec.type === 'user' && rec.id && users.has(rec.id)) target = { type: 'user', sourceId: rec.id };
      else if (rec.type === 'schedule' && rec.id && schedules.has(rec.id)) target = { type: 'schedule', sourceId: rec.id };
      if (!target) {
        notes.push(`${label} rule ${i + 1}: recipient ${rec.type}${rec.name ? ` ${rec.name}` : ''} not mapped${rec.type === 'team' ? ' (Vigil escalation rules notify people and schedules, not a team)' : ''}`);
        continue;
      }
      const minutes = r.delay?.timeUnit && r.delay.timeUnit !== 'minutes' ? (r.delay.timeUnit === 'hours' ? 60 : r.delay.timeUnit === 'days' ? 1440 : 1) * (r.delay.timeAmount ?? 0) : (r.delay?.timeAmount ?? 0);
      const list = steps.get(minutes) ?? [];
      if (!list.some((t) => t.type === target!.type && t.sourceId === target!.sourceId)) list.push(target);
      steps.set(minutes, list);
    }
    const delays = [...steps.keys()].sort((a, b) => a - b);
    if (!delays.length) {
      notes.push(`${label}: no rule could be mapped, not imported`);
      continue;
    }
    if (delays[0]! > 0) notes.push(`${label}: its first rule waits ${delays[0]} min after the alert in Opsgenie; Vigil notifies it at once`);
    const repeat = e.repeat && (e.repeat.count ?? 0) > 0 ? e.repeat : null;
    const rules = delays.map((d, i) => {
      const next = delays[i + 1];
      const delay = next !== undefined ? next - d : repeat ? (repeat.waitInterval ?? 0) : 30;
      return { delayMinutes: Math.min(1440, Math.max(1, delay)), targets: steps.get(d)! };
    });
    let numLoops = repeat ? (repeat.count ?? 0) : 0;
    if (numLoops > MAX_LOOPS) {
      notes.push(`${label}: repeats ${numLoops} times in Opsgenie; Vigil repeats at most ${MAX_LOOPS}`);
      numLoops = MAX_LOOPS;
    }
    out.push({ sourceId: e.id, name: e.name, numLoops, rules, teamSourceId: e.ownerTeam?.id ?? null });
  }
  return out;
}

/** A policy made for a team routing rule that notifies a schedule directly (Opsgenie needs no escalation for that). */
const routedPolicyId = (teamId: string, scheduleId: string) => `route:${teamId}:${scheduleId}`;

export function planServices(src: OpsgenieSource, policies: PlannedPolicy[], schedules: Set<string>, notes: string[]): PlannedService[] {
  const out: PlannedService[] = [];
  const policyIds = new Set(policies.map((p) => p.sourceId));
  for (const i of src.integrations) {
    if (i.type !== 'API') {
      notes.push(`integration ${i.name}: type ${i.type} not mapped (only API integrations become Vigil Opsgenie-API integrations)`);
      continue;
    }
    if (i.enabled === false) notes.push(`integration ${i.name}: disabled in Opsgenie, imported enabled`);
    const teamId = i.teamId ?? i.ownerTeam?.id ?? null;
    const team = teamId ? src.teams.find((t) => t.id === teamId) : undefined;
    let policySourceId: string | null = null;
    if (!team) notes.push(`integration ${i.name}: no owning team, so no routing; its service gets no escalation policy`);
    else {
      const rules = [...(team.routingRules ?? [])].sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
      const def = rules.find((r) => r.isDefault) ?? rules.find((r) => r.criteria?.type === 'match-all') ?? null;
      for (const r of rules) if (r !== def) notes.push(`team ${team.name} routing rule ${r.name ?? r.id}: conditional routing not mapped (use event orchestration rules)`);
      const n = def?.notify;
      if (n?.type === 'escalation' && n.id && policyIds.has(n.id)) policySourceId = n.id;
      else if (n?.type === 'schedule' && n.id && schedules.has(n.id)) {
        policySourceId = routedPolicyId(team.id, n.id);
        if (!policyIds.has(policySourceId)) {
          const schedName = src.schedules.find((s) => s.id === n.id)?.name ?? n.id;
          policies.push({ sourceId: policySourceId, name: `${team.name} → ${schedName}`, numLoops: 0, teamSourceId: team.id, rules: [{ delayMinutes: 30, targets: [{ type: 'schedule', sourceId: n.id }] }] });
          policyIds.add(policySourceId);
        }
      } else notes.push(`integration ${i.name}: team ${team.name}'s default route (${n?.type ?? 'none'}) not mapped; its service gets no escalation policy`);
    }
    if (!i.apiKey) notes.push(`integration ${i.name}: the API key was not readable; Vigil makes a new key`);
    out.push({ sourceId: i.id, name: i.name, policySourceId, apiKey: i.apiKey ?? null, teamSourceId: team?.id ?? null });
  }
  return out;
}

const TEAM_ROLE: Record<string, TeamRole> = { admin: 'manager', user: 'responder' };

/** Teams with their members (imported users only): an Opsgenie team admin is a manager, a user a responder. */
export function planTeams(teams: OgTeam[], users: Map<string, string>, notes: string[]): PlannedTeam[] {
  return teams.map((t) => {
    const members: PlannedTeam['members'] = [];
    for (const m of t.members ?? []) {
      const id = m.user?.id;
      if (!id || !users.has(id)) notes.push(`team ${t.name}: member ${m.user?.username ?? id ?? '?'} is not an imported user, not added`);
      else {
        const role = TEAM_ROLE[(m.role ?? 'user').toLowerCase()] ?? 'responder';
        if (!TEAM_ROLE[(m.role ?? 'user').toLowerCase()]) notes.push(`team ${t.name}: member ${users.get(id)}'s custom team role ${m.role} imported as responder`);
        members.push({ userSourceId: id, role });
      }
    }
    return { sourceId: t.id, name: t.name, description: t.description ?? null, members };
  });
}

/** The whole plan, from a complete read of the source. */
export function planOpsgenie(src: OpsgenieSource): OpsgeniePlan {
  const notes: string[] = [];
  const users = planUsers(src.users, notes);
  const userIds = new Map(users.map((u) => [u.sourceId, u.email]));
  const teams = planTeams(src.teams, userIds, notes);
  const schedules = planSchedules(src.schedules, userIds, notes);
  const scheduleIds = new Set(schedules.map((s) => s.ogScheduleId));
  const policies = planPolicies(src.escalations, userIds, scheduleIds, notes);
  const services = planServices(src, policies, scheduleIds, notes);
  return { users, teams, schedules, policies, services, notMapped: notes };
}
