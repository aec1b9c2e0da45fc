/**
 * The only place errors become HTTP answers. REST routes answer PagerDuty's
 * `{"error": {message, code, errors}}`; ingest routes (config.errorStyle =
 * 'events') answer the Events API's `{status, message, errors}`. Nothing
 * unexpected leaks: it is logged and answered 500 with no detail — and database
 * outages answer 503 with Retry-After, so senders retry. The Opsgenie-compatible routes
 * ('opsgenie') answer Opsgenie's `{message, took, requestId, errors{field: text}}`, with 422
 * for a body Opsgenie would find semantically wrong and 400 only for broken JSON.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, StorageUnavailable, VigilError, type ErrorKind } from '../../errors.js';
import { storageFailure } from '../../storage/dialect.js';
import { RETRY_AFTER_SECONDS } from '../../storage/health.js';
import type { MemberRule } from '../../org/roles.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    errorStyle?: 'events' | 'rest' | 'opsgenie';
    permission?: 'public' | 'read' | 'respond' | 'manage' | 'own';
    /** A POST that only reads (an analytics query, as PagerDuty's): a read-only token may send it. */
    query?: boolean;
    /** The rules on the member acted on that the handler checks beyond `permission` (org/roles.ts MEMBER_RULES); shown in the OpenAPI document. */
    memberRules?: MemberRule[];
    /** The handler refuses API tokens (a signed-in browser only); shown in the OpenAPI document as no token scope. */
    webSessionOnly?: boolean;
  }
}

interface ValidationItem {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
}

function fieldPath(item: ValidationItem, context: string): string {
  let p = item.instancePath.replace(/^\//, '').replace(/\//g, '.').replace(/\.(\d+)(?=\.|$)/g, '[$1]');
  if (item.keyword === 'required' && typeof item.params.missingProperty === 'string') p = p ? `${p}.${item.params.missingProperty}` : item.params.missingProperty;
  if (item.keyword === 'additionalProperties' && typeof item.params.additionalProperty === 'string') p = p ? `${p}.${item.params.additionalProperty}` : item.params.additionalProperty;
  return p || context;
}

export function describeValidation(items: ValidationItem[], context: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const it of items) {
    const path = fieldPath(it, context);
    let msg: string;
    if (it.keyword === 'required') msg = `${path} is required`;
    else if (it.keyword === 'additionalProperties') msg = `${path} is not a field Vigil knows here: leave it out`;
    else if (it.keyword === 'enum' || it.keyword === 'const') msg = `${path} must be one of ${JSON.stringify(it.params.allowedValues ?? it.params.allowedValue)}`;
    else msg = `${path} ${it.message ?? 'is invalid'}`;
    if (!seen.has(msg)) {
      seen.add(msg);
      out.push(msg);
    }
  }
  return out;
}

function classify(err: FastifyError & { validation?: ValidationItem[]; validationContext?: string }): { kind: ErrorKind; errors: string[]; message?: string; retryAfter?: number } {
  const failure = err instanceof VigilError ? null : storageFailure(err);
  const e = failure ? new StorageUnavailable(failure, RETRY_AFTER_SECONDS[failure]) : err;
  if (e instanceof VigilError) return { kind: e.kind, errors: e.errors, message: e.message, ...(e.retryAfterSeconds ? { retryAfter: e.retryAfterSeconds } : {}) };
  if (err.validation) return { kind: 'invalid_input', errors: describeValidation(err.validation, err.validationContext ?? 'body') };
  const code = err.code ?? '';
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { kind: 'payload_too_large', errors: ['request body is larger than this endpoint accepts'] };
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return { kind: 'unsupported_media_type', errors: ['Content-Type must be application/json'] };
  if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return { kind: 'invalid_input', errors: ['body: JSON parse error: the body is empty'] };
  if (err.statusCode === 400 && (err instanceof SyntaxError || code.startsWith('FST_ERR_CTP') || /JSON|prototype|Unexpected/i.test(err.message))) {
    return { kind: 'invalid_input', errors: [`body: JSON parse error: ${err.message.replace(/\s+/g, ' ').slice(0, 200)}`] };
  }
  if (err.statusCode === 413) return { kind: 'payload_too_large', errors: ['request body is too large'] };
  if (err.statusCode === 415) return { kind: 'unsupported_media_type', errors: ['Content-Type must be application/json'] };
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return { kind: 'invalid_input', errors: [err.message] };
  return { kind: 'internal', errors: [] };
}

export function sendError(reply: FastifyReply, request: FastifyRequest, kind: ErrorKind, errors: string[], message?: string, retryAfter?: number): FastifyReply {
  return reply.send(errorBody(reply, request, kind, errors, message, retryAfter));
}

/**
 * An error's answer in the route's style (PagerDuty REST, Events API, Opsgenie): status and
 * headers set on the reply, the body returned. For an onSend hook, where the answer being
 * replaced is already serialized, as text (`JSON.stringify` of this).
 */
export function errorBody(reply: FastifyReply, request: FastifyRequest, kind: ErrorKind, errors: string[], message?: string, retryAfter?: number): unknown {
  const def = ERRORS[kind];
  if (retryAfter) reply.header('retry-after', String(retryAfter));
  reply.code(def.status).type('application/json; charset=utf-8');
  if (request.routeOptions?.config?.errorStyle === 'opsgenie') return opsgenieErrorBody(reply, kind, errors, message);
  if (request.routeOptions?.config?.errorStyle === 'events') {
    const status = kind === 'rate_limited' ? 'throttle event' : kind === 'invalid_input' && errors.some((e) => e.startsWith('body: JSON parse error')) ? 'Unrecognized object' : kind === 'invalid_input' ? 'invalid event' : kind === 'payload_too_large' ? 'event too large' : 'error';
    const msg =
      kind === 'invalid_input' ? (status === 'Unrecognized object' ? 'Event object format is unrecognized' : 'Event object is invalid') : (message ?? def.message);
    return { status, message: msg, errors };
  }
  return { error: { message: message ?? def.message, code: def.code, errors } };
}

const OPSGENIE_MESSAGE: Partial<Record<ErrorKind, string>> = {
  invalid_input: 'Request body is not processable. Please check the errors.',
  unauthenticated: 'Could not authenticate',
  rate_limited: 'You are making too many requests! To avoid errors, we recommend you limit requests.',
};

function opsgenieErrorBody(reply: FastifyReply, kind: ErrorKind, errors: string[], message?: string): unknown {
  const jsonSyntax = kind === 'invalid_input' && errors.some((e) => e.startsWith('body: JSON parse error'));
  const byField: Record<string, string> = {};
  for (const e of errors) {
    const m = /^([\w.[\]]+):\s*(.*)$/s.exec(e);
    const field = m ? m[1]! : 'request';
    const text = m ? m[2]! : e;
    byField[field] = byField[field] ? `${byField[field]}; ${text}` : text;
  }
  let msg: string;
  if (jsonSyntax) msg = errors[0] ?? 'Invalid JSON';
  else if (kind === 'not_found') msg = message && message !== ERRORS.not_found.message ? message : (errors[0] ?? 'Not Found');
  else msg = OPSGENIE_MESSAGE[kind] ?? message ?? ERRORS[kind].message;
  reply.code(jsonSyntax ? 400 : kind === 'invalid_input' ? 422 : ERRORS[kind].status);
  const requestId = randomUUID();
  reply.header('x-request-id', requestId);
  return { message: msg, took: reply.elapsedTime / 1000, requestId, ...(kind === 'invalid_input' && !jsonSyntax && errors.length ? { errors: byField } : {}) };
}

export function registerErrorHandling(app: FastifyInstance): void {
  // PagerDuty clients send `Content-Type: application/json` on every call, GET and DELETE
  // included (go-pagerduty, pdjs; BRIEF.md §6). A REST request that carries no body is
  // then simply bodiless: it must not fail as "empty JSON body" (400) before its route runs.
  app.addHook('onRequest', async (request) => {
    const h = request.headers;
    if (h['content-type'] && /^\/(api\/|v2\/alerts\/|v2\/heartbeats\/)/.test(request.routeOptions.url ?? '') && h['transfer-encoding'] === undefined && (h['content-length'] === undefined || h['content-length'] === '0')) {
      delete h['content-type'];
    }
  });
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const c = classify(err);
    if (c.kind === 'internal') request.log.error({ err }, 'unhandled error');
    else if (c.kind === 'unavailable' || c.kind === 'storage_unavailable') request.log.warn({ err: err.message, errors: c.errors }, 'storage unavailable');
    return sendError(reply, request, c.kind, c.errors, c.message, c.retryAfter);
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, request, 'not_found', [`no route ${request.method} ${request.url.split('?')[0]}`]));
}
