import { iso } from '../../lib/clock.js';
import type { PolicyRow } from '../../escalation/policy.service.js';
import type { PolicyFacts } from '../../schedule/schedule.service.js';
import type { BasePresenter } from './common.js';

/** An escalation policy with its levels' targets (named; a deleted schedule keeps a null summary) and the services that use it. */
export function presentEscalationPolicy(p: BasePresenter, pol: PolicyRow, facts: PolicyFacts) {
  return {
    id: pol.id,
    type: 'escalation_policy' as const,
    summary: pol.name,
    self: `${p.baseUrl}/api/v1/escalation_policies/${pol.id}`,
    html_url: `${p.baseUrl}/escalation_policies/${pol.id}`,
    name: pol.name,
    description: pol.description,
    num_loops: Number(pol.num_loops),
    on_call_handoff_notifications: 'if_has_services',
    escalation_rules: pol.rules.map((r) => ({
      id: r.id,
      escalation_delay_in_minutes: r.escalation_delay_in_minutes,
      targets: r.targets.map((t) => targetRef(p, t.type, t.id, facts.targetNames.get(`${t.type}:${t.id}`) ?? null)),
    })),
    services: (facts.services.get(pol.id) ?? []).map((s) => p.ref('service_reference', s.id, s.name, 'services')),
    teams: [],
    created_at: iso(Number(pol.created_at)),
    updated_at: iso(Number(pol.updated_at)),
  };
}

/** A level's target; a volunteer pool lives at /volunteer_pools (no page of its own in the web app). */
function targetRef(p: BasePresenter, type: string, id: string, name: string | null) {
  if (type === 'volunteer_pool_reference') return p.ref(type, id, name, 'volunteer_pools', null);
  return p.ref(type, id, name, type === 'user_reference' ? 'users' : 'schedules');
}
