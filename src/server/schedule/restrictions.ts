import { unionOf, type Interval } from './intervals.js';
import { parseTimeOfDay, type Restriction } from './schedule.js';
import { DAY_MS, type ZoneClock } from './zone.js';

/**
 * The union of a layer's restriction windows over [since, until), sorted,
 * disjoint and clipped. Both ends of a window are wall-clock times in the
 * schedule's zone (start + duration on the local clock), so daily windows
 * that tile a day keep tiling it on 23- and 25-hour days.
 */
export function restrictionWindows(
  restrictions: readonly Restriction[],
  clock: ZoneClock,
  since: number,
  until: number,
): Interval[] {
  if (since >= until) return [];
  const rules = restrictions.map(compile);
  // A window starting on an earlier local day can still reach `since`: up to
  // one day back for daily windows, a week for weekly ones. The extra day at
  // each end is cheap insurance against wall days that DST stretches, repeats
  // or skips across midnight (America/Santiago changes at 24:00).
  const lookBackDays = rules.some((r) => r.weekday !== null) ? 8 : 2;
  const firstDay = Math.floor(clock.wallOf(since) / DAY_MS) - lookBackDays;
  const lastDay = Math.floor(clock.wallOf(until) / DAY_MS) + 1;

  const windows: Interval[] = [];
  for (let day = firstDay; day <= lastDay; day++) {
    const weekday = isoWeekday(day);
    for (const rule of rules) {
      if (rule.weekday !== null && rule.weekday !== weekday) continue;
      const wallStart = day * DAY_MS + rule.startMs;
      const start = Math.max(since, clock.toInstant(wallStart));
      const end = Math.min(until, clock.toInstant(wallStart + rule.durationMs));
      // Empty when clipped away, or when a DST gap pushed the start past the end.
      if (start < end) windows.push({ start, end });
    }
  }
  return unionOf(windows);
}

interface CompiledRestriction {
  weekday: number | null;
  startMs: number;
  durationMs: number;
}

function compile(r: Restriction): CompiledRestriction {
  const seconds = parseTimeOfDay(r.startTimeOfDay);
  if (seconds === null) throw new RangeError(`bad restriction start time "${r.startTimeOfDay}"`);
  return {
    weekday: r.type === 'weekly_restriction' ? r.startDayOfWeek : null,
    startMs: seconds * 1000,
    durationMs: r.durationSeconds * 1000,
  };
}

/** ISO weekday (Monday = 1) of a day counted from 1970-01-01, a Thursday. */
export function isoWeekday(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}
