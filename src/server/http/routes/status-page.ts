/**
 * The public status page (no sign-in) and what responders do for it: publish it,
 * choose its components, and write public updates on incidents.
 */
import { Type } from 'typebox';
import { IdParams, Nullable, errorResponses } from '../../../contract/common.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { presentPublicPage, presentPublicUpdates, presentSettings } from '../presenters/status-page.js';
import * as statusPage from '../../status-page/status-page.service.js';
import { PUBLIC_STATUSES, type PublicStatus } from '../../status-page/status-page.js';

const tags = ['status page'];
const StatusEnum = Type.Union(PUBLIC_STATUSES.map((s) => Type.Literal(s)));

const Settings = Type.Object({
  slug: Type.String(),
  title: Type.String(),
  enabled: Type.Boolean(),
  components: Type.Array(Type.Object({ service_id: Type.String(), name: Type.String(), group: Type.String() })),
  public_url: Type.String(),
});

const PublicUpdate = Type.Object({ id: Type.String(), status: Type.String(), message: Type.String(), created_at: Type.String(), author: Nullable(Type.Object({ id: Type.String(), name: Nullable(Type.String()) })) });

export function statusPageRoutes(app: App, deps: AppDeps): void {
  const { db, clock } = deps;

  app.get('/api/v1/status_page', { config: { permission: 'read' }, schema: { summary: "The organization's public status page settings (off until published)", tags, response: { 200: Type.Object({ status_page: Settings }), ...errorResponses } } }, async (request) => ({
    status_page: presentSettings(await statusPage.getSettings(db, principalOf(request).orgId), deps.config.publicUrl),
  }));

  app.put(
    '/api/v1/status_page',
    {
      schema: {
        summary: 'Publish or unpublish the status page, set its address (slug), title and components (admin). No components means every active service.',
        tags,
        body: Type.Object({
          status_page: Type.Object({
            slug: Type.Optional(Type.String({ maxLength: 64 })),
            title: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
            enabled: Type.Optional(Type.Boolean()),
            components: Type.Optional(Type.Array(Type.Object({ service_id: Type.String({ maxLength: 64 }), name: Type.Optional(Type.String({ maxLength: 255 })), group: Type.Optional(Type.String({ maxLength: 255 })) }), { maxItems: 200 })),
          }),
        }),
        response: { 200: Type.Object({ status_page: Settings }), ...errorResponses },
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
        summary: 'The public status page (no authentication): component states derived from open incidents, and the last 14 days of incidents with their public updates. 404 unless published.',
        tags,
        params: Type.Object({ slug: Type.String({ minLength: 1, maxLength: 64 }) }),
        response: {
          200: Type.Object({
            title: Type.String(),
            state: Type.String(),
            updated_at: Type.String(),
            groups: Type.Array(Type.Object({ name: Type.String(), components: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), state: Type.String() })) })),
            incidents: Type.Array(
              Type.Object({
                id: Type.String(),
                status: Type.String(),
                impact: Type.String(),
                components: Type.Array(Type.String()),
                started_at: Type.String(),
                resolved_at: Nullable(Type.String()),
                updates: Type.Array(Type.Object({ status: Type.String(), message: Type.String(), created_at: Type.String() })),
              }),
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const page = await statusPage.readPublicPage(db, clock, request.params.slug);
      reply.header('cache-control', 'no-cache');
      return presentPublicPage(page);
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
        body: Type.Object({ public_update: Type.Object({ status: StatusEnum, message: Type.String({ minLength: 1, maxLength: 4000 }) }) }),
        response: { 201: Type.Object({ public_update: PublicUpdate }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { status, message } = request.body.public_update;
      const added = await statusPage.addPublicUpdate(db, clock, principalOf(request), request.params.id, { status: status as PublicStatus, message });
      return reply.code(201).send({ public_update: presentPublicUpdates(added)[0]! });
    },
  );
}
