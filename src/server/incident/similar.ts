/**
 * How alike incident titles are, without a model: a title's template is the title with its
 * variable parts (anything holding a digit: numbers, hosts, ids, addresses, sizes) replaced by
 * `<*>`; two titles are compared by the words of their templates. Pure: past incidents,
 * outlier incidents (similar.service.ts) and their tests use it.
 */
import { createHash } from 'node:crypto';

/** The title with each word holding a digit replaced by <*>, spaces collapsed. */
export function templateOf(title: string): string {
  return title
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => (/\d/.test(w) ? '<*>' : w))
    .join(' ');
}

/** A template's words: letters only (its <*> slots say nothing about what happened). */
const words = (template: string): Set<string> => new Set(template.toLowerCase().replace(/<\*>/g, ' ').split(/[^a-z]+/).filter((w) => w.length > 1));

/**
 * Similarity score of two incidents from 0 to 100 (PagerDuty's past incident `score`): the
 * same dedup key is 100; otherwise the share of template words the titles have in common
 * (Jaccard), times 100, two decimals.
 */
export function similarity(a: { title: string; incident_key: string | null }, b: { title: string; incident_key: string | null }): number {
  if (a.incident_key && a.incident_key === b.incident_key) return 100;
  const x = words(templateOf(a.title));
  const y = words(templateOf(b.title));
  if (!x.size || !y.size) return 0;
  let common = 0;
  for (const w of x) if (y.has(w)) common++;
  return Math.round((10_000 * common) / (x.size + y.size - common)) / 100;
}

/** A stable id for a template on a service (PagerDuty's `incident_template.cluster_id`). */
export function clusterId(serviceId: string, template: string): string {
  return `P${createHash('sha256').update(`${serviceId}\n${template}`).digest('hex').slice(0, 12).toUpperCase()}`;
}

export type OccurrenceCategory = 'anomaly' | 'rare' | 'frequent';

/** Rare: at most this share of the service's incidents in the window. */
export const RARE_SHARE = 0.1;

/**
 * How often a template happened among the service's incidents in a window: `anomaly` when
 * this incident is its only occurrence; `rare` when it is at most RARE_SHARE of them (or
 * happened at most twice); `frequent` otherwise.
 */
export function occurrence(count: number, total: number): { count: number; frequency: number; category: OccurrenceCategory } {
  const frequency = total > 0 ? Math.round((10_000 * count) / total) / 10_000 : 0;
  const category: OccurrenceCategory = count <= 1 ? 'anomaly' : count <= 2 || frequency <= RARE_SHARE ? 'rare' : 'frequent';
  return { count, frequency, category };
}
