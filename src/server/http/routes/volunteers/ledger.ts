/**
 * /api/v1/volunteer_ledger: the hours ledger per volunteer and month and per partner
 * company (months in the organization's zone), as JSON or CSV, and coordinators'
 * approval of a month's hours. Staff only; exports are audited.
 */
import { Type } from 'typebox';
import { errorResponses } from '../../../../contract/common.js';
import { ApprovalCreate, Ledger, LedgerQuery } from '../../../../contract/volunteer.js';
import * as ledger from '../../../volunteer/ledger.service.js';
import type { App, AppDeps } from '../../deps.js';
import { principalOf } from '../../plugins/auth.js';
import * as present from '../../presenters/volunteer.js';
import { staffOnly } from './access.js';

const ApprovalAnswer = Type.Object({ approval: Type.Object({ user: Type.Object({ id: Type.String() }), month: Type.String(), on_call_hours: Type.Number(), response_hours: Type.Number(), total_hours: Type.Number(), approved_at: Type.String() }) });

export function volunteerLedgerRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;

  app.get(
    '/api/v1/volunteer_ledger',
    { config: { permission: 'read' }, schema: { summary: 'The hours ledger per volunteer and month, and per partner company (months in the organization’s zone; default: this month)', tags: ['volunteers'], querystring: LedgerQuery, response: { 200: Ledger, ...errorResponses } } },
    async (request) => {
      const { orgId } = staffOnly(request);
      return present.ledger(p, await ledger.ledgerView(db, clock, orgId, request.query));
    },
  );

  app.get(
    '/api/v1/volunteer_ledger.csv',
    { config: { permission: 'read' }, schema: { summary: 'The hours ledger as CSV (RFC 4180)', tags: ['volunteers'], querystring: LedgerQuery } },
    async (request, reply) => {
      const principal = staffOnly(request);
      const { filename, csv } = present.ledgerCsv(p, await ledger.exportLedger(db, clock, principal.orgId, principal.userId, request.query));
      return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`).send(csv);
    },
  );

  app.post(
    '/api/v1/volunteer_ledger/approvals',
    { schema: { summary: 'Approve a volunteer’s hours for a month as they stand now (coordinators; a later change shows as "changed")', tags: ['volunteers'], body: ApprovalCreate, response: { 201: ApprovalAnswer, ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const b = request.body.approval;
      const a = await ledger.approveMonth(db, clock, principal.orgId, principal.userId, { userId: b.user.id, month: b.month, note: b.note ?? null });
      return reply.code(201).send({ approval: present.approval(a) });
    },
  );
}
