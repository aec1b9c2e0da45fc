/**
 * The hours ledger read from the database: volunteers' scheduled shifts and response
 * spans for a range of months (the organization's calendar months), the coordinator's
 * approvals, and the per-company report against the 1% pledge. The arithmetic is in
 * ledger.ts.
 */
import type { Kysely } from 'kysely';
import { invalid, notFound } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { getOrganization, getUsers } from '../org/org.store.js';
import type { Database, PartnerCompanyTable, UserTable, VolunteerHourApprovalTable, VolunteerTable } from '../storage/schema.js';
import { audit } from './access.service.js';
import { approvalKey, byCompany, isMonth, ledger, monthOf, monthRange, monthsBetween, type CompanyLine, type LedgerLine } from './ledger.js';
import * as store from './volunteer.store.js';
import { responseSpans, scheduledShifts } from './work.js';

type Db = Kysely<Database>;

export interface LedgerResult {
  timeZone: string;
  lines: LedgerLine[];
  companies: CompanyLine[];
  profiles: Map<string, VolunteerTable>;
  approvals: Map<string, VolunteerHourApprovalTable>;
}

export async function orgZone(db: Db, orgId: string): Promise<string> {
  return (await getOrganization(db, orgId))?.time_zone ?? 'UTC';
}

export async function computeLedger(db: Db, orgId: string, now: number, months: string[], filter: { companyId?: string; userId?: string } = {}): Promise<LedgerResult> {
  const timeZone = await orgZone(db, orgId);
  let profiles = await store.listProfilesWithRemoved(db, orgId);
  if (filter.companyId) profiles = profiles.filter((v) => v.company_id === filter.companyId);
  if (filter.userId) profiles = profiles.filter((v) => v.user_id === filter.userId);
  const byUser = new Map(profiles.map((v) => [v.user_id, v]));
  const ids = [...byUser.keys()];
  if (!ids.length || !months.length) return { timeZone, lines: [], companies: [], profiles: byUser, approvals: new Map() };
  const from = monthRange(months[0]!, timeZone).start;
  const to = Math.min(monthRange(months.at(-1)!, timeZone).end, now);
  const [shifts, responses, approvals] = await Promise.all([
    from < to ? scheduledShifts(db, orgId, ids, from, to) : Promise.resolve([]),
    from < to ? responseSpans(db, orgId, ids, from, to) : Promise.resolve([]),
    store.listApprovals(db, orgId, months),
  ]);
  const lines = ledger({ months, timeZone, shifts, responses, now });
  return {
    timeZone,
    lines,
    companies: byCompany(lines, (u) => byUser.get(u)?.company_id ?? null),
    profiles: byUser,
    approvals: new Map(approvals.filter((a) => byUser.has(a.user_id)).map((a) => [approvalKey(a.user_id, a.month), a])),
  };
}

/** The months asked for, `since` to `until` included (YYYY-MM); at most 36. */
export function monthRangeOf(q: { since?: string; until?: string }, defaultSince: string, zoneNow: string): string[] {
  const since = q.since ?? defaultSince;
  const until = q.until ?? (q.since ? q.since : zoneNow);
  if (!isMonth(since) || !isMonth(until)) throw invalid('since and until must be months YYYY-MM');
  if (until < since) throw invalid('until must not be before since');
  const months = monthsBetween(since, until);
  if (months.length > 36) throw invalid('until: at most 36 months at a time');
  return months;
}

export interface LedgerQuery {
  since?: string;
  until?: string;
  company_id?: string;
  user_id?: string;
}

/** The ledger with what it is shown with: every partner company (removed ones too) and the users it names. */
export interface LedgerView {
  months: string[];
  result: LedgerResult;
  companies: PartnerCompanyTable[];
  users: UserTable[];
}

/** The ledger for the months asked (default: this month in the organization's zone), for one company or volunteer if asked. */
export async function ledgerView(db: Db, clock: Clock, orgId: string, q: LedgerQuery): Promise<LedgerView> {
  const now = clock.now();
  const zone = await orgZone(db, orgId);
  const thisMonth = monthOf(now, zone);
  const months = monthRangeOf(q, thisMonth, thisMonth);
  const result = await computeLedger(db, orgId, now, months, { ...(q.company_id ? { companyId: q.company_id } : {}), ...(q.user_id ? { userId: q.user_id } : {}) });
  const companies = await store.listCompaniesWithRemoved(db, orgId);
  const users = await getUsers(db, orgId, [...new Set([...result.lines.map((l) => l.userId), ...[...result.approvals.values()].map((a) => a.approved_by)])]);
  return { months, result, companies, users };
}

/** The ledger for an export; the export is audited. */
export async function exportLedger(db: Db, clock: Clock, orgId: string, actorId: string, q: LedgerQuery): Promise<LedgerView> {
  const v = await ledgerView(db, clock, orgId, q);
  await audit(db, orgId, actorId, 'volunteer_ledger.export', `volunteer_ledger/${v.months[0]!}..${v.months.at(-1)!}`, clock.now());
  return v;
}

export interface Approval {
  userId: string;
  month: string;
  line: Pick<LedgerLine, 'onCallMs' | 'responseMs' | 'totalMs'>;
  approvedAt: number;
}

/**
 * A coordinator approves a volunteer's hours for a month as they stand now (a later
 * change reads as 'changed'). A removed volunteer's past hours can still be approved.
 */
export async function approveMonth(db: Db, clock: Clock, orgId: string, actorId: string, a: { userId: string; month: string; note: string | null }): Promise<Approval> {
  if (!(await store.hasProfile(db, orgId, a.userId))) throw notFound(`volunteer ${a.userId}`);
  const now = clock.now();
  const zone = await orgZone(db, orgId);
  if (a.month > monthOf(now, zone)) throw invalid('approval.month must not be in the future');
  const result = await computeLedger(db, orgId, now, [a.month], { userId: a.userId });
  const line = result.lines[0] ?? { onCallMs: 0, responseMs: 0, totalMs: 0 };
  await store.putApproval(db, { org_id: orgId, user_id: a.userId, month: a.month, on_call_ms: line.onCallMs, response_ms: line.responseMs, total_ms: line.totalMs, note: a.note, approved_by: actorId, approved_at: now });
  await audit(db, orgId, actorId, 'volunteer_ledger.approve', `volunteer_ledger/${a.userId}/${a.month}`, now);
  return { userId: a.userId, month: a.month, line, approvedAt: now };
}
