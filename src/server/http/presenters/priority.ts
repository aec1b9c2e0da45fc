import { iso } from '../../lib/clock.js';
import type { PriorityTable } from '../../storage/schema.js';
import type { BasePresenter } from './common.js';

/** A priority in PagerDuty's shape (its description a string, never null, as go-pagerduty decodes it), with Vigil's rank and colour. */
export function presentPriority(p: BasePresenter, r: PriorityTable) {
  return {
    id: r.id,
    type: 'priority' as const,
    summary: r.name,
    self: `${p.baseUrl}/api/v1/priorities/${r.id}`,
    html_url: null,
    name: r.name,
    description: r.description ?? '',
    rank: Number(r.rank),
    color: r.color,
    created_at: iso(Number(r.created_at)),
    updated_at: iso(Number(r.updated_at)),
  };
}
