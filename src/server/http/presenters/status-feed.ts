/**
 * The public status page as Atom and RSS feeds (package `feed`): one entry per incident shown
 * on the page (its public updates, newest first; never its title) and one per maintenance
 * occurrence. Only what the public page shows.
 */
import type { Feed } from 'feed';
import { lazyRequire } from '../../lib/lazy-require.js';

/** Loaded with the first feed asked for. */
const feedPackage = lazyRequire<typeof import('feed')>('feed');
import type { PublicPage } from '../../status-page/status-page.service.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const word = (s: string) => s.charAt(0).toUpperCase() + s.slice(1).replace(/_/g, ' ');

export function statusFeed(p: PublicPage, links: { page: string; atom: string; rss: string }, component: string | null): Feed {
  const incidents = p.incidents.filter((i) => component === null || i.components.includes(component));
  const maintenance = p.maintenance.filter((m) => component === null || m.components.includes(component));
  const items = [
    ...incidents.map((i) => {
      const updates = [...i.updates].sort((a, b) => Number(b.created_at) - Number(a.created_at));
      const latest = Math.max(Number(i.incident.created_at), i.incident.resolved_at === null ? 0 : Number(i.incident.resolved_at), ...updates.map((u) => Number(u.created_at)));
      const where = i.components.join(', ');
      const body = updates.length ? updates.map((u) => `<p><strong>${esc(word(u.status))}</strong> (${new Date(Number(u.created_at)).toISOString()}): ${esc(u.message)}</p>`).join('') : `<p>${esc(word(i.status))}</p>`;
      return {
        title: `${word(i.status)}: ${where || 'incident'}`,
        id: `${links.page}#incident-${i.publicId}`,
        link: `${links.page}#incident-${i.publicId}`,
        date: new Date(latest),
        published: new Date(Number(i.incident.created_at)),
        description: updates[0]?.message ?? `${word(i.status)} (${where})`,
        content: `<p>Affects: ${esc(where)}</p>${body}`,
      };
    }),
    ...maintenance.map((m) => ({
      title: `${m.inProgress ? 'Maintenance in progress' : 'Scheduled maintenance'}: ${m.description ?? m.components.join(', ')}`,
      id: `${links.page}#maintenance-${m.publicId}-${m.start}`,
      link: `${links.page}#maintenance-${m.publicId}`,
      date: new Date(m.start),
      description: `${new Date(m.start).toISOString()} to ${new Date(m.end).toISOString()}: ${m.components.join(', ')}`,
      content: `<p>${esc(m.description ?? 'Scheduled maintenance')}</p><p>From ${new Date(m.start).toISOString()} to ${new Date(m.end).toISOString()}</p><p>Affects: ${esc(m.components.join(', '))}</p>`,
    })),
  ].sort((a, b) => b.date.getTime() - a.date.getTime());
  const feed = new (feedPackage().Feed)({
    title: component ? `${p.title}: ${component}` : p.title,
    id: links.page,
    link: links.page,
    description: `Incidents and maintenance on the status page ${p.title}`,
    updated: new Date(items[0]?.date.getTime() ?? p.at),
    generator: 'Vigil',
    feedLinks: { atom: links.atom, rss: links.rss },
  });
  for (const it of items) feed.addItem(it);
  return feed;
}
