/**
 * The public status page: its settings, what the public sees, and the public
 * updates responders write on incidents. Errors are VigilErrors; the HTTP layer
 * maps them. The public page reads only the organization's services, its
 * incidents' states and times, and public updates: never an incident's title.
 */
import type { Kysely } from 'kysely';
import { VigilError, invalid, notFound } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { requireIncident } from '../incident/incident.service.js';
import { openOrRecentIncidents } from '../incident/incident.store.js';
import { getOrganization, getUsers } from '../org/org.store.js';
import { plannedMaintenance, servicesInMaintenance } from '../maintenance/maintenance.service.js';
import { priorityNames } from '../org/priority.service.js';
import { getServicesByIds, listActiveServices } from '../service/service.store.js';
import { isUniqueViolation } from '../storage/dialect.js';
import type { Database, IncidentTable, PublicUpdateTable } from '../storage/schema.js';
import * as store from './status-page.store.js';
import { tellPublicUpdate } from './subscription.service.js';
import { parseLanguages } from './status-page.js';
import { LANGUAGES, isLanguage, type Language } from '../lib/i18n/translate.js';
import { componentList, differentDays, fill, peopleAffectedSentence, placeholdersOf, publicTime, roughCount, templates, type Placeholder, type UpdateLanguage, type UpdateTemplate } from './plain-language.js';
import {
  HISTORY_DAYS,
  MAINTENANCE_DAYS,
  SLUG_RE,
  componentState,
  effectiveComponents,
  overallState,
  parseComponents,
  publicImpact,
  publicIncidentStatus,
  publicId,
  type ComponentState,
  type PublicImpact,
  type PublicStatus,
  type StatusComponent,
} from './status-page.js';

type Db = Kysely<Database>;

export interface StatusPageSettings {
  slug: string;
  title: string;
  enabled: boolean;
  components: StatusComponent[];
  /** The page's languages, the first the default (lib/i18n). */
  languages: Language[];
}

export { parseLanguages };

/** The settings, or their defaults until first saved: the organization id as the slug, its name as the title, unpublished. */
export async function getSettings(db: Db, orgId: string): Promise<StatusPageSettings> {
  const [row, org] = await Promise.all([store.getStatusPage(db, orgId), getOrganization(db, orgId)]);
  const slug = row?.slug ?? orgId.toLowerCase();
  return { slug, title: row?.title ?? org?.name ?? 'Status', enabled: Boolean(row?.enabled), components: parseComponents(row?.components ?? '[]'), languages: parseLanguages(row?.languages) };
}

export interface SettingsInput {
  slug?: string;
  title?: string;
  enabled?: boolean;
  components?: { service_id: string; name?: string; group?: string }[];
  languages?: string[];
}

/** Change what is given, keep the rest. Components must name services of the organization that are not deleted; a slug is one organization's only. */
export async function updateSettings(db: Db, clock: Clock, orgId: string, input: SettingsInput): Promise<StatusPageSettings> {
  const cur = await getSettings(db, orgId);
  const slug = (input.slug ?? cur.slug).trim().toLowerCase();
  if (!SLUG_RE.test(slug)) throw invalid('status_page.slug: use 1 to 64 lowercase letters, digits and dashes, not starting or ending with a dash');
  let components: StatusComponent[] = cur.components;
  if (input.components) {
    const wanted = input.components;
    const ids = [...new Set(wanted.map((c) => c.service_id))];
    const found = new Set((await getServicesByIds(db, orgId, ids)).filter((s) => s.deleted_at === null).map((s) => s.id));
    const missing = wanted.findIndex((c) => !found.has(c.service_id));
    if (missing >= 0) throw invalid(`status_page.components[${missing}].service_id: service ${wanted[missing]!.service_id} not found`);
    components = wanted.map((c) => ({ service_id: c.service_id, name: (c.name ?? '').trim(), group: (c.group ?? '').trim() || 'Services' }));
  }
  let languages = cur.languages;
  if (input.languages) {
    if (input.languages.length === 0) throw invalid(`status_page.languages: give at least one language (${LANGUAGES.join(', ')}); the first is the default`);
    const bad = input.languages.findIndex((l) => !isLanguage(l));
    if (bad >= 0) throw invalid(`status_page.languages[${bad}]: ${JSON.stringify(String(input.languages[bad]).slice(0, 40))} is not a supported language (${LANGUAGES.join(', ')})`);
    const dup = input.languages.findIndex((l, i) => input.languages!.indexOf(l) !== i);
    if (dup >= 0) throw invalid(`status_page.languages[${dup}]: ${input.languages[dup]} is listed twice`);
    languages = input.languages as Language[];
  }
  try {
    await store.upsertStatusPage(db, { org_id: orgId, slug, title: (input.title ?? cur.title).trim(), enabled: (input.enabled ?? cur.enabled) ? 1 : 0, components: JSON.stringify(components), languages: JSON.stringify(languages), updated_at: clock.now() });
  } catch (err) {
    if (isUniqueViolation(err)) throw new VigilError('conflict', [`status_page.slug: ${slug} is taken`]);
    throw err;
  }
  return getSettings(db, orgId);
}

export interface PublicIncident {
  /** Not the incident's id (publicId). */
  publicId: string;
  incident: IncidentTable;
  status: PublicStatus;
  impact: PublicImpact;
  /** The public names of the components it affects. */
  components: string[];
  /** Oldest first. */
  updates: PublicUpdateTable[];
  /** Its priority's name (P1, …), when it has one: a label, never the title. */
  priority: string | null;
}

export interface PublicMaintenance {
  /** Not the window's id (publicId). */
  publicId: string;
  description: string | null;
  /** The public names of the components it covers. */
  components: string[];
  start: number;
  end: number;
  inProgress: boolean;
}

export interface PublicPage {
  title: string;
  /** The page's languages, the first the default. */
  languages: Language[];
  state: ComponentState;
  at: number;
  groups: { name: string; components: { id: string; name: string; state: ComponentState }[] }[];
  /** Newest first: open ones, and those of the last HISTORY_DAYS days. */
  incidents: PublicIncident[];
  /** Soonest first: maintenance in progress, and planned for the next MAINTENANCE_DAYS days. */
  maintenance: PublicMaintenance[];
}

/** What the public sees at a slug (or an organization id). Not found unless published. */
export async function readPublicPage(db: Db, clock: Clock, slug: string): Promise<PublicPage> {
  const page = await store.findStatusPage(db, slug.toLowerCase());
  if (!page || !page.enabled) throw notFound(`status page ${slug}`);
  const orgId = page.org_id;
  const now = clock.now();
  const services = await listActiveServices(db, orgId);
  const components = effectiveComponents(parseComponents(page.components), services);
  const serviceIds = [...new Set(components.map((c) => c.service_id))];
  const incidents = await openOrRecentIncidents(db, orgId, serviceIds, now - HISTORY_DAYS * 86_400_000);
  const updates = await store.publicUpdatesOf(db, orgId, incidents.map((i) => i.id));
  const inMaintenance = await servicesInMaintenance(db, orgId, serviceIds);
  const svcStatus = new Map(services.map((s) => [s.id, inMaintenance.has(s.id) ? 'maintenance' : s.status]));
  const priorities = await priorityNames(db, orgId, incidents.flatMap((i) => (i.priority_id ? [i.priority_id] : [])));
  const open = incidents.filter((i) => i.status !== 'resolved');
  const states = new Map(serviceIds.map((id) => [id, componentState(svcStatus.get(id) ?? 'active', open.filter((i) => i.service_id === id))]));
  const groups: PublicPage['groups'] = [];
  for (const c of components) {
    let g = groups.find((x) => x.name === c.group);
    if (!g) groups.push((g = { name: c.group, components: [] }));
    g.components.push({ id: publicId(orgId, 'component', c.service_id), name: c.name, state: states.get(c.service_id)! });
  }
  const namesOf = (serviceId: string) => components.filter((c) => c.service_id === serviceId).map((c) => c.name);
  const planned = await plannedMaintenance(db, orgId, serviceIds, now, now + MAINTENANCE_DAYS * 86_400_000);
  return {
    title: page.title,
    languages: parseLanguages(page.languages),
    state: overallState([...states.values()]),
    at: now,
    groups,
    incidents: incidents.map((i) => {
      const mine = updates.filter((u) => u.incident_id === i.id);
      return {
        publicId: publicId(orgId, 'incident', i.id),
        incident: i,
        status: publicIncidentStatus(i.status, mine.map((u) => ({ status: u.status, created_at: Number(u.created_at) }))),
        impact: publicImpact(i.status, i.urgency),
        components: namesOf(i.service_id),
        updates: mine,
        priority: i.priority_id ? (priorities.get(i.priority_id) ?? null) : null,
      };
    }),
    maintenance: planned.map((m) => ({
      publicId: publicId(orgId, 'maintenance', m.window.id),
      description: m.window.description,
      components: [...new Set(m.serviceIds.filter((id) => serviceIds.includes(id)).flatMap(namesOf))],
      start: m.occurrence.start,
      end: m.occurrence.end,
      inProgress: m.occurrence.start <= now,
    })),
  };
}

export interface PublicUpdates {
  updates: PublicUpdateTable[];
  /** Author names by user id, for the updates that have an author. */
  authors: Map<string, string>;
}

async function withAuthors(db: Db, orgId: string, rows: PublicUpdateTable[]): Promise<PublicUpdates> {
  const users = await getUsers(db, orgId, [...new Set(rows.flatMap((r) => (r.author_id ? [r.author_id] : [])))]);
  return { updates: rows, authors: new Map(users.map((u) => [u.id, u.name])) };
}

/** An incident's public updates, oldest first. */
export async function listPublicUpdates(db: Db, orgId: string, incidentId: string): Promise<PublicUpdates> {
  const inc = await requireIncident(db, orgId, incidentId);
  return withAuthors(db, orgId, await store.publicUpdatesOf(db, orgId, [inc.id]));
}

/**
 * The people an incident affected, as impact/ estimated them (the route reads them: impact is
 * a layer above): the estimate with its unit and the window it covers; `to` null while open.
 */
export interface ImpactFacts {
  estimate: number;
  unit: 'people' | 'contacts';
  from: number;
  to: number | null;
}

/** The public names of the components an incident's service shows as; none when the page does not show it. */
async function componentNamesOf(db: Db, orgId: string, serviceId: string): Promise<string[]> {
  const [settings, services] = await Promise.all([getSettings(db, orgId), getServicesByIds(db, orgId, [serviceId])]);
  return effectiveComponents(settings.components, services.filter((s) => s.deleted_at === null)).map((c) => c.name);
}

export interface FilledTemplate extends UpdateTemplate {
  /** The text with what the incident tells filled in; null without an incident. */
  filled: string | null;
  /** The placeholders the incident could not fill (no end while open, no figure without an impact estimate). */
  missing: Placeholder[];
}

/** The plain-language templates of a language; with an incident, filled from it (times in the organization's time zone). */
export async function updateTemplates(db: Db, orgId: string, language: UpdateLanguage, incident?: { id: string; impact: ImpactFacts | null }): Promise<FilledTemplate[]> {
  const list = templates(language);
  if (!incident) return list.map((t) => ({ ...t, filled: null, missing: placeholdersOf(t.text) }));
  const inc = await requireIncident(db, orgId, incident.id);
  const [org, names] = await Promise.all([getOrganization(db, orgId), componentNamesOf(db, orgId, inc.service_id)]);
  const tz = org?.time_zone ?? 'UTC';
  const start = Number(inc.created_at);
  const end = inc.resolved_at === null ? null : Number(inc.resolved_at);
  const withDay = end !== null && differentDays(start, end, tz);
  const values: Partial<Record<Placeholder, string>> = { components: componentList(names, language), start: publicTime(start, tz, language, { withDay }) };
  if (end !== null) values.end = publicTime(end, tz, language, { withDay });
  if (incident.impact && incident.impact.unit === 'people' && Math.round(incident.impact.estimate) >= 1) values.people = roughCount(incident.impact.estimate, language);
  return list.map((t) => ({ ...t, ...fill(t.text, values), filled: fill(t.text, values).text }));
}

export interface PublicUpdateInput {
  status: PublicStatus;
  message: string;
  /** Add the sentence on the people affected (a resolving update only; needs an estimate). */
  showPeopleAffected?: boolean;
  /** The language of that sentence (default English). */
  language?: UpdateLanguage;
}

/**
 * Write a public update on an incident; the message is what the public reads. With
 * `showPeopleAffected`, the people-affected sentence (in the organization's time zone) is
 * added to the message as its own paragraph: what was published stays as published.
 * Subscribers of the incident's components hear it at once, queued in the same transaction
 * (subscription.service.ts).
 */
export async function addPublicUpdate(db: Db, clock: Clock, publicUrl: string, author: { orgId: string; userId: string }, incidentId: string, input: PublicUpdateInput, impact: ImpactFacts | null = null): Promise<PublicUpdates> {
  const inc = await requireIncident(db, author.orgId, incidentId);
  let message = input.message.trim();
  if (!message) throw invalid('public_update.message must not be blank');
  const now = clock.now();
  if (input.language && !input.showPeopleAffected) throw invalid('public_update.language: the language of the people-affected sentence; set show_people_affected too');
  if (input.showPeopleAffected) {
    if (input.status !== 'resolved') throw invalid('public_update.show_people_affected: only a resolving update (status "resolved") can show the people affected');
    if (!impact) throw invalid('public_update.show_people_affected: there is no estimate of the people affected by this incident (its service has no impact metric, or the estimate is not ready yet)');
    if (Math.round(impact.estimate) < 1) throw invalid('public_update.show_people_affected: the estimate of the people affected by this incident is under one');
    const [org, names] = await Promise.all([getOrganization(db, author.orgId), componentNamesOf(db, author.orgId, inc.service_id)]);
    const sentence = peopleAffectedSentence({ estimate: impact.estimate, unit: impact.unit, from: impact.from, to: impact.to ?? (inc.resolved_at === null ? now : Number(inc.resolved_at)), components: names, timeZone: org?.time_zone ?? 'UTC' }, input.language ?? 'en');
    message = `${message}\n\n${sentence}`;
  }
  const row: PublicUpdateTable = { org_id: author.orgId, id: newId(now), incident_id: inc.id, status: input.status, message, author_id: author.userId, created_at: now };
  await db.transaction().execute(async (trx) => {
    await store.insertPublicUpdate(trx, row);
    await tellPublicUpdate(trx, now, publicUrl, author.orgId, inc, row);
  });
  return withAuthors(db, author.orgId, [row]);
}
