/**
 * Seeded synthetic impact counts for the API tests: a daily cycle in a local zone (quiet nights,
 * a busy early afternoon), a milder weekend, Poisson noise per 5-minute interval.
 */
import { DateTime } from 'luxon';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;
export const WEEK = 7 * DAY;

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function poisson(rand: () => number, lambda: number): number {
  let total = 0;
  for (let left = lambda; left > 0; left -= 30) {
    const l = Math.exp(-Math.min(left, 30));
    let k = 0;
    let p = rand();
    while (p > l) {
      k++;
      p *= rand();
    }
    total += k;
  }
  return total;
}

/**
 * Mean count per minute at instant t: `peakPerHour` at 13:00–14:00 local on weekdays, about
 * 8 % of it at night, 80 % at weekends.
 */
export function ratePerMinute(t: number, zone: string, peakPerHour: number): number {
  const { hour, weekday } = localHour(t, zone);
  const h = hour + ((t % HOUR) + HOUR) % HOUR / HOUR; // zones of the tests have whole-hour offsets
  const day = 0.08 + 0.92 * Math.max(0, Math.sin((Math.PI * (h - 6)) / 15)) ** 1.5; // 06:00–21:00, peak at 13:30
  const week = weekday >= 6 ? 0.8 : 1;
  return (peakPerHour / 60) * day * week;
}

const localCache = new Map<string, { hour: number; weekday: number }>();
function localHour(t: number, zone: string): { hour: number; weekday: number } {
  const key = `${zone}/${Math.floor(t / HOUR)}`;
  let v = localCache.get(key);
  if (!v) {
    const d = DateTime.fromMillis(t, { zone });
    v = { hour: d.hour, weekday: d.weekday };
    if (localCache.size > 200_000) localCache.clear();
    localCache.set(key, v);
  }
  return v;
}

/** Mean of a 5-minute interval (sum of its minutes' rates). */
export function intervalMean(start: number, zone: string, peakPerHour: number): number {
  let m = 0;
  for (let i = 0; i < 5; i++) m += ratePerMinute(start + i * MIN, zone, peakPerHour);
  return m;
}

export interface Interval {
  start: number;
  count: number;
  mean: number;
}

/** Counts for every 5-minute interval in [from, to), in order, from one seeded stream. */
export class Generator {
  private readonly rand: () => number;
  private readonly cache = new Map<number, Interval>();
  constructor(
    readonly zone: string,
    readonly peakPerHour: number,
    seed: number,
  ) {
    this.rand = mulberry32(seed);
  }
  /** Intervals must be asked for in time order the first time (the stream is sequential). */
  interval(start: number): Interval {
    let iv = this.cache.get(start);
    if (!iv) {
      const mean = intervalMean(start, this.zone, this.peakPerHour);
      iv = { start, count: poisson(this.rand, mean), mean };
      this.cache.set(start, iv);
    }
    return iv;
  }
  range(from: number, to: number): Interval[] {
    const out: Interval[] = [];
    for (let t = from; t < to; t += 5 * MIN) out.push(this.interval(t));
    return out;
  }
}

export const sample = (iv: Interval) => ({ count: iv.count, interval_start: new Date(iv.start).toISOString(), interval_seconds: 300 });
