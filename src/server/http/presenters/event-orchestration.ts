/**
 * Event orchestrations → PagerDuty's shapes (`Orchestration`, `OrchestrationIntegration`,
 * `OrchestrationRouter`, `OrchestrationUnrouted`, `ServiceOrchestration`), and the
 * answers of the rule test endpoints. A routing key appears only in the answer that
 * created it; afterwards only its first characters do.
 */
import type { PathView } from '../../rules/orchestration.service.js';
import type { ActionsDef, RuleDef, ServiceOutcome, RuleMatch, RouterOutcome } from '../../rules/rules.js';
import type { EventOrchestrationIntegrationTable, EventOrchestrationTable } from '../../storage/schema.js';
import { iso } from '../../lib/clock.js';
import type { Presenter } from './index.js';

const userRef = (p: Presenter, id: string | null) => (id ? { id, type: 'user_reference', self: `${p.baseUrl}/api/v1/users/${id}` } : undefined);

export function integration(p: Presenter, i: EventOrchestrationIntegrationTable, key?: string) {
  return {
    id: i.id,
    label: i.label,
    parameters: { ...(key ? { routing_key: key } : {}), type: 'global' },
    routing_key_hint: i.key_hint,
    ingest_url: `${p.baseUrl}/v2/enqueue`,
    created_at: iso(Number(i.created_at)),
  };
}

export function orchestration(p: Presenter, o: EventOrchestrationTable, integrations: EventOrchestrationIntegrationTable[], routes: number, keys: ReadonlyMap<string, string> = new Map()) {
  return {
    id: o.id,
    type: 'event_orchestration' as const,
    self: `${p.baseUrl}/api/v1/event_orchestrations/${o.id}`,
    name: o.name,
    description: o.description,
    integrations: integrations.map((i) => integration(p, i, keys.get(i.id))),
    routes,
    created_at: iso(Number(o.created_at)),
    created_by: userRef(p, o.created_by),
    updated_at: iso(Number(o.updated_at)),
    updated_by: userRef(p, o.updated_by),
    version: String(o.version),
  };
}

function rule(r: RuleDef) {
  return { id: r.id, ...(r.label !== null ? { label: r.label } : {}), disabled: r.disabled, conditions: r.conditions, actions: r.actions as ActionsDef };
}

export function path(p: Presenter, v: PathView) {
  const base = `${p.baseUrl}/api/v1/event_orchestrations`;
  const parent =
    v.kind === 'service'
      ? { id: v.parentId, type: 'service_reference', self: `${p.baseUrl}/api/v1/services/${v.parentId}` }
      : { id: v.parentId, type: 'event_orchestration_reference', self: `${base}/${v.parentId}` };
  return {
    orchestration_path: {
      type: v.kind,
      parent,
      self: v.kind === 'service' ? `${base}/services/${v.parentId}` : `${base}/${v.parentId}/${v.kind}`,
      sets: v.path.sets.map((s) => ({ id: s.id, rules: s.rules.map(rule) })),
      catch_all: { actions: v.path.catch_all.actions },
      ...(v.created_at !== null ? { created_at: iso(v.created_at), created_by: userRef(p, v.created_by) } : {}),
      ...(v.updated_at !== null ? { updated_at: iso(v.updated_at), updated_by: userRef(p, v.updated_by) } : {}),
      version: String(v.version),
    },
  };
}

const matches = (m: RuleMatch[]) => m.map((x) => ({ set_id: x.set, rule_id: x.rule, label: x.label, catch_all: x.rule === null }));

export function routerTest(p: Presenter, t: { outcome: RouterOutcome; service: { id: string; name: string | null } | null; draft: boolean }) {
  return {
    result: {
      draft: t.draft,
      matched: matches(t.outcome.matched),
      route_to: t.service ? p.ref('service_reference', t.service.id, t.service.name, 'services') : null,
      unrouted: t.outcome.routeTo === null,
    },
  };
}

export function serviceTest(p: Presenter, t: { outcome: ServiceOutcome; priority: { id: string; name: string | null } | null; draft: boolean; active: boolean }) {
  const o = t.outcome;
  const e = o.event;
  return {
    result: {
      draft: t.draft,
      active: t.active,
      matched: matches(o.matched),
      actions: {
        drop_event: o.drop,
        suppress: o.suppress,
        suspend: o.pauseSeconds ?? null,
        priority: t.priority ? p.ref('priority_reference', t.priority.id, t.priority.name, 'priorities', null) : null,
        severity: o.severity ?? null,
        urgency: o.urgency ?? null,
        event_action: o.eventAction ?? null,
        annotations: o.notes,
      },
      event: {
        payload: {
          summary: e.summary,
          source: e.source,
          severity: e.severity,
          ...(e.component !== undefined ? { component: e.component } : {}),
          ...(e.group !== undefined ? { group: e.group } : {}),
          ...(e.class !== undefined ? { class: e.class } : {}),
          ...(e.custom_details !== undefined ? { custom_details: e.custom_details } : {}),
          timestamp: iso(e.timestamp),
        },
        dedup_key: e.dedup_key ?? null,
        links: e.links ?? [],
        client: e.client ?? null,
      },
    },
  };
}
