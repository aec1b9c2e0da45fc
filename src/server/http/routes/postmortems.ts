/**
 * Postmortems: start one from a resolved incident (prefilled Markdown), edit it, move it
 * draft → in review → published, export it as Markdown (`Accept: text/markdown` or
 * `?format=markdown`), and its action items, listed across incidents (`?overdue=true`).
 */
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { IdParams, Pagination, errorResponses } from '../../../contract/common.js';
import { ActionItem, ActionItemCreate, ActionItemUpdate, Postmortem, PostmortemUpdate } from '../../../contract/postmortem.js';
import {
  actionItemsOf,
  addActionItem,
  changeActionItem,
  changePostmortem,
  incidentBriefs,
  listActionItems,
  listPostmortems,
  ownerNames,
  postmortemMarkdown,
  postmortemOfIncident,
  requirePostmortem,
  startPostmortem,
} from '../../postmortem/postmortem.service.js';
import type { ActionItemTable, PostmortemTable } from '../../storage/schema.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { pdfRenderer } from '../../report/pdf.js';
import { postmortemPdf } from '../../report/report-pdf.service.js';
import { sendPdf, wantsPdf } from '../pdf.js';
import { arr } from '../query.js';
import { presentActionItem, presentPostmortem } from '../presenters/postmortem.js';

const wantsMarkdown = (request: FastifyRequest) => {
  if (wantsPdf(request)) return false;
  const f = (request.query as { format?: string } | undefined)?.format;
  if (f) return f === 'markdown';
  return /\btext\/markdown\b/i.test(String(request.headers.accept ?? ''));
};

export function postmortemRoutes(app: App, deps: AppDeps): void {
  const { db, clock } = deps;

  const items = async (orgId: string, rows: ActionItemTable[]) => {
    const [names, incidents] = await Promise.all([ownerNames(db, orgId, rows), incidentBriefs(db, orgId, rows.map((r) => r.incident_id))]);
    const now = clock.now();
    return rows.map((r) => presentActionItem(r, now, names.get(r.owner_id) ?? r.owner_id, incidents.get(r.incident_id) ?? { id: r.incident_id, number: null, title: null }));
  };
  const full = async (orgId: string, p: PostmortemTable) => {
    const [list, incidents] = await Promise.all([actionItemsOf(db, orgId, p.id), incidentBriefs(db, orgId, [p.incident_id])]);
    return presentPostmortem(p, await items(orgId, list), incidents.get(p.incident_id) ?? { id: p.incident_id, number: null, title: null });
  };
  const Format = Type.Object({ format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('markdown'), Type.Literal('pdf')])) });

  app.post(
    '/api/v1/incidents/:id/postmortem',
    {
      config: { permission: 'respond' },
      schema: { summary: 'Start the postmortem of a resolved incident, prefilled with its timeline and the people it affected', tags: ['postmortems'], params: IdParams, response: { 201: Type.Object({ postmortem: Postmortem }), ...errorResponses, 409: errorResponses[400] } },
    },
    async (request, reply) => {
      const { orgId, userId } = principalOf(request);
      const p = await startPostmortem(deps, orgId, request.params.id, userId, deps.config.publicUrl);
      return reply.code(201).send({ postmortem: (await full(orgId, p)) as never });
    },
  );

  app.get(
    '/api/v1/incidents/:id/postmortem',
    { config: { permission: 'read' }, schema: { summary: 'The postmortem of an incident', tags: ['postmortems'], params: IdParams, response: { 200: Type.Object({ postmortem: Postmortem }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      return { postmortem: (await full(orgId, await postmortemOfIncident(db, orgId, request.params.id))) as never };
    },
  );

  app.get(
    '/api/v1/postmortems',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'List postmortems, newest first; incident_ids[] asks for the postmortems of these incidents (an empty list when there is none, where GET /incidents/{id}/postmortem answers 404)',
        tags: ['postmortems'],
        querystring: Type.Object({ status: Type.Optional(Type.String({ maxLength: 20 })), 'incident_ids[]': Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })), offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000, default: 0 })) }),
        response: { 200: Type.Object({ postmortems: Type.Array(Postmortem), ...Pagination }), ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const limit = request.query.limit ?? 25;
      const offset = request.query.offset ?? 0;
      const incidentIds = request.query['incident_ids[]'];
      const { rows, total } = await listPostmortems(db, orgId, { ...(request.query.status ? { status: request.query.status } : {}), ...(incidentIds ? { incidentIds: [incidentIds].flat() } : {}), limit, offset });
      const out = [];
      for (const p of rows) out.push(await full(orgId, p));
      return { postmortems: out as never, limit, offset, more: offset + rows.length < total, total };
    },
  );

  app.get(
    '/api/v1/postmortems/:id',
    {
      config: { permission: 'read' },
      schema: { summary: 'A postmortem; as Markdown with its action items with ?format=markdown or Accept: text/markdown; the same document as PDF with ?format=pdf or Accept: application/pdf (503 when the server has no Chromium)', tags: ['postmortems'], params: IdParams, querystring: Format, response: { 200: Type.Object({ postmortem: Postmortem }), ...errorResponses } },
    },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      const p = await requirePostmortem(db, orgId, request.params.id);
      const slug = p.title.replace(/[^\w-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'postmortem';
      if (wantsPdf(request)) return sendPdf(reply, `postmortem-${slug}.pdf`, await postmortemPdf(db, pdfRenderer(deps.config.chromiumPath), orgId, p));
      if (wantsMarkdown(request)) {
        return reply.type('text/markdown; charset=utf-8').header('content-disposition', `attachment; filename="postmortem-${slug}.md"`).send((await postmortemMarkdown(db, orgId, p)) as never);
      }
      return { postmortem: (await full(orgId, p)) as never };
    },
  );

  app.put(
    '/api/v1/postmortems/:id',
    {
      config: { permission: 'respond' },
      schema: { summary: 'Edit a postmortem or move it: draft → in_review → published (back: published → in_review → draft)', tags: ['postmortems'], params: IdParams, body: PostmortemUpdate, response: { 200: Type.Object({ postmortem: Postmortem }), ...errorResponses } },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      return { postmortem: (await full(orgId, await changePostmortem(deps, orgId, request.params.id, request.body.postmortem))) as never };
    },
  );

  app.post(
    '/api/v1/postmortems/:id/action_items',
    {
      config: { permission: 'respond' },
      schema: { summary: 'Add an action item: an owner, a due date and a status (open unless given)', tags: ['postmortems'], params: IdParams, body: ActionItemCreate, response: { 201: Type.Object({ action_item: ActionItem }), ...errorResponses } },
    },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      const row = await addActionItem(deps, orgId, request.params.id, request.body.action_item);
      return reply.code(201).send({ action_item: (await items(orgId, [row]))[0] as never });
    },
  );

  app.put(
    '/api/v1/action_items/:id',
    {
      config: { permission: 'respond' },
      schema: { summary: 'Change an action item (done or wont_do stops its reminders; a new due date starts them over)', tags: ['postmortems'], params: IdParams, body: ActionItemUpdate, response: { 200: Type.Object({ action_item: ActionItem }), ...errorResponses } },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const row = await changeActionItem(deps, orgId, request.params.id, request.body.action_item);
      return { action_item: (await items(orgId, [row]))[0] as never };
    },
  );

  app.get(
    '/api/v1/action_items',
    {
      config: { permission: 'read' },
      schema: {
        summary: 'Action items across incidents, soonest due first',
        tags: ['postmortems'],
        querystring: Type.Object({
          'statuses[]': Type.Optional(Type.Array(Type.String({ maxLength: 20 }), { maxItems: 4 })),
          owner_id: Type.Optional(Type.String({ maxLength: 64 })),
          overdue: Type.Optional(Type.Boolean({ description: 'Only open or in-progress items past their due date' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })),
          offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000, default: 0 })),
        }),
        response: { 200: Type.Object({ action_items: Type.Array(ActionItem), ...Pagination }), ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const q = request.query;
      const limit = q.limit ?? 25;
      const offset = q.offset ?? 0;
      const statuses = arr(q['statuses[]']);
      const { rows, total } = await listActionItems(db, clock.now(), orgId, { ...(statuses ? { status: statuses } : {}), ...(q.owner_id ? { ownerId: q.owner_id } : {}), ...(q.overdue ? { overdue: true } : {}), limit, offset });
      return { action_items: (await items(orgId, rows)) as never, limit, offset, more: offset + rows.length < total, total };
    },
  );
}
