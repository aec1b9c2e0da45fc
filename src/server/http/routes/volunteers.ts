/**
 * Volunteer responders (issue 8) under /api/v1: volunteers and their availability,
 * consent, vetting and pause; partner companies and the 1% pledge report; pools
 * (escalation targets); the hours ledger with coordinator approval and CSV export;
 * the audit log. It also registers the volunteer access guard (volunteer/access.ts),
 * which holds volunteers to least privilege on every /api/ route.
 *
 * Permissions: reading needs a non-volunteer role (`read`), changing configuration
 * needs `manage` (coordinators are admins); a volunteer reaches only their own
 * profile (`/volunteers/me`, or their own id) and their own pools.
 */
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { PageQuery, Pagination, errorResponses } from '../../../contract/common.js';
import {
  ApprovalCreate,
  AuditEntry,
  AvailabilityView,
  CompanyCreate,
  CompanyUpdate,
  Consent,
  History,
  Ledger,
  LedgerQuery,
  PartnerCompany,
  PledgeReport,
  PoolCreate,
  PoolLevel,
  PoolStatus,
  PoolUpdate,
  Settings,
  SettingsUpdate,
  ShiftCheck,
  ShiftWarnings,
  UnavailabilityCreate,
  Volunteer,
  VolunteerCreate,
  VolunteerIncidents,
  VolunteerPool,
  VolunteerUpdate,
  Vetting,
  AvailabilityWindow as AvailabilityWindowSchema,
} from '../../../contract/volunteer.js';
import { Service } from '../../../contract/service.js';
import { forbidden, invalid, notFound } from '../../errors.js';
import { iso, isoOrNull } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import { can } from '../../org/roles.js';
import { getUsers } from '../../org/org.store.js';
import type { TokenPrincipal } from '../../org/token.store.js';
import { getPolicy, updatePolicy as storeUpdatePolicy } from '../../escalation/policy.store.js';
import { MAX_RULES, type EscalationRule } from '../../escalation/policy.js';
import { getServicesByIds } from '../../service/service.store.js';
import { assignmentsOf, alertCounts, firstTriggerLogEntry } from '../../incident/incident.store.js';
import type { IncidentTable, PartnerCompanyTable, UserTable, VolunteerPoolTable, VolunteerTable } from '../../storage/schema.js';
import { availableWindows, isAvailable, isValidZone, showIn, toRfc5545, type AvailabilityWindow } from '../../volunteer/availability.js';
import { DEFAULT_CAPS, capsOf, shiftWarnings } from '../../volunteer/caps.js';
import { hours, isMonth, monthOf, monthsBetween, pledgeReport, toCsv } from '../../volunteer/ledger.js';
import { approvalKey, approvalStatus, computeLedger, orgZone } from '../../volunteer/ledger.service.js';
import { audit, registerVolunteerGuard, servicesOfPools, volunteerScope } from '../../volunteer/access.js';
import { availabilityOf, evaluatePool } from '../../volunteer/pool.service.js';
import * as store from '../../volunteer/volunteer.store.js';
import * as vs from '../../volunteer/volunteer.service.js';
import { responseSpans, scheduledShifts } from '../../volunteer/work.js';
import { roundRobinOrder } from '../../volunteer/round-robin.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { checkWindow, instant } from '../query.js';
import { page } from '../presenters/common.js';

const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const DAY = 86_400_000;

const isVolunteer = (p: TokenPrincipal) => p.role === 'volunteer';

export function volunteerRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;
  registerVolunteerGuard(app, db, clock);

  /** `me` or their own id for a volunteer; any id for staff with `read`. Returns the user id. */
  function subject(request: FastifyRequest, id: string, need: 'read' | 'manage' = 'read'): string {
    const principal = principalOf(request);
    const target = id === 'me' ? principal.userId : id;
    if (target === principal.userId) return target;
    if (isVolunteer(principal)) throw forbidden('volunteers can only see and change their own profile');
    if (!can(principal.role, need)) throw forbidden(need === 'manage' ? 'only admins (coordinators) can change other volunteers' : 'not allowed');
    return target;
  }

  function staffOnly(request: FastifyRequest): TokenPrincipal {
    const principal = principalOf(request);
    if (isVolunteer(principal)) throw forbidden('volunteers cannot use this endpoint; see /api/v1/volunteers/me');
    return principal;
  }

  const companyRef = (c: PartnerCompanyTable | undefined | null) => (c ? p.ref('partner_company_reference', c.id, c.name, 'partner_companies', null) : null);
  const poolRef = (pool: VolunteerPoolTable) => p.ref('volunteer_pool_reference', pool.id, pool.name, 'volunteer_pools', null);

  async function presentVolunteers(orgId: string, pairs: { user: Pick<UserTable, 'id' | 'name' | 'email'>; volunteer: VolunteerTable }[]) {
    const [companies, settings, memberships, pools] = await Promise.all([
      store.listCompanies(db, orgId),
      store.getSettings(db, orgId),
      db.selectFrom('volunteer_pool_members').selectAll().where('org_id', '=', orgId).where('user_id', 'in', pairs.length ? pairs.map((x) => x.user.id) : ['']).execute(),
      store.listPools(db, orgId),
    ]);
    const vetters = await getUsers(db, orgId, [...new Set(pairs.map((x) => x.volunteer.vetted_by).filter((x): x is string => !!x))]);
    return pairs.map(({ user, volunteer: v }) => {
      const windows = JSON.parse(v.availability) as AvailabilityWindow[];
      const vetter = vetters.find((u) => u.id === v.vetted_by);
      return {
        id: user.id,
        type: 'volunteer' as const,
        summary: user.name,
        self: `${deps.config.publicUrl}/api/v1/volunteers/${user.id}`,
        name: user.name,
        email: user.email,
        time_zone: v.time_zone,
        status: v.status,
        paused_at: isoOrNull(v.paused_at),
        pause_reason: v.pause_reason,
        company: companyRef(companies.find((c) => c.id === v.company_id)),
        skills: JSON.parse(v.skills) as string[],
        consent: { terms_version: v.consent_version, consented_at: isoOrNull(v.consented_at), current: v.consented_at !== null && (!settings?.terms_version || settings.terms_version === v.consent_version) },
        vetting: { references: !!v.references_checked, background_check: !!v.background_checked, note: v.vetting_note, vetted_at: isoOrNull(v.vetted_at), vetted_by: vetter ? p.ref('user_reference', vetter.id, vetter.name, 'users') : null },
        caps: vs.capsView(v, DEFAULT_CAPS),
        availability: { time_zone: v.time_zone, windows, rfc5545: windows.map((w) => toRfc5545(w, v.time_zone)) },
        pools: memberships.filter((m) => m.user_id === user.id).flatMap((m) => pools.filter((x) => x.id === m.pool_id).map(poolRef)),
        created_at: iso(v.created_at),
        updated_at: iso(v.updated_at),
      };
    });
  }

  async function presentOne(orgId: string, userId: string) {
    const pair = await vs.requireVolunteer(db, orgId, userId);
    return { volunteer: (await presentVolunteers(orgId, [pair]))[0]! };
  }

  // ---- settings -------------------------------------------------------------------------

  const presentSettings = async (orgId: string) => {
    const s = await store.getSettings(db, orgId);
    return { volunteer_settings: { terms_version: s?.terms_version ?? null, terms_url: s?.terms_url ?? null, value_per_hour: s?.value_per_hour ?? null, currency: s?.currency ?? null, time_zone: await orgZone(db, orgId), updated_at: isoOrNull(s?.updated_at) } };
  };

  app.get(
    '/api/v1/volunteer_settings',
    { config: { permission: 'read', volunteerAccess: 'open' }, schema: { summary: 'The organization’s volunteer settings: current terms version, value of a volunteer hour', tags: ['volunteers'], response: { 200: Settings, ...errorResponses } } },
    async (request) => presentSettings(principalOf(request).orgId),
  );

  app.put(
    '/api/v1/volunteer_settings',
    { schema: { summary: 'Change the volunteer settings (a new terms version asks every volunteer to consent again before they are paged)', tags: ['volunteers'], body: SettingsUpdate, response: { 200: Settings, ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const cur = await store.getSettings(db, principal.orgId);
      const b = request.body.volunteer_settings;
      const now = clock.now();
      await store.putSettings(db, {
        org_id: principal.orgId,
        terms_version: b.terms_version !== undefined ? b.terms_version : (cur?.terms_version ?? null),
        terms_url: b.terms_url !== undefined ? b.terms_url : (cur?.terms_url ?? null),
        value_per_hour: b.value_per_hour !== undefined ? b.value_per_hour : (cur?.value_per_hour ?? null),
        currency: b.currency !== undefined ? (b.currency?.toUpperCase() ?? null) : (cur?.currency ?? null),
        updated_at: now,
      });
      await audit(db, principal.orgId, principal.userId, 'volunteer_settings.update', 'volunteer_settings', now);
      return presentSettings(principal.orgId);
    },
  );

  // ---- partner companies ------------------------------------------------------------------

  async function presentCompanies(orgId: string, rows: PartnerCompanyTable[]) {
    const counts = await db
      .selectFrom('volunteers')
      .select(['company_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('org_id', '=', orgId)
      .where('deleted_at', 'is', null)
      .where('company_id', 'is not', null)
      .groupBy('company_id')
      .execute();
    return rows.map((c) => ({
      id: c.id,
      type: 'partner_company' as const,
      summary: c.name,
      self: `${deps.config.publicUrl}/api/v1/partner_companies/${c.id}`,
      name: c.name,
      employee_count: Number(c.employee_count),
      contact_email: c.contact_email,
      volunteers: Number(counts.find((x) => x.company_id === c.id)?.n ?? 0),
      created_at: iso(c.created_at),
    }));
  }

  async function requireCompany(orgId: string, id: string) {
    const c = await store.getCompany(db, orgId, id);
    if (!c) throw notFound(`partner company ${id}`);
    return c;
  }

  app.get(
    '/api/v1/partner_companies',
    { config: { permission: 'read' }, schema: { summary: 'Partner companies whose employees volunteer', tags: ['volunteers'], response: { 200: Type.Object({ partner_companies: Type.Array(PartnerCompany) }), ...errorResponses } } },
    async (request) => {
      const { orgId } = staffOnly(request);
      return { partner_companies: await presentCompanies(orgId, await store.listCompanies(db, orgId)) };
    },
  );

  app.post(
    '/api/v1/partner_companies',
    { schema: { summary: 'Add a partner company (employee_count sets its 1% pledge target)', tags: ['volunteers'], body: CompanyCreate, response: { 201: Type.Object({ partner_company: PartnerCompany }), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const b = request.body.partner_company;
      const now = clock.now();
      const row: PartnerCompanyTable = { org_id: principal.orgId, id: newId(now), name: b.name.trim(), employee_count: b.employee_count, contact_email: b.contact_email ?? null, created_at: now, updated_at: now, deleted_at: null };
      if (!row.name) throw invalid('partner_company.name must not be blank');
      await store.insertCompany(db, row);
      await audit(db, principal.orgId, principal.userId, 'partner_company.create', `partner_companies/${row.id}`, now);
      return reply.code(201).send({ partner_company: (await presentCompanies(principal.orgId, [row]))[0]! });
    },
  );

  app.get(
    '/api/v1/partner_companies/:id',
    { config: { permission: 'read' }, schema: { summary: 'Get a partner company', tags: ['volunteers'], params: IdParam, response: { 200: Type.Object({ partner_company: PartnerCompany }), ...errorResponses } } },
    async (request) => {
      const { orgId } = staffOnly(request);
      return { partner_company: (await presentCompanies(orgId, [await requireCompany(orgId, request.params.id)]))[0]! };
    },
  );

  app.put(
    '/api/v1/partner_companies/:id',
    { schema: { summary: 'Update a partner company', tags: ['volunteers'], params: IdParam, body: CompanyUpdate, response: { 200: Type.Object({ partner_company: PartnerCompany }), ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const c = await requireCompany(principal.orgId, request.params.id);
      const b = request.body.partner_company;
      const now = clock.now();
      const patch: Partial<PartnerCompanyTable> = { updated_at: now, ...(b.name !== undefined ? { name: b.name.trim() } : {}), ...(b.employee_count !== undefined ? { employee_count: b.employee_count } : {}), ...(b.contact_email !== undefined ? { contact_email: b.contact_email } : {}) };
      if (patch.name === '') throw invalid('partner_company.name must not be blank');
      await store.updateCompany(db, principal.orgId, c.id, patch);
      await audit(db, principal.orgId, principal.userId, 'partner_company.update', `partner_companies/${c.id}`, now);
      return { partner_company: (await presentCompanies(principal.orgId, [{ ...c, ...patch }]))[0]! };
    },
  );

  app.delete(
    '/api/v1/partner_companies/:id',
    { schema: { summary: 'Remove a partner company (its volunteers stay, with no affiliation; their ledger history stays)', tags: ['volunteers'], params: IdParam, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const c = await requireCompany(principal.orgId, request.params.id);
      const now = clock.now();
      await store.updateCompany(db, principal.orgId, c.id, { deleted_at: now });
      await audit(db, principal.orgId, principal.userId, 'partner_company.delete', `partner_companies/${c.id}`, now);
      return reply.code(204).send(undefined as never);
    },
  );

  function monthRangeOf(q: { since?: string; until?: string }, defaultSince: string, zoneNow: string): string[] {
    const since = q.since ?? defaultSince;
    const until = q.until ?? (q.since ? q.since : zoneNow);
    if (!isMonth(since) || !isMonth(until)) throw invalid('since and until must be months YYYY-MM');
    if (until < since) throw invalid('until must not be before since');
    const months = monthsBetween(since, until);
    if (months.length > 36) throw invalid('until: at most 36 months at a time');
    return months;
  }

  app.get(
    '/api/v1/partner_companies/:id/pledge_report',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'Hours the company’s volunteers gave against the 1% time pledge (20.8 h per employee per year, prorated by months); default: this year to date',
        tags: ['volunteers'],
        params: IdParam,
        querystring: Type.Object({ since: LedgerQuery.properties.since, until: LedgerQuery.properties.until }),
        response: { 200: PledgeReport, ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = staffOnly(request);
      const c = await requireCompany(orgId, request.params.id);
      const now = clock.now();
      const zone = await orgZone(db, orgId);
      const thisMonth = monthOf(now, zone);
      const months = monthRangeOf(request.query, `${thisMonth.slice(0, 4)}-01`, thisMonth);
      const [result, settings] = await Promise.all([computeLedger(db, orgId, now, months, { companyId: c.id }), store.getSettings(db, orgId)]);
      const given = result.lines.reduce((s, l) => s + l.totalMs, 0);
      const approved = result.lines.reduce((s, l) => s + (result.approvals.get(approvalKey(l.userId, l.month))?.total_ms ?? 0), 0);
      const report = pledgeReport({ employees: Number(c.employee_count), givenMs: given, months: months.length, valuePerHour: settings?.value_per_hour ?? null });
      const perUser = new Map<string, number>();
      for (const l of result.lines) perUser.set(l.userId, (perUser.get(l.userId) ?? 0) + l.totalMs);
      const users = await getUsers(db, orgId, [...perUser.keys()]);
      return {
        pledge_report: {
          company: companyRef(c)!,
          since: months[0]!,
          until: months.at(-1)!,
          employees: report.employees,
          months: report.months,
          target_hours: report.targetHours,
          given_hours: report.givenHours,
          approved_hours: hours(approved),
          fraction_of_target: report.fractionOfTarget,
          value: report.value,
          currency: settings?.currency ?? null,
          volunteers: [...perUser].map(([id, ms]) => ({ user: p.ref('user_reference', id, users.find((u) => u.id === id)?.name ?? null, 'users'), hours: hours(ms) })),
        },
      };
    },
  );

  // ---- volunteers -----------------------------------------------------------------------

  app.get(
    '/api/v1/volunteers',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'List volunteers',
        tags: ['volunteers'],
        querystring: Type.Object({ ...PageQuery, company_id: Type.Optional(Type.String({ maxLength: 64 })), pool_id: Type.Optional(Type.String({ maxLength: 64 })), status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('paused')])), skill: Type.Optional(Type.String({ maxLength: 64 })) }),
        response: { 200: Type.Object({ volunteers: Type.Array(Volunteer), ...Pagination }), ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = staffOnly(request);
      const q = request.query;
      const limit = q.limit ?? 25;
      const offset = q.offset ?? 0;
      checkWindow(limit, offset);
      const { rows, total } = await store.listVolunteers(db, orgId, { ...(q.company_id ? { companyId: q.company_id } : {}), ...(q.pool_id ? { poolId: q.pool_id } : {}), ...(q.status ? { status: q.status } : {}), ...(q.skill ? { skill: q.skill.toLowerCase() } : {}), limit, offset });
      const items = await presentVolunteers(orgId, rows.map((r) => ({ user: { id: r.user_id, name: r.name, email: r.email }, volunteer: r })));
      return page('volunteers', items, limit, offset, total, q.total);
    },
  );

  app.post(
    '/api/v1/volunteers',
    { schema: { summary: 'Add a volunteer: a member with the volunteer role and a profile (or a profile for an existing volunteer member with this email)', tags: ['volunteers'], body: VolunteerCreate, response: { 201: Type.Object({ volunteer: Volunteer }), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const { user } = await vs.createVolunteer(db, clock, principal.orgId, request.body.volunteer);
      await audit(db, principal.orgId, principal.userId, 'volunteer.create', `volunteers/${user.id}`, clock.now());
      return reply.code(201).send(await presentOne(principal.orgId, user.id));
    },
  );

  app.get(
    '/api/v1/volunteers/me',
    { config: { permission: 'read', volunteerAccess: 'open' }, schema: { summary: 'Your volunteer profile', tags: ['volunteers'], response: { 200: Type.Object({ volunteer: Volunteer }), ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      return presentOne(principal.orgId, principal.userId);
    },
  );

  app.get(
    '/api/v1/volunteers/me/services',
    { config: { permission: 'read', volunteerAccess: 'open' }, schema: { summary: 'The services of your pools, while you are on shift (empty off shift)', tags: ['volunteers'], response: { 200: Type.Object({ on_shift: Type.Boolean(), services: Type.Array(Type.Pick(Service, ['id', 'type', 'summary', 'name', 'description', 'status'])) }), ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const scope = await volunteerScope(db, principal.orgId, principal.userId, clock.now());
      const ids = new Set(scope.onShift ? scope.poolServices : []);
      for (const a of scope.assigned) ids.add(a.service_id);
      const services = await getServicesByIds(db, principal.orgId, [...ids]);
      return { on_shift: scope.onShift, services: services.map((s) => ({ id: s.id, type: 'service' as const, summary: s.name, name: s.name, description: s.description, status: s.status })) };
    },
  );

  app.get(
    '/api/v1/volunteers/me/incidents',
    { config: { permission: 'read', volunteerAccess: 'open' }, schema: { summary: 'Open incidents you may see now: assigned to you, or of your pools’ services while you are on shift', tags: ['volunteers'], response: { 200: VolunteerIncidents, ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const { orgId } = principal;
      const scope = await volunteerScope(db, orgId, principal.userId, clock.now());
      const assigned = scope.assigned.map((a) => a.incident_id);
      const serviceIds = scope.onShift ? [...scope.poolServices] : [];
      if (!assigned.length && !serviceIds.length) return { on_shift: scope.onShift, incidents: [] };
      const rows = (await db
        .selectFrom('incidents')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('status', '!=', 'resolved')
        .where((eb) => eb.or([...(assigned.length ? [eb('id', 'in', assigned)] : []), ...(serviceIds.length ? [eb('service_id', 'in', serviceIds)] : [])]))
        .orderBy('created_at')
        .limit(100)
        .execute()) as IncidentTable[];
      const ids = rows.map((r) => r.id);
      const [services, counts, assignments, triggers] = await Promise.all([getServicesByIds(db, orgId, [...new Set(rows.map((r) => r.service_id))]), alertCounts(db, orgId, ids), assignmentsOf(db, orgId, ids), firstTriggerLogEntry(db, orgId, ids)]);
      const users = await getUsers(db, orgId, [...new Set([...assignments.values()].flat().map((a) => a.user_id))]);
      const userNames = new Map(users.map((u) => [u.id, u.name]));
      for (const r of rows) await audit(db, orgId, principal.userId, 'read', `incidents/${r.id}`, clock.now());
      return {
        on_shift: scope.onShift,
        incidents: rows.map((r) => p.incident(r, { service: services.find((s) => s.id === r.service_id), counts: counts.get(r.id), assignments: assignments.get(r.id) ?? [], userNames, firstTrigger: triggers.get(r.id), includeBody: false })),
      };
    },
  );

  app.get(
    '/api/v1/volunteers/me/history',
    { config: { permission: 'read', volunteerAccess: 'open' }, schema: { summary: 'Your own history: pages, responses and hours (last 12 months)', tags: ['volunteers'], response: { 200: History, ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const { orgId, userId } = principal;
      await vs.requireVolunteer(db, orgId, userId);
      const now = clock.now();
      const zone = await orgZone(db, orgId);
      const months = monthsBetween(monthOf(now - 334 * DAY, zone), monthOf(now, zone));
      const [pages, responses, ledgerResult, pools] = await Promise.all([store.pagesOfUser(db, orgId, userId, 200), responseSpans(db, orgId, [userId], now - 365 * DAY, now + 1), computeLedger(db, orgId, now, months, { userId }), store.listPools(db, orgId)]);
      const incidentIds = [...new Set([...pages.map((x) => x.incident_id), ...responses.map((r) => r.incidentId)])];
      const incidents = incidentIds.length ? await db.selectFrom('incidents').select(['id', 'number', 'service_id']).where('org_id', '=', orgId).where('id', 'in', incidentIds).execute() : [];
      const services = await getServicesByIds(db, orgId, [...new Set(incidents.map((i) => i.service_id))]);
      const brief = (id: string) => {
        const i = incidents.find((x) => x.id === id);
        return { id, number: i ? Number(i.number) : null, service: (i && services.find((s) => s.id === i.service_id)?.name) ?? null };
      };
      return {
        pages: pages.map((x) => ({ incident: brief(x.incident_id), pool: pools.find((pl) => pl.id === x.pool_id)?.name ?? null, paged_at: iso(x.paged_at) })),
        responses: responses.map((r) => ({ incident: brief(r.incidentId), acknowledged_at: iso(r.start), ended_at: isoOrNull(r.end) })),
        hours: ledgerResult.lines.map((l) => ({ month: l.month, on_call_hours: hours(l.onCallMs), response_hours: hours(l.responseMs), total_hours: hours(l.totalMs), approved: approvalStatus(l, ledgerResult.approvals.get(approvalKey(l.userId, l.month))) === 'approved' })),
      };
    },
  );

  app.get(
    '/api/v1/volunteers/:id',
    { config: { permission: 'read', volunteerAccess: 'open' }, schema: { summary: 'Get a volunteer (a volunteer: only themselves; `me` works)', tags: ['volunteers'], params: IdParam, response: { 200: Type.Object({ volunteer: Volunteer }), ...errorResponses } } },
    async (request) => presentOne(principalOf(request).orgId, subject(request, request.params.id)),
  );

  app.put(
    '/api/v1/volunteers/:id',
    { config: { permission: 'read', volunteerAccess: 'open' }, schema: { summary: 'Update a volunteer’s profile (themselves, or anyone as admin; only admins change the partner company)', tags: ['volunteers'], params: IdParam, body: VolunteerUpdate, response: { 200: Type.Object({ volunteer: Volunteer }), ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const userId = subject(request, request.params.id, 'manage');
      await vs.updateVolunteer(db, clock, principal.orgId, userId, request.body.volunteer, can(principal.role, 'manage'));
      await audit(db, principal.orgId, principal.userId, 'volunteer.update', `volunteers/${userId}`, clock.now());
      return presentOne(principal.orgId, userId);
    },
  );

  app.delete(
    '/api/v1/volunteers/:id',
    { schema: { summary: 'Remove a volunteer profile and its pool memberships (the member and the ledger history stay; remove the member with DELETE /users/{id})', tags: ['volunteers'], params: IdParam, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const { user } = await vs.requireVolunteer(db, principal.orgId, request.params.id);
      const now = clock.now();
      await db.transaction().execute(async (trx) => {
        await store.updateVolunteer(trx, principal.orgId, user.id, { deleted_at: now, status: 'paused', paused_at: now, updated_at: now });
        await trx.deleteFrom('volunteer_pool_members').where('org_id', '=', principal.orgId).where('user_id', '=', user.id).execute();
      });
      await audit(db, principal.orgId, principal.userId, 'volunteer.delete', `volunteers/${user.id}`, now);
      return reply.code(204).send(undefined as never);
    },
  );

  app.post(
    '/api/v1/volunteers/:id/consent',
    { config: { permission: 'read', volunteerAccess: 'open' }, schema: { summary: 'Consent to the organization’s terms (the volunteer themselves; recorded with time and version)', tags: ['volunteers'], params: IdParam, body: Consent, response: { 200: Type.Object({ volunteer: Volunteer }), ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const userId = request.params.id === 'me' ? principal.userId : request.params.id;
      if (userId !== principal.userId) throw forbidden('only the volunteer can consent, for themselves');
      await vs.consent(db, clock, principal.orgId, userId, request.body.consent.terms_version);
      await audit(db, principal.orgId, principal.userId, `volunteer.consent ${request.body.consent.terms_version}`, `volunteers/${userId}`, clock.now());
      return presentOne(principal.orgId, userId);
    },
  );

  app.delete(
    '/api/v1/volunteers/:id/consent',
    { config: { permission: 'read', volunteerAccess: 'open' }, schema: { summary: 'Withdraw consent (the volunteer is no longer paged; pending pages are cancelled)', tags: ['volunteers'], params: IdParam, response: { 200: Type.Object({ volunteer: Volunteer }), ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const userId = subject(request, request.params.id, 'manage');
      await vs.withdrawConsent(db, clock, principal.orgId, userId);
      await audit(db, principal.orgId, principal.userId, 'volunteer.consent_withdrawn', `volunteers/${userId}`, clock.now());
      return presentOne(principal.orgId, userId);
    },
  );

  app.put(
    '/api/v1/volunteers/:id/vetting',
    { schema: { summary: 'Set vetting flags: references checked, background check done (admins only)', tags: ['volunteers'], params: IdParam, body: Vetting, response: { 200: Type.Object({ volunteer: Volunteer }), ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      await vs.setVetting(db, clock, principal.orgId, request.params.id, principal.userId, request.body.vetting);
      const v = request.body.vetting;
      await audit(db, principal.orgId, principal.userId, `volunteer.vetting references=${v.references ?? '-'} background_check=${v.background_check ?? '-'}`, `volunteers/${request.params.id}`, clock.now());
      return presentOne(principal.orgId, request.params.id);
    },
  );

  app.post(
    '/api/v1/volunteers/:id/pause',
    { config: { permission: 'read', volunteerAccess: 'open' }, schema: { summary: '"Pause me": takes effect at once; no pool pages the volunteer, and pages not yet sent are cancelled', tags: ['volunteers'], params: IdParam, response: { 200: Type.Object({ volunteer: Volunteer, cancelled_pages: Type.Integer(), released_open_shifts: Type.Integer({ description: 'Claimed open shifts not yet over, given back (one under way ends now).' }) }), ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const userId = subject(request, request.params.id, 'manage');
      // The body is optional ({"pause": {"reason": "…"}}), so it is checked here rather than by a schema.
      const reason = (request.body as { pause?: { reason?: unknown } } | undefined)?.pause?.reason ?? null;
      if (reason !== null && (typeof reason !== 'string' || reason.length > 255)) throw invalid('pause.reason must be a string of at most 255 characters');
      const { cancelledPages, releasedClaims } = await vs.pause(db, clock, principal.orgId, userId, reason);
      await audit(db, principal.orgId, principal.userId, 'volunteer.pause', `volunteers/${userId}`, clock.now());
      return { ...(await presentOne(principal.orgId, userId)), cancelled_pages: cancelledPages, released_open_shifts: releasedClaims };
    },
  );

  app.post(
    '/api/v1/volunteers/:id/resume',
    { config: { permission: 'read', volunteerAccess: 'open' }, schema: { summary: 'Resume after a pause', tags: ['volunteers'], params: IdParam, response: { 200: Type.Object({ volunteer: Volunteer }), ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const userId = subject(request, request.params.id, 'manage');
      await vs.resume(db, clock, principal.orgId, userId);
      await audit(db, principal.orgId, principal.userId, 'volunteer.resume', `volunteers/${userId}`, clock.now());
      return presentOne(principal.orgId, userId);
    },
  );

  // ---- availability ---------------------------------------------------------------------

  app.get(
    '/api/v1/volunteers/:id/availability',
    {
      config: { permission: 'read', volunteerAccess: 'open' },
      schema: {
        summary: 'A volunteer’s availability: the rules in their own zone, and when they may be paged in a range (default: the next 7 days) shown in time_zone (default: the organization’s zone)',
        tags: ['volunteers'],
        params: IdParam,
        querystring: Type.Object({ since: Type.Optional(Type.String({ maxLength: 64 })), until: Type.Optional(Type.String({ maxLength: 64 })), time_zone: Type.Optional(Type.String({ maxLength: 64 })) }),
        response: { 200: AvailabilityView, ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const userId = subject(request, request.params.id);
      const { volunteer } = await vs.requireVolunteer(db, principal.orgId, userId);
      const now = clock.now();
      const since = instant(request.query.since, 'since') ?? now;
      const until = instant(request.query.until, 'until') ?? since + 7 * DAY;
      if (until <= since) throw invalid('until must be after since');
      if (until - since > 92 * DAY) throw invalid('until: the range must not exceed 92 days');
      const zone = request.query.time_zone ?? (await orgZone(db, principal.orgId));
      if (!isValidZone(zone)) throw invalid(`time_zone: ${zone} is not an IANA time zone`);
      const unavailable = await store.listUnavailability(db, principal.orgId, [userId], Math.min(since, now) - 2 * DAY, Math.max(until, now) + 400 * DAY);
      const a = availabilityOf(volunteer, unavailable);
      const windows = JSON.parse(volunteer.availability) as AvailabilityWindow[];
      return {
        availability: { time_zone: volunteer.time_zone, windows, rfc5545: windows.map((w) => toRfc5545(w, volunteer.time_zone)), unavailable: unavailable.filter((u) => Number(u.end) > now).map((u) => ({ id: u.id, start: iso(Number(u.start)), end: iso(Number(u.end)), reason: u.reason })) },
        available: showIn(availableWindows(a, { from: since, to: until }), zone),
        available_now: volunteer.status === 'active' && isAvailable(a, now),
      };
    },
  );

  app.put(
    '/api/v1/volunteers/:id/availability',
    {
      config: { permission: 'read', volunteerAccess: 'open' },
      schema: { summary: 'Replace the recurring availability windows (and optionally the zone they are read in)', tags: ['volunteers'], params: IdParam, body: Type.Object({ availability: Type.Object({ time_zone: Type.Optional(Type.String({ maxLength: 64 })), windows: Type.Array(AvailabilityWindowSchema, { maxItems: 50 }) }) }), response: { 200: Type.Object({ volunteer: Volunteer }), ...errorResponses } },
    },
    async (request) => {
      const principal = principalOf(request);
      const userId = subject(request, request.params.id, 'manage');
      const b = request.body.availability;
      await vs.updateVolunteer(db, clock, principal.orgId, userId, { availability: { windows: b.windows }, ...(b.time_zone ? { time_zone: b.time_zone } : {}) }, false);
      await audit(db, principal.orgId, principal.userId, 'volunteer.availability', `volunteers/${userId}`, clock.now());
      return presentOne(principal.orgId, userId);
    },
  );

  app.post(
    '/api/v1/volunteers/:id/unavailability',
    { config: { permission: 'read', volunteerAccess: 'open' }, schema: { summary: 'Add one-off unavailability (a holiday, an exam week)', tags: ['volunteers'], params: IdParam, body: UnavailabilityCreate, response: { 201: Type.Object({ unavailability: Type.Object({ id: Type.String(), start: Type.String(), end: Type.String(), reason: Type.Union([Type.String(), Type.Null()]) }) }), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const userId = subject(request, request.params.id, 'manage');
      await vs.requireVolunteer(db, principal.orgId, userId);
      const b = request.body.unavailability;
      const start = instant(b.start, 'unavailability.start');
      const end = instant(b.end, 'unavailability.end');
      if (start === undefined || end === undefined) throw invalid('unavailability.start and unavailability.end are required');
      if (end <= start) throw invalid('unavailability.end must be after unavailability.start');
      if (end - start > 400 * DAY) throw invalid('unavailability: at most 400 days at a time');
      const now = clock.now();
      const row = { org_id: principal.orgId, id: newId(now), user_id: userId, start, end, reason: b.reason ?? null, created_at: now };
      await store.insertUnavailability(db, row);
      await audit(db, principal.orgId, principal.userId, 'volunteer.unavailability.create', `volunteers/${userId}/unavailability/${row.id}`, now);
      return reply.code(201).send({ unavailability: { id: row.id, start: iso(start), end: iso(end), reason: row.reason } });
    },
  );

  app.delete(
    '/api/v1/volunteers/:id/unavailability/:unavailability_id',
    { config: { permission: 'read', volunteerAccess: 'open' }, schema: { summary: 'Remove one-off unavailability', tags: ['volunteers'], params: Type.Object({ id: Type.String({ maxLength: 64 }), unavailability_id: Type.String({ maxLength: 64 }) }), response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const userId = subject(request, request.params.id, 'manage');
      if (!(await store.deleteUnavailability(db, principal.orgId, userId, request.params.unavailability_id))) throw notFound(`unavailability ${request.params.unavailability_id}`);
      await audit(db, principal.orgId, principal.userId, 'volunteer.unavailability.delete', `volunteers/${userId}/unavailability/${request.params.unavailability_id}`, clock.now());
      return reply.code(204).send(undefined as never);
    },
  );

  app.post(
    '/api/v1/volunteers/:id/shift_check',
    { config: { permission: 'read' }, schema: { summary: 'Before scheduling a volunteer: would this shift go past their weekly cap or rest gap?', tags: ['volunteers'], params: IdParam, body: ShiftCheck, response: { 200: ShiftWarnings, ...errorResponses } } },
    async (request) => {
      const { orgId } = staffOnly(request);
      const { volunteer } = await vs.requireVolunteer(db, orgId, request.params.id);
      const start = instant(request.body.shift.start, 'shift.start')!;
      const end = instant(request.body.shift.end, 'shift.end')!;
      if (!(end > start)) throw invalid('shift.end must be after shift.start');
      if (end - start > 7 * DAY) throw invalid('shift: at most 7 days');
      const from = start - 8 * DAY;
      const to = end + 8 * DAY;
      const [shifts, responses] = await Promise.all([scheduledShifts(db, orgId, [volunteer.user_id], from, to), responseSpans(db, orgId, [volunteer.user_id], from, to)]);
      const existing = [...shifts, ...responses.map((r) => ({ start: r.start, end: r.end ?? clock.now() }))];
      const warnings = shiftWarnings({ start, end }, existing, volunteer.time_zone, capsOf(volunteer));
      return { warnings, within_caps: warnings.length === 0 };
    },
  );

  // ---- pools ----------------------------------------------------------------------------

  async function presentPools(orgId: string, pools: VolunteerPoolTable[]) {
    const members = await store.membersOf(db, orgId, pools.map((x) => x.id));
    const users = await getUsers(db, orgId, [...new Set(members.map((m) => m.user_id))]);
    const out = [];
    for (const pool of pools) {
      const services = await getServicesByIds(db, orgId, [...(await servicesOfPools(db, orgId, [pool.id]))]);
      out.push({
        id: pool.id,
        type: 'volunteer_pool' as const,
        summary: pool.name,
        self: `${deps.config.publicUrl}/api/v1/volunteer_pools/${pool.id}`,
        name: pool.name,
        description: pool.description,
        strategy: pool.strategy,
        round_robin_timeout_minutes: Number(pool.round_robin_timeout_minutes),
        requires: { references: !!pool.requires_references, background_check: !!pool.requires_background_check, skills: JSON.parse(pool.required_skills) as string[] },
        members: members.filter((m) => m.pool_id === pool.id).map((m) => ({ user: p.ref('user_reference', m.user_id, users.find((u) => u.id === m.user_id)?.name ?? null, 'users'), joined_at: iso(m.joined_at) })),
        services: services.map((s) => p.ref('service_reference', s.id, s.name, 'services')),
        created_at: iso(pool.created_at),
        updated_at: iso(pool.updated_at),
      });
    }
    return out;
  }

  async function requirePool(orgId: string, id: string) {
    const pool = await store.getPool(db, orgId, id);
    if (!pool) throw notFound(`volunteer pool ${id}`);
    return pool;
  }

  async function checkMembers(orgId: string, ids: string[], field: string): Promise<string[]> {
    const unique = [...new Set(ids)];
    const found = await store.getVolunteers(db, orgId, unique);
    const users = await getUsers(db, orgId, unique);
    const ok = new Set(found.filter((v) => users.some((u) => u.id === v.user_id && u.deleted_at === null)).map((v) => v.user_id));
    const missing = unique.filter((id) => !ok.has(id));
    if (missing.length) throw invalid(...missing.map((id) => `${field}: ${id} is not a volunteer of this organization`));
    return unique;
  }

  app.get(
    '/api/v1/volunteer_pools',
    { config: { permission: 'read', volunteerAccess: 'open' }, schema: { summary: 'Volunteer pools (a volunteer sees the pools they belong to)', tags: ['volunteers'], response: { 200: Type.Object({ volunteer_pools: Type.Array(VolunteerPool) }), ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      let pools = await store.listPools(db, principal.orgId);
      if (isVolunteer(principal)) {
        const mine = new Set(await store.poolsOfUser(db, principal.orgId, principal.userId));
        pools = pools.filter((x) => mine.has(x.id));
      }
      return { volunteer_pools: await presentPools(principal.orgId, pools) };
    },
  );

  app.post(
    '/api/v1/volunteer_pools',
    { schema: { summary: 'Create a volunteer pool (strategy all or round_robin; vetting and skills it requires; members)', tags: ['volunteers'], body: PoolCreate, response: { 201: Type.Object({ volunteer_pool: VolunteerPool }), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const b = request.body.volunteer_pool;
      if (!b.name.trim()) throw invalid('volunteer_pool.name must not be blank');
      const now = clock.now();
      const members = await checkMembers(principal.orgId, (b.members ?? []).map((m) => m.id), 'volunteer_pool.members');
      const row: VolunteerPoolTable = {
        org_id: principal.orgId,
        id: newId(now),
        name: b.name.trim(),
        description: b.description ?? null,
        strategy: b.strategy ?? 'all',
        round_robin_timeout_minutes: b.round_robin_timeout_minutes ?? 5,
        requires_references: b.requires?.references ? 1 : 0,
        requires_background_check: b.requires?.background_check ? 1 : 0,
        required_skills: JSON.stringify([...new Set((b.requires?.skills ?? []).map((s) => s.trim().toLowerCase()))].sort()),
        created_at: now,
        updated_at: now,
        deleted_at: null,
      };
      await db.transaction().execute(async (trx) => {
        await store.insertPool(trx, row);
        for (const [i, userId] of members.entries()) await store.addMember(trx, { org_id: principal.orgId, pool_id: row.id, user_id: userId, joined_at: now + i });
      });
      await audit(db, principal.orgId, principal.userId, 'volunteer_pool.create', `volunteer_pools/${row.id}`, now);
      return reply.code(201).send({ volunteer_pool: (await presentPools(principal.orgId, [row]))[0]! });
    },
  );

  app.get(
    '/api/v1/volunteer_pools/:id',
    { config: { permission: 'read', volunteerAccess: 'open' }, schema: { summary: 'Get a volunteer pool', tags: ['volunteers'], params: IdParam, response: { 200: Type.Object({ volunteer_pool: VolunteerPool }), ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const pool = await requirePool(principal.orgId, request.params.id);
      if (isVolunteer(principal) && !(await store.poolsOfUser(db, principal.orgId, principal.userId)).includes(pool.id)) throw forbidden('volunteers see only the pools they belong to');
      return { volunteer_pool: (await presentPools(principal.orgId, [pool]))[0]! };
    },
  );

  app.put(
    '/api/v1/volunteer_pools/:id',
    { schema: { summary: 'Update a volunteer pool (members, when given, replace the current ones; those who stay keep their place)', tags: ['volunteers'], params: IdParam, body: PoolUpdate, response: { 200: Type.Object({ volunteer_pool: VolunteerPool }), ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const pool = await requirePool(principal.orgId, request.params.id);
      const b = request.body.volunteer_pool;
      const now = clock.now();
      const patch: Partial<VolunteerPoolTable> = {
        updated_at: now,
        ...(b.name !== undefined ? { name: b.name.trim() } : {}),
        ...(b.description !== undefined ? { description: b.description } : {}),
        ...(b.strategy !== undefined ? { strategy: b.strategy } : {}),
        ...(b.round_robin_timeout_minutes !== undefined ? { round_robin_timeout_minutes: b.round_robin_timeout_minutes } : {}),
        ...(b.requires?.references !== undefined ? { requires_references: b.requires.references ? 1 : 0 } : {}),
        ...(b.requires?.background_check !== undefined ? { requires_background_check: b.requires.background_check ? 1 : 0 } : {}),
        ...(b.requires?.skills !== undefined ? { required_skills: JSON.stringify([...new Set(b.requires.skills.map((s) => s.trim().toLowerCase()))].sort()) } : {}),
      };
      if (patch.name === '') throw invalid('volunteer_pool.name must not be blank');
      const members = b.members ? await checkMembers(principal.orgId, b.members.map((m) => m.id), 'volunteer_pool.members') : null;
      await db.transaction().execute(async (trx) => {
        await store.updatePool(trx, principal.orgId, pool.id, patch);
        if (members) {
          const current = await store.membersOf(trx, principal.orgId, [pool.id]);
          for (const m of current) if (!members.includes(m.user_id)) await store.removeMember(trx, principal.orgId, pool.id, m.user_id);
          for (const [i, userId] of members.entries()) await store.addMember(trx, { org_id: principal.orgId, pool_id: pool.id, user_id: userId, joined_at: now + i });
        }
      });
      await audit(db, principal.orgId, principal.userId, 'volunteer_pool.update', `volunteer_pools/${pool.id}`, now);
      return { volunteer_pool: (await presentPools(principal.orgId, [(await store.getPool(db, principal.orgId, pool.id))!]))[0]! };
    },
  );

  app.delete(
    '/api/v1/volunteer_pools/:id',
    { schema: { summary: 'Delete a volunteer pool (refused while an escalation policy targets it)', tags: ['volunteers'], params: IdParam, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const pool = await requirePool(principal.orgId, request.params.id);
      const using = (await db.selectFrom('escalation_policies').select(['id', 'name', 'rules']).where('org_id', '=', principal.orgId).where('deleted_at', 'is', null).execute()).filter((x) =>
        (JSON.parse(x.rules) as EscalationRule[]).some((r) => r.targets.some((t) => t.type === 'volunteer_pool_reference' && t.id === pool.id)),
      );
      if (using.length) throw invalid(...using.map((x) => `volunteer_pool: escalation policy ${x.name} (${x.id}) targets this pool; remove it from the policy first`));
      const now = clock.now();
      await store.updatePool(db, principal.orgId, pool.id, { deleted_at: now });
      await audit(db, principal.orgId, principal.userId, 'volunteer_pool.delete', `volunteer_pools/${pool.id}`, now);
      return reply.code(204).send(undefined as never);
    },
  );

  app.put(
    '/api/v1/volunteer_pools/:id/members/:user_id',
    { schema: { summary: 'Add a volunteer to the pool', tags: ['volunteers'], params: Type.Object({ id: Type.String({ maxLength: 64 }), user_id: Type.String({ maxLength: 64 }) }), response: { 200: Type.Object({ volunteer_pool: VolunteerPool }), ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const pool = await requirePool(principal.orgId, request.params.id);
      await checkMembers(principal.orgId, [request.params.user_id], 'user_id');
      const now = clock.now();
      await store.addMember(db, { org_id: principal.orgId, pool_id: pool.id, user_id: request.params.user_id, joined_at: now });
      await audit(db, principal.orgId, principal.userId, 'volunteer_pool.member_add', `volunteer_pools/${pool.id}/members/${request.params.user_id}`, now);
      return { volunteer_pool: (await presentPools(principal.orgId, [pool]))[0]! };
    },
  );

  app.delete(
    '/api/v1/volunteer_pools/:id/members/:user_id',
    { schema: { summary: 'Remove a volunteer from the pool', tags: ['volunteers'], params: Type.Object({ id: Type.String({ maxLength: 64 }), user_id: Type.String({ maxLength: 64 }) }), response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const pool = await requirePool(principal.orgId, request.params.id);
      if (!(await store.removeMember(db, principal.orgId, pool.id, request.params.user_id))) throw notFound(`member ${request.params.user_id} of volunteer pool ${pool.id}`);
      await audit(db, principal.orgId, principal.userId, 'volunteer_pool.member_remove', `volunteer_pools/${pool.id}/members/${request.params.user_id}`, clock.now());
      return reply.code(204).send(undefined as never);
    },
  );

  app.get(
    '/api/v1/volunteer_pools/:id/status',
    {
      config: { permission: 'read' },
      schema: { summary: 'Who the pool would page now (or at `at`), least recently paged first, and why the others would not be paged', tags: ['volunteers'], params: IdParam, querystring: Type.Object({ at: Type.Optional(Type.String({ maxLength: 64 })) }), response: { 200: PoolStatus, ...errorResponses } },
    },
    async (request) => {
      const { orgId } = staffOnly(request);
      const pool = await requirePool(orgId, request.params.id);
      const at = instant(request.query.at, 'at') ?? clock.now();
      const statuses = await evaluatePool(db, orgId, pool, at);
      const qualifying = roundRobinOrder(statuses.filter((s) => s.qualifies));
      const wouldPage = pool.strategy === 'round_robin' ? qualifying.slice(0, 1) : qualifying;
      return {
        at: iso(at),
        strategy: pool.strategy,
        would_page: wouldPage.map((s) => ({ id: s.userId, summary: s.name })),
        members: statuses.map((s) => ({ user: p.ref('user_reference', s.userId, s.name, 'users'), qualifies: s.qualifies, reason: s.reason, last_paged_at: isoOrNull(s.lastPagedAt) })),
      };
    },
  );

  app.post(
    '/api/v1/volunteer_pools/:id/escalation_levels',
    {
      schema: {
        summary: 'Insert a level targeting this pool into an escalation policy (volunteers as a backup layer behind staff); open incidents keep the policy they froze',
        tags: ['volunteers'],
        params: IdParam,
        body: PoolLevel,
        response: { 200: Type.Object({ escalation_policy: Type.Object({ id: Type.String(), name: Type.String(), escalation_rules: Type.Array(Type.Object({ id: Type.String(), escalation_delay_in_minutes: Type.Integer(), targets: Type.Array(Type.Object({ id: Type.String(), type: Type.String() })) })) }) }), ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const pool = await requirePool(principal.orgId, request.params.id);
      const b = request.body.escalation_level;
      const policy = await getPolicy(db, principal.orgId, b.escalation_policy.id);
      if (!policy) throw invalid(`escalation_level.escalation_policy: escalation policy ${b.escalation_policy.id} not found`);
      if (policy.rules.length >= MAX_RULES) throw invalid(`escalation_level: the policy already has ${MAX_RULES} levels`);
      if (b.position > policy.rules.length) throw invalid(`escalation_level.position must be at most ${policy.rules.length}`);
      const now = clock.now();
      const rules = [...policy.rules];
      rules.splice(b.position, 0, { id: newId(now), escalation_delay_in_minutes: b.escalation_delay_in_minutes, targets: [{ id: pool.id, type: 'volunteer_pool_reference' }] });
      await storeUpdatePolicy(db, principal.orgId, policy.id, { rules, updated_at: now });
      await audit(db, principal.orgId, principal.userId, 'volunteer_pool.escalation_level', `escalation_policies/${policy.id}`, now);
      return { escalation_policy: { id: policy.id, name: policy.name, escalation_rules: rules } };
    },
  );

  // ---- the hours ledger -----------------------------------------------------------------

  async function ledgerView(orgId: string, q: { since?: string; until?: string; company_id?: string; user_id?: string }) {
    const now = clock.now();
    const zone = await orgZone(db, orgId);
    const thisMonth = monthOf(now, zone);
    const months = monthRangeOf(q, thisMonth, thisMonth);
    const result = await computeLedger(db, orgId, now, months, { ...(q.company_id ? { companyId: q.company_id } : {}), ...(q.user_id ? { userId: q.user_id } : {}) });
    const companies = await db.selectFrom('partner_companies').selectAll().where('org_id', '=', orgId).execute();
    const users = await getUsers(db, orgId, [...new Set([...result.lines.map((l) => l.userId), ...[...result.approvals.values()].map((a) => a.approved_by)])]);
    const userById = new Map(users.map((u) => [u.id, u]));
    const lines = result.lines.map((l) => {
      const a = result.approvals.get(approvalKey(l.userId, l.month));
      const approver = a ? userById.get(a.approved_by) : undefined;
      const company = companies.find((c) => c.id === result.profiles.get(l.userId)?.company_id);
      return {
        user: p.ref('user_reference', l.userId, userById.get(l.userId)?.name ?? null, 'users'),
        email: userById.get(l.userId)?.email ?? '',
        company: companyRef(company),
        month: l.month,
        on_call_hours: hours(l.onCallMs),
        response_hours: hours(l.responseMs),
        total_hours: hours(l.totalMs),
        incidents: l.incidents,
        approval: { status: approvalStatus(l, a), approved_hours: a ? hours(a.total_ms) : null, approved_by: approver ? p.ref('user_reference', approver.id, approver.name, 'users') : null, approved_at: isoOrNull(a?.approved_at) },
      };
    });
    return {
      since: months[0]!,
      until: months.at(-1)!,
      time_zone: result.timeZone,
      lines,
      companies: result.companies.map((c) => ({ company: companyRef(companies.find((x) => x.id === c.companyId)), month: c.month, volunteers: c.volunteers, on_call_hours: hours(c.onCallMs), response_hours: hours(c.responseMs), total_hours: hours(c.totalMs) })),
    };
  }

  app.get(
    '/api/v1/volunteer_ledger',
    { config: { permission: 'read' }, schema: { summary: 'The hours ledger per volunteer and month, and per partner company (months in the organization’s zone; default: this month)', tags: ['volunteers'], querystring: LedgerQuery, response: { 200: Ledger, ...errorResponses } } },
    async (request) => {
      const { orgId } = staffOnly(request);
      const v = await ledgerView(orgId, request.query);
      return { since: v.since, until: v.until, time_zone: v.time_zone, ledger: v.lines.map(({ email: _e, ...l }) => l), companies: v.companies };
    },
  );

  app.get(
    '/api/v1/volunteer_ledger.csv',
    { config: { permission: 'read' }, schema: { summary: 'The hours ledger as CSV (RFC 4180)', tags: ['volunteers'], querystring: LedgerQuery } },
    async (request, reply) => {
      const principal = staffOnly(request);
      const v = await ledgerView(principal.orgId, request.query);
      const csv = toCsv(
        ['month', 'volunteer', 'email', 'company', 'on_call_hours', 'response_hours', 'total_hours', 'incidents', 'approval', 'approved_hours', 'approved_by', 'approved_at'],
        v.lines.map((l) => [l.month, l.user.summary ?? l.user.id, l.email, l.company?.summary ?? '', l.on_call_hours, l.response_hours, l.total_hours, l.incidents, l.approval.status, l.approval.approved_hours, l.approval.approved_by?.summary ?? '', l.approval.approved_at ?? '']),
      );
      await audit(db, principal.orgId, principal.userId, 'volunteer_ledger.export', `volunteer_ledger/${v.since}..${v.until}`, clock.now());
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="volunteer-hours-${v.since}-${v.until}.csv"`).send(csv);
    },
  );

  app.post(
    '/api/v1/volunteer_ledger/approvals',
    { schema: { summary: 'Approve a volunteer’s hours for a month as they stand now (coordinators; a later change shows as "changed")', tags: ['volunteers'], body: ApprovalCreate, response: { 201: Type.Object({ approval: Type.Object({ user: Type.Object({ id: Type.String() }), month: Type.String(), on_call_hours: Type.Number(), response_hours: Type.Number(), total_hours: Type.Number(), approved_at: Type.String() }) }), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const b = request.body.approval;
      await vs.requireVolunteer(db, principal.orgId, b.user.id).catch(async (err) => {
        // A removed volunteer's past hours can still be approved.
        if (!(await db.selectFrom('volunteers').select('user_id').where('org_id', '=', principal.orgId).where('user_id', '=', b.user.id).executeTakeFirst())) throw err;
      });
      const now = clock.now();
      const zone = await orgZone(db, principal.orgId);
      if (b.month > monthOf(now, zone)) throw invalid('approval.month must not be in the future');
      const result = await computeLedger(db, principal.orgId, now, [b.month], { userId: b.user.id });
      const line = result.lines[0] ?? { onCallMs: 0, responseMs: 0, totalMs: 0 };
      await store.putApproval(db, { org_id: principal.orgId, user_id: b.user.id, month: b.month, on_call_ms: line.onCallMs, response_ms: line.responseMs, total_ms: line.totalMs, note: b.note ?? null, approved_by: principal.userId, approved_at: now });
      await audit(db, principal.orgId, principal.userId, 'volunteer_ledger.approve', `volunteer_ledger/${b.user.id}/${b.month}`, now);
      return reply.code(201).send({ approval: { user: { id: b.user.id }, month: b.month, on_call_hours: hours(line.onCallMs), response_hours: hours(line.responseMs), total_hours: hours(line.totalMs), approved_at: iso(now) } });
    },
  );

  // ---- audit ----------------------------------------------------------------------------

  app.get(
    '/api/v1/audit_log',
    {
      schema: {
        summary: 'The audit log, newest first (admins): every volunteer access, allowed or denied, and changes to volunteer data',
        tags: ['volunteers'],
        querystring: Type.Object({ ...PageQuery, user_id: Type.Optional(Type.String({ maxLength: 64 })), since: Type.Optional(Type.String({ maxLength: 64 })) }),
        response: { 200: Type.Object({ audit_log: Type.Array(AuditEntry), ...Pagination }), ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const q = request.query;
      const limit = q.limit ?? 25;
      const offset = q.offset ?? 0;
      checkWindow(limit, offset);
      const since = instant(q.since, 'since');
      const { rows, total } = await store.listAudit(db, orgId, { ...(q.user_id ? { userId: q.user_id } : {}), ...(since !== undefined ? { since } : {}), limit, offset });
      const users = await getUsers(db, orgId, [...new Set(rows.map((r) => r.user_id).filter((x): x is string => !!x))]);
      return page('audit_log', rows.map((r) => ({ id: r.id, user: r.user_id ? p.ref('user_reference', r.user_id, users.find((u) => u.id === r.user_id)?.name ?? null, 'users') : null, action: r.action, resource: r.resource, at: iso(r.at) })), limit, offset, total, q.total);
    },
  );
}

