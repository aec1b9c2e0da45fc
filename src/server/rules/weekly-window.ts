/**
 * PCL's `now in Mon,Tue 09:00:00 to 17:00:00 Europe/Paris`: whether an instant falls on
 * one of the days, between two wall-clock times, in an IANA zone. The local time is read
 * from the zone's offset at that instant, so the window follows daylight saving time:
 * 09:00 in Paris is 08:00 UTC in winter and 07:00 UTC in summer.
 *
 * Both ends are inclusive to the second, so `00:00:00 to 23:59:59` is the whole day.
 * A window whose end is before its start runs overnight and belongs to the day it
 * starts on: `Fri 22:00:00 to 06:00:00` holds from Friday 22:00 to Saturday 06:00:59.
 *
 * The zone's offset is memoized per 15 minutes of UTC (every tzdb transition since 1970
 * falls on a quarter hour), so a rule evaluated per event asks Intl for it about once
 * per quarter hour instead of every time (~5 µs each).
 */
import { IANAZone } from 'luxon';

export const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

const DAY_MS = 86_400_000;
const QUARTER_MS = 900_000;

export interface WeeklyWindow {
  /** Days of the week, 0 = Sunday. */
  readonly days: ReadonlySet<number>;
  /** Seconds after local midnight. */
  readonly start: number;
  readonly end: number;
  readonly zone: string;
  contains(at: number): boolean;
}

export function isValidZone(name: string): boolean {
  return IANAZone.isValidZone(name);
}

export function weeklyWindow(days: ReadonlySet<number>, start: number, end: number, zoneName: string): WeeklyWindow {
  const zone = IANAZone.create(zoneName);
  let memoQuarter = Number.NaN;
  let memoOffset = 0;
  const offsetMs = (at: number): number => {
    const q = Math.floor(at / QUARTER_MS);
    if (q !== memoQuarter) {
      memoQuarter = q;
      memoOffset = Math.round(zone.offset(q * QUARTER_MS) * 60_000);
    }
    return memoOffset;
  };
  const overnight = end < start;
  return {
    days,
    start,
    end,
    zone: zoneName,
    contains(at) {
      const local = at + offsetMs(at);
      const dayIndex = Math.floor(local / DAY_MS);
      // 1970-01-01 was a Thursday.
      const weekday = (((dayIndex + 4) % 7) + 7) % 7;
      const second = Math.floor((local - dayIndex * DAY_MS) / 1000);
      if (!overnight) return days.has(weekday) && second >= start && second <= end;
      return (days.has(weekday) && second >= start) || (days.has((weekday + 6) % 7) && second <= end);
    },
  };
}
