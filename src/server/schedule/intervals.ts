import type { FinalEntry } from './schedule.js';

/**
 * Half-open interval algebra. Every list here is sorted by start with no
 * overlaps; the work is linear in the number of intervals, never in time.
 */
export interface Interval {
  start: number;
  end: number;
}

export interface Covered extends Interval {
  userId: string;
}

/** Sorted union; overlapping and touching intervals become one. */
export function unionOf(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const { start, end } of sorted) {
    const last = out.at(-1);
    if (last && start <= last.end) last.end = Math.max(last.end, end);
    else out.push({ start, end });
  }
  return out;
}

/** The parts of `items` inside `windows`. */
export function clipToWindows<T extends Interval>(items: readonly T[], windows: readonly Interval[]): T[] {
  const out: T[] = [];
  let first = 0;
  for (const item of items) {
    while (first < windows.length && windows[first]!.end <= item.start) first++;
    for (let w = first; w < windows.length && windows[w]!.start < item.end; w++) {
      const start = Math.max(item.start, windows[w]!.start);
      const end = Math.min(item.end, windows[w]!.end);
      if (start < end) out.push({ ...item, start, end });
    }
  }
  return out;
}

/** `top` painted over `base`: top everywhere it exists, base elsewhere. */
export function overlay<T extends Interval>(base: readonly T[], top: readonly T[]): T[] {
  if (top.length === 0) return [...base];
  const visible: T[] = [];
  let first = 0;
  for (const b of base) {
    while (first < top.length && top[first]!.end <= b.start) first++;
    let cursor = b.start;
    for (let i = first; i < top.length && top[i]!.start < b.end && cursor < b.end; i++) {
      const t = top[i]!;
      if (t.start > cursor) visible.push({ ...b, start: cursor, end: t.start });
      cursor = Math.max(cursor, t.end);
    }
    if (cursor < b.end) visible.push({ ...b, start: cursor, end: b.end });
  }
  return mergeByStart(visible, top);
}

/**
 * Possibly overlapping intervals made disjoint, a later item winning over an
 * earlier one where they overlap. Sweeps the sorted cut points, so the cost
 * grows with the number of intervals times how many overlap at once.
 */
export function laterWins<T extends Interval>(items: readonly T[]): T[] {
  const byStart = items.map((item, rank) => ({ item, rank })).sort((a, b) => a.item.start - b.item.start);
  if (byStart.every((b, i) => i === 0 || byStart[i - 1]!.item.end <= b.item.start)) return byStart.map((b) => b.item);

  const cuts = [...new Set(items.flatMap((i) => [i.start, i.end]))].sort((a, b) => a - b);
  const out: T[] = [];
  let active: { item: T; rank: number }[] = [];
  let next = 0;
  let lastRank = -1;
  for (let c = 0; c + 1 < cuts.length; c++) {
    const from = cuts[c]!;
    const to = cuts[c + 1]!;
    while (next < byStart.length && byStart[next]!.item.start <= from) active.push(byStart[next++]!);
    active = active.filter((a) => a.item.end > from);
    if (active.length === 0) continue;
    const top = active.reduce((best, a) => (a.rank > best.rank ? a : best));
    const last = out.at(-1);
    if (last && lastRank === top.rank && last.end === from) last.end = to;
    else out.push({ ...top.item, start: from, end: to });
    lastRank = top.rank;
  }
  return out;
}

/**
 * Covered intervals as a contiguous timeline over [since, until): holes become
 * explicit gap entries (userId null) and neighbours with the same user merge.
 */
export function toTimeline(covered: readonly Covered[], since: number, until: number): FinalEntry[] {
  const out: FinalEntry[] = [];
  const append = (start: number, end: number, userId: string | null) => {
    if (start >= end) return;
    const last = out.at(-1);
    if (last && last.userId === userId && last.end === start) last.end = end;
    else out.push({ start, end, userId });
  };
  let cursor = since;
  for (const c of covered) {
    const start = Math.max(c.start, since);
    const end = Math.min(c.end, until);
    if (start >= end) continue;
    append(cursor, start, null);
    append(start, end, c.userId);
    cursor = end;
  }
  append(cursor, until, null);
  return out;
}

function mergeByStart<T extends Interval>(a: readonly T[], b: readonly T[]): T[] {
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(a[i]!.start <= b[j]!.start ? a[i++]! : b[j++]!);
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}
