/**
 * What every presenter shares. Presenters turn rows into PagerDuty-shaped resources:
 * references carry `summary`, `self` and `html_url` built on the public base URL;
 * timestamps are ISO 8601; arrays are never null. They read nothing: the services
 * load what a resource shows, the presenter only shapes it.
 */
import type { AgentRef } from '../../incident/incident.js';

export class BasePresenter {
  constructor(readonly baseUrl: string) {}

  /** A reference; `htmlPath` null for resources without a page in the web app. */
  ref(type: string, id: string, summary: string | null, path: string, htmlPath: string | null = path) {
    return { id, type, summary, self: `${this.baseUrl}/api/v1/${path}/${id}`, html_url: htmlPath ? `${this.baseUrl}/${htmlPath}/${id}` : null };
  }

  /** Who did something (a stored AgentRef: a user, a service or an integration), as a reference. */
  agent(json: string | null) {
    if (!json) return null;
    const a = JSON.parse(json) as AgentRef;
    const path = a.type === 'user_reference' ? 'users' : a.type === 'service_reference' ? 'services' : 'integrations';
    return this.ref(a.type, a.id, a.summary, path, a.type === 'integration_reference' ? null : path);
  }
}

/** PagerDuty's classic pagination envelope; `total` only when asked for (`total=true`). */
export function page<K extends string, T>(key: K, items: T[], limit: number, offset: number, total: number, wantTotal: boolean | undefined): Record<K, T[]> & { limit: number; offset: number; more: boolean; total: number | null } {
  const meta = { limit, offset, more: offset + items.length < total, total: wantTotal ? total : null };
  return { ...meta, [key]: items } as Record<K, T[]> & typeof meta;
}
