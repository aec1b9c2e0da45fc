import { Type } from 'typebox';
import { errorResponses } from '../../../contract/common.js';
import { AuditQuery, AuditRecords } from '../../../contract/audit.js';
import { requirePolicy } from '../../escalation/policy.service.js';
import { notFound } from '../../errors.js';
import { auditRecords, hasAuditTrail } from '../../org/audit.service.js';
import { findUser } from '../../org/org.service.js';
import { requireTeam } from '../../org/team.service.js';
import { requireSchedule } from '../../schedule/schedule.service.js';
import { requireService } from '../../service/service.service.js';
import type { AuditRootType } from '../../storage/schema.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { auditRecord } from '../presenters/audit.js';
import { instant } from '../query.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/** PagerDuty's audit records of services, escalation policies, schedules, users and teams (owners and admins). */
export function auditRecordRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;
  const exists: Record<AuditRootType, (orgId: string, id: string) => Promise<unknown>> = {
    service: (orgId, id) => requireService(db, orgId, id),
    escalation_policy: (orgId, id) => requirePolicy(db, orgId, id),
    schedule: (orgId, id) => requireSchedule(db, orgId, id),
    user: async (orgId, id) => {
      if (!(await findUser(db, orgId, id))) throw notFound(`user ${id}`);
    },
    team: (orgId, id) => requireTeam(db, orgId, id),
  };
  for (const [type, path, tag] of [['service', 'services', 'services'], ['escalation_policy', 'escalation_policies', 'escalation policies'], ['schedule', 'schedules', 'schedules'], ['user', 'users', 'users'], ['team', 'teams', 'teams']] as const) {
    app.get(
      `/api/v1/${path}/:id/audit/records`,
      {
        config: { permission: 'manage' },
        schema: {
          summary: `The changes made to a ${tag.replace(/s$/, '').replace(/ie$/, 'y')}, newest first: who (member and method), create/update/delete, each changed field before and after. since defaults to 24 hours before until (default now); next_cursor continues. A deleted one's records stay readable.`,
          tags: [tag],
          params: IdParams,
          querystring: AuditQuery,
          response: { 200: AuditRecords, ...errorResponses },
        },
      },
      async (request) => {
        const { orgId } = principalOf(request);
        const q = request.query;
        const root = { type, id: request.params.id };
        const out = await auditRecords(db, clock.now(), orgId, root, {
          ...(q.limit !== undefined ? { limit: q.limit } : {}),
          ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
          ...(q.since ? { since: instant(q.since, 'since')! } : {}),
          ...(q.until ? { until: instant(q.until, 'until')! } : {}),
        });
        // A resource never seen (no live row, no record ever) is 404, like PagerDuty.
        if (out.records.length === 0 && !q.cursor && !(await hasAuditTrail(db, orgId, root))) await exists[type](orgId, root.id);
        return { records: out.records.map((r) => auditRecord(p, r)), limit: out.limit, next_cursor: out.nextCursor, response_metadata: null };
      },
    );
  }
}
