/**
 * A local Opsgenie REST API (configuration reads, shared/reference/opsgenie/BRIEF.md §4.1):
 * `Authorization: GenieKey <key>` (else 401), `/v2/users` paged by `limit` (1–500) and
 * `offset` with `paging.next` until the last page, contacts, teams with routing rules,
 * schedules with rotations and overrides, escalations, integrations (the detail holds the
 * API key) and `/v2/schedules/{id}/timeline`. Every answer carries `took` and `requestId`;
 * errors are Opsgenie's `{message, took, requestId}`. A test can make one path answer 429
 * with Retry-After once, or 500 once.
 *
 * The timeline is computed here independently of Vigil, the plain way: walk the window in
 * 30-minute steps, find the rotation's participant for the turn (turns of fixed length from
 * startDate: the fixtures use a zone without DST), keep the step when the time restriction
 * covers it (read in the schedule's zone), let an override replace the person.
 */
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { startServer, type TestServer } from '../channels/helpers.js';
import type { OgEscalation, OgIntegration, OgOverride, OgRotation, OgSchedule, OgTeam, OgUser } from '../../src/server/import/opsgenie-plan.js';

export interface OpsgenieData {
  users: OgUser[];
  teams: OgTeam[];
  schedules: OgSchedule[];
  escalations: OgEscalation[];
  integrations: OgIntegration[];
}

export interface FakeOpsgenie extends TestServer {
  key: string;
  /** The next request whose path (without query) and offset match answers 429 with Retry-After once. */
  rateLimitOnce(path: string, retryAfterSeconds: number, offset?: number): void;
  /** The next request to this path answers 500 once. */
  failOnce(path: string): void;
}

const HALF_HOUR = 30 * 60_000;
const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

function turnMs(r: OgRotation): number {
  const unit = r.type === 'hourly' ? 3_600_000 : r.type === 'daily' ? 86_400_000 : 7 * 86_400_000;
  return unit * (r.length ?? 1);
}

/** Minutes since Monday 00:00 in the schedule's zone. */
function weekMinute(t: number, zone: string): number {
  const d = DateTime.fromMillis(t, { zone });
  return (d.weekday - 1) * 1440 + d.hour * 60 + d.minute;
}

function restricted(r: OgRotation, t: number, zone: string): boolean {
  const tr = r.timeRestriction;
  if (!tr) return true;
  const wm = weekMinute(t, zone);
  if (tr.type === 'time-of-day') {
    const m = wm % 1440;
    const s = tr.restriction.startHour * 60 + tr.restriction.startMin;
    const e = tr.restriction.endHour * 60 + tr.restriction.endMin;
    return s < e ? m >= s && m < e : m >= s || m < e;
  }
  return tr.restrictions.some((w) => {
    const s = DAYS.indexOf(w.startDay) * 1440 + w.startHour * 60 + w.startMin;
    const e = DAYS.indexOf(w.endDay) * 1440 + w.endHour * 60 + w.endMin;
    return s < e ? wm >= s && wm < e : wm >= s || wm < e;
  });
}

export function timelineOf(s: OgSchedule, rotations: OgRotation[], overrides: OgOverride[], users: OgUser[], since: number, until: number) {
  const name = (id: string | undefined) => users.find((u) => u.id === id)?.username ?? id;
  return rotations.map((r) => {
    const periods: { startDate: string; endDate: string; type: string; recipient: { id?: string; type: string; name?: string } }[] = [];
    const start = Date.parse(r.startDate);
    const end = r.endDate ? Date.parse(r.endDate) : Infinity;
    const parts = r.participants ?? [];
    // Steps on the half-hour grid (rotations and restrictions snap to :00/:30), clipped to the window.
    for (let t = Math.floor(since / HALF_HOUR) * HALF_HOUR; t < until; t += HALF_HOUR) {
      if (t < start || t >= end || !parts.length || !restricted(r, t, s.timezone ?? 'UTC')) continue;
      let who: { id?: string; type: string; name?: string } = parts[Math.floor((t - start) / turnMs(r)) % parts.length]!;
      let type = 'historical';
      const o = overrides.find((x) => t >= Date.parse(x.startDate) && t < Date.parse(x.endDate) && (!x.rotations?.length || x.rotations.some((y) => y.id === r.id)));
      if (o) {
        who = o.user;
        type = 'override';
      }
      const recipient = { ...(who.id ? { id: who.id } : {}), type: who.type, ...(who.type === 'user' ? { name: name(who.id) } : who.name ? { name: who.name } : {}) };
      const from = Math.max(t, since);
      const to = Math.min(t + HALF_HOUR, until);
      const last = periods[periods.length - 1];
      if (last && Date.parse(last.endDate) === from && last.recipient.id === recipient.id && last.recipient.type === recipient.type && last.type === type) last.endDate = new Date(to).toISOString();
      else periods.push({ startDate: new Date(from).toISOString(), endDate: new Date(to).toISOString(), type, recipient });
    }
    return { id: r.id, name: r.name, order: 1, periods };
  });
}

export async function startFakeOpsgenie(data: OpsgenieData, key = randomUUID()): Promise<FakeOpsgenie> {
  const limits: { path: string; seconds: number; offset?: number }[] = [];
  const failures: string[] = [];
  const server = await startServer((req, res) => {
    const started = Date.now();
    const send = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify({ ...body, took: (Date.now() - started) / 1000, requestId: randomUUID() }));
    };
    const url = new URL(req.url, 'http://fake');
    const path = url.pathname;
    if (req.method !== 'GET') return send(405, { message: 'Method not allowed' });
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('GenieKey ')) return send(401, { message: 'Could not authenticate' });
    if (auth.slice('GenieKey '.length) !== key) return send(403, { message: 'You are not authorized for this operation' });
    const li = limits.findIndex((l) => l.path === path && (l.offset === undefined || String(l.offset) === url.searchParams.get('offset')));
    if (li >= 0) {
      const [l] = limits.splice(li, 1);
      return send(429, { message: 'Rate limit exceeded' }, { 'retry-after': String(l!.seconds), 'x-ratelimit-state': 'THROTTLED' });
    }
    const fi = failures.indexOf(path);
    if (fi >= 0) {
      failures.splice(fi, 1);
      return send(500, { message: 'Internal Server Error' });
    }
    const seg = path.split('/').filter(Boolean).map(decodeURIComponent);
    if (seg[0] !== 'v2') return send(404, { message: 'Not found' });
    const notFound = (what: string) => send(404, { message: `${what} with identifier [${seg[2]}] could not be found` });

    if (seg[1] === 'users' && seg.length === 2) {
      const limit = Number(url.searchParams.get('limit') ?? 20);
      const offset = Number(url.searchParams.get('offset') ?? 0);
      if (!Number.isInteger(limit) || limit < 1 || limit > 500) return send(422, { message: 'Limit should be between 1 and 500' });
      if (!Number.isInteger(offset) || offset < 0) return send(422, { message: 'Offset should be a non-negative integer' });
      const sorted = [...data.users].sort((a, b) => a.username.localeCompare(b.username));
      const page = sorted.slice(offset, offset + limit).map(({ contacts: _c, ...u }) => u);
      const link = (o: number) => `https://api.opsgenie.com/v2/users?limit=${limit}&sort=username&offset=${o}&order=asc`;
      const paging: Record<string, string> = { first: link(0), last: link(Math.max(0, Math.floor((sorted.length - 1) / limit) * limit)) };
      if (offset + limit < sorted.length) paging.next = link(offset + limit);
      if (offset > 0) paging.prev = link(Math.max(0, offset - limit));
      return send(200, { totalCount: sorted.length, data: page, paging, expandable: ['contact'] });
    }
    if (seg[1] === 'users' && seg[3] === 'contacts' && seg.length === 4) {
      const u = data.users.find((x) => x.id === seg[2] || x.username === seg[2]);
      if (!u) return notFound('User');
      return send(200, { data: (u.contacts ?? []).map((c, i) => ({ id: `${u.id}-c${i}`, method: c.method, to: c.to, status: c.status ?? { enabled: true } })) });
    }
    if (seg[1] === 'teams' && seg.length === 2) return send(200, { data: data.teams.map(({ routingRules: _r, members: _m, ...t }) => t) });
    if (seg[1] === 'teams' && seg.length === 3) {
      const t = data.teams.find((x) => x.id === seg[2]);
      if (!t) return notFound('Team');
      const { routingRules: _r, ...team } = t;
      return send(200, { data: { ...team, members: team.members ?? [] } });
    }
    if (seg[1] === 'teams' && seg[3] === 'routing-rules' && seg.length === 4) {
      const t = data.teams.find((x) => x.id === seg[2]);
      if (!t) return notFound('Team');
      return send(200, { data: t.routingRules ?? [] });
    }
    if (seg[1] === 'schedules' && seg.length === 2) {
      const expand = url.searchParams.get('expand') === 'rotation';
      return send(200, { data: data.schedules.map(({ overrides: _o, rotations, ...s }) => ({ ...s, ...(expand ? { rotations } : {}) })), expandable: ['rotation'] });
    }
    if (seg[1] === 'schedules' && seg.length === 4) {
      const s = data.schedules.find((x) => x.id === seg[2]);
      if (!s) return notFound('Schedule');
      if (seg[3] === 'rotations') return send(200, { data: s.rotations ?? [] });
      if (seg[3] === 'overrides') return send(200, { data: (s.overrides ?? []).map((o) => ({ ...o, parent: { id: s.id, name: s.name, enabled: true } })) });
      if (seg[3] === 'timeline') {
        const interval = Number(url.searchParams.get('interval') ?? 1);
        const unit = url.searchParams.get('intervalUnit') ?? 'weeks';
        if (!['days', 'weeks', 'months'].includes(unit) || !Number.isInteger(interval) || interval < 1) return send(422, { message: 'Invalid interval' });
        const since = url.searchParams.get('date') ? Date.parse(url.searchParams.get('date')!) : Date.now();
        const until = since + interval * (unit === 'days' ? 86_400_000 : unit === 'weeks' ? 7 * 86_400_000 : 30 * 86_400_000);
        const rotations = timelineOf(s, s.rotations ?? [], s.overrides ?? [], data.users, since, until);
        return send(200, { data: { _parent: { id: s.id, name: s.name, enabled: true }, startDate: new Date(since).toISOString(), endDate: new Date(until).toISOString(), finalTimeline: { rotations } } });
      }
    }
    if (seg[1] === 'escalations' && seg.length === 2) return send(200, { data: data.escalations });
    if (seg[1] === 'integrations' && seg.length === 2) return send(200, { data: data.integrations.map(({ apiKey: _k, ...i }) => i) });
    if (seg[1] === 'integrations' && seg.length === 3) {
      const i = data.integrations.find((x) => x.id === seg[2]);
      if (!i) return notFound('Integration');
      return send(200, { data: i });
    }
    return send(404, { message: 'Not found' });
  });
  return {
    ...server,
    key,
    rateLimitOnce: (path, seconds, offset) => void limits.push({ path, seconds, ...(offset !== undefined ? { offset } : {}) }),
    failOnce: (path) => void failures.push(path),
  };
}
