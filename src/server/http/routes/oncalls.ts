import { Type } from 'typebox';
import { PageQuery, Pagination, errorResponses } from '../../../contract/common.js';
import { Readiness } from '../../../contract/contact.js';
import { Oncall } from '../../../contract/schedule.js';
import { invalid } from '../../errors.js';
import { MAX_ONCALL_RANGE_MS, listOnCalls, readinessReport } from '../../oncall/oncall.service.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { page } from '../presenters/common.js';
import { arr, checkWindow, instant } from '../query.js';

const Ids = Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 }));

export function oncallRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;

  app.get(
    '/api/v1/oncalls',
    {
      config: { permission: 'read' },
      schema: {
        summary:
          'Who is on call, per escalation policy and level (PagerDuty Oncall objects). Default: now. at (Vigil) asks about one instant; since/until about a range of at most 90 days. A direct user target is on call permanently (start and end null).',
        tags: ['schedules'],
        querystring: Type.Object({
          ...PageQuery,
          at: Type.Optional(Type.String({ maxLength: 64 })),
          since: Type.Optional(Type.String({ maxLength: 64 })),
          until: Type.Optional(Type.String({ maxLength: 64 })),
          'schedule_ids[]': Ids,
          'escalation_policy_ids[]': Ids,
          'user_ids[]': Ids,
          earliest: Type.Optional(Type.Boolean()),
          'include[]': Type.Optional(Type.Array(Type.String({ maxLength: 64 }))),
          time_zone: Type.Optional(Type.String({ maxLength: 64 })),
        }),
        response: { 200: Type.Object({ oncalls: Type.Array(Oncall), ...Pagination }), ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const q = request.query;
      const limit = q.limit ?? 25;
      const offset = q.offset ?? 0;
      checkWindow(limit, offset);
      const at = instant(q.at, 'at');
      let since = instant(q.since, 'since');
      let until = instant(q.until, 'until');
      if (at !== undefined && (since !== undefined || until !== undefined)) throw invalid('at: give at, or since/until, not both');
      const now = clock.now();
      if (at !== undefined) since = until = at;
      since ??= until !== undefined && until < now ? until : now;
      until ??= Math.max(since, now);
      if (until < since) throw invalid('until must not be before since');
      if (until - since > MAX_ONCALL_RANGE_MS) throw invalid('until: the range must not exceed 90 days');
      const scheduleIds = arr(q['schedule_ids[]']);
      const policyIds = arr(q['escalation_policy_ids[]']);
      const userIds = arr(q['user_ids[]']);
      const { oncalls, users, policies, schedules } = await listOnCalls(db, orgId, {
        since,
        until,
        ...(scheduleIds ? { scheduleIds } : {}),
        ...(policyIds ? { policyIds } : {}),
        ...(userIds ? { userIds } : {}),
        ...(q.earliest ? { earliest: true } : {}),
      });
      const items = p.oncalls(oncalls.slice(offset, offset + limit), { users, policies, schedules });
      return page('oncalls', items, limit, offset, oncalls.length, q.total);
    },
  );

  app.get(
    '/api/v1/oncall-readiness',
    {
      config: { permission: 'read' },
      schema: {
        summary:
          'Users on call now or within the next `days` days (default 7), through any schedule or as a direct escalation-policy target, whom nobody could page at high urgency: no contact method, none verified, or no notification rule using a verified one. Sorted by first shift.',
        tags: ['schedules'],
        querystring: Type.Object({ days: Type.Optional(Type.Integer({ minimum: 0, maximum: 90, default: 7 })) }),
        response: { 200: Readiness, ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const days = request.query.days ?? 7;
      return p.readiness(await readinessReport(db, orgId, clock.now(), days), days);
    },
  );
}
