/**
 * Organization-wide webhook subscriptions in PagerDuty's webhooks v3 shape. The
 * signing secret is generated here and returned once, on create.
 */
import { randomBytes } from 'node:crypto';
import { Type } from 'typebox';
import { IdParams, Nullable, PageQuery, Pagination, errorResponses } from '../../../contract/common.js';
import { invalid, notFound } from '../../errors.js';
import { newId } from '../../lib/ids.js';
import type { WebhookSubscriptionTable } from '../../storage/schema.js';
import * as store from '../../notify/subscription.store.js';
import { queuePing } from '../../notify/notify.service.js';
import { getService } from '../../service/service.store.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { page } from '../presenters/common.js';

export const SUBSCRIBABLE_EVENTS = ['incident.triggered', 'incident.acknowledged', 'incident.unacknowledged', 'incident.resolved', 'incident.escalated', 'incident.reassigned', 'incident.annotated'] as const;

const Header = Type.Object({ name: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9-]+$' }), value: Type.String({ maxLength: 1024 }) });

const Subscription = Type.Object({
  id: Type.String(),
  type: Type.Literal('webhook_subscription'),
  active: Type.Boolean(),
  description: Nullable(Type.String()),
  events: Type.Array(Type.String()),
  filter: Type.Object({ type: Type.String(), id: Type.Optional(Type.String()) }),
  delivery_method: Type.Object({
    id: Type.String(),
    type: Type.Literal('http_delivery_method'),
    url: Type.String(),
    secret: Nullable(Type.String()),
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
});

function present(s: WebhookSubscriptionTable, secret?: string) {
  return {
    id: s.id,
    type: 'webhook_subscription' as const,
    active: s.active === 1,
    description: s.description,
    events: JSON.parse(s.events) as string[],
    filter: s.filter_type === 'service_reference' ? { type: s.filter_type, id: s.filter_id ?? '' } : { type: s.filter_type },
    delivery_method: {
      id: s.id,
      type: 'http_delivery_method' as const,
      url: s.url,
      secret: secret ?? null,
      temporarily_disabled: false,
      // Header values may be credentials: redacted on read, as PagerDuty does.
      custom_headers: (JSON.parse(s.custom_headers) as { name: string; value: string }[]).map((h) => ({ name: h.name, value: secret ? h.value : null })),
    },
  };
}

export function webhookSubscriptionRoutes(app: App, deps: AppDeps): void {
  const { db, clock } = deps;

  async function validate(orgId: string, b: { events: string[]; filter: { type: string; id?: string | undefined }; delivery_method: { url: string } }) {
    const bad = b.events.filter((e) => !(SUBSCRIBABLE_EVENTS as readonly string[]).includes(e));
    if (bad.length) throw invalid(...bad.map((e) => `webhook_subscription.events: ${e} is not one of ${SUBSCRIBABLE_EVENTS.join(', ')}`));
    if (!/^https?:\/\/[^\s]+$/i.test(b.delivery_method.url)) throw invalid('webhook_subscription.delivery_method.url must be an http(s) URL');
    if (b.filter.type === 'service_reference') {
      if (!b.filter.id || !(await getService(db, orgId, b.filter.id))) throw invalid('webhook_subscription.filter.id must be a service of this organization');
    }
  }

  const requireSub = async (orgId: string, id: string) => {
    const s = await store.getSubscription(db, orgId, id);
    if (!s) throw notFound(`webhook subscription ${id}`);
    return s;
  };

  app.get(
    '/api/v1/webhook_subscriptions',
    { config: { permission: 'read' }, schema: { summary: 'List webhook subscriptions', tags: ['webhooks'], querystring: Type.Object(PageQuery), response: { 200: Type.Object({ webhook_subscriptions: Type.Array(Subscription), ...Pagination }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      const limit = request.query.limit ?? 25;
      const offset = request.query.offset ?? 0;
      const { rows, total } = await store.listSubscriptions(db, orgId, limit, offset);
      return page('webhook_subscriptions', rows.map((r) => present(r)), limit, offset, total, request.query.total);
    },
  );

  app.post(
    '/api/v1/webhook_subscriptions',
    { schema: { summary: 'Subscribe a URL to incident events (webhooks v3, signed with X-Vigil-Signature and X-PagerDuty-Signature). The secret is returned once.', tags: ['webhooks'], body: Type.Object({ webhook_subscription: SubscriptionIn }), response: { 201: Type.Object({ webhook_subscription: Subscription }), ...errorResponses } } },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      const b = request.body.webhook_subscription;
      await validate(orgId, b);
      const secret = randomBytes(32).toString('base64url');
      const row: WebhookSubscriptionTable = {
        org_id: orgId,
        id: newId(clock.now()),
        url: b.delivery_method.url,
        secret,
        description: b.description ?? null,
        events: JSON.stringify(b.events),
        filter_type: b.filter.type,
        filter_id: b.filter.type === 'service_reference' ? b.filter.id! : null,
        active: b.active === false ? 0 : 1,
        custom_headers: JSON.stringify(b.delivery_method.custom_headers ?? []),
        consecutive_failures: 0,
        disabled_until: null,
        created_at: clock.now(),
        deleted_at: null,
      };
      await store.insertSubscription(db, row);
      return reply.code(201).send({ webhook_subscription: present(row, secret) });
    },
  );

  app.get(
    '/api/v1/webhook_subscriptions/:id',
    { config: { permission: 'read' }, schema: { summary: 'Get a webhook subscription', tags: ['webhooks'], params: IdParams, response: { 200: Type.Object({ webhook_subscription: Subscription }), ...errorResponses } } },
    async (request) => ({ webhook_subscription: present(await requireSub(principalOf(request).orgId, request.params.id)) }),
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
      const s = await requireSub(orgId, request.params.id);
      const b = request.body.webhook_subscription;
      const events = b.events ?? (JSON.parse(s.events) as string[]);
      const filter = b.filter ?? { type: s.filter_type, ...(s.filter_id ? { id: s.filter_id } : {}) };
      await validate(orgId, { events, filter, delivery_method: { url: s.url } });
      const patch: Partial<WebhookSubscriptionTable> = {
        events: JSON.stringify(events),
        filter_type: filter.type as WebhookSubscriptionTable['filter_type'],
        filter_id: filter.type === 'service_reference' ? (filter.id ?? null) : null,
        ...(b.active !== undefined ? { active: b.active ? 1 : 0 } : {}),
        ...(b.description !== undefined ? { description: b.description } : {}),
      };
      await store.updateSubscription(db, orgId, s.id, patch);
      return { webhook_subscription: present({ ...s, ...patch }) };
    },
  );

  app.delete(
    '/api/v1/webhook_subscriptions/:id',
    { schema: { summary: 'Delete a webhook subscription', tags: ['webhooks'], params: IdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      const s = await requireSub(orgId, request.params.id);
      await store.updateSubscription(db, orgId, s.id, { deleted_at: clock.now(), active: 0 });
      return reply.code(204).send(undefined as never);
    },
  );

  app.post(
    '/api/v1/webhook_subscriptions/:id/enable',
    { schema: { summary: 'Re-enable a subscription disabled after repeated failures', tags: ['webhooks'], params: IdParams, response: { 200: Type.Object({ webhook_subscription: Subscription }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      const s = await requireSub(orgId, request.params.id);
      await store.updateSubscription(db, orgId, s.id, { active: 1, consecutive_failures: 0, disabled_until: null });
      return { webhook_subscription: present({ ...s, active: 1 }) };
    },
  );

  app.post(
    '/api/v1/webhook_subscriptions/:id/ping',
    { schema: { summary: 'Send a pagey.ping test event through the outbox', tags: ['webhooks'], params: IdParams, response: { 202: Type.Object({ status: Type.String() }), ...errorResponses } } },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      const s = await requireSub(orgId, request.params.id);
      const now = clock.now();
      await queuePing(db, now, orgId, s.id, newId(now));
      deps.bus.poke();
      return reply.code(202).send({ status: 'queued' });
    },
  );
}
