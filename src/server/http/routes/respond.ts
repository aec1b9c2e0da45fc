/**
 * Responders act from wherever the page reached them: a one-click link (email),
 * a chat button (Slack/Mattermost), an SMS reply or a call's keypress (Twilio-compatible). Each path
 * verifies its own credential — the single-use link token, Slack's request
 * signature, Twilio's request signature plus the sender's verified number — and
 * then acknowledges or resolves as that person, with the channel on the timeline.
 */
import type { FastifyInstance } from 'fastify';
import { VigilError } from '../../errors.js';
import { requireIncident } from '../../incident/incident.service.js';
import { findSmsResponder, respondAs, smsReplyLocale } from '../../incident/respond.service.js';
import { lookupActionToken, spendActionToken, type TokenLookup } from '../../notify/action-token.js';
import { answerKeypress, recordCallStatus } from '../../incident/voice.service.js';
import { recordCarrierStatus } from '../../notify/carrier.service.js';
import { confirmByKeypress, confirmBySmsReply } from '../../notify/test-page.service.js';
import { parseSlackAction, verifySlackRequest, SLACK_ACK_ACTION } from '../../notify/channels/slack/slack.js';
import { parseSmsReply, smsReplyText, twimlAskAgain, twimlSayHangup, verifyTwilioSignature } from '../../notify/channels/sms/twilio.js';
import type { App, AppDeps } from '../deps.js';
import { memberLocale } from '../../org/org.service.js';
import { LANGUAGES, format, pickLanguage } from '../../lib/i18n/translate.js';
import { esc, incidentAskPage, incidentOutcomePage, outcomeText, unusablePage } from '../presenters/one-click-page.js';

/** A visitor whose link names nobody: the first of their browser's languages Vigil speaks. */
export const visitorLocale = (acceptLanguage: string | string[] | undefined) => pickLanguage(LANGUAGES, undefined, Array.isArray(acceptLanguage) ? acceptLanguage[0] : acceptLanguage);

export function respondRoutes(app: App, deps: AppDeps): void {
  /** The language of the member a link was sent to (even once used or expired), else the visitor's. */
  const linkLocale = (t: TokenLookup, acceptLanguage: string | string[] | undefined): Promise<string> => {
    const owner = t.ok ? t.row : t.owner;
    return owner ? memberLocale(deps.db, owner.org_id, owner.user_id) : Promise.resolve(visitorLocale(acceptLanguage));
  };

  app.register(async (scope: FastifyInstance) => {
    // Browsers, Slack and Twilio post forms; only these routes read them, as the raw text (signatures cover the raw body).
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_req, body, done) => done(null, body));

    scope.get<{ Params: { token: string } }>('/a/:token', { config: { permission: 'public' }, schema: { hide: true } }, async (request, reply) => {
      const t = await lookupActionToken(deps.db, request.params.token, deps.clock.now());
      reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
      const locale = await linkLocale(t, request.headers['accept-language']);
      if (!t.ok) return reply.code(t.reason === 'unknown' ? 404 : 410).send(unusablePage(locale, t.reason, true));
      const inc = await requireIncident(deps.db, t.row.org_id, t.row.incident_id);
      // GET changes nothing: mail scanners and link previews fetch links; only the button acts.
      return reply.send(incidentAskPage(locale, t.row.action, { number: Number(inc.number), title: inc.title, status: inc.status }));
    });

    scope.post<{ Params: { token: string } }>('/a/:token', { config: { permission: 'public' }, schema: { hide: true } }, async (request, reply) => {
      reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
      const now = deps.clock.now();
      const t = await lookupActionToken(deps.db, request.params.token, now);
      const locale = await linkLocale(t, request.headers['accept-language']);
      if (!t.ok || !(await spendActionToken(deps.db, t.row, now))) return reply.code(410).send(unusablePage(locale, 'used_or_expired'));
      const out = await respondAs(deps, t.row.org_id, t.row.incident_id, t.row.user_id, t.row.action, { type: t.row.channel === 'email' ? 'email' : 'link' });
      return reply.code(out.ok ? 200 : 409).send(incidentOutcomePage(locale, out));
    });

    scope.post('/v1/slack/actions', { config: { permission: 'public' }, schema: { hide: true } }, async (request, reply) => {
      const secret = deps.inbound.slackSigningSecret;
      const raw = typeof request.body === 'string' ? request.body : '';
      if (!secret) throw new VigilError('not_found', ['chat actions are not configured on this server (VIGIL_SLACK_SIGNING_SECRET)']);
      const v = verifySlackRequest(raw, { timestamp: header(request.headers['x-slack-request-timestamp']), signature: header(request.headers['x-slack-signature']) }, secret, deps.clock.now());
      if (!v.ok) throw new VigilError('unauthenticated', [`Slack request signature: ${v.reason}`]);
      const action = parseSlackAction(raw);
      if (!action) return reply.send({ text: '' });
      const [ackToken, resolveToken] = action.value.split('.');
      const token = action.actionId === SLACK_ACK_ACTION ? ackToken : resolveToken;
      const now = deps.clock.now();
      const t = token ? await lookupActionToken(deps.db, token, now) : ({ ok: false, reason: 'unknown' } as const);
      // The channel's answer is read by the room: in the organization's language.
      if (!t.ok || !(await spendActionToken(deps.db, t.row, now))) return reply.send({ response_type: 'ephemeral', replace_original: false, text: format(t.ok ? await memberLocale(deps.db, t.row.org_id, null) : 'en', 'oneClick.buttonUnusable', { why: 'any' }) });
      const locale = await memberLocale(deps.db, t.row.org_id, null);
      const out = await respondAs(deps, t.row.org_id, t.row.incident_id, t.row.user_id, t.row.action, { type: 'chat', chat_user: action.userName });
      return reply.send({ response_type: 'in_channel', replace_original: false, text: out.ok ? format(locale, 'oneClick.chatOutcome', { done: out.done, number: Number(out.incident.number), user: action.userName }) : outcomeText(locale, out) });
    });

    scope.post('/v1/twilio/sms', { config: { permission: 'public' }, schema: { hide: true } }, async (request, reply) => {
      const params = twilioParams(request.body, deps);
      reply.type('text/xml; charset=utf-8');
      const reply_ = (text: string) => reply.send(`<?xml version="1.0" encoding="UTF-8"?><Response><Message>${esc(text)}</Message></Response>`);
      // "OK" to a scheduled test page by SMS confirms it (notify/test-page.service.ts).
      const test = await confirmBySmsReply(deps.db, deps.clock.now(), params.From ?? '', params.Body ?? '');
      if (test) return reply_(test.answer);
      const from = params.From ?? '';
      const parsed = parseSmsReply(params.Body ?? '');
      // The answer is in the replying member's language (smsReplyLocale).
      if (!parsed) return reply_(smsReplyText(await smsReplyLocale(deps.db, from), null, null));
      const target = await findSmsResponder(deps.db, from, parsed.number);
      const locale = await smsReplyLocale(deps.db, from, target);
      if (!target) return reply_(smsReplyText(locale, parsed.number, { reason: 'not_paged' }));
      const out = await respondAs(deps, target.orgId, target.incidentId, target.userId, parsed.action === 'ack' ? 'acknowledge' : 'resolve', { type: 'sms', from: params.From });
      return reply_(smsReplyText(locale, parsed.number, out));
    });

    scope.post('/v1/twilio/status', { config: { permission: 'public' }, schema: { hide: true } }, async (request, reply) => {
      const params = twilioParams(request.body, deps);
      if (params.CallSid && params.CallStatus && !params.MessageSid) await recordCallStatus(deps, params.CallSid, params.CallStatus);
      else await recordCarrierStatus(deps.db, params.MessageSid ?? params.CallSid ?? '', params.MessageStatus ?? params.CallStatus ?? '');
      return reply.code(204).send();
    });

    // A voice page's <Gather> action: the key pressed (Digits) acts as the person the call's tokens (t) name.
    scope.post<{ Querystring: { t?: string; c?: string } }>('/v1/twilio/voice', { config: { permission: 'public' }, schema: { hide: true } }, async (request, reply) => {
      const params = twilioParams(request.body, deps);
      reply.type('text/xml; charset=utf-8');
      // A scheduled test call (c: its confirm token): a key confirms it.
      if (typeof request.query.c === 'string') {
        const test = await confirmByKeypress(deps.db, deps.clock.now(), request.query.c, (params.Digits ?? '').trim());
        return reply.send(twimlSayHangup(test.say, test.locale));
      }
      const t = typeof request.query.t === 'string' ? request.query.t : '';
      const answer = await answerKeypress(deps, t, (params.Digits ?? '').trim(), params.CallSid ?? '');
      return reply.send('askAgain' in answer ? twimlAskAgain(`${deps.config.publicUrl}${request.url}`, answer.locale) : twimlSayHangup(answer.say, answer.locale));
    });

    function twilioParams(body: unknown, d: AppDeps): Record<string, string> {
      const token = d.inbound.twilioAuthToken;
      if (!token) throw new VigilError('not_found', ['SMS replies are not configured on this server (VIGIL_TWILIO_*)']);
      const params = Object.fromEntries(new URLSearchParams(typeof body === 'string' ? body : '')) as Record<string, string>;
      return params;
    }

    scope.addHook('preHandler', async (request) => {
      if (!request.url.startsWith('/v1/twilio/')) return;
      const token = deps.inbound.twilioAuthToken;
      if (!token) return;
      const params = Object.fromEntries(new URLSearchParams(typeof request.body === 'string' ? request.body : '')) as Record<string, string>;
      const url = `${deps.config.publicUrl}${request.url}`;
      if (verifyTwilioSignature(token, url, params, header(request.headers['x-twilio-signature']))) return;
      // Keypresses and status callbacks answer 403 (the request is refused, not the caller unknown); SMS replies keep their 401.
      throw new VigilError(request.url.startsWith('/v1/twilio/sms') ? 'unauthenticated' : 'forbidden', ['Twilio request signature does not match']);
    });
  });
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
