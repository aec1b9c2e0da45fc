/** /api/v1/coverage_gaps: unclaimed open shifts and stretches where nobody is on call, for coordinators (not volunteers). */
import { Type } from 'typebox';
import { errorResponses } from '../../../../contract/common.js';
import { CoverageGap, OpenShiftsQuery } from '../../../../contract/open-shifts.js';
import { forbidden } from '../../../errors.js';
import * as shifts from '../../../volunteer/shifts.service.js';
import type { App, AppDeps } from '../../deps.js';
import { principalOf } from '../../plugins/auth.js';
import * as present from '../../presenters/open-shift.js';
import { arr, instant } from '../../query.js';

const DAY = 86_400_000;

export function coverageGapRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;

  app.get(
    '/api/v1/coverage_gaps',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'Coverage gaps over [since, until) (default: the next 7 days; at most 92): unclaimed open shifts and stretches where nobody is on call, per schedule, in the organization’s zone (or time_zone)',
        tags: ['volunteers'],
        querystring: Type.Object({ ...OpenShiftsQuery.properties, 'schedule_ids[]': Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })])) }),
        response: { 200: Type.Object({ coverage_gaps: Type.Array(CoverageGap), time_zone: Type.String(), since: Type.String(), until: Type.String(), total_hours: Type.Number() }), ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      if (principal.role === 'volunteer') throw forbidden('volunteers cannot use this endpoint; see /api/v1/schedules/{id}/open_shifts');
      const q = request.query as { since?: string; until?: string; time_zone?: string; 'schedule_ids[]'?: string | string[] };
      const zone = await shifts.zoneFor(db, principal.orgId, q.time_zone);
      const since = instant(q.since, 'since') ?? clock.now();
      const until = instant(q.until, 'until') ?? since + 7 * DAY;
      const gaps = await shifts.coverageGaps(db, principal.orgId, since, until, arr(q['schedule_ids[]']));
      return present.coverageGaps(p, gaps, zone, since, until);
    },
  );
}
