import fc from 'fast-check';
import ICAL from 'ical.js';
import { describe, expect, test } from 'vitest';
import { scheduleToICal, type ScheduleICalInput } from './ical.js';
import { renderFinal } from './on-call.js';
import type { FinalEntry, Schedule } from './schedule.js';

const HOUR = 3_600_000;
const NOW = Date.UTC(2024, 2, 1, 12, 0, 0);

interface ParsedEvent {
  uid: string;
  start: number;
  end: number;
  summary: string;
  stamp: number;
}

function parse(text: string): { prodId: unknown; events: ParsedEvent[] } {
  const calendar = new ICAL.Component(ICAL.parse(text));
  const events = calendar.getAllSubcomponents('vevent').map((vevent) => {
    const event = new ICAL.Event(vevent);
    const stamp = vevent.getFirstPropertyValue('dtstamp') as ICAL.Time;
    return {
      uid: event.uid,
      start: event.startDate.toJSDate().getTime(),
      end: event.endDate.toJSDate().getTime(),
      summary: event.summary,
      stamp: stamp.toJSDate().getTime(),
    };
  });
  return { prodId: calendar.getFirstPropertyValue('prodid'), events };
}

/** A week in New York across the spring change: nights restricted, an override, a gap layer. */
const schedule: Schedule = {
  timeZone: 'America/New_York',
  layers: [
    {
      id: 'nights',
      start: Date.UTC(2024, 0, 1),
      rotationVirtualStart: Date.UTC(2024, 0, 1, 14),
      turnLength: { unit: 'days', count: 1 },
      users: ['ada', 'bo', 'cy'],
      restrictions: [{ type: 'daily_restriction', startTimeOfDay: '22:00:00', durationSeconds: 10 * 3600 }],
    },
  ],
  overrides: [{ id: 'o1', userId: 'dee', start: Date.UTC(2024, 2, 10, 5), end: Date.UTC(2024, 2, 10, 9) }],
};
const range = { since: Date.UTC(2024, 2, 7), until: Date.UTC(2024, 2, 14) };
const userNames = { ada: 'Ada Lovelace', bo: 'Bo', cy: 'Cy, "the night owl"; on call', dee: 'Dee 🦉' };

function input(entries: FinalEntry[]): ScheduleICalInput {
  return { name: 'DB primary', entries, userNames, prodId: '//Vigil//Vigil schedules//EN', now: NOW, uidScope: 'PSCH001' };
}

describe('scheduleToICal', () => {
  const entries = renderFinal(schedule, range);
  const text = scheduleToICal(input(entries));
  const parsed = parse(text);

  test('parses back to the same shifts as renderFinal, gaps left out', () => {
    const shifts = entries.filter((e) => e.userId !== null);
    expect(shifts.length).toBeGreaterThan(5);
    expect(entries.some((e) => e.userId === null)).toBe(true);
    expect(parsed.events.map(({ start, end, summary }) => ({ start, end, summary }))).toEqual(
      shifts.map((e) => ({ start: e.start, end: e.end, summary: `${userNames[e.userId as keyof typeof userNames]} on call (DB primary)` })),
    );
  });

  test('stamps every event with the injected now and names the product', () => {
    expect(parsed.events.every((e) => e.stamp === NOW)).toBe(true);
    expect(parsed.prodId).toBe('-//Vigil//Vigil schedules//EN');
  });

  test('UIDs are unique, and the same for the same shift in a later export', () => {
    const uids = parsed.events.map((e) => e.uid);
    expect(new Set(uids).size).toBe(uids.length);
    const later = parse(scheduleToICal({ ...input(renderFinal(schedule, range)), now: NOW + 24 * HOUR }));
    expect(later.events.map((e) => e.uid)).toEqual(uids);
    expect(text).toBe(scheduleToICal(input(entries)));
  });

  test('an unknown user is shown by id', () => {
    const [event] = parse(scheduleToICal(input([{ start: NOW, end: NOW + HOUR, userId: 'zed' }]))).events;
    expect(event!.summary).toBe('zed on call (DB primary)');
  });

  test('any names and shifts survive the round trip', () => {
    // iCalendar has whole-second resolution; names may hold any text but a bare CR.
    const name = fc.string({ unit: 'grapheme', maxLength: 80 }).filter((s) => !s.includes('\r'));
    const shifts = fc.array(
      fc.record({
        start: fc.integer({ min: 0, max: 4e9 }).map((s) => s * 1000),
        length: fc.integer({ min: 1, max: 30 * 86_400 }).map((s) => s * 1000),
        userId: fc.constantFrom('u1', 'u2', 'u3'),
      }),
      { maxLength: 8 },
    );
    fc.assert(
      fc.property(shifts, fc.dictionary(fc.constantFrom('u1', 'u2', 'u3'), name), name, (raw, names, calendarName) => {
        const list: FinalEntry[] = raw.map((r) => ({ start: r.start, end: r.start + r.length, userId: r.userId }));
        const events = parse(scheduleToICal({ name: calendarName, entries: list, userNames: names, prodId: '//T//T//EN', now: NOW })).events;
        expect(events.map(({ start, end, summary }) => ({ start, end, summary }))).toEqual(
          list.map((e) => ({ start: e.start, end: e.end, summary: `${names[e.userId!] ?? e.userId} on call (${calendarName})` })),
        );
      }),
      { numRuns: 100 },
    );
  });
});
