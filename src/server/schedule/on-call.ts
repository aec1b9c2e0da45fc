import { clipToWindows, laterWins, overlay, toTimeline, type Covered } from './intervals.js';
import { restrictionWindows } from './restrictions.js';
import { rotationOf, userForTurn } from './rotation.js';
import type { FinalEntry, Layer, LayerEntry, OnCallShift, Schedule, TimeRange } from './schedule.js';
import { DAY_MS, zoneClock, type ZoneClock } from './zone.js';

/**
 * The final schedule, computed (DESIGN §3: never stored) interval by interval:
 *
 *   layer 0 turns ∩ its restriction windows
 *   ◄ painted over by layer 1, 2, … (later layers win where they have coverage;
 *     a restricted-out or empty stretch of a later layer hides nothing)
 *   ◄ painted over by overrides (later overrides win over earlier ones)
 *   → holes reported as gaps (userId null), never filled.
 *
 * Everything is a pure function of its arguments. An unknown zone throws
 * RangeError; validate untrusted schedules with validateSchedule first.
 */

/** whoIsOnCall looks this far either side of `at`; a longer shift is clipped to it. */
export const ON_CALL_HORIZON_MS = 90 * DAY_MS;

/** One layer's turns over the range, clipped to its restriction windows (not merged). */
export function renderLayer(schedule: Schedule, layerIndex: number, range: TimeRange): LayerEntry[] {
  const layer = schedule.layers[layerIndex];
  if (!layer) throw new RangeError(`no layer at index ${layerIndex}`);
  assertFinite(range);
  return layerEntries(layer, zoneClock(schedule.timeZone), range.since, range.until);
}

/** Sorted, non-overlapping entries covering exactly [since, until); empty if since >= until. */
export function renderFinal(schedule: Schedule, range: TimeRange): FinalEntry[] {
  assertFinite(range);
  const { since, until } = range;
  if (!(since < until)) return [];
  const clock = zoneClock(schedule.timeZone);

  let covered: Covered[] = [];
  for (const layer of schedule.layers) {
    covered = overlay(covered, layerEntries(layer, clock, since, until));
  }

  const overrides: Covered[] = [];
  for (const o of schedule.overrides) {
    const start = Math.max(o.start, since);
    const end = Math.min(o.end, until);
    if (start < end) overrides.push({ start, end, userId: o.userId });
  }

  return toTimeline(overlay(covered, laterWins(overrides)), since, until);
}

/**
 * Who is on call at `at`, with the contiguous shift containing it (clipped to
 * ±ON_CALL_HORIZON_MS); null in a gap.
 */
export function whoIsOnCall(schedule: Schedule, at: number): OnCallShift | null {
  // Most shifts end within days: look close first and widen only while the
  // shift runs into the edge of the window. Rendering is range-independent,
  // so the answer is the one the full horizon would give.
  for (const reach of [DAY_MS, 16 * DAY_MS, ON_CALL_HORIZON_MS]) {
    const since = at - reach;
    const until = at + reach;
    const entry = renderFinal(schedule, { since, until }).find((e) => e.start <= at && at < e.end);
    if (!entry || entry.userId === null) return null;
    const clipped = entry.start === since || entry.end === until;
    if (!clipped || reach === ON_CALL_HORIZON_MS) return { userId: entry.userId, start: entry.start, end: entry.end };
  }
  throw new Error('unreachable: the last reach always returns');
}

/** The user's final shifts overlapping the range, clipped to it. */
export function nextShifts(schedule: Schedule, userId: string, range: TimeRange): OnCallShift[] {
  return renderFinal(schedule, range)
    .filter((e) => e.userId === userId)
    .map((e) => ({ userId, start: e.start, end: e.end }));
}

/** Stretches of the range where nobody is on call. */
export function coverageGaps(schedule: Schedule, range: TimeRange): TimeRange[] {
  return renderFinal(schedule, range)
    .filter((e) => e.userId === null)
    .map((e) => ({ since: e.start, until: e.end }));
}

function layerEntries(layer: Layer, clock: ZoneClock, since: number, until: number): LayerEntry[] {
  const from = Math.max(since, layer.start);
  const to = Math.min(until, layer.end ?? Infinity);
  if (!(from < to) || layer.users.length === 0) return [];

  const rotation = rotationOf(layer, clock);
  const turns: LayerEntry[] = [];
  let k = rotation.turnAt(from);
  let start = rotation.handoff(k);
  while (start < to) {
    const end = rotation.handoff(k + 1);
    turns.push({ start: Math.max(start, from), end: Math.min(end, to), userId: userForTurn(layer.users, k), turn: k });
    start = end;
    k++;
  }
  if (layer.restrictions.length === 0) return turns;
  return clipToWindows(turns, restrictionWindows(layer.restrictions, clock, from, to));
}

/** Rendering is interval by interval, so an unbounded range would never finish. */
function assertFinite({ since, until }: TimeRange): void {
  if (!Number.isFinite(since) || !Number.isFinite(until)) throw new RangeError('since and until must be finite instants');
}
