/**
 * Volunteer resources on the wire: settings, partner companies and their pledge
 * report, profiles, availability, pools, the hours ledger (JSON and CSV), a
 * volunteer's history and the audit log. The services (volunteer/*.service.ts) load
 * what a resource shows; these functions only shape it. Instants are ISO 8601,
 * hours have two decimals.
 */
import { iso, isoOrNull } from '../../lib/clock.js';
import type { AuditLogTable, PartnerCompanyTable, UserTable, VolunteerPoolTable, VolunteerTable, VolunteerUnavailabilityTable } from '../../storage/schema.js';
import { showIn, toRfc5545, type AvailabilityWindow } from '../../volunteer/availability.js';
import type { AvailabilityReport } from '../../volunteer/availability.service.js';
import { DEFAULT_CAPS } from '../../volunteer/caps.js';
import type { CompanyView, PledgeView } from '../../volunteer/company.service.js';
import { approvalKey, approvalStatus, hours, toCsv } from '../../volunteer/ledger.js';
import type { Approval, LedgerView } from '../../volunteer/ledger.service.js';
import type { PoolDetails, PoolStatus } from '../../volunteer/pool-admin.service.js';
import type { SettingsView } from '../../volunteer/settings.service.js';
import type { VolunteerDetails, VolunteerHistory } from '../../volunteer/volunteer.service.js';
import type { EscalationRule } from '../../escalation/policy.js';
import type { Presenter } from './index.js';

export const companyRef = (p: Presenter, c: PartnerCompanyTable | undefined | null) => (c ? p.ref('partner_company_reference', c.id, c.name, 'partner_companies', null) : null);
const poolRef = (p: Presenter, pool: VolunteerPoolTable) => p.ref('volunteer_pool_reference', pool.id, pool.name, 'volunteer_pools', null);
const userRef = (p: Presenter, id: string, name: string | null) => p.ref('user_reference', id, name, 'users');

export function settings(v: SettingsView) {
  const s = v.settings;
  return { terms_version: s?.terms_version ?? null, terms_url: s?.terms_url ?? null, value_per_hour: s?.value_per_hour ?? null, currency: s?.currency ?? null, time_zone: v.timeZone, updated_at: isoOrNull(s?.updated_at) };
}

export function partnerCompany(p: Presenter, { company: c, volunteers }: CompanyView) {
  return {
    id: c.id,
    type: 'partner_company' as const,
    summary: c.name,
    self: `${p.baseUrl}/api/v1/partner_companies/${c.id}`,
    name: c.name,
    employee_count: Number(c.employee_count),
    contact_email: c.contact_email,
    volunteers,
    created_at: iso(c.created_at),
  };
}

export function pledgeReport(p: Presenter, v: PledgeView) {
  const r = v.report;
  return {
    company: companyRef(p, v.company)!,
    since: v.months[0]!,
    until: v.months.at(-1)!,
    employees: r.employees,
    months: r.months,
    target_hours: r.targetHours,
    given_hours: r.givenHours,
    approved_hours: hours(v.approvedMs),
    fraction_of_target: r.fractionOfTarget,
    value: r.value,
    currency: v.currency,
    volunteers: v.volunteers.map((x) => ({ user: userRef(p, x.userId, x.name), hours: hours(x.ms) })),
  };
}

/** A profile's caps, the defaults filled in. */
export function caps(v: VolunteerTable) {
  return {
    weekly_hour_cap: v.weekly_hour_cap ?? DEFAULT_CAPS.weeklyHourCap,
    min_rest_hours: v.min_rest_hours ?? DEFAULT_CAPS.minRestHours,
    pages_per_shift: v.pages_per_shift ?? DEFAULT_CAPS.pagesPerShift,
    cooldown_hours: v.cooldown_hours ?? DEFAULT_CAPS.cooldownHours,
  };
}

export function volunteer(p: Presenter, d: VolunteerDetails) {
  const { user, volunteer: v, vetter } = d;
  const windows = JSON.parse(v.availability) as AvailabilityWindow[];
  return {
    id: user.id,
    type: 'volunteer' as const,
    summary: user.name,
    self: `${p.baseUrl}/api/v1/volunteers/${user.id}`,
    name: user.name,
    email: user.email,
    time_zone: v.time_zone,
    status: v.status,
    paused_at: isoOrNull(v.paused_at),
    pause_reason: v.pause_reason,
    company: companyRef(p, d.company),
    skills: JSON.parse(v.skills) as string[],
    consent: { terms_version: v.consent_version, consented_at: isoOrNull(v.consented_at), current: d.consentCurrent },
    vetting: { references: !!v.references_checked, background_check: !!v.background_checked, note: v.vetting_note, vetted_at: isoOrNull(v.vetted_at), vetted_by: vetter ? userRef(p, vetter.id, vetter.name) : null },
    caps: caps(v),
    availability: { time_zone: v.time_zone, windows, rfc5545: windows.map((w) => toRfc5545(w, v.time_zone)) },
    pools: d.pools.map((x) => poolRef(p, x)),
    created_at: iso(v.created_at),
    updated_at: iso(v.updated_at),
  };
}

export function unavailability(u: Pick<VolunteerUnavailabilityTable, 'id' | 'start' | 'end' | 'reason'>) {
  return { id: u.id, start: iso(Number(u.start)), end: iso(Number(u.end)), reason: u.reason };
}

export function availability(r: AvailabilityReport) {
  const v = r.volunteer;
  const windows = JSON.parse(v.availability) as AvailabilityWindow[];
  return {
    availability: { time_zone: v.time_zone, windows, rfc5545: windows.map((w) => toRfc5545(w, v.time_zone)), unavailable: r.unavailable.map(unavailability) },
    available: showIn(r.available, r.zone),
    available_now: r.availableNow,
  };
}

export function volunteerPool(p: Presenter, { pool, members, users, services }: PoolDetails) {
  return {
    id: pool.id,
    type: 'volunteer_pool' as const,
    summary: pool.name,
    self: `${p.baseUrl}/api/v1/volunteer_pools/${pool.id}`,
    name: pool.name,
    description: pool.description,
    strategy: pool.strategy,
    round_robin_timeout_minutes: Number(pool.round_robin_timeout_minutes),
    requires: { references: !!pool.requires_references, background_check: !!pool.requires_background_check, skills: JSON.parse(pool.required_skills) as string[] },
    members: members.map((m) => ({ user: userRef(p, m.user_id, users.find((u) => u.id === m.user_id)?.name ?? null), joined_at: iso(m.joined_at) })),
    services: services.map((s) => p.ref('service_reference', s.id, s.name, 'services')),
    created_at: iso(pool.created_at),
    updated_at: iso(pool.updated_at),
  };
}

export function poolStatus(p: Presenter, s: PoolStatus) {
  return {
    at: iso(s.at),
    strategy: s.strategy,
    would_page: s.wouldPage.map((m) => ({ id: m.userId, summary: m.name })),
    members: s.members.map((m) => ({ user: userRef(p, m.userId, m.name), qualifies: m.qualifies, reason: m.reason, last_paged_at: isoOrNull(m.lastPagedAt) })),
  };
}

export function poolLevel(policy: { id: string; name: string }, rules: EscalationRule[]) {
  return { id: policy.id, name: policy.name, escalation_rules: rules };
}

/** Ledger lines with the volunteer's email (the CSV shows it; the JSON answer leaves it out). */
function ledgerLines(p: Presenter, v: LedgerView) {
  const { result, companies } = v;
  const userById = new Map(v.users.map((u) => [u.id, u]));
  return result.lines.map((l) => {
    const a = result.approvals.get(approvalKey(l.userId, l.month));
    const approver = a ? userById.get(a.approved_by) : undefined;
    const company = companies.find((c) => c.id === result.profiles.get(l.userId)?.company_id);
    return {
      user: userRef(p, l.userId, userById.get(l.userId)?.name ?? null),
      email: userById.get(l.userId)?.email ?? '',
      company: companyRef(p, company),
      month: l.month,
      on_call_hours: hours(l.onCallMs),
      response_hours: hours(l.responseMs),
      total_hours: hours(l.totalMs),
      incidents: l.incidents,
      approval: { status: approvalStatus(l, a), approved_hours: a ? hours(a.total_ms) : null, approved_by: approver ? userRef(p, approver.id, approver.name) : null, approved_at: isoOrNull(a?.approved_at) },
    };
  });
}

export function ledger(p: Presenter, v: LedgerView) {
  const { result, companies } = v;
  return {
    since: v.months[0]!,
    until: v.months.at(-1)!,
    time_zone: result.timeZone,
    ledger: ledgerLines(p, v).map(({ email: _e, ...l }) => l),
    companies: result.companies.map((c) => ({ company: companyRef(p, companies.find((x) => x.id === c.companyId)), month: c.month, volunteers: c.volunteers, on_call_hours: hours(c.onCallMs), response_hours: hours(c.responseMs), total_hours: hours(c.totalMs) })),
  };
}

/** The ledger as CSV (RFC 4180), with the file name it is offered under. */
export function ledgerCsv(p: Presenter, v: LedgerView): { filename: string; csv: string } {
  const csv = toCsv(
    ['month', 'volunteer', 'email', 'company', 'on_call_hours', 'response_hours', 'total_hours', 'incidents', 'approval', 'approved_hours', 'approved_by', 'approved_at'],
    ledgerLines(p, v).map((l) => [l.month, l.user.summary ?? l.user.id, l.email, l.company?.summary ?? '', l.on_call_hours, l.response_hours, l.total_hours, l.incidents, l.approval.status, l.approval.approved_hours, l.approval.approved_by?.summary ?? '', l.approval.approved_at ?? '']),
  );
  return { filename: `volunteer-hours-${v.months[0]!}-${v.months.at(-1)!}.csv`, csv };
}

export function approval(a: Approval) {
  return { user: { id: a.userId }, month: a.month, on_call_hours: hours(a.line.onCallMs), response_hours: hours(a.line.responseMs), total_hours: hours(a.line.totalMs), approved_at: iso(a.approvedAt) };
}

export function history(h: VolunteerHistory) {
  const brief = (id: string) => {
    const i = h.incidents.find((x) => x.id === id);
    return { id, number: i ? Number(i.number) : null, service: (i && h.services.find((s) => s.id === i.service_id)?.name) ?? null };
  };
  return {
    pages: h.pages.map((x) => ({ incident: brief(x.incident_id), pool: h.pools.find((pl) => pl.id === x.pool_id)?.name ?? null, paged_at: iso(x.paged_at) })),
    responses: h.responses.map((r) => ({ incident: brief(r.incidentId), acknowledged_at: iso(r.start), ended_at: isoOrNull(r.end) })),
    hours: h.ledger.lines.map((l) => ({ month: l.month, on_call_hours: hours(l.onCallMs), response_hours: hours(l.responseMs), total_hours: hours(l.totalMs), approved: approvalStatus(l, h.ledger.approvals.get(approvalKey(l.userId, l.month))) === 'approved' })),
  };
}

export function auditEntry(p: Presenter, r: AuditLogTable, users: UserTable[]) {
  return { id: r.id, user: r.user_id ? userRef(p, r.user_id, users.find((u) => u.id === r.user_id)?.name ?? null) : null, action: r.action, resource: r.resource, at: iso(r.at) };
}
