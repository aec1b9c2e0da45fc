/**
 * The public status page (no sign-in) and what responders do for it: publish it,
 * choose its components, and write public updates on incidents.
 */
import { LANGUAGES, parseLocale, pickLanguage } from '../../lib/i18n/translate.js';
import { invalid } from '../../errors.js';
import { Type } from 'typebox';
import { IdParams, errorResponses } from '../../../contract/common.js';
import { PublicStatusPage, PublicUpdate, StatusPageSettings, StatusPageUpdate, UpdateLanguage, UpdateTemplate } from '../../../contract/status-page.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { presentPublicPage, presentPublicUpdates, presentSettings } from '../presenters/status-page.js';
import * as statusPage from '../../status-page/status-page.service.js';
import { publishedSummaries } from '../../postmortem/postmortem.service.js';
import { PUBLIC_STATUSES, type PublicStatus } from '../../status-page/status-page.js';
import type { UpdateLanguage as Language } from '../../status-page/plain-language.js';
import { impactFigure } from '../../impact/impact.service.js';
import type { Kysely } from 'kysely';
import type { Database } from '../../storage/schema.js';

/** What impact/ estimated for an incident, as the status page needs it (null before an estimate). */
async function impactFacts(db: Kysely<Database>, orgId: string, incidentId: string): Promise<statusPage.ImpactFacts | null> {
  const f = await impactFigure(db, orgId, incidentId);
  if (!f || f.row.estimate === null) return null;
  return { estimate: f.row.estimate, unit: f.row.label === 'contacts' ? 'contacts' : 'people', from: Number(f.row.window_start), to: f.row.window_end === null ? null : Number(f.row.window_end) };
}

const tags = ['status page'];
const StatusEnum = Type.Union(PUBLIC_STATUSES.map((s) => Type.Literal(s)));

export function statusPageRoutes(app: App, deps: AppDeps): void {
  const { db, clock } = deps;

  app.get('/api/v1/status_page', { config: { permission: 'read' }, schema: { summary: "The organization's public status page settings (off until published)", tags, response: { 200: Type.Object({ status_page: StatusPageSettings }), ...errorResponses } } }, async (request) => ({
    status_page: presentSettings(await statusPage.getSettings(db, principalOf(request).orgId), deps.config.publicUrl),
  }));

  app.put(
    '/api/v1/status_page',
    {
      schema: {
        summary: 'Publish or unpublish the status page, set its address (slug), title and components (admin). No components means every active service.',
        tags,
        body: StatusPageUpdate,
        response: { 200: Type.Object({ status_page: StatusPageSettings }), ...errorResponses },
      },
    },
    async (request) => ({
      status_page: presentSettings(await statusPage.updateSettings(db, clock, principalOf(request).orgId, request.body.status_page), deps.config.publicUrl),
    }),
  );

  app.get(
    '/api/v1/public/status/:slug',
    {
      config: { permission: 'public' },
      schema: {
        summary:
          'The public status page (no authentication): component states derived from open incidents and maintenance windows, the last 14 days of incidents with their public updates and the summary of their published postmortem, and maintenance in progress or planned for the next 7 days. 404 unless published.',
        tags,
        params: Type.Object({ slug: Type.String({ minLength: 1, maxLength: 64 }) }),
        querystring: Type.Object({ lang: Type.Optional(Type.String({ maxLength: 35, description: 'The language of the labels, among the page\'s languages (else Accept-Language, else its first)' })) }),
        response: {
          200: PublicStatusPage,
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const page = await statusPage.readPublicPage(db, clock, request.params.slug);
      const orgId = page.incidents[0]?.incident.org_id;
      const postmortems = orgId ? await publishedSummaries(db, orgId, page.incidents.map((x) => x.incident.id)) : new Map();
      reply.header('cache-control', 'no-cache');
      reply.header('vary', 'Accept-Language');
      // A language Vigil does not speak is a mistake to name; one it speaks but this page does not offer falls back, as Accept-Language does.
      if (request.query.lang !== undefined && !parseLocale(request.query.lang)) throw invalid(`lang: ${JSON.stringify(request.query.lang)} is not a supported language (${LANGUAGES.join(', ')})`);
      const lang = pickLanguage(page.languages, request.query.lang, request.headers['accept-language']);
      reply.header('content-language', lang);
      return presentPublicPage(page, lang, postmortems);
    },
  );

  app.get(
    '/api/v1/status_page/update_templates',
    {
      config: { permission: 'read' },
      schema: {
        summary:
          'Plain-language templates for public updates, one or more per status, in English, French or Spanish. With incident_id, each comes filled from the incident: its components\' public names, its start and end in the organization\'s time zone, and the people affected (rounded) when Vigil estimated them.',
        tags,
        querystring: Type.Object({ lang: Type.Optional(UpdateLanguage), incident_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) }),
        response: { 200: Type.Object({ update_templates: Type.Array(UpdateTemplate) }), ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const { lang, incident_id } = request.query;
      const incident = incident_id ? { id: incident_id, impact: await impactFacts(db, orgId, incident_id) } : undefined;
      return { update_templates: await statusPage.updateTemplates(db, orgId, (lang ?? 'en') as Language, incident) };
    },
  );

  app.get(
    '/api/v1/incidents/:id/public_updates',
    { config: { permission: 'read' }, schema: { summary: "An incident's public updates (shown on the status page), oldest first", tags, params: IdParams, response: { 200: Type.Object({ public_updates: Type.Array(PublicUpdate) }), ...errorResponses } } },
    async (request) => {
      return { public_updates: presentPublicUpdates(await statusPage.listPublicUpdates(db, principalOf(request).orgId, request.params.id)) };
    },
  );

  app.post(
    '/api/v1/incidents/:id/public_updates',
    {
      config: { permission: 'respond' },
      schema: {
        summary: 'Write a public update for the status page. The public sees this text, never the incident title.',
        tags,
        params: IdParams,
        body: Type.Object({
          public_update: Type.Object({
            status: StatusEnum,
            message: Type.String({ minLength: 1, maxLength: 4000 }),
            show_people_affected: Type.Optional(Type.Boolean({ description: "A resolving update only: add a sentence on the people affected (\"Between 02:10 and 03:05 UTC about 40 people could not reach Chat line.\"), from Vigil's estimate, times in the organization's time zone. 400 when there is no estimate." })),
            language: Type.Optional(UpdateLanguage),
          }),
        }),
        response: { 201: Type.Object({ public_update: PublicUpdate }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { status, message, show_people_affected, language } = request.body.public_update;
      const principal = principalOf(request);
      const impact = show_people_affected ? await impactFacts(db, principal.orgId, request.params.id) : null;
      const added = await statusPage.addPublicUpdate(db, clock, deps.config.publicUrl, principal, request.params.id, { status: status as PublicStatus, message, showPeopleAffected: show_people_affected === true, ...(language ? { language: language as Language } : {}) }, impact);
      return reply.code(201).send({ public_update: presentPublicUpdates(added)[0]! });
    },
  );
}
