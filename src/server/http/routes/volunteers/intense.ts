/** /api/v1/incidents/{id}/intense: staff mark an incident intense, so volunteers who respond to it get the cool-down after it. */
import { Type } from 'typebox';
import { IdParams, errorResponses } from '../../../../contract/common.js';
import { IntenseMark } from '../../../../contract/open-shifts.js';
import { forbidden } from '../../../errors.js';
import { markIntense, unmarkIntense } from '../../../volunteer/intense.service.js';
import type { App, AppDeps } from '../../deps.js';
import { principalOf } from '../../plugins/auth.js';
import * as present from '../../presenters/open-shift.js';

export function intenseIncidentRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;

  app.put(
    '/api/v1/incidents/:id/intense',
    {
      config: { permission: 'respond' },
      schema: {
        summary: 'Mark an incident intense: volunteers who respond to it get the cool-down after it, as after a critical incident',
        tags: ['volunteers'],
        params: IdParams,
        body: Type.Optional(Type.Object({ intense: Type.Optional(Type.Object({ note: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 1024 })])) })) })),
        response: { 200: IntenseMark, ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      if (principal.role === 'volunteer') throw forbidden('only staff can mark an incident intense');
      const mark = await markIntense(db, clock, principal.orgId, principal.userId, request.params.id, request.body?.intense?.note ?? null);
      return { intense: present.intenseMark(p, mark) };
    },
  );

  app.delete(
    '/api/v1/incidents/:id/intense',
    { config: { permission: 'respond' }, schema: { summary: 'Unmark an incident intense', tags: ['volunteers'], params: IdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.role === 'volunteer') throw forbidden('only staff can change whether an incident is intense');
      await unmarkIntense(db, clock, principal.orgId, principal.userId, request.params.id);
      return reply.code(204).send(undefined as never);
    },
  );
}
