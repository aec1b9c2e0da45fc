/**
 * Matrix replies (admins): the organization's Matrix sync. Once set, the engine reads the
 * bot's rooms and acts on "ack <number>" from the Matrix user linked to a matrix contact
 * method of the room (docs/channels.md).
 */
import { Type } from 'typebox';
import { errorResponses } from '../../../contract/common.js';
import { MatrixSync, MatrixSyncOrNone, MatrixSyncUpdate } from '../../../contract/matrix.js';
import { VigilError } from '../../errors.js';
import { iso, isoOrNull } from '../../lib/clock.js';
import { accessTokenHint, configureMatrixSync, getMatrixSync, removeMatrixSync } from '../../notify/matrix-sync.service.js';
import type { MatrixSyncTable } from '../../storage/schema.js';
import { audit } from '../../volunteer/access.service.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';

const tags = ['matrix'];

const present = (s: MatrixSyncTable) => ({
  matrix_sync: {
    type: 'matrix_sync' as const,
    homeserver: s.homeserver,
    bot_user_id: s.bot_user_id,
    access_token_hint: accessTokenHint(s.access_token),
    last_sync_at: isoOrNull(s.last_sync_at),
    last_error: s.last_error,
    created_at: iso(Number(s.created_at)),
    updated_at: iso(Number(s.updated_at)),
  },
});

export function matrixSyncRoutes(app: App, deps: AppDeps): void {
  const { db, clock } = deps;

  app.get<{ Querystring: { allow_unset?: boolean } }>(
    '/api/v1/matrix_sync',
    {
      schema: {
        summary: "Admins: the organization's Matrix sync (replies such as \"ack 42\" read through the bot account); 404 while none is set, or `matrix_sync: null` with allow_unset=true",
        tags,
        querystring: Type.Object({ allow_unset: Type.Optional(Type.Boolean({ description: 'Answer 200 with matrix_sync null, instead of 404, while no sync is set.' })) }),
        response: { 200: MatrixSyncOrNone, ...errorResponses },
      },
    },
    async (request) => {
      const s = await getMatrixSync(db, principalOf(request).orgId);
      if (!s && request.query.allow_unset) return { matrix_sync: null };
      if (!s) throw new VigilError('not_found', ['matrix sync not found (set one with PUT /api/v1/matrix_sync)']);
      return present(s);
    },
  );

  app.put(
    '/api/v1/matrix_sync',
    { schema: { summary: 'Admins: set the Matrix sync (homeserver, bot access token, bot user id); the bot then reads its rooms and acts on "ack <number>"', tags, body: MatrixSyncUpdate, response: { 200: MatrixSync, ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const s = await configureMatrixSync(db, clock, deps.outbound, principal.orgId, request.body.matrix_sync);
      await audit(db, principal.orgId, principal.userId, 'matrix_sync.update', 'matrix_sync', clock.now());
      deps.bus.poke();
      return present(s);
    },
  );

  app.delete('/api/v1/matrix_sync', { schema: { summary: 'Admins: stop reading Matrix replies', tags, response: { 204: Type.Null(), ...errorResponses } } }, async (request, reply) => {
    const principal = principalOf(request);
    await removeMatrixSync(db, principal.orgId);
    await audit(db, principal.orgId, principal.userId, 'matrix_sync.delete', 'matrix_sync', clock.now());
    return reply.code(204).send(undefined as never);
  });
}
