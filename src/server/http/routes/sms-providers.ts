/**
 * Admins: the organization's SMS providers (ordered; credentials write-only, answered by
 * field name only; each with its recent health) and the monthly SMS spend cap. When an
 * organization has no providers, SMS go through the instance-wide Twilio configuration.
 */
import { Type } from 'typebox';
import { errorResponses } from '../../../contract/common.js';
import { SmsProvider, SmsProviderCreate, SmsProviderList, SmsProviderOrder, SmsProviderUpdate, SmsSpend, SmsSpendUpdate } from '../../../contract/sms.js';
import { iso, isoOrNull } from '../../lib/clock.js';
import { money } from '../../notify/sms-provider.js';
import {
  createProvider,
  getProvider,
  HEALTH_WINDOW_MS,
  listProviders,
  providerHealth,
  removeProvider,
  reorderProviders,
  setSpendCap,
  spendView,
  updateProvider,
  authenticateInbound,
  getTwilioProvider,
  inboundPath,
  type ProviderHealth,
  type SpendView,
} from '../../notify/sms-provider.service.js';
import type { FastifyInstance } from 'fastify';
import { findSmsResponder, respondAs } from '../../incident/respond.service.js';
import { recordSmsReceipt } from '../../incident/sms-receipt.service.js';
import { confirmByKeypress, confirmBySmsReply } from '../../notify/test-page.service.js';
import { parseSmsReply, twimlAskAgain, twimlSayHangup, verifyTwilioSignature } from '../../notify/channels/sms/twilio.js';
import { answerKeypress, recordCallStatus } from '../../incident/voice.service.js';
import { VigilError } from '../../errors.js';
import type { SmsProviderTable } from '../../storage/schema.js';
import { audit } from '../../volunteer/access.service.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';

const tags = ['sms_providers'];
const IdParams = Type.Object({ id: Type.String() });

const inboundUrl = (p: SmsProviderTable, publicUrl: string): string | null => (p.type === 'twilio' ? null : `${publicUrl.replace(/\/+$/, '')}${inboundPath(p.id)}`);

function presentProvider(p: SmsProviderTable, h: ProviderHealth | undefined, publicUrl: string) {
  return {
    id: p.id,
    type: p.type,
    name: p.name,
    position: p.position,
    from: p.from_number,
    base_url: p.base_url,
    credentials_set: Object.keys(JSON.parse(p.credentials) as object).sort(),
    cost_per_message: Number(money(p.cost_micros)),
    timeout_seconds: p.timeout_ms / 1000,
    health: {
      window_hours: HEALTH_WINDOW_MS / 3600_000,
      successes: h?.successes ?? 0,
      failures: h?.failures ?? 0,
      last_success_at: isoOrNull(h?.lastSuccessAt),
      last_failure_at: isoOrNull(h?.lastFailureAt),
      last_failure_reason: h?.lastFailureReason ?? null,
      status: h?.status ?? ('unknown' as const),
    },
    inbound_url: inboundUrl(p, publicUrl),
    created_at: iso(p.created_at),
    updated_at: iso(p.updated_at),
  };
}

const presentSpend = (s: SpendView) => ({
  sms_spend: {
    month: s.month,
    monthly_cap: s.capMicros === null ? null : s.capMicros / 1_000_000,
    spent: s.spentMicros / 1_000_000,
    percent_used: s.capMicros ? Math.round((s.spentMicros / s.capMicros) * 1000) / 10 : null,
    warned_at_80_percent: s.warned,
    low_urgency_sms_paused: s.capMicros !== null && s.spentMicros >= s.capMicros,
  },
});

export function smsProviderRoutes(app: App, deps: AppDeps): void {
  const { db, clock } = deps;
  inboundRoute(app, deps);
  voiceRoutes(app, deps);
  const one = async (orgId: string, p: SmsProviderTable) => ({ sms_provider: presentProvider(p, (await providerHealth(db, orgId, clock.now())).get(p.id), deps.config.publicUrl) });
  const all = async (orgId: string, list: SmsProviderTable[]) => {
    const health = await providerHealth(db, orgId, clock.now());
    return { sms_providers: list.map((p) => presentProvider(p, health.get(p.id), deps.config.publicUrl)) };
  };

  app.get('/api/v1/sms_providers', { schema: { summary: "Admins: the organization's SMS providers in failover order, with each one's health over the last day", tags, response: { 200: SmsProviderList, ...errorResponses } } }, async (request) => {
    const { orgId } = principalOf(request);
    return all(orgId, await listProviders(db, orgId));
  });

  app.post(
    '/api/v1/sms_providers',
    { schema: { summary: 'Admins: add an SMS provider (vonage, plivo, android_gateway or twilio) at the end of the failover order; credentials are write-only', tags, body: SmsProviderCreate, response: { 201: SmsProvider, ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      const p = await createProvider(db, clock, deps.outbound, principal.orgId, request.body.sms_provider);
      await audit(db, principal.orgId, principal.userId, 'sms_provider.create', p.id, clock.now());
      return reply.code(201).send(await one(principal.orgId, p));
    },
  );

  app.put('/api/v1/sms_providers/order', { schema: { summary: 'Admins: set the failover order (every provider, once each, first tried first)', tags, body: SmsProviderOrder, response: { 200: SmsProviderList, ...errorResponses } } }, async (request) => {
    const principal = principalOf(request);
    const list = await reorderProviders(db, clock, principal.orgId, request.body.sms_provider_ids);
    await audit(db, principal.orgId, principal.userId, 'sms_provider.reorder', 'sms_providers', clock.now());
    return all(principal.orgId, list);
  });

  app.get('/api/v1/sms_providers/:id', { schema: { summary: 'Admins: one SMS provider and its health', tags, params: IdParams, response: { 200: SmsProvider, ...errorResponses } } }, async (request) => {
    const { orgId } = principalOf(request);
    return one(orgId, await getProvider(db, orgId, request.params.id));
  });

  app.put(
    '/api/v1/sms_providers/:id',
    { schema: { summary: 'Admins: change an SMS provider (given fields replace the stored ones; credentials, when given, replace all of them)', tags, params: IdParams, body: SmsProviderUpdate, response: { 200: SmsProvider, ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const p = await updateProvider(db, clock, deps.outbound, principal.orgId, request.params.id, request.body.sms_provider);
      await audit(db, principal.orgId, principal.userId, 'sms_provider.update', p.id, clock.now());
      return one(principal.orgId, p);
    },
  );

  app.delete('/api/v1/sms_providers/:id', { schema: { summary: 'Admins: remove an SMS provider', tags, params: IdParams, response: { 204: Type.Null(), ...errorResponses } } }, async (request, reply) => {
    const principal = principalOf(request);
    await removeProvider(db, principal.orgId, request.params.id);
    await audit(db, principal.orgId, principal.userId, 'sms_provider.delete', request.params.id, clock.now());
    return reply.code(204).send(undefined as never);
  });

  app.get('/api/v1/sms_spend', { schema: { summary: "Admins: this month's estimated SMS spend against the monthly cap", tags, response: { 200: SmsSpend, ...errorResponses } } }, async (request) => presentSpend(await spendView(db, principalOf(request).orgId, clock.now())));

  app.put(
    '/api/v1/sms_spend',
    { schema: { summary: 'Admins: set the monthly SMS spend cap (admins are emailed at 80%; at 100% low-urgency SMS stop, high urgency still goes out)', tags, body: SmsSpendUpdate, response: { 200: SmsSpend, ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const view = await setSpendCap(db, clock, principal.orgId, request.body.sms_spend);
      await audit(db, principal.orgId, principal.userId, 'sms_spend.update', 'sms_spend', clock.now());
      return presentSpend(view);
    },
  );
}

/**
 * Replies to pages ("42a") from the provider's inbound webhook (Vonage inbound messages,
 * Plivo message_url, android-sms-gateway `sms:received`): refused with 401 unless signed
 * with the provider's secret; then, like a Twilio reply, acknowledges or resolves as the
 * person whose verified number the incident was paged to, in the provider's organization.
 * Delivery receipts on the same webhook (Vonage message status, Plivo status callback, the
 * gateway's `sms:delivered` / `sms:failed`) are recorded on the try and the timeline
 * (incident/sms-receipt.service.ts). Anything else the provider sends is answered 200 and
 * ignored.
 */
const RECEIPT_RESULTS = { recorded: 'recorded', repeated: 'already recorded', unknown_message: 'ignored: not a message sent through this provider' } as const;

function inboundRoute(app: App, deps: AppDeps): void {
  app.register(async (scope: FastifyInstance) => {
    // Signatures cover the raw body: only this route reads it as text.
    scope.removeAllContentTypeParsers();
    for (const type of ['application/json', 'application/x-www-form-urlencoded']) scope.addContentTypeParser(type, { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => done(null, body));
    scope.post<{ Params: { id: string } }>('/v1/sms_providers/:id/inbound', { config: { permission: 'public' }, schema: { hide: true } }, async (request, reply) => {
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(request.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v[0] : v;
      const raw = typeof request.body === 'string' ? request.body : '';
      const { provider, sms, receipt } = await authenticateInbound(deps.db, request.params.id, { raw, headers, nowMs: deps.clock.now() }, deps.config.publicUrl);
      if (receipt) return reply.send({ ok: true, result: `delivery receipt ${RECEIPT_RESULTS[await recordSmsReceipt(deps, provider, receipt)]}` });
      if (!sms) return reply.send({ ok: true, result: 'ignored: not an incoming SMS' });
      // "OK" to a scheduled test page by SMS confirms it, in the provider's organization only.
      const test = await confirmBySmsReply(deps.db, deps.clock.now(), sms.from, sms.text, provider.org_id);
      if (test) return reply.send({ ok: true, result: 'test page confirmed', reply: test.answer });
      const parsed = parseSmsReply(sms.text);
      if (!parsed) return reply.send({ ok: true, result: 'ignored: not a reply to a page (e.g. 42a)' });
      const target = await findSmsResponder(deps.db, sms.from, parsed.number);
      if (!target || target.orgId !== provider.org_id) return reply.send({ ok: true, result: `no incident #${parsed.number} was paged to this number` });
      const out = await respondAs(deps, target.orgId, target.incidentId, target.userId, parsed.action === 'ack' ? 'acknowledge' : 'resolve', { type: 'sms', from: sms.from });
      // Machine text for the provider (codes, not sentences): `incident #12 acknowledged`, `incident #12 already_acknowledged`, `refused: already_resolved`.
      return reply.send({ ok: true, result: out.ok ? `incident #${parsed.number} ${out.done}` : `refused: ${out.reason}` });
    });
  });
}

/**
 * Calls placed through an organization's own Twilio-compatible provider
 * (notify/voice-route.service.ts): the key pressed (`/voice?t=<tokens>`, answered with TwiML)
 * and the call's status (`/voice/status`). Each request must carry X-Twilio-Signature made
 * with that provider's auth token over VIGIL_PUBLIC_URL + path and query and the sorted
 * form fields; otherwise 403 and nothing changes. Tokens and call ids act only within the
 * provider's organization.
 */
function voiceRoutes(app: App, deps: AppDeps): void {
  app.register(async (scope: FastifyInstance) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => done(null, body));
    const verified = async (id: string, url: string, body: unknown, signature: string | string[] | undefined) => {
      const params = Object.fromEntries(new URLSearchParams(typeof body === 'string' ? body : '')) as Record<string, string>;
      const provider = await getTwilioProvider(deps.db, id);
      const token = provider ? (JSON.parse(provider.credentials) as { auth_token?: string }).auth_token : undefined;
      if (!provider || !token || !verifyTwilioSignature(token, `${deps.config.publicUrl.replace(/\/+$/, '')}${url}`, params, Array.isArray(signature) ? signature[0] : signature)) {
        throw new VigilError('forbidden', ['Twilio request signature does not match this provider']);
      }
      return { provider, params };
    };
    scope.post<{ Params: { id: string }; Querystring: { t?: string; c?: string } }>('/v1/sms_providers/:id/voice', { config: { permission: 'public' }, schema: { hide: true } }, async (request, reply) => {
      const { provider, params } = await verified(request.params.id, request.url, request.body, request.headers['x-twilio-signature']);
      if (typeof request.query.c === 'string') {
        const test = await confirmByKeypress(deps.db, deps.clock.now(), request.query.c, (params.Digits ?? '').trim(), provider.org_id);
        return reply.type('text/xml; charset=utf-8').send(twimlSayHangup(test.say, test.locale));
      }
      const t = typeof request.query.t === 'string' ? request.query.t : '';
      const answer = await answerKeypress(deps, t, (params.Digits ?? '').trim(), params.CallSid ?? '', provider.org_id);
      reply.type('text/xml; charset=utf-8');
      return reply.send('askAgain' in answer ? twimlAskAgain(`${deps.config.publicUrl}${request.url}`, answer.locale) : twimlSayHangup(answer.say, answer.locale));
    });
    scope.post<{ Params: { id: string } }>('/v1/sms_providers/:id/voice/status', { config: { permission: 'public' }, schema: { hide: true } }, async (request, reply) => {
      const { provider, params } = await verified(request.params.id, request.url, request.body, request.headers['x-twilio-signature']);
      if (params.CallSid && params.CallStatus) await recordCallStatus(deps, params.CallSid, params.CallStatus, provider.org_id);
      return reply.code(204).send();
    });
  });
}
