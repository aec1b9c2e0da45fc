/**
 * PagerDuty configuration → what Vigil will hold, as pure data, plus every thing that cannot
 * be mapped. No I/O: pagerduty-import.service.ts reads the source and applies a plan.
 *
 * Vigil's schedules, escalation policies and services are PagerDuty-shaped, so most fields
 * move as they are. Lossy choices, each reported as a note where it applies:
 * - PagerDuty's GET answers schedule layers top-first (the highest layer wins); Vigil lists
 *   them bottom-to-top (the last wins), so the order is reversed (docs/schedules.md).
 * - A layer whose turn is not a whole number of hours is not mapped (Vigil's turns are hours,
 *   days or weeks); the 8-week comparison then shows where it mattered.
 * - Teams become Vigil teams with their members and team roles (observer, responder, manager);
 *   the `teams` of schedules, escalation policies and services become the Vigil resource's.
 * - Only Events API v2 integrations move, with their integration key kept as the routing key.
 */
import { IANAZone } from 'luxon';
import type { Role, TeamRole } from '../storage/schema.js';
import type { PlannedTeam } from './import-common.js';
import type { PlannedUser } from './opsgenie-plan.js';

// ------------------------------------------------------------- source shapes

export interface PdRef {
  id: string;
  type?: string;
  summary?: string;
}
export interface PdContactMethod {
  id: string;
  type: string;
  address?: string;
  label?: string;
  country_code?: number;
  summary?: string;
}
export interface PdNotificationRule {
  id: string;
  type?: string;
  start_delay_in_minutes: number;
  urgency?: string;
  contact_method: PdRef;
}
export interface PdUser {
  id: string;
  name: string;
  email: string;
  time_zone?: string;
  role?: string;
  contact_methods?: PdContactMethod[];
  notification_rules?: PdNotificationRule[];
  teams?: PdRef[];
}
export interface PdTeam {
  id: string;
  name: string;
  description?: string | null;
  members?: { user: PdRef; role?: string }[];
}
export interface PdRestriction {
  type: string;
  start_time_of_day: string;
  duration_seconds: number;
  start_day_of_week?: number | null;
}
export interface PdLayer {
  id?: string;
  name?: string;
  start: string;
  end?: string | null;
  rotation_virtual_start: string;
  rotation_turn_length_seconds: number;
  users: { user: PdRef }[];
  restrictions?: PdRestriction[];
}
export interface PdOverride {
  id: string;
  start: string;
  end: string;
  user: PdRef;
}
export interface PdSchedule {
  id: string;
  name: string;
  time_zone?: string;
  description?: string | null;
  schedule_layers?: PdLayer[];
  overrides?: PdOverride[];
  teams?: PdRef[];
}
export interface PdPolicy {
  id: string;
  name: string;
  description?: string | null;
  num_loops?: number;
  on_call_handoff_notifications?: string;
  teams?: PdRef[];
  escalation_rules?: { id?: string; escalation_delay_in_minutes: number; targets?: PdRef[]; escalation_rule_assignment_strategy?: { type?: string } | string | null }[];
}
export interface PdIntegration {
  id: string;
  type: string;
  name?: string;
  summary?: string;
  integration_key?: string;
  vendor?: PdRef | null;
}
export interface PdService {
  id: string;
  name: string;
  description?: string | null;
  status?: string;
  escalation_policy?: PdRef | null;
  acknowledgement_timeout?: number | null;
  auto_resolve_timeout?: number | null;
  incident_urgency_rule?: unknown;
  support_hours?: unknown;
  scheduled_actions?: unknown;
  alert_grouping_parameters?: { type?: string | null; config?: unknown } | null;
  auto_pause_notifications_parameters?: unknown;
  alert_creation?: string;
  integrations?: PdIntegration[];
  teams?: PdRef[];
}
export interface PagerDutySource {
  users: PdUser[];
  teams: PdTeam[];
  schedules: PdSchedule[];
  policies: PdPolicy[];
  services: PdService[];
}

// --------------------------------------------------------------- plan shapes

export interface PdPlannedUser extends PlannedUser {
  /** Notification rules, naming their contact method by type and address as planned. */
  rules: { type: 'email' | 'sms' | 'phone'; address: string; delayMinutes: number; urgency: 'high' | 'low' }[];
}
export interface PdPlannedLayer {
  name: string;
  start: string;
  end: string | null;
  rotationVirtualStart: string;
  turnSeconds: number;
  /** Source user ids, in rotation order. */
  users: string[];
  restrictions: { type: 'daily_restriction' | 'weekly_restriction'; start_time_of_day: string; duration_seconds: number; start_day_of_week?: number }[];
}
export interface PdPlannedSchedule {
  sourceId: string;
  name: string;
  description: string | null;
  timeZone: string;
  /** Bottom to top: the last layer wins (Vigil's order). */
  layers: PdPlannedLayer[];
  overrides: { sourceId: string; userSourceId: string; start: string; end: string }[];
  teamSourceIds: string[];
}
export interface PdPlannedPolicy {
  sourceId: string;
  name: string;
  description: string | null;
  numLoops: number;
  rules: { delayMinutes: number; targets: { type: 'user' | 'schedule'; sourceId: string }[] }[];
  teamSourceIds: string[];
}
export interface PdPlannedService {
  sourceId: string;
  name: string;
  description: string | null;
  policySourceId: string | null;
  /** PagerDuty's own service fields that Vigil has, sent as they are. */
  settings: Record<string, unknown>;
  /** Events API v2 integrations; `key` is PagerDuty's integration key, kept as the routing key. */
  integrations: { sourceId: string; name: string; key: string | null }[];
  teamSourceIds: string[];
}
export interface PagerDutyPlan {
  users: PdPlannedUser[];
  teams: PlannedTeam[];
  schedules: PdPlannedSchedule[];
  policies: PdPlannedPolicy[];
  services: PdPlannedService[];
  notMapped: string[];
}

// ----------------------------------------------------------------- mapping

const ROLE: Record<string, Role> = { owner: 'admin', admin: 'admin', manager: 'admin', user: 'responder', limited_user: 'responder', observer: 'observer', read_only_user: 'observer', read_only_limited_user: 'observer', restricted_access: 'observer' };
const CONTACT: Record<string, 'email' | 'sms' | 'phone'> = { email_contact_method: 'email', sms_contact_method: 'sms', phone_contact_method: 'phone' };
const MAX_LOOPS = 9;

const baseType = (t: string | undefined) => (t ?? '').replace(/_reference$/, '');

function contactAddress(c: PdContactMethod): string {
  const a = (c.address ?? '').trim();
  if ((c.type.startsWith('sms') || c.type.startsWith('phone')) && c.country_code !== undefined && !a.startsWith('+')) return `+${c.country_code}${a.replace(/^0+/, '')}`;
  return a;
}

export function planPdUsers(users: PdUser[], notes: string[]): PdPlannedUser[] {
  const out: PdPlannedUser[] = [];
  for (const u of users) {
    const email = u.email?.trim().toLowerCase();
    if (!email || !email.includes('@')) {
      notes.push(`user ${u.name ?? u.id}: no e-mail, not imported`);
      continue;
    }
    const role = ROLE[u.role ?? 'user'] ?? 'responder';
    if (u.role === 'owner') notes.push(`user ${email}: PagerDuty account owner imported as admin (the Vigil organization keeps its own owner)`);
    else if (u.role && !ROLE[u.role]) notes.push(`user ${email}: role ${u.role} imported as responder`);
    const contacts: PdPlannedUser['contacts'] = [];
    const byId = new Map<string, { type: 'email' | 'sms' | 'phone'; address: string }>();
    for (const c of u.contact_methods ?? []) {
      const type = CONTACT[baseType(c.type)];
      if (!type || !c.address) {
        notes.push(`user ${email}: ${baseType(c.type) || 'unknown'} ${c.label ?? c.summary ?? ''}`.trimEnd() + ` not mapped (${baseType(c.type) === 'push_notification_contact_method' ? 'the PagerDuty app; add a push or ntfy method in Vigil' : 'no Vigil counterpart'})`);
        continue;
      }
      const planned = { type, address: contactAddress(c) };
      contacts.push(planned);
      byId.set(c.id, planned);
    }
    const rules: PdPlannedUser['rules'] = [];
    for (const r of u.notification_rules ?? []) {
      if (r.type && baseType(r.type) !== 'assignment_notification_rule') {
        notes.push(`user ${email}: ${baseType(r.type)} not mapped`);
        continue;
      }
      const c = byId.get(r.contact_method?.id);
      if (!c) {
        notes.push(`user ${email}: notification rule after ${r.start_delay_in_minutes} min to ${r.contact_method?.summary ?? r.contact_method?.id ?? 'nothing'} not mapped (its contact method was not imported)`);
        continue;
      }
      const urgency = r.urgency === 'low' ? 'low' : 'high';
      if (r.urgency && r.urgency !== 'low' && r.urgency !== 'high') notes.push(`user ${email}: notification rule urgency ${r.urgency} imported as high`);
      rules.push({ ...c, delayMinutes: Math.max(0, Math.min(1440, Math.round(r.start_delay_in_minutes ?? 0))), urgency });
    }
    let timeZone = u.time_zone ?? null;
    if (timeZone && !IANAZone.isValidZone(timeZone)) {
      notes.push(`user ${email}: time zone ${timeZone} is not an IANA zone, left unset`);
      timeZone = null;
    }
    out.push({ sourceId: u.id, email, name: u.name?.trim() || email, role, timeZone, contacts, rules });
  }
  return out;
}

function planLayer(l: PdLayer, label: string, users: Set<string>, notes: string[]): PdPlannedLayer | null {
  const s = l.rotation_turn_length_seconds;
  if (!Number.isSafeInteger(s) || s <= 0 || s % 3600 !== 0) {
    notes.push(`${label}: a turn of ${s} s is not whole hours (Vigil's turns are hours, days or weeks); layer not imported`);
    return null;
  }
  const members: string[] = [];
  for (const m of l.users ?? []) {
    if (users.has(m.user?.id)) members.push(m.user.id);
    else notes.push(`${label}: user ${m.user?.summary ?? m.user?.id} not mapped (unknown user); later turns shift`);
  }
  const restrictions: PdPlannedLayer['restrictions'] = [];
  for (const r of l.restrictions ?? []) {
    if (r.type === 'daily_restriction') restrictions.push({ type: r.type, start_time_of_day: r.start_time_of_day, duration_seconds: r.duration_seconds });
    else if (r.type === 'weekly_restriction') restrictions.push({ type: r.type, start_time_of_day: r.start_time_of_day, duration_seconds: r.duration_seconds, start_day_of_week: r.start_day_of_week ?? 1 });
    else notes.push(`${label}: restriction type ${r.type} not mapped`);
  }
  return { name: l.name ?? 'Layer', start: l.start, end: l.end ?? null, rotationVirtualStart: l.rotation_virtual_start ?? l.start, turnSeconds: s, users: members, restrictions };
}

export function planPdSchedules(schedules: PdSchedule[], users: Set<string>, notes: string[]): PdPlannedSchedule[] {
  const out: PdPlannedSchedule[] = [];
  for (const s of schedules) {
    const zone = s.time_zone && IANAZone.isValidZone(s.time_zone) ? s.time_zone : 'UTC';
    if (s.time_zone && zone !== s.time_zone) notes.push(`schedule ${s.name}: time zone ${s.time_zone} is not an IANA zone, imported in UTC`);
    // PagerDuty answers the top layer first; Vigil's last layer wins.
    const layers = [...(s.schedule_layers ?? [])].reverse().flatMap((l, i) => planLayer(l, `schedule ${s.name} layer ${l.name ?? i + 1}`, users, notes) ?? []);
    if (!layers.length) {
      notes.push(`schedule ${s.name}: no layer could be mapped, not imported`);
      continue;
    }
    const overrides: PdPlannedSchedule['overrides'] = [];
    for (const o of s.overrides ?? []) {
      if (!users.has(o.user?.id)) {
        notes.push(`schedule ${s.name}: override ${o.start}–${o.end} for ${o.user?.summary ?? o.user?.id} not mapped (unknown user)`);
        continue;
      }
      overrides.push({ sourceId: `${s.id}/${o.id}`, userSourceId: o.user.id, start: o.start, end: o.end });
    }
    out.push({ sourceId: s.id, name: s.name, description: s.description ?? null, timeZone: zone, layers, overrides, teamSourceIds: (s.teams ?? []).map((t) => t.id) });
  }
  return out;
}

export function planPdPolicies(policies: PdPolicy[], users: Set<string>, schedules: Set<string>, notes: string[]): PdPlannedPolicy[] {
  const out: PdPlannedPolicy[] = [];
  for (const p of policies) {
    const label = `escalation policy ${p.name}`;
    if (p.on_call_handoff_notifications === 'always') notes.push(`${label}: on-call handoff notifications "always" not mapped (Vigil sends none)`);
    const rules: PdPlannedPolicy['rules'] = [];
    for (const [i, r] of (p.escalation_rules ?? []).entries()) {
      const strategy = typeof r.escalation_rule_assignment_strategy === 'string' ? r.escalation_rule_assignment_strategy : r.escalation_rule_assignment_strategy?.type;
      if (strategy && strategy !== 'assign_to_everyone') notes.push(`${label} rule ${i + 1}: assignment strategy ${strategy} not mapped (Vigil notifies every target)`);
      const targets: PdPlannedPolicy['rules'][number]['targets'] = [];
      for (const t of r.targets ?? []) {
        const type = baseType(t.type);
        if (type === 'user' && users.has(t.id)) targets.push({ type: 'user', sourceId: t.id });
        else if (type === 'schedule' && schedules.has(t.id)) targets.push({ type: 'schedule', sourceId: t.id });
        else notes.push(`${label} rule ${i + 1}: target ${type || 'unknown'} ${t.summary ?? t.id} not mapped${type === 'schedule_v3' ? ' (shift-based v3 schedules are not read)' : type === 'user' || type === 'schedule' ? ' (not imported)' : ''}`);
      }
      if (!targets.length) {
        notes.push(`${label} rule ${i + 1}: no target could be mapped, rule left out`);
        continue;
      }
      const delay = Math.round(r.escalation_delay_in_minutes ?? 30);
      const delayMinutes = Math.min(1440, Math.max(1, delay));
      if (delayMinutes !== delay) notes.push(`${label} rule ${i + 1}: delay ${delay} min imported as ${delayMinutes} (Vigil allows 1 to 1440)`);
      rules.push({ delayMinutes, targets });
    }
    if (!rules.length) {
      notes.push(`${label}: no rule could be mapped, not imported`);
      continue;
    }
    let numLoops = Math.max(0, Math.round(p.num_loops ?? 0));
    if (numLoops > MAX_LOOPS) {
      notes.push(`${label}: loops ${numLoops} times in PagerDuty; Vigil loops at most ${MAX_LOOPS}`);
      numLoops = MAX_LOOPS;
    }
    out.push({ sourceId: p.id, name: p.name, description: p.description ?? null, numLoops, rules, teamSourceIds: (p.teams ?? []).map((t) => t.id) });
  }
  return out;
}

const SETTINGS = ['acknowledgement_timeout', 'auto_resolve_timeout', 'incident_urgency_rule', 'support_hours', 'scheduled_actions', 'alert_grouping_parameters', 'auto_pause_notifications_parameters'] as const;

export function planPdServices(services: PdService[], policies: Set<string>, notes: string[]): PdPlannedService[] {
  const out: PdPlannedService[] = [];
  for (const s of services) {
    const label = `service ${s.name}`;
    const settings: Record<string, unknown> = {};
    for (const k of SETTINGS) if (s[k] !== undefined && s[k] !== null) settings[k] = s[k];
    const grouping = s.alert_grouping_parameters?.type;
    if (grouping === 'intelligent') {
      notes.push(`${label}: intelligent alert grouping not mapped (Vigil has time and content-based grouping); imported without grouping`);
      delete settings['alert_grouping_parameters'];
    } else if (s.alert_grouping_parameters && !grouping) delete settings['alert_grouping_parameters'];
    if (s.alert_creation && s.alert_creation !== 'create_alerts_and_incidents') notes.push(`${label}: alert_creation ${s.alert_creation} not mapped (Vigil always keeps alerts behind incidents)`);
    if (s.status === 'disabled') settings['status'] = 'disabled';
    let policySourceId: string | null = null;
    if (s.escalation_policy?.id && policies.has(s.escalation_policy.id)) policySourceId = s.escalation_policy.id;
    else notes.push(`${label}: escalation policy ${s.escalation_policy?.summary ?? s.escalation_policy?.id ?? '(none)'} not imported; the service gets none`);
    const integrations: PdPlannedService['integrations'] = [];
    for (const i of s.integrations ?? []) {
      const type = baseType(i.type);
      const name = i.name ?? i.summary ?? type;
      if (type === 'events_api_v2_inbound_integration') {
        if (!i.integration_key) notes.push(`${label} integration ${name}: the integration key was not readable; Vigil makes a new key`);
        integrations.push({ sourceId: i.id, name, key: i.integration_key ?? null });
      } else if (type === 'generic_events_api_inbound_integration') notes.push(`${label} integration ${name}: Events API v1 not mapped (Vigil serves Events API v2 at /v2/enqueue; add an events_v2 integration and switch the sender)`);
      else notes.push(`${label} integration ${name}: type ${type} not mapped (only Events API v2 integrations move)`);
    }
    out.push({ sourceId: s.id, name: s.name, description: s.description ?? null, policySourceId, settings, integrations, teamSourceIds: (s.teams ?? []).map((t) => t.id) });
  }
  return out;
}

/** The whole plan, from a complete read of the source. */
export function planPagerDuty(src: PagerDutySource): PagerDutyPlan {
  const notes: string[] = [];
  const users = planPdUsers(src.users, notes);
  const userIds = new Set(users.map((u) => u.sourceId));
  const teams = planPdTeams(src.teams, userIds, notes);
  const schedules = planPdSchedules(src.schedules, userIds, notes);
  const policies = planPdPolicies(src.policies, userIds, new Set(schedules.map((s) => s.sourceId)), notes);
  const services = planPdServices(src.services, new Set(policies.map((p) => p.sourceId)), notes);
  return { users, teams, schedules, policies, services, notMapped: notes };
}

const isTeamRole = (r: string | undefined): r is TeamRole => r === 'observer' || r === 'responder' || r === 'manager';

/** Teams with their imported members and PagerDuty team roles (a member without one is a responder, PagerDuty's default). */
export function planPdTeams(teams: PdTeam[], users: Set<string>, notes: string[]): PlannedTeam[] {
  return teams.map((t) => {
    const members: PlannedTeam['members'] = [];
    for (const m of t.members ?? []) {
      if (!users.has(m.user.id)) notes.push(`team ${t.name}: member ${m.user.summary ?? m.user.id} is not an imported user, not added`);
      else members.push({ userSourceId: m.user.id, role: isTeamRole(m.role) ? m.role : 'responder' });
    }
    return { sourceId: t.id, name: t.name, description: t.description ?? null, members };
  });
}
