/** The status page on the wire: its settings, the public page, public updates. Timestamps are ISO 8601. */
import { iso, isoOrNull } from '../../lib/clock.js';
import type { PublicPage, PublicUpdates, StatusPageSettings } from '../../status-page/status-page.service.js';
import { format, formatDateTime, type Language } from '../../lib/i18n/translate.js';

export function presentSettings(s: StatusPageSettings, publicUrl: string) {
  return { slug: s.slug, title: s.title, enabled: s.enabled, components: s.components, languages: s.languages, public_url: `${publicUrl}/status/${s.slug}` };
}

/**
 * What anyone may read: states, public names, times and public updates (newest first); never an
 * incident's title. Each state and status comes with its label in `lang` (one of the page's languages).
 */
export function presentPublicPage(p: PublicPage, lang: Language, postmortems: ReadonlyMap<string, { summary: string; publishedAt: number }> = new Map()) {
  return {
    title: p.title,
    language: lang,
    languages: p.languages,
    state: p.state,
    state_label: format(lang, `statusPage.overall.${p.state}`),
    updated_at: iso(p.at),
    updated_at_label: format(lang, 'statusPage.updatedAt', { date: formatDateTime(lang, p.at, 'UTC') }),
    groups: p.groups.map((g) => ({ name: g.name, components: g.components.map((c) => ({ ...c, state_label: format(lang, `statusPage.state.${c.state}`) })) })),
    incidents: p.incidents.map((x) => ({
      id: x.publicId,
      status: x.status,
      status_label: format(lang, `statusPage.status.${x.status}`),
      impact: x.impact,
      impact_label: format(lang, `statusPage.impact.${x.impact}`),
      components: x.components,
      started_at: iso(Number(x.incident.created_at)),
      resolved_at: isoOrNull(x.incident.resolved_at === null ? null : Number(x.incident.resolved_at)),
      priority: x.priority,
      updates: x.updates.map((u) => ({ status: u.status, status_label: format(lang, `statusPage.status.${u.status}`), message: u.message, created_at: iso(Number(u.created_at)) })).reverse(),
      postmortem: ((pm) => (pm ? { summary: pm.summary, published_at: iso(pm.publishedAt) } : null))(postmortems.get(x.incident.id)),
    })),
    maintenance: p.maintenance.map((m) => ({
      id: m.publicId,
      status: m.inProgress ? ('in_progress' as const) : ('scheduled' as const),
      status_label: format(lang, m.inProgress ? 'statusPage.maintenance.in_progress' : 'statusPage.maintenance.scheduled'),
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
