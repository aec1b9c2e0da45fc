/** Deterministic series builders shared by the impact unit tests. */
import { DateTime } from 'luxon';
import type { MinuteSeries } from '../../src/server/impact/history.js';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
export const WEEK = 7 * DAY;
export const NY = 'America/New_York';

/** Epoch ms of a local wall time in `zone`, e.g. at('2025-11-03T09:00'). */
export function at(iso: string, zone = NY): number {
  const t = DateTime.fromISO(iso, { zone });
  if (!t.isValid) throw new Error(`bad fixture time ${iso}`);
  return t.toMillis();
}

/** A series of `minutes` minutes from `start` whose minute count is countAt(minuteStart). */
export function seriesFrom(start: number, minutes: number, countAt: (minuteStart: number) => number): MinuteSeries {
  const counts = new Float64Array(minutes);
  for (let i = 0; i < minutes; i++) counts[i] = countAt(start + i * MIN);
  return { start, counts };
}

const localCache = new Map<string, { hour: number; weekday: number }>();

/**
 * Local hour (0-23) and ISO weekday (1 = Monday) of an instant in `zone`. Cached per UTC hour,
 * which is exact for zones whose offsets are whole hours (all the fixtures use).
 */
export function local(t: number, zone = NY): { hour: number; weekday: number } {
  const key = `${zone}/${Math.floor(t / HOUR)}`;
  let v = localCache.get(key);
  if (v === undefined) {
    const d = DateTime.fromMillis(t, { zone });
    v = { hour: d.hour, weekday: d.weekday };
    localCache.set(key, v);
  }
  return v;
}

/** Replace counts in [from, to) with f(old, minuteStart). */
export function edit(series: MinuteSeries, from: number, to: number, f: (old: number, t: number) => number): MinuteSeries {
  const counts = Float64Array.from(series.counts as ArrayLike<number>);
  for (let i = 0; i < counts.length; i++) {
    const t = series.start + i * MIN;
    if (t >= from && t < to) counts[i] = f(counts[i]!, t);
  }
  return { start: series.start, counts };
}
