/**
 * Responder load, pure: who carries the pages, the nights and the weekends. Everything is a
 * function of the pages sent (outbox rows of kind `page`), the incidents people acknowledged
 * or resolved, the final schedules' shifts, and each person's own time zone. Definitions in
 * docs/analytics.md.
 */
import { isNight, wallClock } from './metrics.js';

export interface Person {
  id: string;
  name: string;
  /** The person's own zone (the organization's when they set none). */
  zone: string;
}

export interface Page {
  userId: string;
  at: number;
}

export interface Shift {
  start: number;
  end: number;
  userId: string | null;
}

export interface PersonLoad {
  userId: string;
  pages: number;
  nightPages: number;
  weekendPages: number;
  secondsOnCall: number;
  incidentsHandled: number;
  lastNightPageAt: number | null;
  /** From the last night page to the end of the range (or now, if earlier); null with no night page. */
  secondsSinceLastNightPage: number | null;
}

export interface LoadInput {
  people: readonly Person[];
  pages: readonly Page[];
  /** (person, incident) for each acknowledgement or resolution they made. */
  handled: readonly { userId: string; incidentId: string }[];
  /** Final shifts of every schedule. */
  shifts: ReadonlyMap<string, readonly Shift[]>;
  since: number;
  until: number;
  now: number;
}

export function isWeekend(at: number, zone: string): boolean {
  const d = wallClock(at, zone).getUTCDay();
  return d === 0 || d === 6;
}

/** Length of the union of intervals, clipped to [since, until). */
export function coveredMs(intervals: readonly { start: number; end: number }[], since: number, until: number): number {
  const clipped = intervals
    .map((i) => ({ start: Math.max(i.start, since), end: Math.min(i.end, until) }))
    .filter((i) => i.end > i.start)
    .sort((a, b) => a.start - b.start);
  let total = 0;
  let curStart = -Infinity;
  let curEnd = -Infinity;
  for (const i of clipped) {
    if (i.start > curEnd) {
      if (curEnd > curStart) total += curEnd - curStart;
      curStart = i.start;
      curEnd = i.end;
    } else curEnd = Math.max(curEnd, i.end);
  }
  if (curEnd > curStart) total += curEnd - curStart;
  return total;
}

export function responderLoad(input: LoadInput): PersonLoad[] {
  const end = Math.min(input.until, input.now);
  const allShifts = [...input.shifts.values()].flat();
  return input.people.map((p) => {
    const pages = input.pages.filter((x) => x.userId === p.id && x.at >= input.since && x.at < input.until);
    const night = pages.filter((x) => isNight(x.at, p.zone));
    const last = night.length ? Math.max(...night.map((x) => x.at)) : null;
    return {
      userId: p.id,
      pages: pages.length,
      nightPages: night.length,
      weekendPages: pages.filter((x) => isWeekend(x.at, p.zone)).length,
      secondsOnCall: Math.round(coveredMs(allShifts.filter((s) => s.userId === p.id), input.since, input.until) / 1000),
      incidentsHandled: new Set(input.handled.filter((h) => h.userId === p.id).map((h) => h.incidentId)).size,
      lastNightPageAt: last,
      secondsSinceLastNightPage: last === null ? null : Math.max(0, Math.round((end - last) / 1000)),
    };
  });
}

export interface Spread {
  max: number;
  min: number;
  spread: number;
}

export interface RotationSpread {
  scheduleId: string;
  people: string[];
  pages: Spread;
  nightPages: Spread;
  secondsOnCall: Spread;
}

const spreadOf = (values: number[]): Spread => {
  const max = Math.max(...values);
  const min = Math.min(...values);
  return { max, min, spread: max - min };
};

/**
 * Fairness across a rotation: among the people who had a shift of the schedule in the range,
 * the most and the least loaded, and the difference. A rotation of one person has no spread (0).
 */
export function rotationSpreads(loads: readonly PersonLoad[], shifts: ReadonlyMap<string, readonly Shift[]>, since: number, until: number): RotationSpread[] {
  const byId = new Map(loads.map((l) => [l.userId, l]));
  const out: RotationSpread[] = [];
  for (const [scheduleId, list] of shifts) {
    const people = [...new Set(list.filter((s) => s.userId !== null && s.end > since && s.start < until).map((s) => s.userId!))].filter((id) => byId.has(id)).sort();
    if (!people.length) continue;
    const ls = people.map((id) => byId.get(id)!);
    out.push({
      scheduleId,
      people,
      pages: spreadOf(ls.map((l) => l.pages)),
      nightPages: spreadOf(ls.map((l) => l.nightPages)),
      secondsOnCall: spreadOf(ls.map((l) => l.secondsOnCall)),
    });
  }
  return out.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
}
