/**
 * Organization-wide webhook subscriptions in PagerDuty's webhooks v3 shape. The
 * signing secret is returned once, on create.
 */
import { Type } from 'typebox';
import { IdParams, Nullable, PageQuery, Pagination, errorResponses } from '../../../contract/common.js';
import { createSubscription, deleteSubscription, enableSubscription, listSubscriptions, pingSubscription, requireSubscription, updateSubscription, type ServiceCheck } from '../../notify/subscription.service.js';
import { serviceExists } from '../../service/service.service.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { page } from '../presenters/common.js';

const Header = Type.Object({ name: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9-]+$' }), value: Type.String({ maxLength: 1024 }) });

const Subscription = Type.Object({
  id: Type.String(),
  type: Type.Literal('webhook_subscription'),
  active: Type.Boolean(),
  description: Nullable(Type.String()),
  events: Type.Array(Type.String()),
  vigil_never_sent: Type.Array(Type.String(), { description: 'Events of the subscription for actions Vigil does not have (delegation, reopening, responder requests): never sent' }),
  oauth_client_id: Nullable(Type.String()),
  filter: Type.Object({ type: Type.String(), id: Type.Optional(Type.String()) }),
  delivery_method: Type.Object({
    id: Type.String(),
    type: Type.Literal('http_delivery_method'),
    url: Type.String({ description: 'Write-only: in full only in the answer that created the subscription; afterwards its scheme and host as a hint (https://host/•••).' }),
    secret: Nullable(Type.String({ description: 'Returned once, on create; null afterwards.' })),
    temporarily_disabled: Type.Boolean(),
    custom_headers: Type.Array(Type.Object({ name: Type.String(), value: Nullable(Type.String()) })),
  }),
});

const SubscriptionIn = Type.Object({
  type: Type.Optional(Type.String()),
  active: Type.Optional(Type.Boolean()),
  description: Type.Optional(Nullable(Type.String({ maxLength: 1024 }))),
  events: Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, uniqueItems: true }),
  filter: Type.Object({ type: Type.Union([Type.Literal('account_reference'), Type.Literal('service_reference')]), id: Type.Optional(Type.String({ maxLength: 64 })) }),
  delivery_method: Type.Object({ type: Type.Optional(Type.String()), url: Type.String({ minLength: 8, maxLength: 2048 }), custom_headers: Type.Optional(Type.Array(Header, { maxItems: 10 })) }),
  oauth_client_id: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
});

export function webhookSubscriptionRoutes(app: App, deps: AppDeps): void {
  const { db, clock, presenter: p } = deps;
  const services = (orgId: string): ServiceCheck => (id) => serviceExists(db, orgId, id);

  app.get(
    '/api/v1/webhook_subscriptions',
    { config: { permission: 'read' }, schema: { summary: 'List webhook subscriptions', tags: ['webhooks'], querystring: Type.Object(PageQuery), response: { 200: Type.Object({ webhook_subscriptions: Type.Array(Subscription), ...Pagination }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      const limit = request.query.limit ?? 25;
      const offset = request.query.offset ?? 0;
      const { rows, total } = await listSubscriptions(db, orgId, limit, offset);
      return page('webhook_subscriptions', rows.map((r) => p.webhookSubscription(r)), limit, offset, total, request.query.total);
    },
  );

  app.post(
    '/api/v1/webhook_subscriptions',
    { schema: { summary: 'Subscribe a URL to incident events (webhooks v3, signed with X-Vigil-Signature and X-PagerDuty-Signature). The secret is returned once.', tags: ['webhooks'], body: Type.Object({ webhook_subscription: SubscriptionIn }), response: { 201: Type.Object({ webhook_subscription: Subscription }), ...errorResponses } } },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      const { row, secret } = await createSubscription(db, clock, deps.outbound, orgId, request.body.webhook_subscription, services(orgId));
      return reply.code(201).send({ webhook_subscription: p.webhookSubscription(row, secret) });
    },
  );

  app.get(
    '/api/v1/webhook_subscriptions/:id',
    { config: { permission: 'read' }, schema: { summary: 'Get a webhook subscription', tags: ['webhooks'], params: IdParams, response: { 200: Type.Object({ webhook_subscription: Subscription }), ...errorResponses } } },
    async (request) => ({ webhook_subscription: p.webhookSubscription(await requireSubscription(db, principalOf(request).orgId, request.params.id)) }),
  );

  app.put(
    '/api/v1/webhook_subscriptions/:id',
    {
      schema: {
        summary: 'Update a webhook subscription',
        tags: ['webhooks'],
        params: IdParams,
        body: Type.Object({ webhook_subscription: Type.Partial(Type.Object({ active: Type.Boolean(), description: Nullable(Type.String({ maxLength: 1024 })), events: Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, uniqueItems: true }), filter: SubscriptionIn.properties.filter })) }),
        response: { 200: Type.Object({ webhook_subscription: Subscription }), ...errorResponses },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const s = await updateSubscription(db, orgId, request.params.id, request.body.webhook_subscription, services(orgId));
      return { webhook_subscription: p.webhookSubscription(s) };
    },
  );

  app.delete(
    '/api/v1/webhook_subscriptions/:id',
    { schema: { summary: 'Delete a webhook subscription', tags: ['webhooks'], params: IdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      await deleteSubscription(db, clock, orgId, request.params.id);
      return reply.code(204).send(undefined as never);
    },
  );

  app.post(
    '/api/v1/webhook_subscriptions/:id/enable',
    { schema: { summary: 'Re-enable a subscription disabled after repeated failures', tags: ['webhooks'], params: IdParams, response: { 200: Type.Object({ webhook_subscription: Subscription }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      return { webhook_subscription: p.webhookSubscription(await enableSubscription(db, orgId, request.params.id)) };
    },
  );

  app.post(
    '/api/v1/webhook_subscriptions/:id/ping',
    { schema: { summary: 'Send a pagey.ping test event through the outbox', tags: ['webhooks'], params: IdParams, response: { 202: Type.Object({ status: Type.String() }), ...errorResponses } } },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      await pingSubscription(deps, orgId, request.params.id);
      return reply.code(202).send({ status: 'queued' });
    },
  );
}
