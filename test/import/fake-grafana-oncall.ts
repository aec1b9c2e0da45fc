/**
 * A local Grafana OnCall public API (shared/reference/opsgenie/BRIEF.md §4.3, OnCall's
 * docs/sources/oncall-api-reference/*.md): `Authorization: <token>` (else 401 `{"detail":
 * "Invalid token."}`), `/api/v1/<resource>/` with the trailing slash, every list paged as
 * `{count, next, previous, results, current_page_number, page_size, total_pages}` by `page`
 * and `perpage` (small pages by default), with `next` naming the public host. Filters:
 * `on_call_shifts/?schedule_id=`, `escalation_policies/?escalation_chain_id=`,
 * `routes/?integration_id=`, `personal_notification_rules/?user_id=`. A test can make one
 * request answer 429 with Retry-After, or 500 (Django's HTML page), once.
 *
 * `schedules/{id}/final_shifts?start_date=&end_date=` is computed here, independently of
 * Vigil and of the importer's plan, the plain way: list every event of every shift (turns of
 * `interval` × frequency from `start`, in the shift's zone, durations added on the wall clock; daily: one event at the turn's
 * start; weekly: in the turn's first week, on each `by_day` day or on `start`'s weekday;
 * `rolling_users` groups taking turns from `start_rotation_from_user_index`), then walk the
 * window in 15-minute steps: an override event wins, else the highest level among the events
 * running, whose users are all on call. Consecutive steps of one user make one final shift.
 */
import { DateTime } from 'luxon';
import { startServer, type TestServer } from '../channels/helpers.js';
import type { GocChain, GocIntegration, GocNotificationRule, GocPolicy, GocSchedule, GocShift, GocTeam, GocUser } from '../../src/server/import/grafana-oncall-plan.js';

export interface GrafanaOnCallData {
  users: GocUser[];
  teams: GocTeam[];
  notificationRules: GocNotificationRule[];
  /** Each with its shifts in `on_call_shifts` (served by `on_call_shifts/`, not in the schedule). */
  schedules: GocSchedule[];
  chains: GocChain[];
  policies: GocPolicy[];
  /** Each with its routes in `routes` (served by `routes/`). */
  integrations: GocIntegration[];
}

export interface FakeGrafanaOnCall extends TestServer {
  token: string;
  /** The next request to this path (and page, when given) answers 429 with Retry-After, once. */
  rateLimitOnce(path: string, retryAfterSeconds: number, page?: number): void;
  /** The next request to this path answers 500 once. */
  failOnce(path: string): void;
}

const STEP = 15 * 60_000;
const PUBLIC = 'https://oncall.example.net';
const DAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];

interface Event {
  start: number;
  end: number;
  users: string[];
  level: number;
  override: boolean;
}

/** OnCall adds a duration to a zoned date-time as Python does: on the wall clock (09:00 + 7 days is 09:00 across a DST change). */
function endOf(start: DateTime, seconds: number): number {
  return start.setZone('UTC', { keepLocalTime: true }).plus({ seconds }).setZone(start.zone, { keepLocalTime: true }).toMillis();
}

function groups(s: GocShift): string[][] {
  if (s.type === 'rolling_users' || s.type === 'override') return (s.rolling_users ?? (s.users?.length ? [s.users] : [])).filter((g) => g.length);
  return s.users?.length ? [s.users] : [];
}

/** Every event of a shift that starts before `until`. */
export function eventsOf(s: GocShift, scheduleZone: string, until: number): Event[] {
  const zone = s.time_zone ?? scheduleZone;
  const start = DateTime.fromISO(s.start, { zone });
  const gs = groups(s);
  const level = s.level ?? 0;
  const override = s.type === 'override';
  if (!gs.length) return [];
  if (s.type === 'single_event' || s.type === 'override' || !s.frequency) return [{ start: start.toMillis(), end: endOf(start, s.duration), users: gs[0]!, level, override }];
  const interval = s.interval ?? 1;
  const from = s.rotation_start ? DateTime.fromISO(s.rotation_start, { zone }).toMillis() : -Infinity;
  const last = s.until ? DateTime.fromISO(s.until, { zone }).toMillis() : Infinity;
  const out: Event[] = [];
  for (let k = 0; ; k++) {
    const turn = s.frequency === 'weekly' ? start.plus({ weeks: k * interval }) : s.frequency === 'daily' ? start.plus({ days: k * interval }) : start.plus({ hours: k * interval });
    if (turn.toMillis() >= until || turn.toMillis() > last) break;
    const users = gs[((s.start_rotation_from_user_index ?? 0) + k) % gs.length]!;
    const starts: DateTime[] = [];
    if (s.frequency === 'weekly') {
      for (let d = 0; d < 7; d++) {
        const day = turn.plus({ days: d });
        if (s.by_day?.length ? s.by_day.includes(DAYS[day.weekday - 1]!) : d === 0) starts.push(day);
      }
    } else if (!s.by_day?.length || s.by_day.includes(DAYS[turn.weekday - 1]!)) starts.push(turn);
    for (const e of starts) {
      const t = e.toMillis();
      if (t < from || t > last) continue;
      out.push({ start: t, end: endOf(e, s.duration), users, level, override });
    }
  }
  return out;
}

export function finalShiftsOf(schedule: GocSchedule, users: GocUser[], since: number, until: number) {
  const events = (schedule.on_call_shifts ?? []).flatMap((s) => eventsOf(s, schedule.time_zone ?? 'UTC', until));
  const open = new Map<string, { start: number; end: number }>();
  const out: { user_pk: string; user_email: string; user_username: string; shift_start: string; shift_end: string }[] = [];
  const close = (id: string) => {
    const run = open.get(id)!;
    const u = users.find((x) => x.id === id)!;
    out.push({ user_pk: id, user_email: u.email, user_username: u.username ?? u.email, shift_start: new Date(run.start).toISOString(), shift_end: new Date(run.end).toISOString() });
    open.delete(id);
  };
  for (let t = since; t < until; t += STEP) {
    const running = events.filter((e) => e.start <= t && t < e.end);
    const overrides = running.filter((e) => e.override);
    let onCall: string[];
    if (overrides.length) onCall = overrides.flatMap((e) => e.users);
    else {
      const top = Math.max(...running.map((e) => e.level));
      onCall = running.filter((e) => e.level === top).flatMap((e) => e.users);
    }
    for (const id of [...open.keys()]) if (!onCall.includes(id)) close(id);
    for (const id of new Set(onCall)) {
      const run = open.get(id);
      if (run) run.end = Math.min(t + STEP, until);
      else open.set(id, { start: t, end: Math.min(t + STEP, until) });
    }
  }
  for (const id of [...open.keys()]) close(id);
  return out.sort((a, b) => a.shift_start.localeCompare(b.shift_start) || a.user_email.localeCompare(b.user_email));
}

export async function startFakeGrafanaOnCall(data: GrafanaOnCallData, token = 'goc_' + Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2), pageSize = 2): Promise<FakeGrafanaOnCall> {
  const limits: { path: string; seconds: number; page?: number }[] = [];
  const failures: string[] = [];
  const server = await startServer((req, res) => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url, 'http://fake');
    const path = url.pathname;
    if (req.method !== 'GET') return send(405, { detail: `Method "${req.method}" not allowed.` });
    if (!req.headers.authorization) return send(401, { detail: 'Authentication credentials were not provided.' });
    if (req.headers.authorization !== token) return send(401, { detail: 'Invalid token.' });
    const page = Number(url.searchParams.get('page') ?? 1);
    const li = limits.findIndex((l) => l.path === path && (l.page === undefined || l.page === page));
    if (li >= 0) {
      const [l] = limits.splice(li, 1);
      return send(429, { detail: `Request was throttled. Expected available in ${l!.seconds} seconds.` }, { 'retry-after': String(l!.seconds) });
    }
    const fi = failures.indexOf(path);
    if (fi >= 0) {
      failures.splice(fi, 1);
      res.writeHead(500, { 'content-type': 'text/html' });
      return res.end('<h1>Server Error (500)</h1>');
    }
    const m = /^\/api\/v1\/([a-z_]+)\/(?:([A-Z0-9]+)\/(final_shifts)\/?)?$/.exec(path);
    if (!m) return send(404, { detail: 'Not found.' });
    const [, resource, id, sub] = m;

    const list = (items: unknown[]) => {
      const per = Number(url.searchParams.get('perpage') ?? pageSize);
      if (!Number.isInteger(page) || page < 1 || !Number.isInteger(per) || per < 1) return send(404, { detail: 'Invalid page.' });
      const total = Math.max(1, Math.ceil(items.length / per));
      if (page > total) return send(404, { detail: 'Invalid page.' });
      const link = (p: number) => {
        const u = new URL(PUBLIC + path);
        url.searchParams.forEach((v, k) => u.searchParams.set(k, v));
        u.searchParams.set('page', String(p));
        return u.toString();
      };
      return send(200, { count: items.length, next: page < total ? link(page + 1) : null, previous: page > 1 ? link(page - 1) : null, results: items.slice((page - 1) * per, page * per), current_page_number: page, page_size: per, total_pages: total });
    };
    const q = (k: string) => url.searchParams.get(k);

    if (sub === 'final_shifts') {
      const s = data.schedules.find((x) => x.id === id);
      if (!s) return send(404, { detail: 'Not found.' });
      const start = q('start_date');
      const end = q('end_date');
      if (!start || !end || !/^\d{4}-\d{2}-\d{2}$/.test(start) || !/^\d{4}-\d{2}-\d{2}$/.test(end)) return send(400, { detail: 'start_date and end_date are required dates (YYYY-MM-DD)' });
      const since = Date.parse(`${start}T00:00:00Z`);
      const until = Date.parse(`${end}T00:00:00Z`) + 86_400_000;
      if (until <= since || until - since > 366 * 86_400_000) return send(400, { detail: 'end_date must be on or after start_date and at most 365 days later' });
      return list(finalShiftsOf(s, data.users, since, until));
    }
    switch (resource) {
      case 'users':
        return list(data.users);
      case 'teams':
        return list(data.teams);
      case 'personal_notification_rules':
        return list(data.notificationRules.filter((r) => !q('user_id') || r.user_id === q('user_id')));
      case 'schedules':
        return list(data.schedules.map(({ on_call_shifts, ...s }) => ({ ...s, ...(s.type === 'ical' ? {} : { shifts: (on_call_shifts ?? []).map((x) => x.id) }), on_call_now: [] })));
      case 'on_call_shifts': {
        const sid = q('schedule_id');
        return list(data.schedules.filter((s) => !sid || s.id === sid).flatMap((s) => s.on_call_shifts ?? []));
      }
      case 'escalation_chains':
        return list(data.chains);
      case 'escalation_policies':
        return list(data.policies.filter((p) => !q('escalation_chain_id') || p.escalation_chain_id === q('escalation_chain_id')));
      case 'integrations':
        return list(data.integrations.map(({ routes: _r, ...i }) => ({ ...i, inbound_email: null, templates: { grouping_key: null, resolve_signal: null } })));
      case 'routes':
        return list(data.integrations.filter((i) => !q('integration_id') || i.id === q('integration_id')).flatMap((i) => i.routes ?? []));
      default:
        return send(404, { detail: 'Not found.' });
    }
  });
  return {
    ...server,
    token,
    rateLimitOnce: (path, seconds, page) => void limits.push({ path, seconds, ...(page !== undefined ? { page } : {}) }),
    failOnce: (path) => void failures.push(path),
  };
}
