import { Type } from 'typebox';
import { IdParams, errorResponses } from '../../../contract/common.js';
import { EventRulesVerdict, PagingPath, PagingPathSample } from '../../../contract/paging-path.js';
import { Nullable } from '../../../contract/common.js';
import { notFound } from '../../errors.js';
import { pagingPath, type PagingPath as Path } from '../../oncall/paging-path.js';
import { sampleFields, sampleVerdict } from '../../ingest/sample-event.js';
import type { RulesVerdict } from '../../ingest/ingest.service.js';
import { requireService } from '../../service/service.service.js';
import { requireOrchestration } from '../../rules/orchestration.service.js';
import { priorityNames } from '../../org/priority.service.js';
import type { App, AppDeps } from '../deps.js';
import { callerLocale, principalOf } from '../plugins/auth.js';
import { word, type Wording } from '../../lib/i18n/translate.js';
import { instant } from '../query.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** The path; its words (gaps, problems, how each person is reached) in the caller's language. */
function presentPath(p: AppDeps['presenter'], path: Path, locale: string) {
  const say = (w: Wording | string) => (typeof w === 'string' ? w : word(locale, w));
  return {
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
      targets: l.targets.map((t) => ({ id: t.target.id, type: t.target.type, problems: t.problems.map(say) })),
      people: l.people.map((x) => ({
        user: p.ref('user_reference', x.user.id, x.user.name, 'users'),
        via: say(x.via),
        problem: x.problem === null ? null : say(x.problem),
        notifications: x.notifications.map((n) => ({ at: iso(n.at), channel: n.channel, contact_method: n.contactMethod })),
      })),
    })),
    gaps: path.gaps.map(say),
  };
}

type Verdict = RulesVerdict;

function outcomeOf(v: Verdict): 'triggers' | 'paused' | 'suppressed' | 'dropped' | 'unrouted' | 'resolves' {
  if (v.kind === 'drop') return 'dropped';
  if (v.kind === 'unrouted') return 'unrouted';
  if (v.decision.resolve) return 'resolves';
  if (v.decision.suppress) return 'suppressed';
  return v.decision.pauseSeconds ? 'paused' : 'triggers';
}

/** GET /services/{id}/paging_path: who an alert on the service would page at a moment, and every gap; POST: the same for a sample event, after the event rules. */
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
      return { paging_path: presentPath(p, path, await callerLocale(db, request)) };
    },
  );

  app.post(
    '/api/v1/services/:id/paging_path',
    {
      config: { permission: 'read', query: true },
      schema: {
        summary:
          'Who gets paged for a sample event (Vigil extension): the sample (PagerDuty Events API v2 shape) goes through the event rules the ingest applies (the orchestration’s router when `event_orchestration` is given, then the service’s rules), showing where it lands, whether it is suppressed, dropped, paused or resolves, the urgency and priority it gets; then the paging path for the service it lands on at `at` (after a pause). Nothing is stored or paged.',
        tags: ['services'],
        params: IdParams,
        body: PagingPathSample,
        response: { 200: Type.Object({ event_rules: EventRulesVerdict, paging_path: Nullable(PagingPath) }), ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const b = request.body;
      const at = instant(b.at, 'at') ?? clock.now();
      const fields = sampleFields(b.sample_event, 'sample_event');
      const service = await requireService(db, orgId, request.params.id);
      const orchestration = b.event_orchestration ? await requireOrchestration(db, orgId, b.event_orchestration.id) : null;
      const v = await sampleVerdict(db, orgId, orchestration ? { orchestrationId: orchestration.id } : { service }, fields, at);
      const outcome = outcomeOf(v);
      const decision = v.kind === 'drop' ? null : v.decision;
      const after = v.kind === 'drop' ? null : v.fields;
      const priorityId = decision?.priorityId ?? null;
      const priorityName = priorityId ? ((await priorityNames(db, orgId, [priorityId])).get(priorityId) ?? null) : null;
      const pause = decision?.pauseSeconds ?? 0;
      const urgency = decision?.urgency ?? b.urgency;
      const path = v.kind === 'service' && (outcome === 'triggers' || outcome === 'paused') ? await pagingPath(db, targets, orgId, v.service.id, at + pause * 1000, { severity: v.fields.severity, ...(urgency ? { urgency } : {}) }) : null;
      return {
        event_rules: {
          outcome,
          service: v.kind === 'service' ? p.ref('service_reference', v.service.id, v.service.name, 'services') : null,
          routed_by: orchestration ? p.ref('event_orchestration_reference', orchestration.id, orchestration.name, 'event_orchestrations') : null,
          suppressed: decision?.suppress ?? false,
          dropped: v.kind === 'drop',
          paused_for_seconds: decision?.pauseSeconds ?? null,
          urgency: decision?.urgency ?? null,
          severity: after?.severity ?? null,
          priority: priorityId ? p.ref('priority_reference', priorityId, priorityName, 'priorities') : null,
          summary: after?.summary ?? null,
          dedup_key: after?.dedupKey ?? null,
          notes: decision?.notes ?? [],
          matched: (v.kind === 'drop' ? v.matched : v.decision.matched).map((m) => ({ set_id: m.set, rule_id: m.rule, label: m.label, catch_all: m.rule === null })),
        },
        paging_path: path ? presentPath(p, path, await callerLocale(db, request)) : null,
      };
    },
  );
}
