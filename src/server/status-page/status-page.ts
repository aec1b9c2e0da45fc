/**
 * The public status page: types and the rules that derive what the public sees,
 * pure. A component (a service shown under a public name, in a group) is
 *   - `outage` while a high-urgency incident of its service is open,
 *   - `degraded` while only low-urgency ones are,
 *   - `maintenance` when the service is in a maintenance window (or marked so) and nothing is open,
 *   - `operational` otherwise.
 * An incident's internal title never leaves the organization: the public sees the
 * components it affects, when it started and ended, and the updates responders
 * wrote for them.
 */
import { createHash } from 'node:crypto';
import { isLanguage, type Language } from '../lib/i18n/translate.js';

export type ComponentState = 'operational' | 'degraded' | 'outage' | 'maintenance';
export type PublicStatus = 'investigating' | 'identified' | 'monitoring' | 'resolved';
export const PUBLIC_STATUSES: readonly PublicStatus[] = ['investigating', 'identified', 'monitoring', 'resolved'];

export interface StatusComponent {
  service_id: string;
  name: string;
  group: string;
}

export const SLUG_RE = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
export const DEFAULT_GROUP = 'Services';
export const HISTORY_DAYS = 14;
/** Planned maintenance is announced this many days ahead. */
export const MAINTENANCE_DAYS = 7;

export function parseComponents(json: string): StatusComponent[] {
  try {
    const v = JSON.parse(json) as unknown;
    if (!Array.isArray(v)) return [];
    return v.filter((c): c is StatusComponent => typeof c === 'object' && c !== null && typeof (c as StatusComponent).service_id === 'string').map((c) => ({ service_id: c.service_id, name: String(c.name ?? ''), group: String(c.group || DEFAULT_GROUP) }));
  } catch {
    return [];
  }
}

/**
 * The components to show: those configured. None configured shows nothing: a service's
 * name is not public until someone chooses to publish it.
 */
export function effectiveComponents(configured: StatusComponent[], services: { id: string; name: string }[]): StatusComponent[] {
  const byId = new Map(services.map((s) => [s.id, s]));
  return configured.filter((c) => byId.has(c.service_id)).map((c) => ({ ...c, name: c.name.trim() || byId.get(c.service_id)!.name }));
}

/**
 * The id the public sees for a component, incident or maintenance window: stable, but
 * not the internal id (which the API would accept), and different per organization.
 */
export function publicId(orgId: string, kind: 'component' | 'incident' | 'maintenance', id: string): string {
  return createHash('sha256').update(`${orgId}:${kind}:${id}`).digest('base64url').slice(0, 16);
}

export function componentState(serviceStatus: string, openIncidents: { urgency: 'high' | 'low' }[]): ComponentState {
  if (openIncidents.some((i) => i.urgency === 'high')) return 'outage';
  if (openIncidents.length > 0) return 'degraded';
  if (serviceStatus === 'maintenance') return 'maintenance';
  return 'operational';
}

const RANK: Record<ComponentState, number> = { operational: 0, maintenance: 1, degraded: 2, outage: 3 };

/** The page's headline: the worst component state. */
export function overallState(states: ComponentState[]): ComponentState {
  return states.reduce<ComponentState>((worst, s) => (RANK[s] > RANK[worst] ? s : worst), 'operational');
}

export type PublicImpact = 'none' | 'degraded' | 'outage';

/** How badly an incident hurts, as the public is told: nothing once resolved, an outage while high urgency, else degraded. */
export function publicImpact(incidentStatus: string, urgency: 'high' | 'low'): PublicImpact {
  if (incidentStatus === 'resolved') return 'none';
  return urgency === 'high' ? 'outage' : 'degraded';
}

/** What the public is told an incident's state is: resolved when it is, else the latest update's word, else "investigating". */
export function publicIncidentStatus(incidentStatus: string, updates: { status: PublicStatus; created_at: number }[]): PublicStatus {
  if (incidentStatus === 'resolved') return 'resolved';
  const latest = [...updates].sort((a, b) => b.created_at - a.created_at)[0];
  return latest && latest.status !== 'resolved' ? latest.status : 'investigating';
}

/** A stored languages list, keeping only languages Vigil speaks; English when none is left. */
export function parseLanguages(json: string | undefined): Language[] {
  try {
    const v = JSON.parse(json ?? '[]') as unknown;
    const list = Array.isArray(v) ? v.filter((x): x is Language => typeof x === 'string' && isLanguage(x)) : [];
    return list.length ? [...new Set(list)] : ['en'];
  } catch {
    return ['en'];
  }
}
