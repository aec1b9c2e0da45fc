/**
 * The public status page (no sign-in) and what responders do for it: publish it,
 * choose its components, and write public updates on incidents.
 */
import { Type } from 'typebox';
import { IdParams, Nullable, errorResponses } from '../../../contract/common.js';
import { VigilError, invalid, notFound } from '../../errors.js';
import { iso, isoOrNull } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import { requireIncident } from '../../incident/incident.service.js';
import { getOrganization, getUsers } from '../../org/org.store.js';
import { getServicesByIds, listActiveServices } from '../../service/service.store.js';
import { openOrRecentIncidents } from '../../incident/incident.store.js';
import type { PublicUpdateTable } from '../../storage/schema.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import * as store from '../../status-page/status-page.store.js';
import { HISTORY_DAYS, PUBLIC_STATUSES, SLUG_RE, componentState, effectiveComponents, overallState, parseComponents, publicIncidentStatus, type PublicStatus, type StatusComponent } from '../../status-page/status-page.js';

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

function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code ?? '';
  return code === '23505' || code.startsWith('SQLITE_CONSTRAINT');
}

export function statusPageRoutes(app: App, deps: AppDeps): void {
  const { db, clock } = deps;

  async function settingsOf(orgId: string) {
    const [row, org] = await Promise.all([store.getStatusPage(db, orgId), getOrganization(db, orgId)]);
    const slug = row?.slug ?? orgId.toLowerCase();
    return { slug, title: row?.title ?? org?.name ?? 'Status', enabled: Boolean(row?.enabled), components: parseComponents(row?.components ?? '[]'), public_url: `${deps.config.publicUrl}/status/${slug}` };
  }

  app.get('/api/v1/status_page', { config: { permission: 'read' }, schema: { summary: "The organization's public status page settings (off until published)", tags, response: { 200: Type.Object({ status_page: Settings }), ...errorResponses } } }, async (request) => ({
    status_page: await settingsOf(principalOf(request).orgId),
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
    async (request) => {
      const { orgId } = principalOf(request);
      const cur = await settingsOf(orgId);
      const b = request.body.status_page;
      const slug = (b.slug ?? cur.slug).trim().toLowerCase();
      if (!SLUG_RE.test(slug)) throw invalid('status_page.slug: use 1 to 64 lowercase letters, digits and dashes, not starting or ending with a dash');
      let components: StatusComponent[] = cur.components;
      if (b.components) {
        const ids = [...new Set(b.components.map((c) => c.service_id))];
        const found = new Set((await getServicesByIds(db, orgId, ids)).filter((s) => s.deleted_at === null).map((s) => s.id));
        const missing = b.components.findIndex((c) => !found.has(c.service_id));
        if (missing >= 0) throw invalid(`status_page.components[${missing}].service_id: service ${b.components[missing]!.service_id} not found`);
        components = b.components.map((c) => ({ service_id: c.service_id, name: (c.name ?? '').trim(), group: (c.group ?? '').trim() || 'Services' }));
      }
      try {
        await store.upsertStatusPage(db, { org_id: orgId, slug, title: (b.title ?? cur.title).trim(), enabled: (b.enabled ?? cur.enabled) ? 1 : 0, components: JSON.stringify(components), updated_at: clock.now() });
      } catch (err) {
        if (isUniqueViolation(err)) throw new VigilError('conflict', [`status_page.slug: ${slug} is taken`]);
        throw err;
      }
      return { status_page: await settingsOf(orgId) };
    },
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
      const pageById = await store.findStatusPage(db, request.params.slug.toLowerCase());
      if (!pageById || !pageById.enabled) throw notFound(`status page ${request.params.slug}`);
      const orgId = pageById.org_id;
      const now = clock.now();
      const services = await listActiveServices(db, orgId);
      const components = effectiveComponents(parseComponents(pageById.components), services);
      const serviceIds = [...new Set(components.map((c) => c.service_id))];
      const incidents = await openOrRecentIncidents(db, orgId, serviceIds, now - HISTORY_DAYS * 86_400_000);
      const updates = await store.publicUpdatesOf(db, orgId, incidents.map((i) => i.id));
      const svcStatus = new Map(services.map((s) => [s.id, s.status]));
      const open = incidents.filter((i) => i.status !== 'resolved');
      const states = new Map(serviceIds.map((id) => [id, componentState(svcStatus.get(id) ?? 'active', open.filter((i) => i.service_id === id))]));
      const groups: { name: string; components: { id: string; name: string; state: string }[] }[] = [];
      for (const c of components) {
        let g = groups.find((x) => x.name === c.group);
        if (!g) groups.push((g = { name: c.group, components: [] }));
        g.components.push({ id: c.service_id, name: c.name, state: states.get(c.service_id)! });
      }
      const namesOf = (serviceId: string) => components.filter((c) => c.service_id === serviceId).map((c) => c.name);
      reply.header('cache-control', 'no-cache');
      return {
        title: pageById.title,
        state: overallState([...states.values()]),
        updated_at: iso(now),
        groups,
        incidents: incidents.map((i) => {
          const mine = updates.filter((u) => u.incident_id === i.id);
          return {
            id: i.id,
            status: publicIncidentStatus(i.status, mine.map((u) => ({ status: u.status, created_at: Number(u.created_at) }))),
            impact: i.status === 'resolved' ? 'none' : i.urgency === 'high' ? 'outage' : 'degraded',
            components: namesOf(i.service_id),
            started_at: iso(Number(i.created_at)),
            resolved_at: isoOrNull(i.resolved_at === null ? null : Number(i.resolved_at)),
            updates: mine.map((u) => ({ status: u.status, message: u.message, created_at: iso(Number(u.created_at)) })).reverse(),
          };
        }),
      };
    },
  );

  async function presentUpdates(orgId: string, rows: PublicUpdateTable[]) {
    const users = await getUsers(db, orgId, [...new Set(rows.flatMap((r) => (r.author_id ? [r.author_id] : [])))]);
    const names = new Map(users.map((u) => [u.id, u.name]));
    return rows.map((r) => ({ id: r.id, status: r.status, message: r.message, created_at: iso(Number(r.created_at)), author: r.author_id ? { id: r.author_id, name: names.get(r.author_id) ?? null } : null }));
  }

  app.get(
    '/api/v1/incidents/:id/public_updates',
    { config: { permission: 'read' }, schema: { summary: "An incident's public updates (shown on the status page), oldest first", tags, params: IdParams, response: { 200: Type.Object({ public_updates: Type.Array(PublicUpdate) }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      const inc = await requireIncident(db, orgId, request.params.id);
      return { public_updates: await presentUpdates(orgId, await store.publicUpdatesOf(db, orgId, [inc.id])) };
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
      const p = principalOf(request);
      const inc = await requireIncident(db, p.orgId, request.params.id);
      const message = request.body.public_update.message.trim();
      if (!message) throw invalid('public_update.message must not be blank');
      const now = clock.now();
      const row: PublicUpdateTable = { org_id: p.orgId, id: newId(now), incident_id: inc.id, status: request.body.public_update.status as PublicStatus, message, author_id: p.userId, created_at: now };
      await store.insertPublicUpdate(db, row);
      return reply.code(201).send({ public_update: (await presentUpdates(p.orgId, [row]))[0]! });
    },
  );
}
