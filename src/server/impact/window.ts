/**
 * Where did a drop begin? The impact window of an impact-drop incident should start where the
 * shortfall started, not where the detector happened to notice it (the breaching window of a
 * partial drop can start well after the drop did). Pure.
 *
 * CUSUM with a reference value: for each candidate start t in [now − lookback, now),
 *
 *     C(t) = Σ_{minutes m in [t, now)} (E_m − O_m − δ·E_m)
 *
 * and the estimate is the t that maximizes C. Before the drop each minute adds −δ·E on average
 * (so the estimate does not wander back into normal traffic by chance); during a drop deeper
 * than δ each minute adds (drop − δ)·E. With δ = 0.25, drops shallower than 25 % are left to the
 * caller's fallback (the detector's breaching window). Missing minutes add nothing.
 */
import { expectedPerMinute, type ReadyBaseline } from './baseline.js';
import type { MinuteSeries } from './history.js';

const MINUTE_MS = 60_000;

export interface DropStartOptions {
  readonly now: number;
  readonly lookbackMs: number;
  /** Reference drop δ (default 0.25). */
  readonly delta?: number;
}

/** The estimated start of the drop, or null when no start has a positive C (no drop deeper than δ). */
export function dropStart(baseline: ReadyBaseline, series: MinuteSeries, o: DropStartOptions): number | null {
  const delta = o.delta ?? 0.25;
  const end = Math.floor(o.now / MINUTE_MS) * MINUTE_MS;
  const from = Math.max(series.start, baseline.history.start, end - Math.floor(o.lookbackMs / MINUTE_MS) * MINUTE_MS);
  const n = Math.floor((end - from) / MINUTE_MS);
  if (n <= 0) return null;
  const e = expectedPerMinute(baseline, from, n);
  const offset = (from - series.start) / MINUTE_MS;
  let c = 0;
  let best = 0;
  let bestAt: number | null = null;
  for (let i = n - 1; i >= 0; i--) {
    const obs = series.counts[offset + i];
    if (obs !== undefined && !Number.isNaN(obs)) c += e[i]! * (1 - delta) - obs;
    if (c > best) {
      best = c;
      bestAt = from + i * MINUTE_MS;
    }
  }
  return bestAt;
}
