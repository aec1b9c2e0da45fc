/**
 * The Opsgenie-compatible Alert and Heartbeat API (`/v2/alerts`, `/v2/heartbeats`), so a
 * tool configured for Opsgenie switches by changing its URL: `Authorization: GenieKey <key>`
 * with the key of a Vigil integration of type `opsgenie`. Answers and errors in Opsgenie's
 * shapes (ingest/opsgenie/ holds the protocol; docs/migrating.md the mapping).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { iso } from '../../lib/clock.js';
import { VigilError } from '../../errors.js';
import { OpsgenieAccepted, OpsgenieActionBody, OpsgenieCreateAlert, OpsgenieError, OpsgenieRequestStatus } from '../../../contract/opsgenie.js';
import { act, createAlert, integrationForKey, pingHeartbeat, requestStatus, type Action } from '../../ingest/opsgenie/opsgenie.service.js';
import { identifierType, validateAction, validateCreate } from '../../ingest/opsgenie/validate.js';
import type { ResolvedIntegration } from '../../ingest/ingest.service.js';
import type { App, AppDeps } from '../deps.js';
import { EVENT_BODY_LIMIT } from './ingest.js';

const skipValidation = () => () => true;
const errors = { 400: OpsgenieError, 401: OpsgenieError, 404: OpsgenieError, 422: OpsgenieError, 429: OpsgenieError };
const opts = { bodyLimit: EVENT_BODY_LIMIT, config: { errorStyle: 'opsgenie' as const, permission: 'public' as const }, validatorCompiler: skipValidation };

export function genieKey(header: string | undefined): string | null {
  const m = header ? /^GenieKey\s+(\S+)$/i.exec(header.trim()) : null;
  return m ? m[1]! : null;
}

function invalid(errs: string[]): VigilError {
  return new VigilError('invalid_input', errs);
}

function accepted(reply: FastifyReply, requestId: string, result = 'Request will be processed'): FastifyReply {
  reply.header('x-request-id', requestId);
  return reply.code(202).send({ result, took: reply.elapsedTime / 1000, requestId });
}

export function opsgenieRoutes(app: App, deps: AppDeps): void {
  async function authenticate(request: FastifyRequest): Promise<ResolvedIntegration> {
    const target = await integrationForKey(deps.ingest, genieKey(request.headers.authorization));
    if (!target) {
      deps.ingest.count('rejected', 'unauthenticated');
      throw new VigilError('unauthenticated', ['send the key of a Vigil integration of type opsgenie as "Authorization: GenieKey <key>"']);
    }
    return target;
  }

  app.post(
    '/v2/alerts',
    { ...opts, schema: { summary: 'Create an alert (Opsgenie Alert API); `alias` is the dedup key', tags: ['ingest'], body: OpsgenieCreateAlert, response: { 202: OpsgenieAccepted, ...errors } } },
    async (request, reply) => {
      const target = await authenticate(request);
      const v = validateCreate(request.body);
      if (!v.ok) throw invalid(v.errors);
      const r = await createAlert(deps, target, v.value, request.body);
      return accepted(reply, r.requestId);
    },
  );

  const ACTIONS: [string, Action, string][] = [
    ['acknowledge', 'Acknowledge', 'Acknowledge an alert (Opsgenie Alert API)'],
    ['close', 'Close', 'Close an alert (Opsgenie Alert API); its incident resolves with its last open alert'],
    ['notes', 'AddNote', 'Add a note to an alert (Opsgenie Alert API): a note on its incident'],
  ];
  for (const [path, action, summary] of ACTIONS) {
    app.post(
      `/v2/alerts/:identifier/${path}`,
      {
        ...opts,
        schema: {
          summary,
          tags: ['ingest'],
          params: Type.Object({ identifier: Type.String({ maxLength: 512 }) }),
          querystring: Type.Object({ identifierType: Type.Optional(Type.Union([Type.Literal('id'), Type.Literal('alias'), Type.Literal('tiny')])) }),
          ...(action === 'AddNote' ? { body: Type.Intersect([OpsgenieActionBody, Type.Object({ note: Type.String() })]) } : { body: Type.Optional(OpsgenieActionBody) }),
          response: { 202: OpsgenieAccepted, ...errors },
        },
      },
      async (request, reply) => {
        const target = await authenticate(request);
        const { identifier } = request.params as { identifier: string };
        const query = request.query as Record<string, unknown>;
        const extra = Object.keys(query).filter((k) => k !== 'identifierType');
        const t = identifierType(query.identifierType);
        const b = validateAction(request.body, { noteRequired: action === 'AddNote' });
        const errs = [...(t.ok ? [] : t.errors), ...(b.ok ? [] : b.errors), ...extra.map((k) => `${k}: not a query parameter Vigil knows`)];
        if (!identifier.trim()) errs.push('identifier: can not be empty');
        if (errs.length || !t.ok || !b.ok) throw invalid(errs);
        const r = await act(deps, target, action, identifier, t.value, b.value, request.body ?? {});
        return accepted(reply, r.requestId);
      },
    );
  }

  app.get(
    '/v2/alerts/requests/:requestId',
    {
      ...opts,
      schema: {
        summary: 'The outcome of an Opsgenie Alert API request: whether it succeeded and which alert it touched',
        tags: ['ingest'],
        params: Type.Object({ requestId: Type.String({ maxLength: 64 }) }),
        response: { 200: OpsgenieRequestStatus, ...errors },
      },
    },
    async (request, reply) => {
      const target = await authenticate(request);
      const { requestId } = request.params as { requestId: string };
      const s = await requestStatus(deps.db, target.integration.org_id, requestId);
      if (!s) throw new VigilError('not_found', [`Request with id [${requestId}] does not exist`], { message: `Request with id [${requestId}] does not exist` });
      return reply.code(200).send({ data: { ...s, processedAt: iso(s.processedAt) }, took: reply.elapsedTime / 1000, requestId });
    },
  );

  const ping = async (request: FastifyRequest, reply: FastifyReply) => {
    const target = await authenticate(request);
    const { name } = request.params as { name: string };
    const r = await pingHeartbeat(deps, target.integration.org_id, name);
    if (!r) throw new VigilError('not_found', [`Heartbeat with name [${name}] does not exist`], { message: `Heartbeat with name [${name}] does not exist` });
    return accepted(reply, randomUUID(), 'PONG - Heartbeat received');
  };
  const pingSchema = {
    summary: "Ping the organization's heartbeat integration of this name (Opsgenie Heartbeat API)",
    tags: ['ingest'],
    params: Type.Object({ name: Type.String({ maxLength: 200 }) }),
    response: { 202: OpsgenieAccepted, ...errors },
  };
  for (const method of ['GET', 'POST', 'PUT', 'PATCH'] as const) app.route({ method, url: '/v2/heartbeats/:name/ping', ...opts, schema: pingSchema, handler: ping });
}
