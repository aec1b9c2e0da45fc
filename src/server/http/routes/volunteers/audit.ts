/** /api/v1/audit_log: every volunteer access, allowed or denied, and changes to volunteer data (admins). */
import { Type } from 'typebox';
import { PageQuery, Pagination, errorResponses } from '../../../../contract/common.js';
import { AuditEntry } from '../../../../contract/volunteer.js';
import { auditLog } from '../../../volunteer/access.service.js';
import type { App, AppDeps } from '../../deps.js';
import { principalOf } from '../../plugins/auth.js';
import { page } from '../../presenters/common.js';
import * as present from '../../presenters/volunteer.js';
import { checkWindow, instant } from '../../query.js';

export function auditLogRoutes(app: App, deps: AppDeps): void {
  const { db, presenter: p } = deps;

  app.get(
    '/api/v1/audit_log',
    {
      schema: {
        summary: 'The audit log, newest first (admins): every volunteer access, allowed or denied, changes to volunteer data, and account management (members added, removed, their role, email or details changed, API tokens created or revoked, invitations sent)',
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
      const { rows, total, users } = await auditLog(db, orgId, { ...(q.user_id ? { userId: q.user_id } : {}), ...(since !== undefined ? { since } : {}), limit, offset });
      return page('audit_log', rows.map((r) => present.auditEntry(p, r, users)), limit, offset, total, q.total);
    },
  );
}
