import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, manualClock, type TestApp } from '../harness.js';
import { bad, createSchedule, entries, member, ok, req, onCallApp, type Json } from './fixtures.js';

const DAY = 86_400_000;

function parse(text: string) {
  const calendar = new ICAL.Component(ICAL.parse(text));
  return calendar
    .getAllSubcomponents('vevent')
    .map((v) => {
      const e = new ICAL.Event(v);
      // UTC times: the floating/zone-less reading would differ.
      expect(e.startDate.zone?.tzid).toBe('UTC');
      return { start: e.startDate.toJSDate().getTime(), end: e.endDate.toJSDate().getTime(), summary: e.summary, uid: e.uid };
    })
    .sort((a, b) => a.start - b.start);
}

describe.each(DIALECTS)('calendar feeds on %s', (dialect) => {
  let t: TestApp;
  const clock = manualClock('2026-03-05T12:00:00Z');
  let ada: Awaited<ReturnType<typeof member>>;
  let ben: string;
  let days: Json, weekends: Json;

  beforeAll(async () => {
    t = await onCallApp(dialect, { clock });
    ada = await member(t, 'Ada');
    ben = (await member(t, 'Ben')).id;
    days = await createSchedule(t, 'Helpline days', 'America/New_York', [{ start: '2026-03-01T09:00:00', rotation_turn_length_seconds: 86_400, users: [ada.id, ben], restrictions: [{ type: 'daily_restriction', start_time_of_day: '09:00:00', duration_seconds: 12 * 3600 }] }]);
    await ok(req(t, 'POST', `/api/v1/schedules/${days.id}/overrides`, { override: { start: '2026-03-10T14:00:00Z', end: '2026-03-10T16:00:00Z', user: { id: ada.id } } }), 201);
    weekends = await createSchedule(t, 'Weekend backup', 'Europe/Berlin', [{ start: '2026-03-07T08:00:00', rotation_turn_length_seconds: 604_800, users: [ada.id], restrictions: [{ type: 'weekly_restriction', start_day_of_week: 6, start_time_of_day: '08:00:00', duration_seconds: 2 * 86_400 - 3600 * 16 }] }]);
  });
  afterAll(async () => t.close());

  /** The API's final shifts (people only) that overlap the next 60 days, whole. */
  async function apiShifts(scheduleId: string) {
    const now = clock.now();
    const since = new Date(now - 90 * DAY).toISOString();
    const until = new Date(now + 150 * DAY).toISOString();
    const final = await ok(req(t, 'GET', `/api/v1/schedules/${scheduleId}/final?since=${since}&until=${until}`));
    return entries(final.final_schedule.rendered_schedule_entries).filter((e) => e.userId !== null && e.start < now + 60 * DAY && e.end > now);
  }

  const feedPath = (url: string) => new URL(url).pathname;

  it('a schedule feed parses (ical.js) to the same shifts as the API’s final schedule, in UTC', async () => {
    const feed = (await ok(req(t, 'POST', `/api/v1/schedules/${days.id}/calendar_feed`), 201)).calendar_feed;
    expect(feed).toMatchObject({ type: 'calendar_feed', kind: 'schedule', target: { id: days.id, type: 'schedule_reference', summary: 'Helpline days' } });
    expect(feed.url).toMatch(/^http:\/\/vigil\.test\/calendar\/[A-Za-z0-9_-]{43}\.ics$/);

    const r = await t.app.inject({ method: 'GET', url: feedPath(feed.url) });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('text/calendar; charset=utf-8');
    const events = parse(r.body);
    const expected = await apiShifts(days.id);
    expect(expected.length).toBeGreaterThan(50);
    expect(events.map((e) => ({ start: e.start, end: e.end }))).toEqual(expected.map((e) => ({ start: e.start, end: e.end })));
    expect(events.map((e) => e.summary)).toEqual(expected.map((e) => `${e.userId === ada.id ? 'Ada' : 'Ben'} on call (Helpline days)`));
    // 09:00 New York time on both sides of the 8 March change.
    expect(events.some((e) => new Date(e.start).toISOString() === '2026-03-06T14:00:00.000Z')).toBe(true);
    expect(events.some((e) => new Date(e.start).toISOString() === '2026-03-09T13:00:00.000Z')).toBe(true);
    // The override splits Ben's 10 March shift.
    expect(events.filter((e) => e.start >= Date.parse('2026-03-10T00:00:00Z') && e.end <= Date.parse('2026-03-11T00:00:00Z')).map((e) => e.summary.split(' ')[0])).toEqual(['Ben', 'Ada']);

    // Rendering again later keeps the UIDs of unchanged shifts, so calendar clients update in place.
    clock.advance(3600_000);
    const again = parse((await t.app.inject({ method: 'GET', url: feedPath(feed.url) })).body);
    expect(again.map((e) => e.uid).slice(0, 10)).toEqual(events.map((e) => e.uid).slice(0, 10));
    clock.set('2026-03-05T12:00:00Z');
  });

  it("a user's feed holds their shifts across every schedule", async () => {
    const feed = (await ok(req(t, 'POST', `/api/v1/users/${ada.id}/calendar_feed`, undefined, ada.auth), 201)).calendar_feed;
    expect(feed).toMatchObject({ kind: 'user', target: { id: ada.id, type: 'user_reference' } });
    const events = parse((await t.app.inject({ method: 'GET', url: feedPath(feed.url) })).body);
    const expected = [
      ...(await apiShifts(days.id)).filter((e) => e.userId === ada.id).map((e) => ({ start: e.start, end: e.end, summary: 'Ada on call (Helpline days)' })),
      ...(await apiShifts(weekends.id)).map((e) => ({ start: e.start, end: e.end, summary: 'Ada on call (Weekend backup)' })),
    ].sort((a, b) => a.start - b.start);
    expect(events.map(({ start, end, summary }) => ({ start, end, summary }))).toEqual(expected);
    expect(new Set(events.map((e) => e.uid)).size).toBe(events.length);
    // Only admins create someone else's feed.
    await bad(req(t, 'POST', `/api/v1/users/${ben}/calendar_feed`, undefined, ada.auth), 403);
  });

  it('a new feed revokes the old URL; unknown, malformed and orphaned tokens are 404', async () => {
    const first = (await ok(req(t, 'POST', `/api/v1/schedules/${days.id}/calendar_feed`), 201)).calendar_feed;
    const second = (await ok(req(t, 'POST', `/api/v1/schedules/${days.id}/calendar_feed`), 201)).calendar_feed;
    expect((await t.app.inject({ method: 'GET', url: feedPath(first.url) })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: feedPath(second.url) })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: `/calendar/${'A'.repeat(43)}.ics` })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/calendar/nonsense' })).statusCode).toBe(404);

    const gone = await createSchedule(t, 'Short lived', 'UTC', [{ start: '2026-03-01T00:00:00Z', rotation_turn_length_seconds: 86_400, users: [ben] }]);
    const feed = (await ok(req(t, 'POST', `/api/v1/schedules/${gone.id}/calendar_feed`), 201)).calendar_feed;
    await ok(req(t, 'DELETE', `/api/v1/schedules/${gone.id}`), 204);
    expect((await t.app.inject({ method: 'GET', url: feedPath(feed.url) })).statusCode).toBe(404);
  });
});
