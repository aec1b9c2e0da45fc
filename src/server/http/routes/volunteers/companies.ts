/**
 * /api/v1/partner_companies: companies whose employees volunteer, and each one's report
 * against the 1% time pledge. Staff only; changes need `manage` (coordinators).
 */
import { Type } from 'typebox';
import { errorResponses } from '../../../../contract/common.js';
import { CompanyCreate, CompanyUpdate, LedgerQuery, PartnerCompany, PledgeReport } from '../../../../contract/volunteer.js';
import * as companies from '../../../volunteer/company.service.js';
import type { App, AppDeps } from '../../deps.js';
import { principalOf } from '../../plugins/auth.js';
import * as present from '../../presenters/volunteer.js';
import { IdParam, staffOnly } from './access.js';

export function partnerCompanyRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;
  const one = { 200: Type.Object({ partner_company: PartnerCompany }), ...errorResponses };

  app.get(
    '/api/v1/partner_companies',
    { config: { permission: 'read' }, schema: { summary: 'Partner companies whose employees volunteer', tags: ['volunteers'], response: { 200: Type.Object({ partner_companies: Type.Array(PartnerCompany) }), ...errorResponses } } },
    async (request) => {
      const { orgId } = staffOnly(request);
      return { partner_companies: (await companies.listCompanies(db, orgId)).map((c) => present.partnerCompany(p, c)) };
    },
  );

  app.post(
    '/api/v1/partner_companies',
    { schema: { summary: 'Add a partner company (employee_count sets its 1% pledge target)', tags: ['volunteers'], body: CompanyCreate, response: { 201: Type.Object({ partner_company: PartnerCompany }), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const c = await companies.createCompany(db, clock, principal.orgId, principal.userId, request.body.partner_company);
      return reply.code(201).send({ partner_company: present.partnerCompany(p, c) });
    },
  );

  app.get(
    '/api/v1/partner_companies/:id',
    { config: { permission: 'read' }, schema: { summary: 'Get a partner company', tags: ['volunteers'], params: IdParam, response: one } },
    async (request) => {
      const { orgId } = staffOnly(request);
      return { partner_company: present.partnerCompany(p, await companies.getCompany(db, orgId, request.params.id)) };
    },
  );

  app.put(
    '/api/v1/partner_companies/:id',
    { schema: { summary: 'Update a partner company', tags: ['volunteers'], params: IdParam, body: CompanyUpdate, response: one } },
    async (request) => {
      const principal = principalOf(request);
      return { partner_company: present.partnerCompany(p, await companies.updateCompany(db, clock, principal.orgId, principal.userId, request.params.id, request.body.partner_company)) };
    },
  );

  app.delete(
    '/api/v1/partner_companies/:id',
    { schema: { summary: 'Remove a partner company (its volunteers stay, with no affiliation; their ledger history stays)', tags: ['volunteers'], params: IdParam, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      await companies.deleteCompany(db, clock, principal.orgId, principal.userId, request.params.id);
      return reply.code(204).send(undefined as never);
    },
  );

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
      return { pledge_report: present.pledgeReport(p, await companies.pledge(db, clock, orgId, request.params.id, request.query)) };
    },
  );
}
