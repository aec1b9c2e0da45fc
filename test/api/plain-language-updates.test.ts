/**
 * Plain-language public updates on both dialects (issue 19 item 2): the templates per phase
 * and language, filled from an incident (its components' public names, its times in the
 * organization's zone, the people affected, rounded); and a resolving update that shows the
 * people affected, from the figure Vigil estimated for the incident through the real impact
 * path (a metric, counts through POST /v1/impact, the engine), on the public status page.
 * Bad input is 400 naming the field; an observer reads templates but writes no update.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/server/engine/engine.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import { roughCount } from '../../src/server/status-page/plain-language.js';
import { engineFor } from '../engine/fixtures.js';
import { DIALECTS, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import { createApp, enqueue, member, req, type Json } from './helpers.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.parse('2026-03-02T00:00:00Z'); // a Monday
const START = T0 + 2 * HOUR + 10 * MIN; // 02:10 UTC, 03:10 in Paris
const END = T0 + 3 * HOUR + 5 * MIN; // 03:05 UTC, 04:05 in Paris

describe.each(DIALECTS)('plain-language public updates (%s)', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let engine: Engine;
  let chat: { serviceId: string; routingKey: string };
  let impactKey: string;
  let incidentId: string;

  const templates = async (query: string, headers = t.auth) => req(t, 'GET', `/api/v1/status_page/update_templates${query}`, undefined, headers);
  const post = (id: string, body: Json, headers = t.auth) => req(t, 'POST', `/api/v1/incidents/${id}/public_updates`, { public_update: body }, headers);
  const samples = (from: number, to: number) => {
    const out = [];
    for (let at = from; at < to; at += 5 * MIN) out.push({ count: 5, interval_start: new Date(at).toISOString(), interval_seconds: 300 }); // 60 people an hour, day and night
    return out;
  };
  const sendSamples = async (from: number, to: number) => {
    const all = samples(from, to);
    for (let i = 0; i < all.length; i += 2000) {
      const r = await t.app.inject({ method: 'POST', url: '/v1/impact', payload: { routing_key: impactKey, samples: all.slice(i, i + 2000) } });
      expect(r.statusCode, r.body).toBe(202);
    }
  };

  beforeAll(async () => {
    clock = manualClock('2026-03-02T00:00:00Z');
    t = await createApp(dialect, { clock });
    // The organization's zone is set when it is created (vigil init --time-zone); this one is in Paris.
    await t.db.handle.db.updateTable('organizations').set({ time_zone: 'Europe/Paris' }).where('id', '=', t.org.org.id).execute();
    const s = await serviceWithKey(t, 'events_v2', 'Crisis chat');
    chat = { serviceId: s.serviceId, routingKey: s.key };
    const m = await req(t, 'PUT', `/api/v1/services/${chat.serviceId}/impact_metric`, { impact_metric: { name: 'People helped', unit_label: 'people', kind: 'people', time_zone: 'UTC' } });
    expect(m.statusCode, m.body).toBe(201);
    const i = await req(t, 'POST', `/api/v1/services/${chat.serviceId}/integrations`, { integration: { type: 'impact' } });
    impactKey = i.json().integration.integration_key;
    const page = await req(t, 'PUT', '/api/v1/status_page', { status_page: { enabled: true, slug: 'harbor', components: [{ service_id: chat.serviceId, name: 'Text line', group: 'Lines' }] } });
    expect(page.statusCode, page.body).toBe(200);
    engine = engineFor(t, {});
  }, 60_000);
  afterAll(async () => t?.close());

  it('lists the templates of each language with their placeholders; a language it does not have is 400 naming lang', async () => {
    for (const lang of ['en', 'fr', 'es']) {
      const r = await templates(`?lang=${lang}`);
      expect(r.statusCode, r.body).toBe(200);
      const list = r.json().update_templates as Json[];
      expect(new Set(list.map((x) => x.status))).toEqual(new Set(['investigating', 'identified', 'monitoring', 'resolved']));
      expect(list.every((x) => x.language === lang && x.filled === null)).toBe(true);
      expect(list.find((x) => x.id === 'resolved_people')).toMatchObject({ status: 'resolved', missing: ['start', 'end', 'people', 'components'] });
    }
    expect((await templates('?lang=fr')).json().update_templates.find((x: Json) => x.id === 'investigating').text).toBe(
      'Nous savons que {components} ne fonctionne pas bien depuis {start}. Nous cherchons la cause et publierons bientôt des nouvelles.',
    );
    expect((await templates('')).json().update_templates[0].language).toBe('en');
    const bad = await templates('?lang=de');
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json().error)).toMatch(/lang/);
    expect((await templates('?incident_id=PNOPE00')).statusCode).toBe(404);
  });

  it('fills the templates from an incident, then a resolving update shows the people affected on the public page', async () => {
    // Four weeks of steady counts, then today until the outage at 02:10 UTC.
    clock.set(START);
    await sendSamples(T0 - 28 * 24 * HOUR, START);
    await engine.runUntilIdle(START);
    expect((await enqueue(t, trigger(chat.routingKey, { dedup_key: 'sms-gateway' }))).statusCode).toBe(202);
    await engine.runUntilIdle(START);
    const list = (await req(t, 'GET', `/api/v1/incidents?service_ids[]=${chat.serviceId}`)).json().incidents as Json[];
    expect(list).toHaveLength(1);
    incidentId = list[0]!.id;

    // While open: the start is known, the end is not.
    const open = (await templates(`?lang=en&incident_id=${incidentId}`)).json().update_templates as Json[];
    expect(open.find((x) => x.id === 'investigating')).toMatchObject({
      filled: 'We are aware of a problem with Text line since 03:10 CET. We are looking into it and will post an update soon.',
      missing: [],
    });
    expect(open.find((x) => x.id === 'resolved')!.missing).toEqual(['end']);
    const es = (await templates(`?lang=es&incident_id=${incidentId}`)).json().update_templates as Json[];
    expect(es.find((x) => x.id === 'investigating')!.filled).toBe('Sabemos que hay un problema con Text line desde las 03:10 CET. Lo estamos revisando y pronto daremos más noticias.');

    // Silence until 03:05, then the line works again and counts flow; resolved at 03:05.
    clock.set(END);
    const resolved = await req(t, 'PUT', `/api/v1/incidents/${incidentId}`, { incident: { type: 'incident_reference', status: 'resolved' } });
    expect(resolved.statusCode, resolved.body).toBe(200);
    clock.set(END + HOUR);
    await sendSamples(END, END + HOUR);
    await engine.runUntilIdle(END + HOUR);
    const impact = (await req(t, 'GET', `/api/v1/incidents/${incidentId}/impact`)).json().impact;
    expect(impact, 'the impact module estimated the people affected').not.toBeNull();
    const estimate = impact.shortfall.estimate as number;
    expect(estimate).toBeGreaterThan(40); // 55 minutes at 60 an hour: about 55
    expect(estimate).toBeLessThan(70);

    const fr = (await templates(`?lang=fr&incident_id=${incidentId}`)).json().update_templates as Json[];
    expect(fr.find((x) => x.id === 'resolved_people')).toMatchObject({
      filled: `Service rétabli. Entre 03:10 UTC+1 et 04:05 UTC+1, environ ${roughCount(estimate, 'fr')} personnes n'ont pas pu joindre Text line. Tout fonctionne à nouveau.`,
      missing: [],
    });

    // Bad input: the field is named, nothing is written.
    const notResolving = await post(incidentId, { status: 'monitoring', message: 'Watching it.', show_people_affected: true });
    expect(notResolving.statusCode).toBe(400);
    expect(notResolving.json().error.errors.join(' ')).toMatch(/public_update\.show_people_affected/);
    const languageAlone = await post(incidentId, { status: 'resolved', message: 'Fixed.', language: 'fr' });
    expect(languageAlone.statusCode).toBe(400);
    expect(languageAlone.json().error.errors.join(' ')).toMatch(/public_update\.language/);
    const badLanguage = await post(incidentId, { status: 'resolved', message: 'Fixed.', show_people_affected: true, language: 'de' });
    expect(badLanguage.statusCode).toBe(400);
    expect(JSON.stringify(badLanguage.json().error)).toMatch(/language/);
    const observer = await member(t, 'observer');
    expect((await templates(`?incident_id=${incidentId}`, observer.auth)).statusCode).toBe(200);
    expect((await post(incidentId, { status: 'resolved', message: 'Fixed.', show_people_affected: true }, observer.auth)).statusCode).toBe(403);
    expect((await req(t, 'GET', `/api/v1/incidents/${incidentId}/public_updates`)).json().public_updates).toEqual([]);

    const ok = await post(incidentId, { status: 'resolved', message: 'Texting works again. Thank you for your patience.', show_people_affected: true });
    expect(ok.statusCode, ok.body).toBe(201);
    const sentence = `Between 03:10 and 04:05 CET about ${roughCount(estimate, 'en')} people could not reach Text line.`;
    expect(ok.json().public_update.message).toBe(`Texting works again. Thank you for your patience.\n\n${sentence}`);
    const publicPage = (await t.app.inject({ method: 'GET', url: '/api/v1/public/status/harbor' })).json();
    expect(publicPage.incidents).toHaveLength(1);
    expect(publicPage.incidents[0].updates.map((u: Json) => u.message)).toEqual([`Texting works again. Thank you for your patience.\n\n${sentence}`]);

    const inSpanish = await post(incidentId, { status: 'resolved', message: 'Ya funciona.', show_people_affected: true, language: 'es' });
    expect(inSpanish.json().public_update.message).toBe(`Ya funciona.\n\nEntre las 03:10 y las 04:05 CET, unas ${roughCount(estimate, 'es')} personas no pudieron comunicarse con Text line.`);
  });

  it('refuses to show people affected when Vigil has no estimate for the incident', async () => {
    const other = await serviceWithKey(t, 'events_v2', 'Food bank line');
    expect((await enqueue(t, trigger(other.key, { dedup_key: 'no-metric' }))).statusCode).toBe(202);
    await engine.runUntilIdle(clock.now());
    const inc = (await req(t, 'GET', `/api/v1/incidents?service_ids[]=${other.serviceId}`)).json().incidents[0] as Json;
    const r = await post(inc.id, { status: 'resolved', message: 'Fixed.', show_people_affected: true });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.errors.join(' ')).toMatch(/public_update\.show_people_affected: there is no estimate/);
    // The service is not on the page: the templates speak of "our service", and there is no people figure to fill.
    const tpl = (await templates(`?incident_id=${inc.id}`)).json().update_templates as Json[];
    expect(tpl.find((x) => x.id === 'identified')!.filled).toBe('We have found the cause of the problem with our service. We are working on a fix.');
    expect(tpl.find((x) => x.id === 'resolved_people')!.missing).toEqual(['end', 'people']);
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toContain('/api/v1/status_page/update_templates');
  });
});
