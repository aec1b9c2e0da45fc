/**
 * Partner companies whose employees volunteer, and each one's report against the 1%
 * time pledge (20.8 h per employee per year, prorated by months; the arithmetic is in
 * ledger.ts). Removing a company keeps its volunteers, with no affiliation, and their
 * ledger history.
 */
import type { Kysely } from 'kysely';
import { invalid, notFound } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { getUsers } from '../org/org.store.js';
import type { Database, PartnerCompanyTable } from '../storage/schema.js';
import { audit } from './access.service.js';
import { approvalKey, monthOf, pledgeReport, type PledgeReport } from './ledger.js';
import { computeLedger, monthRangeOf, orgZone } from './ledger.service.js';
import * as store from './volunteer.store.js';

type Db = Kysely<Database>;

/** A company and how many live volunteers it has. */
export interface CompanyView {
  company: PartnerCompanyTable;
  volunteers: number;
}

export interface CompanyInput {
  name?: string;
  employee_count?: number;
  contact_email?: string | null;
}

async function withCounts(db: Db, orgId: string, rows: PartnerCompanyTable[]): Promise<CompanyView[]> {
  const counts = await store.countVolunteersByCompany(db, orgId);
  return rows.map((company) => ({ company, volunteers: counts.get(company.id) ?? 0 }));
}

async function requireCompany(db: Db, orgId: string, id: string): Promise<PartnerCompanyTable> {
  const c = await store.getCompany(db, orgId, id);
  if (!c) throw notFound(`partner company ${id}`);
  return c;
}

export async function listCompanies(db: Db, orgId: string): Promise<CompanyView[]> {
  return withCounts(db, orgId, await store.listCompanies(db, orgId));
}

export async function getCompany(db: Db, orgId: string, id: string): Promise<CompanyView> {
  return (await withCounts(db, orgId, [await requireCompany(db, orgId, id)]))[0]!;
}

export async function createCompany(db: Db, clock: Clock, orgId: string, actorId: string, b: CompanyInput & { name: string; employee_count: number }): Promise<CompanyView> {
  const now = clock.now();
  const row: PartnerCompanyTable = { org_id: orgId, id: newId(now), name: b.name.trim(), employee_count: b.employee_count, contact_email: b.contact_email ?? null, created_at: now, updated_at: now, deleted_at: null };
  if (!row.name) throw invalid('partner_company.name must not be blank');
  await store.insertCompany(db, row);
  await audit(db, orgId, actorId, 'partner_company.create', `partner_companies/${row.id}`, now);
  return (await withCounts(db, orgId, [row]))[0]!;
}

export async function updateCompany(db: Db, clock: Clock, orgId: string, actorId: string, id: string, b: CompanyInput): Promise<CompanyView> {
  const c = await requireCompany(db, orgId, id);
  const now = clock.now();
  const patch: Partial<PartnerCompanyTable> = { updated_at: now, ...(b.name !== undefined ? { name: b.name.trim() } : {}), ...(b.employee_count !== undefined ? { employee_count: b.employee_count } : {}), ...(b.contact_email !== undefined ? { contact_email: b.contact_email } : {}) };
  if (patch.name === '') throw invalid('partner_company.name must not be blank');
  await store.updateCompany(db, orgId, c.id, patch);
  await audit(db, orgId, actorId, 'partner_company.update', `partner_companies/${c.id}`, now);
  return (await withCounts(db, orgId, [{ ...c, ...patch }]))[0]!;
}

export async function deleteCompany(db: Db, clock: Clock, orgId: string, actorId: string, id: string): Promise<void> {
  const c = await requireCompany(db, orgId, id);
  const now = clock.now();
  await store.updateCompany(db, orgId, c.id, { deleted_at: now });
  await audit(db, orgId, actorId, 'partner_company.delete', `partner_companies/${c.id}`, now);
}

export interface PledgeView {
  company: PartnerCompanyTable;
  months: string[];
  report: PledgeReport;
  /** Of the hours given, those a coordinator approved (as approved). */
  approvedMs: number;
  currency: string | null;
  volunteers: { userId: string; name: string | null; ms: number }[];
}

/** Hours the company's volunteers gave over the months asked (default: this year to date). */
export async function pledge(db: Db, clock: Clock, orgId: string, id: string, q: { since?: string; until?: string }): Promise<PledgeView> {
  const c = await requireCompany(db, orgId, id);
  const now = clock.now();
  const zone = await orgZone(db, orgId);
  const thisMonth = monthOf(now, zone);
  const months = monthRangeOf(q, `${thisMonth.slice(0, 4)}-01`, thisMonth);
  const [result, settings] = await Promise.all([computeLedger(db, orgId, now, months, { companyId: c.id }), store.getSettings(db, orgId)]);
  const given = result.lines.reduce((s, l) => s + l.totalMs, 0);
  const approved = result.lines.reduce((s, l) => s + (result.approvals.get(approvalKey(l.userId, l.month))?.total_ms ?? 0), 0);
  const report = pledgeReport({ employees: Number(c.employee_count), givenMs: given, months: months.length, valuePerHour: settings?.value_per_hour ?? null });
  const perUser = new Map<string, number>();
  for (const l of result.lines) perUser.set(l.userId, (perUser.get(l.userId) ?? 0) + l.totalMs);
  const users = await getUsers(db, orgId, [...perUser.keys()]);
  return {
    company: c,
    months,
    report,
    approvedMs: approved,
    currency: settings?.currency ?? null,
    volunteers: [...perUser].map(([userId, ms]) => ({ userId, name: users.find((u) => u.id === userId)?.name ?? null, ms })),
  };
}
