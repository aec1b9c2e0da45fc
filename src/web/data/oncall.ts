import { api, optional, withQuery } from './client';
import type { Oncall, Readiness, ReadinessEntry } from './types';

/** Who is on call now; null when this server has no on-call API. */
export const oncallsNow = () => optional(api<{ oncalls: Oncall[] }>('GET', withQuery('/api/v1/oncalls', { limit: 100 })).then((r) => r.oncalls));

/** Shifts starting in the next `days` days (the "next" on call). */
export async function oncallsNext(days = 7): Promise<Oncall[] | null> {
  const now = Date.now();
  const r = await optional(api<{ oncalls: Oncall[] }>('GET', withQuery('/api/v1/oncalls', { since: new Date(now).toISOString(), until: new Date(now + days * 86_400_000).toISOString(), limit: 100 })));
  if (!r) return null;
  return r.oncalls.filter((o) => o.start !== null && Date.parse(o.start) > now).sort((a, b) => Date.parse(a.start!) - Date.parse(b.start!));
}

/** Readiness with the contact methods whose scheduled test page was not confirmed within 31 days (or never). */
export const readinessReport = () => optional(api<Readiness>('GET', withQuery('/api/v1/oncall-readiness', { days: 7 })));

/** One line per (policy, level): the person on call now and until when. */
export function groupOncalls(list: Oncall[]): { key: string; where: string; level: number | null; people: { name: string; id: string; end: string | null }[] }[] {
  const groups = new Map<string, { key: string; where: string; level: number | null; people: { name: string; id: string; end: string | null }[] }>();
  for (const o of list) {
    const where = o.escalation_policy?.summary ?? o.schedule?.summary ?? 'Direct';
    const key = `${o.escalation_policy?.id ?? ''}/${o.escalation_level ?? ''}/${o.schedule?.id ?? ''}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, where: o.schedule?.summary && o.escalation_policy ? `${where} · ${o.schedule.summary}` : where, level: o.escalation_level, people: [] }));
    if (!g.people.some((p) => p.id === o.user.id)) g.people.push({ id: o.user.id, name: o.user.summary ?? o.user.id, end: o.end });
  }
  return [...groups.values()].sort((a, b) => a.where.localeCompare(b.where) || (a.level ?? 0) - (b.level ?? 0));
}
