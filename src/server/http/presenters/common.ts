/**
 * What every presenter shares. Presenters turn rows into PagerDuty-shaped resources:
 * references carry `summary`, `self` and `html_url` built on the public base URL;
 * timestamps are ISO 8601; arrays are never null. They read nothing: the services
 * load what a resource shows, the presenter only shapes it.
 */
import type { AgentRef } from '../../incident/incident.js';

export class BasePresenter {
  /** `emailDomain`: where email integrations' addresses are (`<key>@<emailDomain>`, VIGIL_EMAIL_DOMAIN). */
  constructor(
    readonly baseUrl: string,
    readonly emailDomain: string = new URL(baseUrl).hostname,
  ) {}

  /** A reference; `htmlPath` null for resources without a page in the web app. */
  ref(type: string, id: string, summary: string | null, path: string, htmlPath: string | null = path) {
    return { id, type, summary, self: `${this.baseUrl}/api/v1/${path}/${id}`, html_url: htmlPath ? `${this.baseUrl}/${htmlPath}/${id}` : null };
  }

  /** Who did something (a stored AgentRef: a user, a service or an integration), as a reference. */
  agent(json: string | null, serviceId?: string | null) {
    if (!json) return null;
    const a = JSON.parse(json) as AgentRef;
    if (a.type === 'integration_reference') {
      // PagerDuty has no /integrations/{id}: an integration lives under its service (an event orchestration's under the orchestration).
      return this.ref('integration_reference', a.id, a.summary, serviceId ? `services/${serviceId}/integrations` : 'event_orchestrations', null);
    }
    const path = a.type === 'user_reference' ? 'users' : 'services';
    return this.ref(a.type, a.id, a.summary, path, path);
  }

  /**
   * An acknowledger: PagerDuty allows a user or a service. An integration acknowledged for its
   * service (an Events API acknowledge), so the service is named.
   */
  acknowledger(json: string | null, service: { id: string; name: string | null }) {
    if (!json) return null;
    const a = JSON.parse(json) as AgentRef;
    if (a.type === 'integration_reference') return this.ref('service_reference', service.id, service.name, 'services');
    return this.agent(json);
  }
}

/** PagerDuty's classic pagination envelope; `total` only when asked for (`total=true`). */
export function page<K extends string, T>(key: K, items: T[], limit: number, offset: number, total: number, wantTotal: boolean | undefined): Record<K, T[]> & { limit: number; offset: number; more: boolean; total: number | null } {
  const meta = { limit, offset, more: offset + items.length < total, total: wantTotal ? total : null };
  return { ...meta, [key]: items } as Record<K, T[]> & typeof meta;
}
