/**
 * Languages (issue 19 item 3), on both dialects, through the real engine: a French member's
 * page arrives in French by email (a real SMTP server) and by SMS (a local android-sms-gateway),
 * with the time in her zone; a member who chose nothing reads the organization's default
 * (Spanish here) on ntfy; `user.locale` and the organization's default are refused unless
 * Vigil speaks them; the public status page answers in the language asked among its own.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { buildChannels } from '../../src/server/notify/channels/registry.js';
import { localPolicy } from '../outbound-allow.js';
import { addContact, addPolicy, addRule, addUser, attachPolicy, engineFor, startSmtp, type Mailbox } from '../engine/fixtures.js';
import { createIsolatedApp, eventually } from '../engine/fixtures2.js';
import { startFakeSmsGateway, type FakeSmsGateway } from '../channels/fake-sms-gateway.js';
import { startFakeNtfy, type FakeNtfy } from '../channels/fake-ntfy.js';

const AMELIE_PHONE = '+33612345678';

describe.each(DIALECTS)('languages on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let smtp: Mailbox;
  let gateway: FakeSmsGateway;
  let ntfy: FakeNtfy;
  let engine: Engine;

  beforeEach(async () => {
    clock = manualClock('2026-03-02T09:00:00Z');
    [smtp, gateway, ntfy] = await Promise.all([startSmtp(), startFakeSmsGateway(), startFakeNtfy()]);
    t = await createIsolatedApp(dialect, { clock });
    engine = engineFor(t, buildChannels({ policy: localPolicy, httpTimeoutMs: 2_000, smtp: { host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true, from: 'Vigil <vigil@harbor.example>' } }));
  });
  afterEach(async () => {
    await t.close();
    await Promise.all([smtp.close(), gateway.close(), ntfy.close()]);
  });

  const api = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method, url, headers: { ...t.auth, ...headers }, ...(payload === undefined ? {} : { payload: payload as object }) });

  it('a French member gets her page in French by email and SMS, with the time in her zone; a member without a locale reads the organization default (Spanish) on ntfy', async () => {
    const amelie = await addUser(t, 'Amélie');
    const mateo = await addUser(t, 'Mateo');
    // The web app's calls: PUT /users/{id} {user: {locale}}, then GET /users/me shows it (here for the token's own member too).
    const put = await api('PUT', `/api/v1/users/${amelie}`, { user: { locale: 'fr-fr', time_zone: 'Europe/Paris' } });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json().user).toMatchObject({ locale: 'fr-FR', time_zone: 'Europe/Paris' });
    expect((await api('GET', `/api/v1/users/${amelie}`)).json().user.locale).toBe('fr-FR');
    const me = (await api('GET', '/api/v1/users/me')).json().user;
    expect(me.locale).toBeNull();
    expect((await api('PUT', `/api/v1/users/${me.id}`, { user: { locale: 'es-MX' } })).json().user.locale).toBe('es-MX');
    expect((await api('GET', '/api/v1/users/me')).json().user.locale).toBe('es-MX');

    const org = await api('PUT', '/api/v1/organization', { organization: { default_locale: 'es-ES' } });
    expect(org.statusCode, org.body).toBe(200);
    expect(org.json().organization.default_locale).toBe('es-ES');

    const provider = await api('POST', '/api/v1/sms_providers', { sms_provider: { type: 'android_gateway', name: 'Office phone', base_url: gateway.url, credentials: { username: gateway.username, password: gateway.password }, cost_per_message: 0 } });
    expect(provider.statusCode, provider.body).toBe(201);
    const email = await addContact(t, amelie, 'email', 'amelie@harbor.example');
    const sms = await addContact(t, amelie, 'sms', AMELIE_PHONE);
    await addRule(t, amelie, email, 0);
    await addRule(t, amelie, sms, 0);
    const topic = await addContact(t, mateo, 'ntfy', `${ntfy.url}/mateo-pager`);
    await addRule(t, mateo, topic, 0);
    const policy = await addPolicy(t, [{ delay: 30, targets: [{ id: amelie, type: 'user_reference' }, { id: mateo, type: 'user_reference' }] }]);
    const svc = await serviceWithKey(t, 'events_v2', 'Ligne d’écoute');
    await attachPolicy(t, svc.serviceId, policy);
    expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(svc.key, { dedup_key: 'i18n-1', payload: { summary: 'Chat queue over 1234 waiting', source: 'chat', severity: 'critical' } }) })).statusCode).toBe(202);
    await engine.runUntilIdle(clock.now());

    const mail = await smtp.waitFor('amelie@harbor.example', /Bonjour/);
    expect(mail.subject).toBe('[Vigil] #1 DÉCLENCHÉ : Chat queue over 1234 waiting (Ligne d’écoute)');
    const text = mail.text ?? '';
    expect(text).toContain('Bonjour Amélie,');
    expect(text).toContain('Statut : déclenché');
    expect(text).toContain('Urgence : haute');
    expect(text).toMatch(/Prendre en charge l’incident #1 : http/);
    expect(text).toMatch(/Résoudre l’incident #1 : http/);
    // 09:00 UTC is 10:00 in Paris, written the French way with the zone's short name.
    expect(text).toMatch(/Ouvert le : 2 mars 2026(,| à) 10:00 UTC\+1/);
    expect(text).toContain('Envoyé par Vigil pour');
    expect(text).not.toMatch(/Acknowledge|Resolve incident|Hello|Sent by/);
    expect(mail.html).toContain('<html lang="fr">');

    await eventually('the French SMS', async () => gateway.texts.length > 0);
    expect(gateway.texts[0]).toMatchObject({ to: AMELIE_PHONE });
    expect(gateway.texts[0]!.text).toMatch(/^Vigil #1 CRITIQUE Ligne d’écoute : Chat queue over 1234 waiting\. Répondez 1a pour prendre en charge, 1r pour résoudre\.$/);

    await eventually('the Spanish ntfy message', async () => ntfy.messages.length > 0);
    const n = ntfy.messages[0]!;
    expect(n.title).toBe('#1 ACTIVADO: Chat queue over 1234 waiting');
    expect(n.message).toContain('Ligne d’écoute · urgencia alta · activado');
    expect(n.actions?.map((a) => a.label)).toEqual(['Reconocer', 'Resolver', 'Abrir #1']);

    // The incident's timeline, read by the owner (es-MX): the engine's own entries in Spanish, the alert's summary as sent.
    const incidentId = (await api('GET', '/api/v1/incidents')).json().incidents[0].id as string;
    const timeline = async () => ((await api('GET', `/api/v1/incidents/${incidentId}/log_entries?limit=100`)).json().log_entries as { summary: string }[]).map((e) => e.summary);
    await eventually('the deliveries on the timeline', async () => (await timeline()).filter((x) => x.startsWith('Notificado: ')).length >= 3);
    const log = await timeline();
    expect(log).toContain('Activado mediante la API de Events');
    expect(log).toContain('Alerta añadida: Chat queue over 1234 waiting');
    expect(log).toContain('Asignado a Amélie, Mateo por Chat on-call (nivel 1)');
    expect(log.filter((x) => x.startsWith('Notificado: ')).sort()).toEqual([expect.stringMatching(/^Notificado: Amélie por /), expect.stringMatching(/^Notificado: Amélie por /), expect.stringMatching(/^Notificado: Mateo por /)]);
  });

  it('refuses a locale Vigil does not speak, naming the field, and changes nothing', async () => {
    const ada = await addUser(t, 'Ada');
    for (const locale of ['de-DE', 'klingon', 'fr-FR-x-long-tag', '']) {
      const r = await api('PUT', `/api/v1/users/${ada}`, { user: { locale, name: 'Ada Renamed' } });
      expect(r.statusCode, r.body).toBe(400);
      expect(r.json().error.errors.join(' ')).toContain('user.locale');
    }
    const after = (await api('GET', `/api/v1/users/${ada}`)).json().user;
    expect(after).toMatchObject({ name: 'Ada', locale: null });
    const created = await api('POST', '/api/v1/users', { user: { name: 'Bea', email: 'bea@harbor.example', locale: 'it-IT' } });
    expect(created.statusCode).toBe(400);
    expect(created.json().error.errors.join(' ')).toContain('user.locale');
    expect((await api('GET', '/api/v1/users?query=bea')).json().users).toHaveLength(0);
    const ok = await api('POST', '/api/v1/users', { user: { name: 'Bea', email: 'bea@harbor.example', locale: 'es' } });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json().user.locale).toBe('es');
    // Back to the organization's default.
    expect((await api('PUT', `/api/v1/users/${ok.json().user.id}`, { user: { locale: null } })).json().user.locale).toBeNull();

    const org = await api('PUT', '/api/v1/organization', { organization: { default_locale: 'pt-BR' } });
    expect(org.statusCode).toBe(400);
    expect(org.json().error.errors.join(' ')).toContain('organization.default_locale');
    expect((await api('GET', '/api/v1/organization')).json().organization.default_locale).toBe('en-US');
  });

  it('the public status page answers in ?lang= or Accept-Language among its languages, else its first; other languages are refused', async () => {
    const svc = await serviceWithKey(t, 'events_v2', 'Chat');
    const bad = await api('PUT', '/api/v1/status_page', { status_page: { enabled: true, languages: ['fr', 'de'] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.errors.join(' ')).toContain('status_page.languages[1]');
    expect((await api('PUT', '/api/v1/status_page', { status_page: { languages: [] } })).statusCode).toBe(400);
    expect((await api('GET', '/api/v1/status_page')).json().status_page.languages).toEqual(['en']);

    const set = await api('PUT', '/api/v1/status_page', { status_page: { slug: 'harbor', enabled: true, languages: ['fr', 'es'], components: [{ service_id: svc.serviceId, name: 'Chat' }] } });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json().status_page.languages).toEqual(['fr', 'es']);

    const pub = (query: string, headers: Record<string, string> = {}) => t.app.inject({ method: 'GET', url: `/api/v1/public/status/harbor${query}`, headers });
    const fr = await pub('');
    expect(fr.statusCode, fr.body).toBe(200);
    expect(fr.headers['content-language']).toBe('fr');
    expect(fr.json()).toMatchObject({ language: 'fr', languages: ['fr', 'es'], state: 'operational', state_label: 'Tous les systèmes sont opérationnels' });
    expect(fr.json().groups[0].components[0]).toMatchObject({ name: 'Chat', state: 'operational', state_label: 'Opérationnel' });
    expect(fr.json().updated_at_label).toMatch(/^Mis à jour le 2 mars 2026/);

    const es = await pub('', { 'accept-language': 'de-DE, es-MX;q=0.8, fr;q=0.5' });
    expect(es.json()).toMatchObject({ language: 'es', state_label: 'Todos los sistemas operativos' });
    // English is not among this page's languages: the page's first.
    expect((await pub('?lang=en')).json().language).toBe('fr');
    expect((await pub('?lang=es', { 'accept-language': 'fr' })).json().language).toBe('es');
    const refused = await pub('?lang=de');
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.errors.join(' ')).toContain('lang');
  });
});
