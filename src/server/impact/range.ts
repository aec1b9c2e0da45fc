/** Half-open time ranges [start, end) in epoch milliseconds, shared by the impact modules. */

export interface TimeRange {
  readonly start: number;
  readonly end: number;
}

/** Length of the overlap of [aStart, aEnd) and [bStart, bEnd) in ms (0 when disjoint). */
export function overlapMs(aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  return Math.max(0, Math.min(aEnd, bEnd) - Math.max(aStart, bStart));
}

/** Sorted, non-overlapping union of the ranges (touching ranges are joined); empty ones dropped. */
export function mergeRanges(ranges: readonly TimeRange[]): TimeRange[] {
  const sorted = ranges.filter((r) => r.end > r.start).sort((a, b) => a.start - b.start);
  const out: { start: number; end: number }[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push({ start: r.start, end: r.end });
  }
  return out;
}

/** True when [start, end) overlaps any of `sortedMerged` (output of {@link mergeRanges}). */
export function overlapsAny(sortedMerged: readonly TimeRange[], start: number, end: number): boolean {
  // Binary search for the first range ending after `start`.
  let lo = 0;
  let hi = sortedMerged.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sortedMerged[mid]!.end <= start) lo = mid + 1;
    else hi = mid;
  }
  const r = sortedMerged[lo];
  return r !== undefined && r.start < end;
}
