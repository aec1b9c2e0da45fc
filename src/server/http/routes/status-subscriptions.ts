/**
 * Subscriptions to the public status page (docs/status-page.md): the public subscribes by
 * email (double opt-in) and reads the Atom/RSS feeds; every update mail's one-click
 * unsubscribe (RFC 8058) deletes the subscriber; owners and admins list and remove
 * subscribers and add webhook subscribers.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { IdParams, PageQuery, Pagination, errorResponses } from '../../../contract/common.js';
import { StatusSubscriber, StatusSubscriberCreate, SubscribeAccepted, SubscribeRequest } from '../../../contract/status-page.js';
import { VigilError, invalid } from '../../errors.js';
import { RateLimiter } from '../../ingest/rate-limit.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { page } from '../presenters/common.js';
import { statusFeed } from '../presenters/status-feed.js';
import { presentSubscriber } from '../presenters/status-subscriber.js';
import { checkWindow } from '../query.js';
import * as statusPage from '../../status-page/status-page.service.js';
import * as subs from '../../status-page/subscription.service.js';

const tags = ['status page'];
const Slug = Type.Object({ slug: Type.String({ minLength: 1, maxLength: 64 }) });
const TokenQuery = Type.Object({ token: Type.String({ minLength: 1, maxLength: 128 }) });

export function statusSubscriptionRoutes(app: App, deps: AppDeps): void {
  const { db, clock } = deps;
  const publicUrl = deps.config.publicUrl;
  // Per address and page: 5 subscriptions at once, then one a minute.
  const subscribeLimit = new RateLimiter(1 / 60, 5);

  app.post(
    '/api/v1/public/status/:slug/subscriptions',
    {
      config: { permission: 'public' },
      schema: {
        summary:
          'Subscribe an email address to the status page (no authentication). A confirmation link is mailed to it; nothing else is sent until it is followed (48 hours). Always 202, whether or not the address was subscribed already. Rate limited per client address and page (429 with Retry-After).',
        tags,
        params: Slug,
        querystring: Type.Object({ lang: Type.Optional(Type.String({ maxLength: 35, description: "The language the page is read in, among the page's languages (else Accept-Language, else its first): the subscriber's mails are in it" })) }),
        body: SubscribeRequest,
        response: { 202: SubscribeAccepted, 429: errorResponses[400], ...errorResponses },
        security: [],
      },
    },
    async (request, reply) => {
      const wait = subscribeLimit.take(`${request.ip}:${request.params.slug.toLowerCase()}`, clock.now());
      if (wait > 0) throw new VigilError('rate_limited', ['too many subscriptions from this address; wait and try again'], { retryAfterSeconds: wait });
      await subs.subscribeEmail(db, clock, publicUrl, request.params.slug, request.body, { lang: request.query.lang, acceptLanguage: request.headers['accept-language'] });
      return reply.code(202).send({ subscription: { status: 'pending_confirmation' as const, message: 'If the address can receive updates, a confirmation link is on its way.' } });
    },
  );

  app.post(
    '/api/v1/public/status/:slug/subscriptions/confirm',
    {
      config: { permission: 'public' },
      schema: {
        summary: 'Confirm an email subscription with the token of its confirmation link (no authentication). 404 when unknown, used or expired.',
        tags,
        params: Slug,
        body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 128 }) }),
        response: { 200: Type.Object({ subscription: Type.Object({ status: Type.Literal('confirmed') }) }), ...errorResponses },
        security: [],
      },
    },
    async (request) => {
      await subs.confirmSubscription(db, clock, request.params.slug, request.body.token);
      return { subscription: { status: 'confirmed' as const } };
    },
  );

  app.register(async (scope: FastifyInstance) => {
    // Mail clients post `List-Unsubscribe=One-Click` as a form (RFC 8058); the token is in the URL.
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 }, (_req, body, done) => done(null, body));
    scope.post(
      '/api/v1/public/status/:slug/unsubscribe',
      {
        config: { permission: 'public' },
        schema: {
          summary:
            "One-click unsubscribe (RFC 8058; the List-Unsubscribe URL of every update mail, also used by the page's unsubscribe button): deletes the subscriber and its address. No authentication: the token is the credential. 404 when unknown (already unsubscribed).",
          tags,
          params: Slug,
          querystring: TokenQuery,
          response: { 200: Type.Object({ unsubscribed: Type.Boolean() }), ...errorResponses },
          security: [],
        },
      },
      async (request) => {
        const { slug } = request.params as { slug: string };
        await subs.unsubscribe(db, slug, (request.query as { token: string }).token);
        return { unsubscribed: true };
      },
    );
  });

  for (const format of ['atom', 'rss'] as const) {
    app.get(
      `/api/v1/public/status/:slug/feed.${format}`,
      {
        config: { permission: 'public' },
        schema: {
          summary: `The status page as ${format === 'atom' ? 'an Atom' : 'an RSS 2.0'} feed (no authentication): an entry per incident shown (its public updates) and per maintenance occurrence. \`component\`: one component's (its public id).`,
          tags,
          params: Slug,
          querystring: Type.Object({ component: Type.Optional(Type.String({ maxLength: 64 })) }),
          security: [],
        },
      },
      async (request, reply) => {
        const { slug } = request.params as { slug: string };
        const { component } = request.query as { component?: string };
        const p = await statusPage.readPublicPage(db, clock, slug);
        let name: string | null = null;
        if (component !== undefined) {
          const c = p.groups.flatMap((g) => g.components).find((x) => x.id === component);
          if (!c) throw invalid(`component: ${component} is not a component of this status page`);
          name = c.name;
        }
        const base = `${publicUrl}/api/v1/public/status/${encodeURIComponent(slug)}`;
        const q = component !== undefined ? `?component=${encodeURIComponent(component)}` : '';
        const feed = statusFeed(p, { page: subs.pageUrl(publicUrl, slug), atom: `${base}/feed.atom${q}`, rss: `${base}/feed.rss${q}` }, name);
        return reply
          .header('content-type', format === 'atom' ? 'application/atom+xml; charset=utf-8' : 'application/rss+xml; charset=utf-8')
          .header('cache-control', 'no-cache')
          .send(format === 'atom' ? feed.atom1() : feed.rss2());
      },
    );
  }

  app.get(
    '/api/v1/status_page/subscribers',
    {
      schema: {
        summary: "The status page's subscribers (owners and admins: the addresses are personal data), oldest first",
        tags,
        querystring: Type.Object(PageQuery),
        response: { 200: Type.Object({ subscribers: Type.Array(StatusSubscriber), ...Pagination }), ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = q.limit ?? 25;
      const offset = q.offset ?? 0;
      checkWindow(limit, offset);
      const { subscribers, total } = await subs.listSubscribers(db, principalOf(request).orgId, limit, offset);
      return page('subscribers', subscribers.map(presentSubscriber), limit, offset, total, q.total);
    },
  );

  app.post(
    '/api/v1/status_page/subscribers',
    {
      schema: {
        summary: 'Add a webhook subscriber (owners and admins). Its events are signed like every outbound webhook (X-Vigil-Signature: v1=HMAC-SHA256 of the body with `secret`, returned here once).',
        tags,
        body: StatusSubscriberCreate,
        response: { 201: Type.Object({ subscriber: Type.Intersect([StatusSubscriber, Type.Object({ secret: Type.String() })]) }), 409: errorResponses[400], ...errorResponses },
      },
    },
    async (request, reply) => {
      const { type, url, component_ids } = request.body.subscriber;
      if (type !== 'webhook') throw invalid(`subscriber.type: only "webhook" (email addresses subscribe themselves on the public page, with double opt-in)`);
      const added = await subs.addWebhookSubscriber(db, clock, principalOf(request).orgId, { url, ...(component_ids ? { component_ids } : {}) });
      return reply.code(201).send({ subscriber: { ...presentSubscriber(added), secret: added.secret } });
    },
  );

  app.delete(
    '/api/v1/status_page/subscribers/:id',
    { schema: { summary: 'Remove a subscriber (owners and admins): the row and its address are deleted', tags, params: IdParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      await subs.removeSubscriber(db, principalOf(request).orgId, request.params.id);
      return reply.code(204).send(undefined as never);
    },
  );
}
