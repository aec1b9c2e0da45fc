/**
 * Ingest endpoints, speaking each sender's protocol exactly: PagerDuty Events
 * API v2 (`/v2/enqueue`, `/v2/change/enqueue`) and Alertmanager's webhook. A 202
 * is sent only after the event's transaction committed (see group-commit.ts).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { VigilError } from '../../errors.js';
import { EventsError } from '../../../contract/common.js';
import { validateAlertEvent, validateChangeEvent, validateRoutingKey } from '../../ingest/events-v2/validate.js';
import { validateAlertmanager } from '../../ingest/alertmanager/validate.js';
import { validateFormattedWebhook } from '../../ingest/oncall-webhook/validate.js';
import type { IngestJob } from '../../ingest/ingest.service.js';
import { parseWebhookBody, webhookJobs } from '../../ingest/generic-webhook/webhook.service.js';
import type { App, AppDeps } from '../deps.js';
import { parseAuthorization } from '../plugins/auth.js';

/** 512 KiB: PagerDuty's documented event limit; Alertmanager caps its own bodies at 512000 bytes. */
export const EVENT_BODY_LIMIT = 512 * 1024;

const Success = Type.Object({ status: Type.String(), message: Type.String(), dedup_key: Type.Optional(Type.String()) });
const UNKNOWN_KEY = "'routing_key' is not a known integration key";
const skipValidation = () => () => true;

const eventRequest = Type.Object(
  {
    routing_key: Type.String({ minLength: 32, maxLength: 32 }),
    event_action: Type.Union([Type.Literal('trigger'), Type.Literal('acknowledge'), Type.Literal('resolve')]),
    dedup_key: Type.Optional(Type.String({ maxLength: 255 })),
    payload: Type.Optional(
      Type.Object({
        summary: Type.String({ maxLength: 1024 }),
        source: Type.String(),
        severity: Type.Union([Type.Literal('critical'), Type.Literal('error'), Type.Literal('warning'), Type.Literal('info')]),
        timestamp: Type.Optional(Type.String()),
        component: Type.Optional(Type.String()),
        group: Type.Optional(Type.String()),
        class: Type.Optional(Type.String()),
        custom_details: Type.Optional(Type.Any()),
      }),
    ),
    images: Type.Optional(Type.Array(Type.Object({ src: Type.String(), href: Type.Optional(Type.String()), alt: Type.Optional(Type.String()) }))),
    links: Type.Optional(Type.Array(Type.Object({ href: Type.String(), text: Type.Optional(Type.String()) }))),
    client: Type.Optional(Type.String()),
    client_url: Type.Optional(Type.String()),
  },
  { description: 'PagerDuty Events API v2 alert event' },
);

/** What every ingest route shares: commit an event and answer 202, or refuse it counted as invalid. */
function ingestHelpers(ingest: AppDeps['ingest']) {
  return {
    async accept(reply: FastifyReply, job: IngestJob, body: Record<string, unknown>): Promise<FastifyReply> {
      ingest.admit(job.target.integration.id);
      await ingest.submit(job);
      ingest.count('accepted', job.kind);
      return reply.code(202).send(body);
    },
    /** The event as received, for an integration that forwards to another tool (notify/forward.ts). */
    forwarded<J extends IngestJob>(job: J, path: string, body: unknown): J {
      return job.target.integration.forward_url ? { ...job, forward: { eventId: randomUUID(), path, body } } : job;
    },
    invalidEvent(errors: string[]): VigilError {
      ingest.count('rejected', 'invalid');
      return new VigilError('invalid_input', errors);
    },
  };
}

export function ingestRoutes(app: App, deps: AppDeps): void {
  const { ingest } = deps;
  const { accept, forwarded, invalidEvent } = ingestHelpers(ingest);

  app.post(
    '/v2/enqueue',
    {
      bodyLimit: EVENT_BODY_LIMIT,
      config: { errorStyle: 'events', permission: 'public' },
      validatorCompiler: skipValidation,
      schema: {
        summary: 'Send an alert event (PagerDuty Events API v2)',
        tags: ['ingest'],
        body: eventRequest,
        response: { 202: Success, 400: EventsError, 413: EventsError, 429: EventsError },
      },
    },
    async (request, reply) => {
      const v = validateAlertEvent(request.body);
      if (!v.ok) throw invalidEvent(v.errors);
      const e = v.value;
      // A service's key, or an organization-wide key whose router picks the service (event rules).
      const target = await ingest.resolveKey(e.routingKey, 'events_v2', { routers: true });
      if (!target) throw invalidEvent([UNKNOWN_KEY]);
      const channel = { type: 'events_api_v2' as const, ...(e.client ? { client: e.client } : {}) };
      if (e.action === 'trigger') {
        const p = e.payload!;
        const dedupKey = e.dedupKey ?? randomUUID().replace(/-/g, '');
        const details = { custom_details: p.customDetails, component: p.component, group: p.group, class: p.class, timestamp: p.timestamp, links: e.links, images: e.images, client: e.client, client_url: e.clientUrl };
        // Without a dedup_key the copy carries the one Vigil answered with, so the sender's later resolve (with that key) reaches the same alert there.
        const copy = e.dedupKey ? request.body : { ...(request.body as Record<string, unknown>), dedup_key: dedupKey };
        return accept(reply, forwarded({ kind: 'trigger', target, channel, dedupKey, summary: p.summary, severity: p.severity, source: p.source, details }, '/v2/enqueue', copy), { status: 'success', message: 'Event processed', dedup_key: dedupKey });
      }
      return accept(reply, forwarded({ kind: e.action, target, channel, dedupKey: e.dedupKey! }, '/v2/enqueue', request.body), { status: 'success', message: 'Event processed', dedup_key: e.dedupKey! });
    },
  );

  app.post(
    '/v2/change/enqueue',
    {
      bodyLimit: EVENT_BODY_LIMIT,
      config: { errorStyle: 'events', permission: 'public' },
      validatorCompiler: skipValidation,
      schema: {
        summary: 'Send a change event (PagerDuty Events API v2); shown on the service timeline, never pages',
        tags: ['ingest'],
        body: Type.Object({
          routing_key: Type.String(),
          payload: Type.Object({ summary: Type.String({ maxLength: 1024 }), source: Type.Optional(Type.String()), timestamp: Type.Optional(Type.String()), custom_details: Type.Optional(Type.Any()) }),
          links: Type.Optional(Type.Array(Type.Object({ href: Type.String(), text: Type.Optional(Type.String()) }))),
        }),
        response: { 202: Success, 400: EventsError, 413: EventsError, 429: EventsError },
      },
    },
    async (request, reply) => {
      const v = validateChangeEvent(request.body);
      if (!v.ok) throw invalidEvent(v.errors);
      const e = v.value;
      const target = await ingest.resolveKey(e.routingKey, 'events_v2');
      if (!target) throw invalidEvent([UNKNOWN_KEY]);
      return accept(
        reply,
        forwarded({ kind: 'change', target, summary: e.summary, source: e.source, timestamp: e.timestamp ?? deps.clock.now(), details: { custom_details: e.customDetails, links: e.links } }, '/v2/change/enqueue', request.body),
        { status: 'success', message: 'Change event processed' },
      );
    },
  );

  alertmanagerRoutes(app, deps);
  genericWebhookRoute(app, deps);
}

/**
 * A generic webhook integration (ingest/generic-webhook/): any JSON (whatever the content
 * type) or form-encoded body, mapped to events by the integration's mapping. 202 once on disk,
 * also when the mapping failed on the payload (kept with the error for admins); 400 when the
 * body is neither JSON nor a form; 413 over the event body limit.
 */
function genericWebhookRoute(app: App, deps: AppDeps): void {
  const { ingest } = deps;
  const { invalidEvent } = ingestHelpers(ingest);
  app.register(async (scope: FastifyInstance) => {
    // The body is read as text here and parsed by parseWebhookBody: JSON sent as text/plain, or a form.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: EVENT_BODY_LIMIT }, (_req, body, done) => done(null, body));
    scope.post<{ Params: { key: string } }>(
      '/v1/webhook/:key',
      {
        bodyLimit: EVENT_BODY_LIMIT,
        config: { errorStyle: 'events', permission: 'public' },
        validatorCompiler: skipValidation,
        schema: {
          summary: "Generic webhook: any JSON or form-encoded payload, mapped to events by the integration's JSONata mapping (a ready-made one for Uptime Kuma, UptimeRobot, Healthchecks.io, Grafana, Sentry, Zabbix). A payload the mapping fails on is kept for admins and still answered 202.",
          tags: ['ingest'],
          params: Type.Object({ key: Type.String() }),
          response: { 202: Type.Object({ status: Type.String(), message: Type.String(), dedup_keys: Type.Array(Type.String()) }), 400: EventsError, 413: EventsError, 429: EventsError },
        },
      },
      async (request, reply) => {
        const keyErrors: string[] = [];
        const routingKey = validateRoutingKey(request.params.key, keyErrors);
        if (!routingKey) throw invalidEvent(keyErrors.map((e) => e.replace("'routing_key'", 'the integration key in the URL path')));
        const target = await ingest.resolveKey(routingKey, 'generic_webhook');
        if (!target) throw invalidEvent(['the integration key is not a known generic webhook integration key']);
        const body = parseWebhookBody(typeof request.body === 'string' ? request.body : '', request.headers['content-type']);
        if (!body.ok) throw invalidEvent([body.error]);
        ingest.admit(target.integration.id);
        const { jobs, result } = await webhookJobs(target, body, deps.clock.now());
        await Promise.all(jobs.map((j) => ingest.submit(j)));
        ingest.count('accepted', result.ok ? 'generic_webhook' : 'generic_webhook_mapping_error');
        if (!result.ok) return reply.code(202).send({ status: 'accepted', message: "Payload stored; the integration's mapping failed on it, and its admins can see why", dedup_keys: [] });
        const keys = jobs.map((j) => ('dedupKey' in j ? j.dedupKey : ''));
        return reply.code(202).send({ status: 'success', message: `${keys.length} ${keys.length === 1 ? 'event' : 'events'} processed`, dedup_keys: keys });
      },
    );
  });
}

/** Alertmanager's webhook at Vigil's paths and at Grafana OnCall's integration URLs (kept by the importer), and OnCall's formatted webhook. */
function alertmanagerRoutes(app: App, deps: AppDeps): void {
  const { ingest } = deps;
  const { accept, invalidEvent } = ingestHelpers(ingest);
  // A key from the path or a Bearer token must look like a Vigil routing key; an OnCall URL's token is kept as it was.
  const amKey = (request: FastifyRequest<{ Params: { key?: string; token?: string } }>): string => {
    const token = request.params.token;
    if (token !== undefined) {
      if (!/^[A-Za-z0-9_-]{20,200}$/.test(token)) throw invalidEvent(['the integration token in the URL path must be 20 to 200 letters, digits, - or _']);
      return token;
    }
    const key = request.params.key ?? parseAuthorization(request.headers.authorization);
    const keyErrors: string[] = [];
    const routingKey = validateRoutingKey(key ?? undefined, keyErrors);
    if (!routingKey) throw invalidEvent(keyErrors.map((e) => e.replace("'routing_key'", 'the integration key (in the URL path or as a Bearer token)')));
    return routingKey;
  };
  const amHandler = async (request: FastifyRequest<{ Params: { key?: string; token?: string } }>, reply: FastifyReply) => {
    const target = await ingest.resolveKey(amKey(request), 'alertmanager');
    if (!target) throw invalidEvent(['the integration key is not a known Alertmanager integration key']);
    const v = validateAlertmanager(request.body);
    if (!v.ok) throw invalidEvent(v.errors);
    const channel = { type: 'alertmanager' as const };
    ingest.admit(target.integration.id);
    await Promise.all(
      v.value.alerts.map((a) =>
        ingest.submit(
          a.action === 'trigger'
            ? { kind: 'trigger', target, channel, dedupKey: a.dedupKey, summary: a.summary, severity: a.severity, source: a.source, details: { custom_details: a.details, group_key: v.value.groupKey } }
            : { kind: 'resolve', target, channel, dedupKey: a.dedupKey },
        ),
      ),
    );
    ingest.count('accepted', 'alertmanager');
    return reply.code(202).send({ status: 'success', message: `${v.value.alerts.length} alerts processed` });
  };
  const amSchema = {
    summary: "Alertmanager webhook (webhook_configs, payload version 4). The key goes in the path or as 'Authorization: Bearer <key>'.",
    tags: ['ingest'],
    body: Type.Object({ version: Type.Literal('4'), alerts: Type.Array(Type.Any()) }, { additionalProperties: true }),
    response: { 202: Type.Object({ status: Type.String(), message: Type.String() }), 400: EventsError, 413: EventsError, 429: EventsError },
  };
  const amOpts = { bodyLimit: 4 * 1024 * 1024, config: { errorStyle: 'events' as const, permission: 'public' as const }, validatorCompiler: skipValidation };
  app.post('/v1/alertmanager/:key', { ...amOpts, schema: { ...amSchema, params: Type.Object({ key: Type.String() }) } }, amHandler);
  app.post('/v1/alertmanager', { ...amOpts, schema: amSchema }, amHandler);
  // Grafana OnCall's Alertmanager integration URL: `vigil import grafana-oncall` keeps the token as the key.
  const oncallSchema = {
    ...amSchema,
    summary: "Alertmanager webhook at a Grafana OnCall integration URL (/integrations/v1/alertmanager/<token>/): the token of an integration imported by 'vigil import grafana-oncall' is its key",
    params: Type.Object({ token: Type.String() }),
  };
  app.post('/integrations/v1/alertmanager/:token/', { ...amOpts, schema: oncallSchema }, amHandler);
  app.post('/integrations/v1/alertmanager/:token', { ...amOpts, schema: oncallSchema }, amHandler);

  // Grafana OnCall's Formatted Webhook integration URL: the imported token is the key of an events_v2 integration.
  const fwHandler = async (request: FastifyRequest<{ Params: { token: string } }>, reply: FastifyReply) => {
    const target = await ingest.resolveKey(amKey(request), 'events_v2');
    if (!target) throw invalidEvent(['the integration token is not a known key of an imported Grafana OnCall formatted webhook']);
    const v = validateFormattedWebhook(request.body);
    if (!v.ok) throw invalidEvent(v.errors);
    const e = v.value;
    const channel = { type: 'events_api_v2' as const, client: 'Grafana OnCall formatted webhook' };
    if (e.action === 'trigger') return accept(reply, { kind: 'trigger', target, channel, dedupKey: e.dedupKey, summary: e.summary, severity: 'error', source: null, details: e.details }, { status: 'success', message: 'Event processed', dedup_key: e.dedupKey });
    return accept(reply, { kind: 'resolve', target, channel, dedupKey: e.dedupKey }, { status: 'success', message: 'Event processed', dedup_key: e.dedupKey });
  };
  const fwSchema = {
    summary: "Grafana OnCall Formatted Webhook (alert_uid, title, image_url, state alerting|ok, link_to_upstream_details, message) at its OnCall URL (/integrations/v1/formatted_webhook/<token>/): the token of an integration imported by 'vigil import grafana-oncall' is its key",
    tags: ['ingest'],
    params: Type.Object({ token: Type.String() }),
    body: Type.Object({}, { additionalProperties: true }),
    response: { 202: Success, 400: EventsError, 413: EventsError, 429: EventsError },
  };
  const fwOpts = { bodyLimit: EVENT_BODY_LIMIT, config: { errorStyle: 'events' as const, permission: 'public' as const }, validatorCompiler: skipValidation };
  app.post('/integrations/v1/formatted_webhook/:token/', { ...fwOpts, schema: fwSchema }, fwHandler);
  app.post('/integrations/v1/formatted_webhook/:token', { ...fwOpts, schema: fwSchema }, fwHandler);
}
