import { Type } from 'typebox';
import { IdParams, errorResponses } from '../../../contract/common.js';
import { PagingPath } from '../../../contract/paging-path.js';
import { notFound } from '../../errors.js';
import { pagingPath } from '../../oncall/paging-path.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { instant } from '../query.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** GET /services/{id}/paging_path: who an alert on the service would page at a moment, and every gap. */
export function pagingPathRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p, targets } = deps;
  app.get(
    '/api/v1/services/:id/paging_path',
    {
      config: { permission: 'read' },
      schema: {
        summary:
          'Who gets paged (Vigil extension): the path an alert on this service would take at `at` (default now): its urgency then (from the service’s urgency rule and support hours, for `severity`, default critical, unless `urgency` is given), each escalation level with the time it fires, the people each target resolves to then (volunteers within their availability and caps), how each would be notified, and every gap. Nothing is paged.',
        tags: ['services'],
        params: IdParams,
        querystring: Type.Object({
          at: Type.Optional(Type.String({ maxLength: 64 })),
          severity: Type.Optional(Type.Union([Type.Literal('critical'), Type.Literal('error'), Type.Literal('warning'), Type.Literal('info')])),
          urgency: Type.Optional(Type.Union([Type.Literal('high'), Type.Literal('low')])),
        }),
        response: { 200: Type.Object({ paging_path: PagingPath }), ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const q = request.query;
      const at = instant(q.at, 'at') ?? clock.now();
      const path = await pagingPath(db, targets, orgId, request.params.id, at, { ...(q.severity ? { severity: q.severity } : {}), ...(q.urgency ? { urgency: q.urgency } : {}) });
      if (!path) throw notFound(`service ${request.params.id}`);
      return {
        paging_path: {
          service: p.ref('service_reference', path.service.id, path.service.name, 'services'),
          at: iso(path.at),
          urgency: path.urgency,
          maintenance: path.maintenance ? { start: iso(path.maintenance.start), end: iso(path.maintenance.end) } : null,
          escalation_policy: path.policy ? p.ref('escalation_policy_reference', path.policy.id, path.policy.name, 'escalation_policies') : null,
          num_loops: path.policy?.numLoops ?? 0,
          levels: path.levels.map((l) => ({
            level: l.level,
            fires_at: iso(l.at),
            escalation_delay_in_minutes: l.escalationDelayMinutes,
            targets: l.targets.map((t) => ({ id: t.target.id, type: t.target.type, problems: t.problems })),
            people: l.people.map((x) => ({
              user: p.ref('user_reference', x.user.id, x.user.name, 'users'),
              via: x.via,
              problem: x.problem,
              notifications: x.notifications.map((n) => ({ at: iso(n.at), channel: n.channel, contact_method: n.contactMethod })),
            })),
          })),
          gaps: path.gaps,
        },
      };
    },
  );
}
