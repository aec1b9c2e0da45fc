/**
 * Scheduled test pages (notify/test-page.service.ts, engine/test-pages): the organization's
 * setting (admins change it), and the one-tap confirm link each test carries. Opening the
 * link (GET) only shows a button — mail scanners and link previews fetch links — and the
 * button (POST) records the confirmation; the token is single use.
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { errorResponses } from '../../../contract/common.js';
import { TestPageSettings, TestPageSettingsUpdate } from '../../../contract/test-pages.js';
import { confirmByToken, lookupConfirmToken, testPageSettings, updateTestPageSettings, type ConfirmLookup, type TestPageSettings as Settings } from '../../notify/test-page.service.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';
import { testPageAskPage, testPageConfirmedPage, unusablePage } from '../presenters/one-click-page.js';
import { memberLocale } from '../../org/org.service.js';
import { visitorLocale } from './respond.js';

const present = (s: Settings) => ({ test_page_settings: { enabled: s.enabled, lead_time_hours: s.leadHours } });
const Answer = Type.Object({ test_page_settings: TestPageSettings });

export function testPagesRoutes(app: App, deps: AppDeps): void {
  app.get(
    '/api/v1/test_page_settings',
    { config: { permission: 'read' }, schema: { summary: 'Scheduled test pages (Vigil extension): on or off, and the lead time before a first shift', tags: ['contact methods'], response: { 200: Answer, ...errorResponses } } },
    async (request) => present(await testPageSettings(deps.db, principalOf(request).orgId)),
  );

  app.put(
    '/api/v1/test_page_settings',
    {
      config: { permission: 'manage' },
      schema: { summary: 'Turn scheduled test pages on or off, or change the lead time before a first shift (admins)', tags: ['contact methods'], body: TestPageSettingsUpdate, response: { 200: Answer, ...errorResponses } },
    },
    async (request) => present(await updateTestPageSettings(deps.db, deps.clock, principalOf(request).orgId, request.body.test_page_settings)),
  );

  /** The language of the member the test was sent to (even once confirmed or expired), else the visitor's. */
  const pageLocale = (t: ConfirmLookup, acceptLanguage: string | string[] | undefined): Promise<string> => {
    const owner = t.ok ? t.test : t.owner;
    return owner ? memberLocale(deps.db, owner.org_id, owner.user_id) : Promise.resolve(visitorLocale(acceptLanguage));
  };

  app.register(async (scope: FastifyInstance) => {
    // The button posts a form; nothing in it is read.
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 }, (_req, body, done) => done(null, body));

    scope.get<{ Params: { token: string } }>('/t/:token', { config: { permission: 'public' }, schema: { hide: true } }, async (request, reply) => {
      const t = await lookupConfirmToken(deps.db, request.params.token, deps.clock.now());
      reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
      const locale = await pageLocale(t, request.headers['accept-language']);
      if (!t.ok) return reply.code(t.reason === 'unknown' ? 404 : 410).send(unusablePage(locale, t.reason));
      return reply.send(testPageAskPage(locale));
    });

    scope.post<{ Params: { token: string } }>('/t/:token', { config: { permission: 'public' }, schema: { hide: true } }, async (request, reply) => {
      reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
      const t = await confirmByToken(deps.db, request.params.token, deps.clock.now());
      const locale = await pageLocale(t, request.headers['accept-language']);
      if (!t.ok) return reply.code(t.reason === 'unknown' ? 404 : 410).send(unusablePage(locale, t.reason));
      return reply.send(testPageConfirmedPage(locale));
    });
  });
}
