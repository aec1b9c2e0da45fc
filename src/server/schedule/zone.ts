import { IANAZone } from 'luxon';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/**
 * Conversions between instants and local wall-clock time in one IANA zone.
 *
 * A "wall" value is the local date and time written as if it were UTC epoch
 * milliseconds, so calendar arithmetic on it ("same time, 7 days later") is
 * plain addition with no DST in the way.
 *
 * luxon supplies the zone rules, but not its DateTime construction: for a
 * wall time that occurs twice (fall-back) luxon's fromObject picks the
 * occurrence by the offset in force at Date.now(), which would make a rendered
 * schedule depend on when it was rendered.
 *
 * Offsets are memoized per UTC day (luxon asks Intl for every lookup, ~5 µs,
 * which dominated a 10-year render). The memo assumes a zone changes its offset
 * at most once per UTC day, which holds for every tzdb zone since 1900.
 */
export class ZoneClock {
  private readonly zone: IANAZone;
  /** UTC day index → offset for the whole day, or the one change inside it. */
  private readonly days = new Map<number, number | DayWithChange>();

  constructor(readonly name: string) {
    if (!IANAZone.isValidZone(name)) throw new RangeError(`unknown IANA time zone "${name}"`);
    this.zone = IANAZone.create(name);
  }

  offsetMs(at: number): number {
    const day = Math.floor(at / DAY_MS);
    let known = this.days.get(day);
    if (known === undefined) {
      if (this.days.size > MAX_MEMO_DAYS) this.days.clear();
      known = this.scanDay(day);
      this.days.set(day, known);
    }
    if (typeof known === 'number') return known;
    return at < known.changeAt ? known.before : known.after;
  }

  wallOf(at: number): number {
    return at + this.offsetMs(at);
  }

  /**
   * The instant at which local clocks show `wall`, disambiguated like
   * Temporal's 'compatible' option (and luxon for skipped times):
   * - a repeated wall time (fall-back) is its EARLIER occurrence;
   * - a skipped wall time (spring-forward) is read with the offset from before
   *   the gap, so 02:30 on a day that jumps 02:00 → 03:00 becomes 03:30.
   * The result is not monotonic in `wall` inside a gap (02:59 → 03:59 but
   * 03:00 → 03:00); callers that build intervals drop or merge what that yields.
   */
  toInstant(wall: number): number {
    // Any instant that shows `wall` lies within 14 h of it, so the offsets one
    // day either side are the only candidates.
    const before = this.offsetMs(wall - DAY_MS);
    const after = this.offsetMs(wall + DAY_MS);
    const early = wall - before;
    const late = wall - after;
    const earlyFits = this.offsetMs(early) === before;
    const lateFits = this.offsetMs(late) === after;
    if (earlyFits && lateFits) return Math.min(early, late);
    if (lateFits) return late;
    return early;
  }

  private rawOffsetMs(at: number): number {
    return Math.round(this.zone.offset(at) * MINUTE_MS);
  }

  private scanDay(day: number): number | DayWithChange {
    let lo = day * DAY_MS;
    let hi = lo + DAY_MS - 1;
    const before = this.rawOffsetMs(lo);
    const after = this.rawOffsetMs(hi);
    if (before === after) return before;
    // Bisect to the first millisecond showing the new offset.
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.rawOffsetMs(mid) === before) lo = mid;
      else hi = mid;
    }
    return { before, after, changeAt: hi };
  }
}

interface DayWithChange {
  before: number;
  after: number;
  changeAt: number;
}

/** Bounds the memo of a long-lived process; ~270 years of days per zone. */
const MAX_MEMO_DAYS = 100_000;

const clocks = new Map<string, ZoneClock>();

/** Shared per zone so the offset memo is reused across renders. Throws RangeError for an unknown zone. */
export function zoneClock(name: string): ZoneClock {
  let clock = clocks.get(name);
  if (!clock) {
    clock = new ZoneClock(name);
    clocks.set(name, clock);
  }
  return clock;
}
