import { invalid } from '../errors.js';
import { parseTimestamp } from '../lib/timestamp.js';

/** `name[]` may arrive once (a string) or repeated (an array); both mean a set. */
export function arr(v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v : [v]).map(String).filter((s) => s !== '');
}

export function instant(v: string | undefined, field: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const t = parseTimestamp(v);
  if (t === null) throw invalid(`${field} must be an ISO 8601 date-time, got ${JSON.stringify(v).slice(0, 64)}`);
  return t;
}

export function checkWindow(limit: number, offset: number): void {
  if (limit + offset > 10_000) throw invalid('offset: offset + limit must not exceed 10000; narrow the query with since/until');
}
