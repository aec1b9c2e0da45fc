/**
 * Grafana OnCall configuration → what Vigil will hold, as pure data (BRIEF.md §4.3, §5), plus
 * every thing that cannot be mapped. No I/O: grafana-oncall-import.ts reads the source and
 * applies a plan.
 *
 * How an OnCall shift is read (the fake source in test/import computes final shifts the same
 * way, independently): a shift's events start at `start` (wall time in its zone) and last
 * `duration` seconds; `frequency` × `interval` is one turn, counted from `start`; a daily turn
 * has one event at its start (skipped when `by_day` leaves out that weekday), a weekly turn has
 * one in its first week on each `by_day` day (or on `start`'s weekday); `rolling_users` groups
 * take the turns in order from `start_rotation_from_user_index`. Where shifts overlap the higher `level` wins;
 * an `override` shift wins over all.
 *
 * Lossy choices, each reported as a note where it applies:
 * - A Vigil schedule has one person on call: a `rolling_users` group (or a `users` list) of
 *   several people keeps its first; shifts on the same level may overlap in OnCall.
 * - Teams become Vigil teams; a user's `teams` make them a member (a responder: OnCall has no
 *   team roles), and a schedule's, chain's or integration's `team_id` makes the team own the
 *   Vigil schedule, policy or service.
 * - Vigil has no notify-team-members steps, Slack user groups, round robin per alert, webhook or resolve steps, or
 *   time-of-day conditions in escalation policies.
 * - OnCall's public API does not give phone numbers: SMS and phone rules are reported, and
 *   only e-mail rules become (unverified) contact methods.
 */
import { DateTime, IANAZone } from 'luxon';
import type { Role } from '../storage/schema.js';
import type { PlannedTeam } from './import-common.js';
import type { PlannedPolicy, PlannedUser } from './opsgenie-plan.js';

// ------------------------------------------------------------- source shapes

export interface GocUser {
  id: string;
  email: string;
  username?: string;
  name?: string | null;
  role?: string;
  timezone?: string | null;
  teams?: string[];
}
export interface GocTeam {
  id: string;
  name: string;
}
export interface GocNotificationRule {
  id: string;
  user_id: string;
  position?: number;
  important?: boolean;
  type: string;
  duration?: number;
}
export interface GocShift {
  id: string;
  name?: string;
  type: string;
  team_id?: string | null;
  time_zone?: string | null;
  level?: number;
  start: string;
  rotation_start?: string | null;
  duration: number;
  frequency?: string | null;
  interval?: number | null;
  until?: string | null;
  week_start?: string | null;
  by_day?: string[] | null;
  by_month?: number[] | null;
  by_monthday?: number[] | null;
  users?: string[];
  rolling_users?: string[][] | null;
  start_rotation_from_user_index?: number | null;
}
export interface GocSchedule {
  id: string;
  name: string;
  type: string;
  team_id?: string | null;
  time_zone?: string | null;
  ical_url_primary?: string | null;
  ical_url_overrides?: string | null;
  shifts?: string[];
  /** Read separately (`on_call_shifts/?schedule_id=`). */
  on_call_shifts?: GocShift[];
}
export interface GocChain {
  id: string;
  name: string;
  team_id?: string | null;
}
export interface GocPolicy {
  id: string;
  escalation_chain_id: string;
  position: number;
  type: string;
  duration?: number | null;
  important?: boolean;
  persons_to_notify?: string[];
  persons_to_notify_next_each_time?: string[];
  notify_on_call_from_schedule?: string | null;
  group_to_notify?: string | null;
  team_to_notify?: string | null;
}
export interface GocRoute {
  id: string;
  integration_id: string;
  escalation_chain_id?: string | null;
  routing_type?: string;
  routing_regex?: string;
  position?: number;
  is_the_last_route?: boolean;
}
export interface GocIntegration {
  id: string;
  name: string;
  type: string;
  team_id?: string | null;
  link?: string | null;
  default_route?: { id?: string; escalation_chain_id?: string | null } | null;
  /** Read separately (`routes/?integration_id=`). */
  routes?: GocRoute[];
}
export interface GrafanaOnCallSource {
  users: GocUser[];
  teams: GocTeam[];
  notificationRules: GocNotificationRule[];
  schedules: GocSchedule[];
  chains: GocChain[];
  policies: GocPolicy[];
  integrations: GocIntegration[];
}

// --------------------------------------------------------------- plan shapes

export interface GocPlannedLayer {
  /** The OnCall shift id. */
  sourceId: string;
  name: string;
  /** ISO instants with offsets. */
  start: string;
  end: string | null;
  rotationVirtualStart: string;
  turn: { unit: 'hours' | 'days' | 'weeks'; count: number };
  /** Source user ids, in rotation order. */
  users: string[];
  restrictions: { type: 'daily_restriction' | 'weekly_restriction'; start_time_of_day: string; duration_seconds: number; start_day_of_week?: number }[];
}
export interface GocPlannedSchedule {
  sourceId: string;
  name: string;
  timeZone: string;
  /** Lowest level first: a later layer wins where both cover an instant, as a higher level does. */
  layers: GocPlannedLayer[];
  overrides: { sourceId: string; userSourceId: string; start: string; end: string }[];
  teamSourceId: string | null;
}
/** How an integration's senders reach Vigil after the import. */
export type IntegrationMove =
  /**
   * Same URL path on Vigil's host, the token kept as the key: `/integrations/v1/alertmanager/<token>/`
   * (an alertmanager integration) or `/integrations/v1/formatted_webhook/<token>/` (events_v2).
   */
  | { kind: 'kept_url'; type: 'alertmanager' | 'events_v2'; path: string; token: string }
  /** A Vigil Events API v2 integration with a new key: the sender must be reconfigured. */
  | { kind: 'new_key'; type: 'events_v2'; change: string };
export interface GocPlannedService {
  /** The OnCall integration id. */
  sourceId: string;
  name: string;
  oncallType: string;
  policySourceId: string | null;
  move: IntegrationMove;
  teamSourceId: string | null;
}
export interface GrafanaOnCallPlan {
  users: PlannedUser[];
  teams: PlannedTeam[];
  schedules: GocPlannedSchedule[];
  policies: PlannedPolicy[];
  services: GocPlannedService[];
  notMapped: string[];
}

// ----------------------------------------------------------------- mapping

const ROLE: Record<string, Role> = { admin: 'admin', editor: 'responder', user: 'responder', viewer: 'observer', observer: 'observer' };
const ICAL_DAY: Record<string, number> = { MO: 1, TU: 2, WE: 3, TH: 4, FR: 5, SA: 6, SU: 7 };
const UNIT: Record<string, 'hours' | 'days' | 'weeks'> = { hourly: 'hours', daily: 'days', weekly: 'weeks' };
const UNIT_SECONDS = { hours: 3600, days: 86_400, weeks: 7 * 86_400 };
/** OnCall's repeat_escalation step repeats the chain from the beginning, at most 5 times. */
const ONCALL_REPEATS = 5;
const DEFAULT_LAST_DELAY_MIN = 30;

export function planUsers(users: GocUser[], rules: GocNotificationRule[], notes: string[]): PlannedUser[] {
  const out: PlannedUser[] = [];
  for (const u of users) {
    const email = u.email?.trim().toLowerCase();
    const label = email || u.username || u.id;
    if (!email || !email.includes('@')) {
      notes.push(`user ${label}: no e-mail, not imported`);
      continue;
    }
    const roleName = (u.role ?? 'user').toLowerCase();
    const role = ROLE[roleName] ?? 'responder';
    if (!ROLE[roleName]) notes.push(`user ${email}: role ${u.role} imported as responder`);
    const contacts: PlannedUser['contacts'] = [];
    const seen = new Set<string>();
    for (const r of rules.filter((x) => x.user_id === u.id).sort((a, b) => Number(a.important ?? false) - Number(b.important ?? false) || (a.position ?? 0) - (b.position ?? 0))) {
      if (r.type === 'wait' || seen.has(r.type)) continue;
      seen.add(r.type);
      if (r.type === 'notify_by_email') contacts.push({ type: 'email', address: email });
      else if (r.type === 'notify_by_sms' || r.type === 'notify_by_phone_call')
        notes.push(`user ${email}: ${r.type} rule not mapped (OnCall's API does not give phone numbers; add the ${r.type === 'notify_by_sms' ? 'SMS' : 'phone'} method in Vigil)`);
      else notes.push(`user ${email}: ${r.type} rule not mapped (${r.type === 'notify_by_mobile_app' || r.type === 'notify_by_mobile_app_critical' ? 'the OnCall app; add a push or ntfy method in Vigil' : 'no Vigil counterpart imported'})`);
    }
    if (rules.some((x) => x.user_id === u.id)) notes.push(`user ${email}: personal notification rule timing (waits, important rules) not imported; Vigil's notification rules apply`);
    let timeZone = u.timezone ?? null;
    if (timeZone && !IANAZone.isValidZone(timeZone)) {
      notes.push(`user ${email}: time zone ${timeZone} is not an IANA zone, left unset`);
      timeZone = null;
    }
    const name = u.name?.trim() || u.username?.trim() || email;
    out.push({ sourceId: u.id, email, name, role, timeZone, contacts });
  }
  return out;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A naive OnCall date-time (`yyyy-MM-ddTHH:mm:ss`, no offset) in a zone, as an ISO instant with offset. */
export function instantIn(text: string, zone: string): DateTime | null {
  const hasOffset = /([zZ]|[+-]\d{2}:?\d{2})$/.test(text.trim());
  const d = hasOffset ? DateTime.fromISO(text.trim(), { setZone: true }).setZone(zone) : DateTime.fromISO(text.trim(), { zone });
  return d.isValid ? d : null;
}

/** A duration added to a zoned date-time on the wall clock, as OnCall (Python) does. */
export function wallPlus(d: DateTime, seconds: number): DateTime {
  return d.setZone('UTC', { keepLocalTime: true }).plus({ seconds }).setZone(d.zone, { keepLocalTime: true });
}

/** The groups of a shift: `rolling_users`, or one group of `users`. */
export function groupsOf(s: GocShift): string[][] {
  if (s.type === 'rolling_users') return (s.rolling_users ?? []).filter((g) => g.length);
  return s.users?.length ? [s.users] : [];
}

function restrictionsOf(s: GocShift, start: DateTime, unit: 'hours' | 'days' | 'weeks', label: string, notes: string[]): GocPlannedLayer['restrictions'] | null {
  const tod = `${pad(start.hour)}:${pad(start.minute)}:${pad(start.second)}`;
  const d = s.duration;
  const days = (s.by_day ?? []).map((x) => ICAL_DAY[x]).filter((x): x is number => x !== undefined);
  if (s.by_day?.length && days.length !== s.by_day.length) notes.push(`${label}: by_day ${s.by_day.join(',')} has unknown days`);
  if (unit === 'hours') {
    if (d < 3600 * (s.interval ?? 1) || days.length) notes.push(`${label}: an hourly shift's duration or by_day is not mapped; the layer covers whole turns`);
    return [];
  }
  if (unit === 'days' && !days.length) return d >= 86_400 ? [] : [{ type: 'daily_restriction', start_time_of_day: tod, duration_seconds: d }];
  const weekDays = days.length ? days : [start.weekday];
  if (d >= 7 * 86_400 || (weekDays.length === 7 && d >= 86_400)) return [];
  return weekDays.sort((a, b) => a - b).map((day) => ({ type: 'weekly_restriction' as const, start_day_of_week: day, start_time_of_day: tod, duration_seconds: d }));
}

function planLayer(s: GocShift, zone: string, users: Set<string>, label: string, notes: string[]): GocPlannedLayer | null {
  const shiftZone = s.time_zone && IANAZone.isValidZone(s.time_zone) ? s.time_zone : zone;
  if (shiftZone !== zone) notes.push(`${label}: in ${shiftZone}, the schedule in ${zone}; its windows are read in ${shiftZone} and converted, so they move by an hour where the two zones' daylight saving differs`);
  const start = instantIn(s.start, shiftZone);
  if (!start || !Number.isFinite(s.duration) || s.duration <= 0) {
    notes.push(`${label}: start ${s.start} or duration ${s.duration} not understood, not imported`);
    return null;
  }
  const groups = groupsOf(s);
  const members: string[] = [];
  for (const g of groups) {
    const known = g.filter((id) => users.has(id));
    if (g.length > 1) notes.push(`${label}: ${g.length} people on call together in OnCall; Vigil puts the first (${known[0] ?? 'none known'}) on call for that turn`);
    if (known[0]) members.push(known[0]);
    else notes.push(`${label}: a turn of unknown users not mapped; later turns shift`);
  }
  if (!members.length) {
    notes.push(`${label}: nobody to put on call, not imported`);
    return null;
  }
  let unit: 'hours' | 'days' | 'weeks';
  let count: number;
  let restrictions: GocPlannedLayer['restrictions'] | null;
  if (s.type === 'single_event' || !s.frequency) {
    unit = 'weeks';
    count = Math.max(1, Math.ceil(s.duration / UNIT_SECONDS.weeks));
    restrictions = [];
  } else {
    const u = UNIT[s.frequency];
    if (!u) {
      notes.push(`${label}: frequency ${s.frequency} not mapped (Vigil turns are hours, days or weeks), not imported`);
      return null;
    }
    unit = u;
    count = Math.max(1, s.interval ?? 1);
    if (count > 1 && u !== 'hours' && s.duration < UNIT_SECONDS[u]) notes.push(`${label}: every ${count} ${u} with ${s.duration} s events: Vigil's window repeats each ${u === 'days' ? 'day' : 'week'} of the ${count}-${u} turn`);
    restrictions = restrictionsOf(s, start, u, label, notes);
  }
  if (s.by_month?.length || s.by_monthday?.length) notes.push(`${label}: by_month/by_monthday not mapped`);
  const index = Math.max(0, s.start_rotation_from_user_index ?? 0) % members.length;
  const virtual = start.minus({ [unit]: count * index });
  const from = s.rotation_start ? (instantIn(s.rotation_start, shiftZone) ?? start) : start;
  const until = s.type === 'single_event' ? wallPlus(start, s.duration) : s.until ? instantIn(s.until, shiftZone) : null;
  return {
    sourceId: s.id,
    name: s.name ?? s.id,
    start: (from < start ? start : from).toISO()!,
    end: until ? until.toISO()! : null,
    rotationVirtualStart: virtual.toISO()!,
    turn: { unit, count },
    users: members,
    restrictions: restrictions ?? [],
  };
}

export function planSchedules(schedules: GocSchedule[], users: Set<string>, notes: string[]): GocPlannedSchedule[] {
  const out: GocPlannedSchedule[] = [];
  for (const sc of schedules) {
    if (sc.type === 'ical') {
      notes.push(`schedule ${sc.name}: an iCal schedule (${sc.ical_url_primary ?? 'no URL'}) has no shifts to read, not imported; recreate its rotation in Vigil`);
      continue;
    }
    const zone = sc.time_zone && IANAZone.isValidZone(sc.time_zone) ? sc.time_zone : 'UTC';
    if (sc.time_zone && zone !== sc.time_zone) notes.push(`schedule ${sc.name}: time zone ${sc.time_zone} is not an IANA zone, imported in UTC`);
    if (sc.ical_url_overrides) notes.push(`schedule ${sc.name}: overrides calendar ${sc.ical_url_overrides} not imported`);
    const shifts = sc.on_call_shifts ?? [];
    const layers: GocPlannedLayer[] = [];
    const overrides: GocPlannedSchedule['overrides'] = [];
    const levels = new Map<number, number>();
    // Stable: lower level first; on a level, the order OnCall listed them.
    const ordered = shifts.filter((s) => s.type !== 'override').sort((a, b) => (a.level ?? 0) - (b.level ?? 0));
    for (const s of ordered) {
      const label = `schedule ${sc.name} shift ${s.name ?? s.id}`;
      if (s.type !== 'rolling_users' && s.type !== 'recurrent_event' && s.type !== 'single_event') {
        notes.push(`${label}: type ${s.type} not mapped`);
        continue;
      }
      const layer = planLayer(s, zone, users, label, notes);
      if (!layer) continue;
      levels.set(s.level ?? 0, (levels.get(s.level ?? 0) ?? 0) + 1);
      layers.push(layer);
    }
    for (const [level, n] of levels) if (n > 1) notes.push(`schedule ${sc.name}: ${n} shifts on level ${level}; where they overlap OnCall puts both on call, Vigil the one listed last`);
    for (const o of shifts.filter((s) => s.type === 'override')) {
      const who = groupsOf({ ...o, type: 'rolling_users', rolling_users: o.rolling_users ?? (o.users ? [o.users] : []) }).flat();
      const start = instantIn(o.start, o.time_zone && IANAZone.isValidZone(o.time_zone) ? o.time_zone : zone);
      if (!start || who.length !== 1 || !users.has(who[0]!)) {
        notes.push(`schedule ${sc.name}: override ${o.name ?? o.id} for ${who.length} people not mapped (a Vigil override puts one known person on call)`);
        continue;
      }
      overrides.push({ sourceId: `${o.id}@${sc.id}`, userSourceId: who[0]!, start: start.toISO()!, end: wallPlus(start, o.duration).toISO()! });
    }
    if (!layers.length) {
      notes.push(`schedule ${sc.name}: no shift could be mapped, not imported`);
      continue;
    }
    out.push({ sourceId: sc.id, name: sc.name, timeZone: zone, layers, overrides, teamSourceId: sc.team_id ?? null });
  }
  return out;
}

type Target = PlannedPolicy['rules'][number]['targets'][number];

/** One escalation chain's steps (by position) → Vigil rules: waits become the time spent on the rule before. */
export function planChain(chain: GocChain, steps: GocPolicy[], users: Set<string>, schedules: Set<string>, notes: string[]): PlannedPolicy | null {
  const label = `escalation chain ${chain.name}`;
  const rules: PlannedPolicy['rules'] = [];
  let waited = 0;
  let leading = 0;
  let repeat = false;
  const add = (targets: Target[]) => {
    if (!targets.length) return;
    const last = rules[rules.length - 1];
    if (last && waited === 0) {
      for (const t of targets) if (!last.targets.some((x) => x.type === t.type && x.sourceId === t.sourceId)) last.targets.push(t);
    } else {
      if (last) last.delayMinutes = Math.min(1440, Math.max(1, Math.ceil(waited / 60)));
      else leading = waited;
      rules.push({ delayMinutes: DEFAULT_LAST_DELAY_MIN, targets });
    }
    waited = 0;
  };
  for (const [i, p] of [...steps].sort((a, b) => a.position - b.position).entries()) {
    const step = `${label} step ${i + 1}`;
    if (p.important) notes.push(`${step}: "important" not mapped (Vigil pages through each person's notification rules)`);
    switch (p.type) {
      case 'wait':
        waited += Math.max(0, p.duration ?? 0);
        break;
      case 'notify_persons': {
        const ids = p.persons_to_notify ?? [];
        for (const id of ids.filter((x) => !users.has(x))) notes.push(`${step}: unknown user ${id} not mapped`);
        add(ids.filter((x) => users.has(x)).map((id) => ({ type: 'user', sourceId: id })));
        break;
      }
      case 'notify_on_call_from_schedule': {
        const id = p.notify_on_call_from_schedule;
        if (id && schedules.has(id)) add([{ type: 'schedule', sourceId: id }]);
        else notes.push(`${step}: schedule ${id ?? 'none'} was not imported; step not mapped`);
        break;
      }
      case 'repeat_escalation':
        repeat = true;
        if (i < steps.length - 1) notes.push(`${step}: steps after repeat_escalation are never reached in OnCall, not mapped`);
        break;
      default:
        notes.push(`${step}: ${p.type} not mapped (${WHY[p.type] ?? 'no Vigil counterpart'})`);
    }
    if (p.type === 'repeat_escalation') break;
  }
  if (!rules.length) {
    notes.push(`${label}: no step could be mapped, not imported`);
    return null;
  }
  if (leading > 0) notes.push(`${label}: waits ${Math.round(leading / 60)} min before its first notification in OnCall; Vigil notifies the first rule at once`);
  if (waited > 0) rules[rules.length - 1]!.delayMinutes = Math.min(1440, Math.max(1, Math.ceil(waited / 60)));
  if (repeat) notes.push(`${label}: repeat_escalation repeats the chain ${ONCALL_REPEATS} times in OnCall; imported as ${ONCALL_REPEATS} repeats`);
  return { sourceId: chain.id, name: chain.name, numLoops: repeat ? ONCALL_REPEATS : 0, rules, teamSourceId: chain.team_id ?? null };
}

const WHY: Record<string, string> = {
  notify_person_next_each_time: 'round robin per alert group; use a schedule',
  notify_user_group: 'Slack user groups',
  notify_team_members: 'Vigil policies notify people and schedules, not a team',
  trigger_webhook: 'use a webhook subscription',
  trigger_action: 'use a webhook subscription',
  resolve: 'use an event rule or auto-resolve timeout',
  notify_whole_channel: 'Slack channels',
  notify_if_time_from_to: 'use the service support hours and urgency rules',
  notify_if_num_alerts_in_window: 'use the service alert grouping',
  declare_incident: 'incidents open by themselves in Vigil',
};

/** The token in an OnCall integration URL `…/integrations/v1/<type>/<token>/`. */
export function tokenOf(link: string | null | undefined): string | null {
  const m = /\/integrations\/v1\/[^/]+\/([A-Za-z0-9_-]+)\/?$/.exec(link ?? '');
  return m ? m[1]! : null;
}

/** What the sender of an OnCall integration must change, by OnCall type. */
const CHANGE: Record<string, string> = {
  grafana_alerting: "Grafana Alerting: replace the OnCall contact point by a PagerDuty contact point with Vigil's key (and URL https://<vigil>/v2/enqueue), or send through a Prometheus Alertmanager",
  grafana: "Grafana legacy alerting: use a PagerDuty notification channel with Vigil's key",
  webhook: "send PagerDuty Events API v2 to https://<vigil>/v2/enqueue with the key, or OnCall's formatted webhook fields to a formatted_webhook URL (raw webhook payloads are read through OnCall's templates, which are not imported)",
};

export function planServices(src: Pick<GrafanaOnCallSource, 'integrations'>, policies: Set<string>, notes: string[]): GocPlannedService[] {
  const out: GocPlannedService[] = [];
  for (const i of src.integrations) {
    const label = `integration ${i.name}`;
    if (i.type === 'direct_paging' || i.type === 'manual') {
      notes.push(`${label}: ${i.type} not mapped (page people in Vigil from an incident)`);
      continue;
    }
    if (i.type === 'heartbeat' || i.type === 'inbound_email') {
      notes.push(`${label}: ${i.type} not mapped (${i.type === 'heartbeat' ? 'create a Vigil heartbeat integration' : 'Vigil has no inbound e-mail'})`);
      continue;
    }
    const chain = i.default_route?.escalation_chain_id ?? null;
    let policySourceId: string | null = null;
    if (chain && policies.has(chain)) policySourceId = chain;
    else notes.push(`${label}: default route ${chain ? `to escalation chain ${chain}, which was not imported` : 'has no escalation chain'}; its service gets no escalation policy`);
    for (const r of (i.routes ?? []).filter((x) => x.id !== i.default_route?.id && !x.is_the_last_route)) notes.push(`${label}: route ${r.routing_type ?? 'regex'} ${JSON.stringify(r.routing_regex ?? '')} not mapped (use event rules)`);
    const token = tokenOf(i.link);
    let move: IntegrationMove;
    if ((i.type === 'alertmanager' || i.type === 'legacy_alertmanager') && token && token.length >= 20) move = { kind: 'kept_url', type: 'alertmanager', path: `/integrations/v1/alertmanager/<token>/`, token };
    else if (i.type === 'formatted_webhook' && token && token.length >= 20) move = { kind: 'kept_url', type: 'events_v2', path: `/integrations/v1/formatted_webhook/<token>/`, token };
    else {
      const change = CHANGE[i.type] ?? `send PagerDuty Events API v2 to https://<vigil>/v2/enqueue with the key (OnCall's ${i.type} payloads are not read)`;
      notes.push(`${label}: type ${i.type}: its OnCall URL does not carry over; ${change}`);
      move = { kind: 'new_key', type: 'events_v2', change };
    }
    out.push({ sourceId: i.id, name: i.name, oncallType: i.type, policySourceId, move, teamSourceId: i.team_id ?? null });
  }
  return out;
}

export function planPolicies(src: Pick<GrafanaOnCallSource, 'chains' | 'policies'>, users: Set<string>, schedules: Set<string>, notes: string[]): PlannedPolicy[] {
  const out: PlannedPolicy[] = [];
  for (const c of src.chains) {
    const p = planChain(
      c,
      src.policies.filter((x) => x.escalation_chain_id === c.id),
      users,
      schedules,
      notes,
    );
    if (p) out.push(p);
  }
  return out;
}

/** Teams, each with the imported users whose `teams` name it, as responders (OnCall has no team roles). */
export function planTeams(teams: GocTeam[], users: GocUser[], imported: Set<string>): PlannedTeam[] {
  return teams.map((t) => ({
    sourceId: t.id,
    name: t.name,
    description: null,
    members: users.filter((u) => imported.has(u.id) && (u.teams ?? []).includes(t.id)).map((u) => ({ userSourceId: u.id, role: 'responder' as const })),
  }));
}

/** The whole plan, from a complete read of the source. */
export function planGrafanaOnCall(src: GrafanaOnCallSource): GrafanaOnCallPlan {
  const notes: string[] = [];
  const users = planUsers(src.users, src.notificationRules, notes);
  const userIds = new Set(users.map((u) => u.sourceId));
  const teams = planTeams(src.teams, src.users, userIds);
  const schedules = planSchedules(src.schedules, userIds, notes);
  const scheduleIds = new Set(schedules.map((s) => s.sourceId));
  const policies = planPolicies(src, userIds, scheduleIds, notes);
  const services = planServices(src, new Set(policies.map((p) => p.sourceId)), notes);
  return { users, teams, schedules, policies, services, notMapped: notes };
}
