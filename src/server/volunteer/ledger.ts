/**
 * The hours ledger (DESIGN §9, RESEARCH §3.3): per volunteer and month, on-call hours
 * (scheduled shifts in the final schedule) and response hours (from the volunteer's
 * acknowledgement to the resolve, or to the next un-acknowledge); the total counts
 * time that is both once. Per partner company the totals are reported against the 1%
 * time pledge: 1% of a 2,080-hour working year is 20.8 hours per employee per year,
 * optionally valued at an hourly rate set by the organization. Pure.
 *
 * Months are calendar months in the organization's zone; a shift across midnight at
 * the month's end is split between the two months.
 */
import { Temporal } from 'temporal-polyfill';
import type { VolunteerHourApprovalTable } from '../storage/schema.js';
import { clip, union, type Interval } from './availability.js';
import { HOUR_MS } from './caps.js';

export const PLEDGE_HOURS_PER_EMPLOYEE_YEAR = 20.8;

export interface WorkShift {
  userId: string;
  start: number;
  end: number;
}

export interface ResponseSpan {
  userId: string;
  incidentId: string;
  start: number;
  /** null while the incident is still acknowledged by them (counted up to `now`). */
  end: number | null;
}

/** A status change on an incident's timeline, oldest first per incident. */
export interface StatusEntry {
  incidentId: string;
  type: 'acknowledge_log_entry' | 'unacknowledge_log_entry' | 'resolve_log_entry';
  at: number;
  /** Who did it (null: the system). */
  userId: string | null;
}

/**
 * Response spans from timelines: an acknowledgement by a person opens a span that the
 * next un-acknowledgement or resolve closes. A resolve without an acknowledgement
 * gives no span (no acknowledged time was spent).
 */
export function responsesFromTimeline(entries: readonly StatusEntry[]): ResponseSpan[] {
  const byIncident = new Map<string, StatusEntry[]>();
  for (const e of entries) {
    const list = byIncident.get(e.incidentId) ?? [];
    list.push(e);
    byIncident.set(e.incidentId, list);
  }
  const out: ResponseSpan[] = [];
  for (const [incidentId, list] of byIncident) {
    list.sort((a, b) => a.at - b.at);
    let open: ResponseSpan | null = null;
    for (const e of list) {
      if (e.type === 'acknowledge_log_entry') {
        if (!open && e.userId) open = { userId: e.userId, incidentId, start: e.at, end: null };
      } else if (open) {
        open.end = e.at;
        out.push(open);
        open = null;
      }
    }
    if (open) out.push(open);
  }
  return out.sort((a, b) => a.start - b.start);
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isMonth(s: string): boolean {
  return MONTH.test(s);
}

/** [first instant, first instant of the next month) of 'YYYY-MM' in `timeZone`. */
export function monthRange(month: string, timeZone: string): Interval {
  const m = MONTH.exec(month);
  if (!m) throw new RangeError(`not a month YYYY-MM: ${month}`);
  const first = Temporal.PlainDate.from({ year: Number(m[1]), month: Number(m[2]), day: 1 });
  return { start: first.toZonedDateTime({ timeZone }).epochMilliseconds, end: first.add({ months: 1 }).toZonedDateTime({ timeZone }).epochMilliseconds };
}

/** Months from `since` to `until`, both included, in order. */
export function monthsBetween(since: string, until: string): string[] {
  const out: string[] = [];
  let d = Temporal.PlainYearMonth.from(since);
  const last = Temporal.PlainYearMonth.from(until);
  while (Temporal.PlainYearMonth.compare(d, last) <= 0 && out.length < 1200) {
    out.push(d.toString());
    d = d.add({ months: 1 });
  }
  return out;
}

export function monthOf(at: number, timeZone: string): string {
  const z = Temporal.Instant.fromEpochMilliseconds(at).toZonedDateTimeISO(timeZone);
  return `${z.year}-${String(z.month).padStart(2, '0')}`;
}

export interface LedgerLine {
  userId: string;
  month: string;
  onCallMs: number;
  responseMs: number;
  /** The union of both: an hour on call spent on an incident counts once. */
  totalMs: number;
  incidents: number;
}

/**
 * One line per volunteer and month with any time. `now` closes open responses and
 * keeps future shifts out of the count.
 */
export function ledger(input: { months: readonly string[]; timeZone: string; shifts: readonly WorkShift[]; responses: readonly ResponseSpan[]; now: number }): LedgerLine[] {
  const users = [...new Set([...input.shifts.map((s) => s.userId), ...input.responses.map((r) => r.userId)])].sort();
  const out: LedgerLine[] = [];
  for (const userId of users) {
    const shifts = union(input.shifts.filter((s) => s.userId === userId));
    const resp = input.responses.filter((r) => r.userId === userId);
    const respIv = union(resp.map((r) => ({ start: r.start, end: r.end ?? Math.max(r.start, input.now) })));
    for (const month of input.months) {
      const range = monthRange(month, input.timeZone);
      const to = Math.min(range.end, input.now);
      if (to <= range.start) continue;
      const onCall = clip(shifts, range.start, to);
      const response = clip(respIv, range.start, to);
      const sum = (l: Interval[]) => l.reduce((s, i) => s + i.end - i.start, 0);
      const onCallMs = sum(onCall);
      const responseMs = sum(response);
      if (onCallMs === 0 && responseMs === 0) continue;
      const incidents = new Set(resp.filter((r) => r.start < to && (r.end ?? input.now) > range.start).map((r) => r.incidentId)).size;
      out.push({ userId, month, onCallMs, responseMs, totalMs: sum(union([...onCall, ...response])), incidents });
    }
  }
  return out;
}

export interface CompanyLine {
  companyId: string | null;
  month: string;
  volunteers: number;
  onCallMs: number;
  responseMs: number;
  totalMs: number;
}

/** The ledger summed per partner company (null: volunteers with no affiliation) and month. */
export function byCompany(lines: readonly LedgerLine[], companyOf: (userId: string) => string | null): CompanyLine[] {
  const acc = new Map<string, CompanyLine & { users: Set<string> }>();
  for (const l of lines) {
    const companyId = companyOf(l.userId);
    const key = `${companyId ?? ''}\u0000${l.month}`;
    const c = acc.get(key) ?? { companyId, month: l.month, volunteers: 0, onCallMs: 0, responseMs: 0, totalMs: 0, users: new Set<string>() };
    c.onCallMs += l.onCallMs;
    c.responseMs += l.responseMs;
    c.totalMs += l.totalMs;
    c.users.add(l.userId);
    c.volunteers = c.users.size;
    acc.set(key, c);
  }
  return [...acc.values()].map(({ users: _u, ...c }) => c).sort((a, b) => (a.companyId ?? '').localeCompare(b.companyId ?? '') || a.month.localeCompare(b.month));
}

export interface PledgeReport {
  employees: number;
  months: number;
  /** employees × 20.8 h × months / 12. */
  targetHours: number;
  givenHours: number;
  /** givenHours / targetHours (0 when there is no target). */
  fractionOfTarget: number;
  /** givenHours × valuePerHour when the organization set a value; else null. */
  value: number | null;
}

export function pledgeReport(input: { employees: number; givenMs: number; months: number; valuePerHour: number | null }): PledgeReport {
  const targetHours = round2((input.employees * PLEDGE_HOURS_PER_EMPLOYEE_YEAR * input.months) / 12);
  const givenHours = round2(input.givenMs / HOUR_MS);
  return {
    employees: input.employees,
    months: input.months,
    targetHours,
    givenHours,
    fractionOfTarget: targetHours > 0 ? Math.round((givenHours / targetHours) * 10_000) / 10_000 : 0,
    value: input.valuePerHour === null ? null : round2(givenHours * input.valuePerHour),
  };
}

export const round2 = (x: number) => Math.round(x * 100) / 100;
export const hours = (ms: number) => round2(ms / HOUR_MS);

/** RFC 4180 CSV: fields with a comma, quote or line break are quoted; a leading = + - @ is defused against spreadsheet formulas. */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number | null | boolean)[])[]): string {
  const cell = (v: string | number | null | boolean) => {
    if (v === null) return '';
    let s = String(v);
    if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** Approvals are kept per volunteer and month. */
export const approvalKey = (userId: string, month: string) => `${userId}\u0000${month}`;

export type ApprovalStatus = 'pending' | 'approved' | 'changed';

/** A month's hours are approved as they stood then; hours that changed since read as 'changed'. */
export function approvalStatus(line: Pick<LedgerLine, 'onCallMs' | 'responseMs' | 'totalMs'>, a: VolunteerHourApprovalTable | undefined): ApprovalStatus {
  if (!a) return 'pending';
  return a.on_call_ms === line.onCallMs && a.response_ms === line.responseMs && a.total_ms === line.totalMs ? 'approved' : 'changed';
}
