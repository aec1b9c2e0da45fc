/**
 * The parts every analytics request shares: a required date range in `filters` (ISO 8601,
 * end after start, at most MAX_RANGE_YEARS) and an optional IANA `time_zone`. Problems are
 * pushed onto the caller's list, so one 400 names every bad field at once.
 */
import { DateTime, IANAZone } from 'luxon';
import { parseTimestamp } from '../lib/timestamp.js';

/** The longest range an analytics request may cover. */
export const MAX_RANGE_YEARS = 2;

/** `filters[startField]` and `filters[endField]` as instants (null where a problem was recorded). */
export function dateRange(filters: Record<string, unknown>, startField: string, endField: string, errors: string[]): { since: number | null; until: number | null } {
  const instant = (field: string): number | null => {
    const v = filters[field];
    if (v === undefined || v === null || v === '') {
      errors.push(`filters.${field} is required`);
      return null;
    }
    const t = typeof v === 'string' ? parseTimestamp(v) : null;
    if (t === null) errors.push(`filters.${field} must be an ISO 8601 date-time, got ${JSON.stringify(v).slice(0, 64)}`);
    return t;
  };
  const since = instant(startField);
  const until = instant(endField);
  if (since !== null && until !== null) {
    if (!(until > since)) errors.push(`filters.${endField} must be after filters.${startField}`);
    else if (until > DateTime.fromMillis(since, { zone: 'utc' }).plus({ years: MAX_RANGE_YEARS }).toMillis()) errors.push(`filters.${endField}: a range may cover at most ${MAX_RANGE_YEARS} years`);
  }
  return { since, until };
}

/** The request's `time_zone`, or the organization's when it has none. */
export function requestTimeZone(value: unknown, orgZone: string, errors: string[]): string {
  if (value === undefined || value === null) return orgZone;
  if (typeof value !== 'string' || !IANAZone.isValidZone(value)) {
    errors.push(`time_zone: ${JSON.stringify(value).slice(0, 64)} is not an IANA time zone`);
    return orgZone;
  }
  return value;
}
