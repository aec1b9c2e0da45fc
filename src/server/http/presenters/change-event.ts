import { iso } from '../../lib/clock.js';
import type { ChangeEventTable } from '../../storage/schema.js';

/** A change event (a deploy and the like) on a service's timeline. */
export function presentChangeEvent(r: ChangeEventTable) {
  const d = JSON.parse(r.details) as { custom_details?: unknown; links?: unknown[] };
  return { id: r.id, type: 'change_event', summary: r.summary, source: r.source, timestamp: iso(Number(r.timestamp)), custom_details: d.custom_details ?? null, links: d.links ?? [] };
}
