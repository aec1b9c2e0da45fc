import { describe, expect, it } from 'vitest';
import { inSupportHours, localTimeWords, nextSupportHoursEnd, nextSupportHoursStart, nextUrgencyChange, planUrgencyChange, urgencyAt, validateSupportHours, type ScheduledAction, type SupportHours } from './support-hours.js';

const at = (iso: string) => Date.parse(iso);
const paris: SupportHours = { time_zone: 'Europe/Paris', days_of_week: [1, 2, 3, 4, 5], start_time: '09:00:00', end_time: '17:00:00' };
const newYork: SupportHours = { ...paris, time_zone: 'America/New_York' };

describe('support hours in their own zone, across both daylight-saving changes', () => {
  const cases: [string, SupportHours, string, boolean][] = [
    ['Friday 09:00 CET (UTC+1), the week before spring forward', paris, '2026-03-27T08:00:00Z', true],
    ['Friday 08:59 CET', paris, '2026-03-27T07:59:00Z', false],
    ['Friday 16:59 CET', paris, '2026-03-27T15:59:00Z', true],
    ['Friday 17:00 CET: the end is exclusive', paris, '2026-03-27T16:00:00Z', false],
    ['Saturday noon', paris, '2026-03-28T11:00:00Z', false],
    ['Monday 09:30 CEST (UTC+2), after spring forward', paris, '2026-03-30T07:30:00Z', true],
    ['Monday 08:30 CEST: the same UTC hour was inside a week earlier', paris, '2026-03-30T06:30:00Z', false],
    ['Monday 09:00 CET (UTC+1), after fall back', paris, '2026-10-26T08:00:00Z', true],
    ['Monday 08:30 CET', paris, '2026-10-26T07:30:00Z', false],
    ['New York Monday 09:00 EDT, after spring forward (UTC−4)', newYork, '2026-03-09T13:00:00Z', true],
    ['New York Monday 08:00 EDT', newYork, '2026-03-09T12:00:00Z', false],
    ['New York Monday 09:00 EST, after fall back (UTC−5)', newYork, '2026-11-02T14:00:00Z', true],
  ];
  for (const [name, sh, when, inside] of cases) it(name, () => expect(inSupportHours(sh, at(when))).toBe(inside));

  it('the next start skips the weekend and keeps 09:00 local across spring forward', () => {
    expect(new Date(nextSupportHoursStart(paris, at('2026-03-27T16:00:00Z'))).toISOString()).toBe('2026-03-30T07:00:00.000Z');
  });
  it('and across fall back', () => {
    expect(new Date(nextSupportHoursStart(paris, at('2026-10-23T15:00:00Z'))).toISOString()).toBe('2026-10-26T08:00:00.000Z');
    expect(new Date(nextSupportHoursStart(newYork, at('2026-10-30T21:00:00Z'))).toISOString()).toBe('2026-11-02T14:00:00.000Z');
  });
  it('a start inside the spring-forward gap happens at the first instant after it', () => {
    const night: SupportHours = { time_zone: 'Europe/Paris', days_of_week: [7], start_time: '02:30:00', end_time: '04:00:00' };
    // Sunday 29 March 2026: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist.
    expect(new Date(nextSupportHoursStart(night, at('2026-03-28T12:00:00Z'))).toISOString()).toBe('2026-03-29T01:30:00.000Z');
  });
  it('the end of the day is the next boundary after a start', () => {
    expect(new Date(nextSupportHoursEnd(paris, at('2026-03-30T07:00:00Z'))).toISOString()).toBe('2026-03-30T15:00:00.000Z');
  });
  it('a scheduled urgency change is due at the next start of support hours, and only when one is configured', () => {
    const action = { type: 'urgency_change', at: { type: 'named_time', name: 'support_hours_start' }, to_urgency: 'high' } as const;
    expect(nextUrgencyChange([action], paris, at('2026-03-27T16:00:00Z'))).toBe(at('2026-03-30T07:00:00Z'));
    expect(nextUrgencyChange([], paris, at('2026-03-27T16:00:00Z'))).toBeNull();
    expect(nextUrgencyChange([action], null, at('2026-03-27T16:00:00Z'))).toBeNull();
  });
});

describe('urgency from the rule', () => {
  const rule = { type: 'use_support_hours', during: 'high', outside: 'low' } as const;
  it('high during support hours, low outside', () => {
    expect(urgencyAt(rule, paris, 'warning', at('2026-03-30T07:30:00Z'))).toBe('high');
    expect(urgencyAt(rule, paris, 'critical', at('2026-03-28T11:00:00Z'))).toBe('low');
  });
  it('severity based inside or outside', () => {
    const sev = { type: 'use_support_hours', during: 'severity_based', outside: 'low' } as const;
    expect(urgencyAt(sev, paris, 'error', at('2026-03-30T07:30:00Z'))).toBe('high');
    expect(urgencyAt(sev, paris, 'warning', at('2026-03-30T07:30:00Z'))).toBe('low');
    expect(urgencyAt({ type: 'constant', urgency: 'severity_based' }, null, 'critical', 0)).toBe('high');
  });
});

describe('validating support hours: every problem names its field', () => {
  const bad: [unknown, RegExp][] = [
    [{ time_zone: 'Mars/Olympus', days_of_week: [1], start_time: '09:00:00', end_time: '17:00:00' }, /support_hours\.time_zone must be an IANA time zone/],
    [{ time_zone: 'UTC', days_of_week: [0, 8], start_time: '09:00:00', end_time: '17:00:00' }, /support_hours\.days_of_week must list days from 1/],
    [{ time_zone: 'UTC', days_of_week: [1], start_time: '25:00:00', end_time: '17:00:00' }, /support_hours\.start_time must be a time of day/],
    [{ time_zone: 'UTC', days_of_week: [1], start_time: '17:00:00', end_time: '09:00:00' }, /support_hours\.end_time must be after start_time/],
    [{ time_zone: 'UTC', days_of_week: [1], start_time: '09:00:00', end_time: '17:00:00', weekends: true }, /support_hours\.weekends is not a field/],
  ];
  for (const [input, message] of bad) it(message.source, () => expect(validateSupportHours(input, 'support_hours').errors.join('; ')).toMatch(message));
  it('accepts PagerDuty’s example and normalises the times', () => {
    const r = validateSupportHours({ type: 'fixed_time_per_day', time_zone: 'America/Lima', start_time: '09:00', end_time: '17:00:00', days_of_week: [5, 1, 2, 3, 4] }, 'support_hours');
    expect(r.errors).toEqual([]);
    expect(r.value).toEqual({ time_zone: 'America/Lima', days_of_week: [1, 2, 3, 4, 5], start_time: '09:00:00', end_time: '17:00:00' });
  });
});

describe('planning a due urgency change (the engine step, without I/O)', () => {
  const raise: ScheduledAction[] = [{ type: 'urgency_change', at: { type: 'named_time', name: 'support_hours_start' }, to_urgency: 'high' }];
  const base = { urgencyRule: 'use_support_hours', supportHours: newYork, actions: raise, deleted: false };
  const cases: [string, Parameters<typeof planUrgencyChange>[0], string, { raise: boolean; next: string | null }][] = [
    ['due at 09:00 EST Tuesday: raise, next Wednesday 09:00 EST', base, '2026-03-03T14:00:00Z', { raise: true, next: '2026-03-04T14:00:00Z' }],
    ['due Friday: the next is Monday 09:00, now EDT (DST began Sunday)', base, '2026-03-06T14:00:00Z', { raise: true, next: '2026-03-09T13:00:00Z' }],
    ['late (the engine was down until noon): still raise, next is tomorrow', base, '2026-03-03T17:00:00Z', { raise: true, next: '2026-03-04T14:00:00Z' }],
    ['the rule is no longer use_support_hours: nothing, no next', { ...base, urgencyRule: 'high' }, '2026-03-03T14:00:00Z', { raise: false, next: null }],
    ['the action was removed: nothing, no next', { ...base, actions: [] }, '2026-03-03T14:00:00Z', { raise: false, next: null }],
    ['the service was deleted: nothing, no next', { ...base, deleted: true }, '2026-03-03T14:00:00Z', { raise: false, next: null }],
  ];
  for (const [name, s, now, want] of cases) {
    it(name, () => {
      const p = planUrgencyChange(s, at(now));
      expect({ raise: p.raise, next: p.next === null ? null : new Date(p.next).toISOString().replace('.000', '') }).toEqual(want);
    });
  }
  it('says the local time for the timeline', () => expect(localTimeWords(newYork, at('2026-03-09T13:00:00Z'))).toBe('09:00 America/New_York'));
});
