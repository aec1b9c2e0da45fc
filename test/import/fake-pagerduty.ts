/**
 * A local PagerDuty REST API v2 (configuration reads, in the shapes of PagerDuty's OpenAPI
 * document and its examples, shared/reference/pagerduty/REST/openapiv3.json):
 * `Authorization: Token token=<key>` (else 401) and `Accept: application/vnd.pagerduty+json;version=2`
 * (else 406); lists wrapped and paged classically (`limit` 1–100, default 25, `offset`,
 * `more`, `total` null); `include[]` honoured for users' contact methods and notification rules
 * and services' integrations (references otherwise); `GET /schedules/{id}` with `since`/`until`
 * renders `final_schedule`; `GET /schedules/{id}/overrides` needs both `since` and `until`;
 * an integration's own answer holds its `integration_key`. Errors are `{error: {message, code}}`.
 * A test can make one path (and page) answer 429 with Retry-After once, or 500 once.
 *
 * The final schedule is computed here independently of Vigil, the plain way: walk the window
 * in 30-minute steps; the top layer (first in PagerDuty's answer) that has someone on call wins;
 * a layer's person is users[floor((t − rotation_virtual_start) / turn) mod n] (turns of fixed
 * length: the fixtures use a zone without DST) where its restrictions (read in the schedule's
 * zone) cover the step; an override replaces the person.
 */
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { startServer, type TestServer } from '../channels/helpers.js';
import type { PdContactMethod, PdIntegration, PdLayer, PdNotificationRule, PdOverride, PdPolicy, PdSchedule, PdService, PdTeam, PdUser } from '../../src/server/import/pagerduty-plan.js';

export interface PagerDutyData {
  users: PdUser[];
  teams: PdTeam[];
  schedules: PdSchedule[];
  policies: PdPolicy[];
  services: PdService[];
}

export interface FakePagerDuty extends TestServer {
  key: string;
  /** The next request whose path (without query) and offset match answers 429 with Retry-After once. */
  rateLimitOnce(path: string, retryAfterSeconds: number, offset?: number): void;
  /** The next request to this path answers 500 once. */
  failOnce(path: string): void;
}

const ACCEPT = 'application/vnd.pagerduty+json;version=2';
const PD = 'https://api.pagerduty.com';
const WEB = 'https://acme.pagerduty.com';
const HALF_HOUR = 30 * 60_000;

const seconds = (hms: string) => {
  const [h, m, s] = hms.split(':').map(Number);
  return (h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0);
};
const mod = (a: number, n: number) => ((a % n) + n) % n;

function covers(l: PdLayer, t: number, zone: string): boolean {
  const rs = l.restrictions ?? [];
  if (!rs.length) return true;
  const d = DateTime.fromMillis(t, { zone });
  const daySec = d.hour * 3600 + d.minute * 60 + d.second;
  const weekSec = (d.weekday - 1) * 86_400 + daySec;
  return rs.some((r) =>
    r.type === 'daily_restriction' ? mod(daySec - seconds(r.start_time_of_day), 86_400) < r.duration_seconds : mod(weekSec - ((r.start_day_of_week ?? 1) - 1) * 86_400 - seconds(r.start_time_of_day), 7 * 86_400) < r.duration_seconds,
  );
}

function onCallAt(s: PdSchedule, t: number): string | null {
  const zone = s.time_zone ?? 'UTC';
  const o = [...(s.overrides ?? [])].reverse().find((x) => t >= Date.parse(x.start) && t < Date.parse(x.end));
  if (o) return o.user.id;
  for (const l of s.schedule_layers ?? []) {
    if (t < Date.parse(l.start) || (l.end && t >= Date.parse(l.end)) || !l.users.length || !covers(l, t, zone)) continue;
    const k = Math.floor((t - Date.parse(l.rotation_virtual_start)) / (l.rotation_turn_length_seconds * 1000));
    return l.users[mod(k, l.users.length)]!.user.id;
  }
  return null;
}

/** PagerDuty's final_schedule.rendered_schedule_entries for [since, until), rendered in `zone`. */
export function finalScheduleOf(s: PdSchedule, users: PdUser[], since: number, until: number, zone: string) {
  const entries: { start: string; end: string; user: Record<string, unknown> }[] = [];
  const spans: { start: number; end: number; who: string }[] = [];
  for (let t = Math.floor(since / HALF_HOUR) * HALF_HOUR; t < until; t += HALF_HOUR) {
    const who = onCallAt(s, t);
    if (!who) continue;
    const from = Math.max(t, since);
    const to = Math.min(t + HALF_HOUR, until);
    const last = spans[spans.length - 1];
    if (last && last.end === from && last.who === who) last.end = to;
    else spans.push({ start: from, end: to, who });
  }
  const iso = (t: number) => DateTime.fromMillis(t, { zone }).toISO({ suppressMilliseconds: true })!;
  for (const p of spans) entries.push({ start: iso(p.start), end: iso(p.end), user: userRef(users, p.who) });
  return entries;
}

function userRef(users: PdUser[], id: string) {
  const u = users.find((x) => x.id === id);
  return { id, type: 'user_reference', summary: u?.name ?? id, self: `${PD}/users/${id}`, html_url: `${WEB}/users/${id}` };
}

const cmRef = (userId: string, c: PdContactMethod) => ({ id: c.id, type: `${c.type}_reference`, summary: c.label ?? 'Default', self: `${PD}/users/${userId}/contact_methods/${c.id}`, html_url: null });
const cmFull = (userId: string, c: PdContactMethod) => ({ ...c, summary: c.label ?? 'Default', self: `${PD}/users/${userId}/contact_methods/${c.id}`, html_url: null });
const nrFull = (userId: string, u: PdUser, r: PdNotificationRule) => {
  const c = (u.contact_methods ?? []).find((x) => x.id === r.contact_method.id)!;
  return { ...r, type: 'assignment_notification_rule', summary: `${r.start_delay_in_minutes} minutes: channel ${c.id}`, self: `${PD}/users/${userId}/notification_rules/${r.id}`, html_url: null, contact_method: cmRef(userId, c), created_at: '2024-01-01T00:00:00-05:00' };
};
const intRef = (svcId: string, i: PdIntegration) => ({ id: i.id, type: `${i.type}_reference`, summary: i.name, self: `${PD}/services/${svcId}/integrations/${i.id}`, html_url: `${WEB}/services/${svcId}/integrations/${i.id}` });
const intFull = (s: PdService, i: PdIntegration, withKey: boolean) => {
  const { integration_key, ...rest } = i;
  return { ...rest, summary: i.name, self: `${PD}/services/${s.id}/integrations/${i.id}`, html_url: `${WEB}/services/${s.id}/integrations/${i.id}`, service: { id: s.id, type: 'service_reference', summary: s.name, self: `${PD}/services/${s.id}` }, created_at: '2024-01-01T00:00:00-05:00', ...(withKey && integration_key ? { integration_key } : {}) };
};
const ref = (kind: string, id: string, summary: string) => ({ id, type: `${kind}_reference`, summary, self: `${PD}/${kind}s/${id}`, html_url: `${WEB}/${kind}s/${id}` });

/** `ignoreInclude`: answer references where `include[]` asks for full objects (PagerDuty may; the reader then asks each user). */
export async function startFakePagerDuty(data: PagerDutyData, key = randomUUID().replace(/-/g, '').slice(0, 20), opts: { ignoreInclude?: boolean } = {}): Promise<FakePagerDuty> {
  const limits: { path: string; seconds: number; offset?: number }[] = [];
  const failures: string[] = [];
  const server = await startServer((req, res) => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    const error = (status: number, message: string, code: number, errors?: string[]) => send(status, { error: { message, code, ...(errors ? { errors } : {}) } });
    const url = new URL(req.url, 'http://fake');
    const path = url.pathname;
    const q = url.searchParams;
    if (req.method !== 'GET') return error(405, 'Method Not Allowed', 2000);
    if (req.headers.authorization !== `Token token=${key}`) return error(401, 'Unauthorized', 2006);
    if (req.headers.accept !== ACCEPT) return error(406, 'Not Acceptable: send Accept: application/vnd.pagerduty+json;version=2', 2001);
    const li = limits.findIndex((l) => l.path === path && (l.offset === undefined || String(l.offset) === (q.get('offset') ?? '0')));
    if (li >= 0) {
      const [l] = limits.splice(li, 1);
      return send(429, { error: { message: 'Rate Limit Exceeded', code: 2020 } }, { 'retry-after': String(l!.seconds), 'ratelimit-limit': '960', 'ratelimit-remaining': '0', 'ratelimit-reset': String(l!.seconds) });
    }
    const fi = failures.indexOf(path);
    if (fi >= 0) {
      failures.splice(fi, 1);
      return error(500, 'Internal Server Error', 2000);
    }
    const include = opts.ignoreInclude ? [] : q.getAll('include[]');
    const page = (key: string, items: unknown[]) => {
      const limit = Number(q.get('limit') ?? 25);
      const offset = Number(q.get('offset') ?? 0);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) return error(400, 'Invalid Input Provided', 2001, ['Limit must be between 1 and 100']);
      if (!Number.isInteger(offset) || offset < 0) return error(400, 'Invalid Input Provided', 2001, ['Offset must be a non-negative integer']);
      if (offset + limit > 10_000) return error(400, 'Invalid Input Provided', 2001, ['Offset must be less than 10000']);
      return send(200, { [key]: items.slice(offset, offset + limit), limit, offset, more: offset + limit < items.length, total: q.get('total') === 'true' ? items.length : null });
    };
    const seg = path.split('/').filter(Boolean).map(decodeURIComponent);
    const notFound = () => error(404, 'Not Found', 2100);
    // Team references as PagerDuty answers them on schedules, escalation policies and services.
    const teamsOf = (refs: { id: string }[] | undefined) => (refs ?? []).map((r) => ref('team', r.id, data.teams.find((t) => t.id === r.id)?.name ?? r.id));

    if (seg[0] === 'users' && seg.length === 1) {
      const users = [...data.users]
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((u) => ({
          ...u,
          type: 'user',
          summary: u.name,
          self: `${PD}/users/${u.id}`,
          html_url: `${WEB}/users/${u.id}`,
          invitation_sent: false,
          contact_methods: (u.contact_methods ?? []).map((c) => (include.includes('contact_methods') ? cmFull(u.id, c) : cmRef(u.id, c))),
          notification_rules: (u.notification_rules ?? []).map((r) => (include.includes('notification_rules') ? nrFull(u.id, u, r) : { id: r.id, type: 'assignment_notification_rule_reference', summary: 'Default', self: `${PD}/users/${u.id}/notification_rules/${r.id}`, html_url: null })),
          teams: data.teams.filter((t) => t.members?.some((m) => m.user.id === u.id)).map((t) => ref('team', t.id, t.name)),
        }));
      return page('users', users);
    }
    if (seg[0] === 'users' && seg.length === 3) {
      const u = data.users.find((x) => x.id === seg[1]);
      if (!u) return notFound();
      if (seg[2] === 'contact_methods') return send(200, { contact_methods: (u.contact_methods ?? []).map((c) => cmFull(u.id, c)) });
      if (seg[2] === 'notification_rules') return send(200, { notification_rules: (u.notification_rules ?? []).map((r) => nrFull(u.id, u, r)) });
    }
    if (seg[0] === 'teams' && seg.length === 1) return page('teams', data.teams.map(({ members: _m, ...t }) => ({ ...t, type: 'team', summary: t.name, self: `${PD}/teams/${t.id}`, html_url: `${WEB}/teams/${t.id}`, description: t.description ?? null })));
    if (seg[0] === 'teams' && seg[2] === 'members' && seg.length === 3) {
      const t = data.teams.find((x) => x.id === seg[1]);
      if (!t) return notFound();
      return page('members', (t.members ?? []).map((m) => ({ user: userRef(data.users, m.user.id), role: m.role ?? 'responder' })));
    }
    if (seg[0] === 'schedules' && seg.length === 1) {
      return page('schedules', data.schedules.map((s) => ({ id: s.id, type: 'schedule', summary: s.name, self: `${PD}/schedules/${s.id}`, html_url: `${WEB}/schedules/${s.id}`, name: s.name, time_zone: s.time_zone, description: s.description ?? null, users: [...new Set((s.schedule_layers ?? []).flatMap((l) => l.users.map((u) => u.user.id)))].map((id) => userRef(data.users, id)), escalation_policies: [], teams: teamsOf(s.teams) })));
    }
    if (seg[0] === 'schedules' && seg.length >= 2) {
      const s = data.schedules.find((x) => x.id === seg[1]);
      if (!s) return notFound();
      const since = q.get('since') ? Date.parse(q.get('since')!) : null;
      const until = q.get('until') ? Date.parse(q.get('until')!) : null;
      if (seg.length === 3 && seg[2] === 'overrides') {
        if (since === null || until === null || Number.isNaN(since) || Number.isNaN(until)) return error(400, 'Invalid Input Provided', 2001, ['since and until are required']);
        const overrides = (s.overrides ?? []).filter((o: PdOverride) => Date.parse(o.end) > since && Date.parse(o.start) < until);
        return send(200, { overrides: overrides.map((o) => ({ id: o.id, start: o.start, end: o.end, user: userRef(data.users, o.user.id) })) });
      }
      if (seg.length !== 2) return notFound();
      const zone = q.get('time_zone') ?? s.time_zone ?? 'UTC';
      const rendered = since !== null && until !== null;
      const final = rendered ? finalScheduleOf(s, data.users, since, until, zone) : [];
      const { overrides: _o, ...rest } = s;
      return send(200, {
        schedule: {
          ...rest,
          type: 'schedule',
          summary: s.name,
          self: `${PD}/schedules/${s.id}`,
          html_url: `${WEB}/schedules/${s.id}`,
          description: s.description ?? null,
          schedule_layers: (s.schedule_layers ?? []).map((l) => ({ ...l, end: l.end ?? null, users: l.users.map((u) => ({ user: userRef(data.users, u.user.id) })), restrictions: l.restrictions ?? [], rendered_schedule_entries: [], rendered_coverage_percentage: null })),
          overrides_subschedule: { name: 'Overrides', rendered_schedule_entries: [], rendered_coverage_percentage: null },
          final_schedule: { name: 'Final Schedule', rendered_schedule_entries: final, rendered_coverage_percentage: null },
          escalation_policies: [],
          users: [],
          teams: teamsOf(s.teams),
        },
      });
    }
    if (seg[0] === 'escalation_policies' && seg.length === 1) {
      return page(
        'escalation_policies',
        data.policies.map((p) => ({
          ...p,
          type: 'escalation_policy',
          summary: p.name,
          self: `${PD}/escalation_policies/${p.id}`,
          html_url: `${WEB}/escalation_policies/${p.id}`,
          on_call_handoff_notifications: p.on_call_handoff_notifications ?? 'if_has_services',
          escalation_rules: (p.escalation_rules ?? []).map((r, i) => ({ id: r.id ?? `${p.id}R${i}`, ...r, targets: (r.targets ?? []).map((t) => ({ ...t, self: `${PD}/${t.type?.replace('_reference', '')}s/${t.id}`, html_url: null })) })),
          services: data.services.filter((s) => s.escalation_policy?.id === p.id).map((s) => ref('service', s.id, s.name)),
          teams: teamsOf(p.teams),
        })),
      );
    }
    if (seg[0] === 'services' && seg.length === 1) {
      return page(
        'services',
        data.services.map((s) => ({
          ...s,
          type: 'service',
          summary: s.name,
          self: `${PD}/services/${s.id}`,
          html_url: `${WEB}/service-directory/${s.id}`,
          status: s.status ?? 'active',
          created_at: '2024-01-01T00:00:00-05:00',
          alert_creation: s.alert_creation ?? 'create_alerts_and_incidents',
          escalation_policy: s.escalation_policy ? ref('escalation_policy', s.escalation_policy.id, data.policies.find((p) => p.id === s.escalation_policy!.id)?.name ?? s.escalation_policy.id) : null,
          integrations: (s.integrations ?? []).map((i) => (include.includes('integrations') ? intFull(s, i, false) : intRef(s.id, i))),
          teams: teamsOf(s.teams),
        })),
      );
    }
    if (seg[0] === 'services' && seg[2] === 'integrations' && seg.length === 4) {
      const s = data.services.find((x) => x.id === seg[1]);
      const i = s?.integrations?.find((x) => x.id === seg[3]);
      if (!s || !i) return notFound();
      return send(200, { integration: intFull(s, i, true) });
    }
    return notFound();
  });
  return {
    ...server,
    key,
    rateLimitOnce: (path, seconds, offset) => void limits.push({ path, seconds, ...(offset !== undefined ? { offset } : {}) }),
    failOnce: (path) => void failures.push(path),
  };
}
