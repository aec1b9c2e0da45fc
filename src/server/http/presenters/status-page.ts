/** The status page on the wire: its settings, the public page, public updates. Timestamps are ISO 8601. */
import { iso, isoOrNull } from '../../lib/clock.js';
import type { PublicPage, PublicUpdates, StatusPageSettings } from '../../status-page/status-page.service.js';

export function presentSettings(s: StatusPageSettings, publicUrl: string) {
  return { slug: s.slug, title: s.title, enabled: s.enabled, components: s.components, public_url: `${publicUrl}/status/${s.slug}` };
}

/** What anyone may read: states, public names, times and public updates (newest first); never an incident's title. */
export function presentPublicPage(p: PublicPage, postmortems: ReadonlyMap<string, { summary: string; publishedAt: number }> = new Map()) {
  return {
    title: p.title,
    state: p.state,
    updated_at: iso(p.at),
    groups: p.groups,
    incidents: p.incidents.map((x) => ({
      id: x.publicId,
      status: x.status,
      impact: x.impact,
      components: x.components,
      started_at: iso(Number(x.incident.created_at)),
      resolved_at: isoOrNull(x.incident.resolved_at === null ? null : Number(x.incident.resolved_at)),
      priority: x.priority,
      updates: x.updates.map((u) => ({ status: u.status, message: u.message, created_at: iso(Number(u.created_at)) })).reverse(),
      postmortem: ((pm) => (pm ? { summary: pm.summary, published_at: iso(pm.publishedAt) } : null))(postmortems.get(x.incident.id)),
    })),
    maintenance: p.maintenance.map((m) => ({
      id: m.publicId,
      status: m.inProgress ? ('in_progress' as const) : ('scheduled' as const),
      description: m.description,
      components: m.components,
      start_time: iso(m.start),
      end_time: iso(m.end),
    })),
  };
}

export function presentPublicUpdates(p: PublicUpdates) {
  return p.updates.map((r) => ({ id: r.id, status: r.status, message: r.message, created_at: iso(Number(r.created_at)), author: r.author_id ? { id: r.author_id, name: p.authors.get(r.author_id) ?? null } : null }));
}
