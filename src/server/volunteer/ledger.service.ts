/**
 * The hours ledger read from the database: volunteers' scheduled shifts and response
 * spans for a range of months (the organization's calendar months), the coordinator's
 * approvals, and the per-company report against the 1% pledge. The arithmetic is in
 * ledger.ts.
 */
import type { Kysely } from 'kysely';
import { getOrganization } from '../org/org.store.js';
import type { Database, VolunteerHourApprovalTable, VolunteerTable } from '../storage/schema.js';
import { byCompany, ledger, monthRange, type CompanyLine, type LedgerLine } from './ledger.js';
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

export const approvalKey = (userId: string, month: string) => `${userId}\u0000${month}`;

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

export type ApprovalStatus = 'pending' | 'approved' | 'changed';

export function approvalStatus(line: Pick<LedgerLine, 'onCallMs' | 'responseMs' | 'totalMs'>, a: VolunteerHourApprovalTable | undefined): ApprovalStatus {
  if (!a) return 'pending';
  return a.on_call_ms === line.onCallMs && a.response_ms === line.responseMs && a.total_ms === line.totalMs ? 'approved' : 'changed';
}
