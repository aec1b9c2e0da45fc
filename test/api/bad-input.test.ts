/**
 * Bad input gets the documented 4xx with a JSON body that names what is wrong, and
 * the database does not change: malformed JSON, wrong types, missing fields,
 * over-long strings, unknown event_action, oversized bodies, wrong content types,
 * prototype-poisoning keys, unknown routing keys (same answer whether the key never
 * existed or was deleted in another organization), another organization's token,
 * missing or invalid credentials, and REST validation errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { DIALECTS, countRows, serviceWithKey, trigger, type TestApp } from '../harness.js';
import { counts, createApp, enqueue, incident, neverIssuedKey, req, secondOrg, type Json } from './helpers.js';

type Case = { name: string; body: unknown; field: string };

const PAYLOAD = { summary: 'Chat queue not answering', source: 'chat-gw-1', severity: 'critical' };

/** Cases built around a valid trigger, one field wrong in each. */
function eventCases(key: string): Case[] {
  const t = (extra: Record<string, unknown>, payload: Record<string, unknown> = {}) => ({ routing_key: key, event_action: 'trigger', ...extra, payload: { ...PAYLOAD, ...payload } });
  const withoutPayloadField = (f: string) => {
    const p: Record<string, unknown> = { ...PAYLOAD };
    delete p[f];
    return { routing_key: key, event_action: 'trigger', payload: p };
  };
  const cases: Case[] = [
    // missing
    { name: 'missing routing_key', body: { event_action: 'trigger', payload: PAYLOAD }, field: 'routing_key' },
    { name: 'missing event_action', body: { routing_key: key, payload: PAYLOAD }, field: 'event_action' },
    { name: 'missing payload', body: { routing_key: key, event_action: 'trigger' }, field: 'payload' },
    { name: 'missing payload.summary', body: withoutPayloadField('summary'), field: 'payload.summary' },
    { name: 'missing payload.source', body: withoutPayloadField('source'), field: 'payload.source' },
    { name: 'missing payload.severity', body: withoutPayloadField('severity'), field: 'payload.severity' },
    { name: 'blank payload.summary', body: t({}, { summary: '   ' }), field: 'payload.summary' },
    { name: 'resolve without dedup_key', body: { routing_key: key, event_action: 'resolve' }, field: 'dedup_key' },
    { name: 'acknowledge with empty dedup_key', body: { routing_key: key, event_action: 'acknowledge', dedup_key: '' }, field: 'dedup_key' },
    // over-long / malformed strings
    { name: 'summary of 1025 characters', body: t({}, { summary: 's'.repeat(1025) }), field: 'payload.summary' },
    { name: 'dedup_key of 256 characters', body: t({ dedup_key: 'd'.repeat(256) }), field: 'dedup_key' },
    { name: 'routing_key of 31 characters', body: t({ routing_key: key.slice(1) }), field: 'routing_key' },
    { name: 'routing_key of 33 characters', body: t({ routing_key: key + 'a' }), field: 'routing_key' },
    { name: 'routing_key with punctuation', body: t({ routing_key: key.slice(0, 31) + '-' }), field: 'routing_key' },
    { name: 'payload.source of 1025 characters', body: t({}, { source: 'h'.repeat(1025) }), field: 'payload.source' },
    { name: 'client_url of 2049 characters', body: t({ client_url: 'https://x/' + 'u'.repeat(2039) }), field: 'client_url' },
    { name: 'unparseable payload.timestamp', body: t({}, { timestamp: 'yesterday at noon' }), field: 'payload.timestamp' },
    { name: 'impossible payload.timestamp', body: t({}, { timestamp: '2026-13-45T99:00:00Z' }), field: 'payload.timestamp' },
    // unknown event_action
    { name: 'event_action snooze', body: t({ event_action: 'snooze' }), field: 'event_action' },
    { name: 'event_action Trigger (case)', body: t({ event_action: 'Trigger' }), field: 'event_action' },
    { name: 'event_action empty', body: t({ event_action: '' }), field: 'event_action' },
    { name: 'severity fatal', body: t({}, { severity: 'fatal' }), field: 'payload.severity' },
    { name: 'severity CRITICAL (case)', body: t({}, { severity: 'CRITICAL' }), field: 'payload.severity' },
    // too many items
    { name: '101 links', body: t({ links: Array.from({ length: 101 }, () => ({ href: 'https://x' })) }), field: 'links' },
    { name: '101 images', body: t({ images: Array.from({ length: 101 }, () => ({ src: 'https://x/i.png' })) }), field: 'images' },
  ];
  // Wrong types, for every field.
  const wrong: [string, unknown[], (v: unknown) => unknown][] = [
    ['routing_key', [123, true, {}, [key]], (v) => t({ routing_key: v })],
    ['event_action', [1, ['trigger'], { a: 1 }, false], (v) => t({ event_action: v })],
    ['dedup_key', [1, {}, ['k'], true], (v) => t({ dedup_key: v })],
    ['payload', ['summary', 1, [PAYLOAD], true], (v) => ({ routing_key: key, event_action: 'trigger', payload: v })],
    ['payload.summary', [1, {}, ['s'], true], (v) => t({}, { summary: v })],
    ['payload.source', [1, {}, ['h'], false], (v) => t({}, { source: v })],
    ['payload.severity', [1, ['critical'], {}, true], (v) => t({}, { severity: v })],
    ['payload.timestamp', [1700000000, {}, [], true], (v) => t({}, { timestamp: v })],
    ['payload.component', [1, {}, ['c'], true], (v) => t({}, { component: v })],
    ['payload.group', [1, {}, ['g'], true], (v) => t({}, { group: v })],
    ['payload.class', [1, {}, ['c'], true], (v) => t({}, { class: v })],
    ['images', ['https://x/i.png', { src: 'https://x' }, 1], (v) => t({ images: v })],
    ['images[0]', [1, 'https://x/i.png', null], (v) => t({ images: [v] })],
    ['images[0].src', [1, {}, ''], (v) => t({ images: [{ src: v }] })],
    ['images[0].href', [1, {}], (v) => t({ images: [{ src: 'https://x/i.png', href: v }] })],
    ['images[0].alt', [1, []], (v) => t({ images: [{ src: 'https://x/i.png', alt: v }] })],
    ['links', ['https://x', { href: 'https://x' }, 1], (v) => t({ links: v })],
    ['links[0]', [1, 'https://x'], (v) => t({ links: [v] })],
    ['links[0].href', [1, {}, ''], (v) => t({ links: [{ href: v }] })],
    ['links[0].text', [1, {}], (v) => t({ links: [{ href: 'https://x', text: v }] })],
    ['client', [1, {}, ['c']], (v) => t({ client: v })],
    ['client_url', [1, {}, ['u']], (v) => t({ client_url: v })],
  ];
  for (const [field, values, build] of wrong) {
    for (const v of values) cases.push({ name: `${field} = ${JSON.stringify(v)}`, body: build(v), field });
  }
  return cases;
}

function changeCases(key: string): Case[] {
  const c = (extra: Record<string, unknown>, payload: Record<string, unknown> = {}) => ({ routing_key: key, ...extra, payload: { summary: 'Deployed', ...payload } });
  return [
    { name: 'missing routing_key', body: { payload: { summary: 'x' } }, field: 'routing_key' },
    { name: 'missing payload', body: { routing_key: key }, field: 'payload' },
    { name: 'missing payload.summary', body: { routing_key: key, payload: { source: 'ci' } }, field: 'payload.summary' },
    { name: 'summary of 1025 characters', body: c({}, { summary: 'x'.repeat(1025) }), field: 'payload.summary' },
    { name: 'payload.summary = 7', body: c({}, { summary: 7 }), field: 'payload.summary' },
    { name: 'payload = []', body: { routing_key: key, payload: [] }, field: 'payload' },
    { name: 'payload.source = {}', body: c({}, { source: {} }), field: 'payload.source' },
    { name: 'payload.timestamp = "soon"', body: c({}, { timestamp: 'soon' }), field: 'payload.timestamp' },
    { name: 'links = "x"', body: c({ links: 'x' }), field: 'links' },
    { name: 'links[0].href missing', body: c({ links: [{ text: 'x' }] }), field: 'links[0].href' },
    { name: 'routing_key = 5', body: c({ routing_key: 5 }), field: 'routing_key' },
  ];
}

function errorsOf(r: LightMyRequestResponse): string[] {
  const b = JSON.parse(r.body) as Json;
  return (b.errors ?? b.error?.errors ?? []) as string[];
}

/** A 4xx (never 5xx) with a JSON body in the route's error style, mentioning `field`. */
function expectRejected(r: LightMyRequestResponse, field: string | RegExp, style: 'events' | 'rest' = 'events') {
  expect(r.statusCode, r.body).toBeGreaterThanOrEqual(400);
  expect(r.statusCode, r.body).toBeLessThan(500);
  expect(String(r.headers['content-type'])).toMatch(/^application\/json/);
  const b = JSON.parse(r.body) as Json;
  if (style === 'events') {
    expect(typeof b.status).toBe('string');
    expect(typeof b.message).toBe('string');
  } else {
    expect(typeof b.error?.message).toBe('string');
    expect(Number.isInteger(b.error?.code)).toBe(true);
  }
  const errors = errorsOf(r);
  expect(Array.isArray(errors) && errors.length > 0, r.body).toBe(true);
  const text = errors.join(' | ');
  if (typeof field === 'string') expect(text, r.body).toContain(field);
  else expect(text, r.body).toMatch(field);
}

describe.each(DIALECTS)('bad input on %s', (dialect) => {
  let t: TestApp;
  let key: string;
  let serviceId: string;
  let incidentId: string;
  beforeAll(async () => {
    t = await createApp(dialect);
    ({ key, serviceId } = await serviceWithKey(t));
    // An open alert and incident, so that a bad ack/resolve would have something to change.
    expect((await enqueue(t, trigger(key, { dedup_key: 'open-one' }))).statusCode).toBe(202);
    incidentId = (await req(t, 'GET', '/api/v1/incidents')).json().incidents[0].id;
  });
  afterAll(async () => t.close());

  /** Run `fn` and prove the data did not move. */
  async function unchanged(fn: () => Promise<void>) {
    const before = { ...(await counts(t)), services: await countRows(t, 'services'), integrations: await countRows(t, 'integrations'), users: await countRows(t, 'users') };
    const inc = await incident(t, incidentId);
    await fn();
    expect({ ...(await counts(t)), services: await countRows(t, 'services'), integrations: await countRows(t, 'integrations'), users: await countRows(t, 'users') }).toEqual(before);
    expect(await incident(t, incidentId)).toEqual(inc);
  }

  it('every invalid alert event: 400 "invalid event" naming the field, nothing stored', async () => {
    const cases = eventCases(key);
    expect(cases.length).toBeGreaterThan(80);
    await unchanged(async () => {
      for (const c of cases) {
        const r = await enqueue(t, c.body);
        expect(r.statusCode, `${c.name}: ${r.body}`).toBe(400);
        expect(r.json(), c.name).toMatchObject({ status: 'invalid event', message: 'Event object is invalid' });
        expect(errorsOf(r).some((e) => e.includes(`'${c.field}'`)), `${c.name} → ${r.body}`).toBe(true);
        expectRejected(r, c.field);
      }
    });
  });

  it('every invalid change event: 400 naming the field, nothing stored', async () => {
    await unchanged(async () => {
      for (const c of changeCases(key)) {
        const r = await t.app.inject({ method: 'POST', url: '/v2/change/enqueue', payload: c.body as Json });
        expect(r.statusCode, `${c.name}: ${r.body}`).toBe(400);
        expectRejected(r, `'${c.field}'`);
      }
    });
  });

  it('the limits are exact: 1024-character summary and 255-character dedup_key are accepted', async () => {
    const r = await enqueue(t, trigger(key, { dedup_key: 'd'.repeat(255) }, { summary: 's'.repeat(1024) }));
    expect(r.statusCode, r.body).toBe(202);
    expect(r.json().dedup_key).toHaveLength(255);
    await enqueue(t, { routing_key: key, event_action: 'resolve', dedup_key: 'd'.repeat(255) });
  });

  it('malformed JSON: 400 "Unrecognized object" with a JSON parse error, nothing stored', async () => {
    const bodies = ['{', '{"routing_key":}', "{'routing_key':'x'}", '{"a":1,}', '{"a":1} trailing', 'nul', '{"payload":{"summary":"\\x"}}', '\u0000', '{"a":"' + '\ud800' + '"'];
    await unchanged(async () => {
      for (const url of ['/v2/enqueue', '/v2/change/enqueue']) {
        for (const body of bodies) {
          const r = await t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: body });
          expect(r.statusCode, body).toBe(400);
          expect(r.json()).toMatchObject({ status: 'Unrecognized object', message: 'Event object format is unrecognized' });
          expectRejected(r, /JSON parse error/);
        }
      }
    });
  });

  it('empty body, and JSON that is not an object (array, string, number, null, true): 400', async () => {
    await unchanged(async () => {
      const empty = await t.app.inject({ method: 'POST', url: '/v2/enqueue', headers: { 'content-type': 'application/json' }, payload: '' });
      expectRejected(empty, /body.*empty/);
      const noType = await t.app.inject({ method: 'POST', url: '/v2/enqueue' });
      expect(noType.statusCode).toBe(400);
      expectRejected(noType, /JSON object/);
      for (const body of ['[]', JSON.stringify([trigger(key)]), '"trigger"', '42', 'null', 'true']) {
        const r = await t.app.inject({ method: 'POST', url: '/v2/enqueue', headers: { 'content-type': 'application/json' }, payload: body });
        expect(r.statusCode, body).toBe(400);
        expectRejected(r, /JSON object|JSON parse error/);
      }
    });
  });

  it('600 KB body: 413 with a JSON body, on both endpoints; just under 512000 bytes is accepted', async () => {
    await unchanged(async () => {
      const big = JSON.stringify(trigger(key, { dedup_key: 'big' }, { custom_details: { blob: 'x'.repeat(600 * 1024) } }));
      for (const url of ['/v2/enqueue', '/v2/change/enqueue']) {
        const r = await t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: big });
        expect(r.statusCode).toBe(413);
        expect(r.json().status).toBe('event too large');
        expectRejected(r, /body/);
      }
    });
    // Alertmanager's own ceiling (512000 bytes) fits.
    const base = JSON.stringify(trigger(key, { dedup_key: 'almost-big' }, { custom_details: { blob: '' } }));
    const body = JSON.stringify(trigger(key, { dedup_key: 'almost-big' }, { custom_details: { blob: 'x'.repeat(511_999 - base.length) } }));
    expect(Buffer.byteLength(body)).toBe(511_999);
    const ok = await t.app.inject({ method: 'POST', url: '/v2/enqueue', headers: { 'content-type': 'application/json' }, payload: body });
    expect(ok.statusCode, ok.body.slice(0, 200)).toBe(202);
    await enqueue(t, { routing_key: key, event_action: 'resolve', dedup_key: 'almost-big' });
  });

  it('form-encoded and text/plain bodies: 415 with a JSON body naming Content-Type', async () => {
    await unchanged(async () => {
      const cases = [
        { 'content-type': 'application/x-www-form-urlencoded', body: `routing_key=${key}&event_action=trigger&payload[summary]=x` },
        { 'content-type': 'text/plain', body: JSON.stringify(trigger(key)) },
        { 'content-type': 'text/plain; charset=utf-8', body: JSON.stringify(trigger(key)) },
        { 'content-type': 'application/xml', body: '<event/>' },
      ];
      for (const url of ['/v2/enqueue', '/v2/change/enqueue', '/api/v1/services']) {
        for (const c of cases) {
          const r = await t.app.inject({ method: 'POST', url, headers: { 'content-type': c['content-type'], ...t.auth }, payload: c.body });
          expect(r.statusCode, `${url} ${c['content-type']}`).toBe(415);
          expectRejected(r, 'Content-Type', url.startsWith('/api') ? 'rest' : 'events');
        }
      }
    });
    // application/json with parameters is still JSON.
    const ok = await t.app.inject({ method: 'POST', url: '/v2/enqueue', headers: { 'content-type': 'application/json; charset=utf-8' }, payload: JSON.stringify(trigger(key, { dedup_key: 'open-one' })) });
    expect(ok.statusCode).toBe(202);
  });

  it('__proto__ and constructor.prototype keys are refused (400) and pollute nothing', async () => {
    const k = JSON.stringify(key);
    const bodies = [
      `{"routing_key":${k},"event_action":"trigger","__proto__":{"polluted":"yes"},"payload":{"summary":"a","source":"b","severity":"info"}}`,
      `{"routing_key":${k},"event_action":"trigger","payload":{"summary":"a","source":"b","severity":"info","__proto__":{"polluted":"yes"}}}`,
      `{"routing_key":${k},"event_action":"trigger","payload":{"summary":"a","source":"b","severity":"info","custom_details":{"__proto__":{"polluted":"yes"}}}}`,
      `{"routing_key":${k},"event_action":"trigger","constructor":{"prototype":{"polluted":"yes"}},"payload":{"summary":"a","source":"b","severity":"info"}}`,
      `{"routing_key":${k},"event_action":"trigger","payload":{"summary":"a","source":"b","severity":"info","custom_details":{"constructor":{"prototype":{"polluted":"yes"}}}}}`,
    ];
    await unchanged(async () => {
      for (const url of ['/v2/enqueue', '/v2/change/enqueue']) {
        for (const body of bodies) {
          const r = await t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: body });
          expect(r.statusCode, body).toBe(400);
          expectRejected(r, /JSON/);
        }
      }
      const rest = await t.app.inject({ method: 'POST', url: '/api/v1/services', headers: { 'content-type': 'application/json', ...t.auth }, payload: '{"service":{"name":"evil","__proto__":{"polluted":"yes"}}}' });
      expectRejected(rest, /JSON/, 'rest');
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    // A key merely called "constructor" (not a prototype path) is ordinary data.
    const plain = await enqueue(t, `{"routing_key":${k},"event_action":"trigger","dedup_key":"open-one","payload":{"summary":"a","source":"b","severity":"info","custom_details":{"constructor":"x","toString":"y"}}}`, { 'content-type': 'application/json' });
    expect(plain.statusCode).toBe(202);
  });

  it('an unknown well-formed routing key gets the SAME 400 whether it never existed or was deleted in another organization', async () => {
    const other = await secondOrg(t);
    const o = (m: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown) => req(t, m, url, body, other.auth);
    const mk = async (name: string) => {
      const s = await o('POST', '/api/v1/services', { service: { name } });
      expect(s.statusCode, s.body).toBe(201);
      const i = await o('POST', `/api/v1/services/${s.json().service.id}/integrations`, { integration: { type: 'events_v2' } });
      return { serviceId: s.json().service.id as string, integrationId: i.json().integration.id as string, key: i.json().integration.integration_key as string };
    };
    // A live key of the other organization works (it routes there) ...
    const live = await mk('live');
    expect((await enqueue(t, trigger(live.key, { dedup_key: 'other-org' }))).statusCode).toBe(202);
    // ... and then: a deleted integration, a deleted service, a rotated-away key.
    const delInt = await mk('integration deleted');
    expect((await enqueue(t, trigger(delInt.key, { dedup_key: 'warm-cache' }))).statusCode).toBe(202);
    expect((await o('DELETE', `/api/v1/services/${delInt.serviceId}/integrations/${delInt.integrationId}`)).statusCode).toBe(204);
    const delSvc = await mk('service deleted');
    expect((await o('DELETE', `/api/v1/services/${delSvc.serviceId}`)).statusCode).toBe(204);
    const rotated = await mk('rotated');
    expect((await o('POST', `/api/v1/services/${rotated.serviceId}/integrations/${rotated.integrationId}/rotate_key`)).statusCode).toBe(200);
    // An Alertmanager key is not an Events API key.
    const am = await o('POST', `/api/v1/services/${live.serviceId}/integrations`, { integration: { type: 'alertmanager' } });
    const amKey = am.json().integration.integration_key as string;

    const keys = { never: neverIssuedKey(), deletedIntegration: delInt.key, deletedService: delSvc.key, rotatedAway: rotated.key, alertmanagerKey: amKey };
    await unchanged(async () => {
      for (const url of ['/v2/enqueue', '/v2/change/enqueue']) {
        const answers: Record<string, { status: number; body: string; type: unknown }> = {};
        for (const [label, k] of Object.entries(keys)) {
          const body = url === '/v2/enqueue' ? trigger(k, { dedup_key: 'probe' }) : { routing_key: k, payload: { summary: 'probe' } };
          const r = await t.app.inject({ method: 'POST', url, payload: body });
          answers[label] = { status: r.statusCode, body: r.body, type: r.headers['content-type'] };
        }
        const first = answers.never!;
        expect(first.status).toBe(400);
        expect(JSON.parse(first.body)).toMatchObject({ status: 'invalid event', message: 'Event object is invalid' });
        expect(JSON.parse(first.body).errors.join(' ')).toContain('routing_key');
        for (const [label, a] of Object.entries(answers)) expect(a, `${url} ${label}`).toEqual(first);
      }
    });
  });

  it("another organization's token can neither read nor change this organization's services and incidents", async () => {
    const other = await secondOrg(t, 'Northside Shelter');
    const h = other.auth;
    const inc = await incident(t, incidentId);
    const svcBefore = (await req(t, 'GET', `/api/v1/services/${serviceId}`)).json();
    const log = (await req(t, 'GET', `/api/v1/incidents/${incidentId}/log_entries`)).json().log_entries as Json[];
    const owner = t.org.user.id;
    const attempts: [string, string, unknown?][] = [
      ['GET', `/api/v1/services/${serviceId}`],
      ['PUT', `/api/v1/services/${serviceId}`, { service: { name: 'hijacked' } }],
      ['DELETE', `/api/v1/services/${serviceId}`],
      ['GET', `/api/v1/services/${serviceId}/integrations`],
      ['POST', `/api/v1/services/${serviceId}/integrations`, { integration: { type: 'events_v2' } }],
      ['GET', `/api/v1/services/${serviceId}/change_events`],
      ['GET', `/api/v1/incidents/${incidentId}`],
      ['GET', `/api/v1/incidents/${inc.incident_number}`],
      ['PUT', `/api/v1/incidents/${incidentId}`, { incident: { type: 'incident_reference', status: 'resolved' } }],
      ['PUT', `/api/v1/incidents/${inc.incident_number}`, { incident: { type: 'incident_reference', status: 'acknowledged' } }],
      ['PUT', '/api/v1/incidents', { incidents: [{ id: incidentId, type: 'incident_reference', status: 'resolved' }] }],
      ['POST', `/api/v1/incidents/${incidentId}/acknowledge`],
      ['POST', `/api/v1/incidents/${incidentId}/notes`, { note: { content: 'not yours' } }],
      ['GET', `/api/v1/incidents/${incidentId}/notes`],
      ['GET', `/api/v1/incidents/${incidentId}/alerts`],
      ['GET', `/api/v1/incidents/${incidentId}/log_entries`],
      ['GET', `/api/v1/log_entries/${log[0]!.id}`],
      ['POST', '/api/v1/incidents', { incident: { type: 'incident', title: 'x', service: { id: serviceId, type: 'service_reference' } } }],
      ['GET', `/api/v1/users/${owner}`],
      ['PUT', `/api/v1/users/${owner}`, { user: { name: 'hijacked' } }],
      ['DELETE', `/api/v1/users/${owner}`],
    ];
    await unchanged(async () => {
      for (const [method, url, body] of attempts) {
        const r = await req(t, method as 'GET', url, body, { ...h, from: 'owner@riverside.example' });
        expect([400, 403, 404], `${method} ${url}: ${r.statusCode} ${r.body}`).toContain(r.statusCode);
        expectRejected(r, /./, 'rest');
      }
      // Lists are scoped: nothing of ours shows up.
      const incs = await req(t, 'GET', `/api/v1/incidents?service_ids[]=${serviceId}`, undefined, h);
      expect(incs.json().incidents).toEqual([]);
      expect((await req(t, 'GET', '/api/v1/incidents', undefined, h)).json().incidents).toEqual([]);
      expect((await req(t, 'GET', '/api/v1/services', undefined, h)).json().services).toEqual([]);
      expect((await req(t, 'GET', '/api/v1/log_entries', undefined, h)).json().log_entries).toEqual([]);
      expect((await req(t, 'GET', '/api/v1/users', undefined, h)).json().users.map((u: Json) => u.id)).not.toContain(owner);
    });
    expect((await req(t, 'GET', `/api/v1/services/${serviceId}`)).json()).toEqual(svcBefore);
  });

  it('missing or invalid Authorization: 401 JSON; "Token token=<t>" and Bearer are accepted', async () => {
    const revoke = await req(t, 'POST', '/api/v1/api_tokens', { api_token: { description: 'soon revoked' } });
    const revoked = revoke.json().api_token;
    expect((await req(t, 'DELETE', `/api/v1/api_tokens/${revoked.id}`)).statusCode).toBe(204);
    const bad: (Record<string, string> | undefined)[] = [
      undefined,
      { authorization: '' },
      { authorization: 'Bearer' },
      { authorization: 'Bearer not-a-token' },
      { authorization: `Basic ${Buffer.from(`x:${t.token}`).toString('base64')}` },
      { authorization: 'Token token=' },
      { authorization: `Token token=${t.token}x` },
      { authorization: `Bearer ${revoked.token}` },
    ];
    await unchanged(async () => {
      for (const headers of bad) {
        for (const [method, url, body] of [
          ['GET', '/api/v1/incidents'],
          ['POST', '/api/v1/services', { service: { name: 'anonymous' } }],
          ['PUT', `/api/v1/incidents/${incidentId}`, { incident: { type: 'incident_reference', status: 'resolved' } }],
        ] as const) {
          const r = await t.app.inject({ method, url, headers: headers ?? {}, ...(body ? { payload: body } : {}) });
          expect(r.statusCode, `${JSON.stringify(headers)} ${method} ${url}`).toBe(401);
          expect(r.json().error).toMatchObject({ code: 2006, message: 'Authentication failed' });
          expectRejected(r, /token/i, 'rest');
        }
      }
    });
    for (const authorization of [`Token token=${t.token}`, `Token token="${t.token}"`, `Bearer ${t.token}`, `bearer ${t.token}`]) {
      const r = await t.app.inject({ method: 'GET', url: '/api/v1/incidents', headers: { authorization, accept: 'application/vnd.pagerduty+json;version=2', 'content-type': 'application/json; charset=utf-8' } });
      expect(r.statusCode, authorization).toBe(200);
    }
  });

  /** Each case must answer 400 with code 2001 naming the field, and store nothing. */
  async function expectRestValidation(cases: [string, string, unknown, string][]) {
    const failures: string[] = [];
    await unchanged(async () => {
      for (const [method, url, body, field] of cases) {
        const r = await req(t, method as 'GET', url, body);
        const label = `${method} ${url} ${JSON.stringify(body)}`;
        const b = r.body.startsWith('{') ? (JSON.parse(r.body) as Json) : {};
        const ok = r.statusCode === 400 && b.error?.code === 2001 && typeof b.error?.message === 'string' && Array.isArray(b.error?.errors) && b.error.errors.join(' ').includes(field);
        if (!ok) failures.push(`${label} → ${r.statusCode} ${r.body.slice(0, 160)}`);
      }
      expect(failures, failures.join('\n')).toEqual([]);
    });
  }

  it('REST bodies: a wrong JSON type is refused, not coerced ({"service":{"name":5}} → 400 naming service.name)', async () => {
    await expectRestValidation([
      ['POST', '/api/v1/services', { service: { name: 5 } }, 'service.name'],
      ['POST', '/api/v1/services', { service: { name: true } }, 'service.name'],
      ['PUT', `/api/v1/incidents/${incidentId}`, { incident: { type: 'incident_reference', title: 5 } }, 'incident.title'],
      ['POST', `/api/v1/incidents/${incidentId}/notes`, { note: { content: 5 } }, 'note.content'],
      // Ajv's coerceTypes 'array' also unwraps one-element arrays.
      ['POST', `/api/v1/incidents/${incidentId}/notes`, { note: { content: ['x'] } }, 'note.content'],
    ]);
  });

  it('REST validation errors: 400 {"error":{"message","code":2001,"errors"}} naming the field, nothing stored', async () => {
    await expectRestValidation([
      ['POST', '/api/v1/services', { service: { name: { first: 'x' } } }, 'service.name'],
      ['POST', '/api/v1/services', { service: { name: [] } }, 'service.name'],
      ['POST', '/api/v1/services', { service: {} }, 'service.name'],
      ['POST', '/api/v1/services', { service: { name: '' } }, 'service.name'],
      ['POST', '/api/v1/services', { service: { name: '   ' } }, 'service.name'],
      ['POST', '/api/v1/services', { service: { name: 'x'.repeat(256) } }, 'service.name'],
      ['POST', '/api/v1/services', { service: { name: 'x', status: 'sleeping' } }, 'service.status'],
      ['POST', '/api/v1/services', { service: { name: 'x', incident_urgency_rule: { type: 'weird' } } }, 'service.incident_urgency_rule'],
      ['POST', '/api/v1/services', { name: 'unwrapped' }, 'service'],
      ['POST', '/api/v1/services', [], 'body'],
      ['POST', '/api/v1/services', '', 'body'],
      ['POST', `/api/v1/services/${serviceId}/integrations`, { integration: { type: 'carrier_pigeon' } }, 'integration.type'],
      ['PUT', `/api/v1/incidents/${incidentId}`, { incident: { type: 'incident_reference', status: 'snoozed' } }, 'incident.status'],
      ['PUT', `/api/v1/incidents/${incidentId}`, { incident: { type: 'incident_reference', title: {} } }, 'incident.title'],
      ['PUT', `/api/v1/incidents/${incidentId}`, { incident: { type: 'incident_reference', assignments: [{ assignee: { id: 'NOPE', type: 'user_reference' } }] } }, 'incident.assignments'],
      ['PUT', `/api/v1/incidents/${incidentId}`, { incident: { type: 'incident_reference', resolution: 'no status' } }, 'incident.resolution'],
      ['PUT', '/api/v1/incidents', { incidents: [] }, 'incidents'],
      ['PUT', '/api/v1/incidents', { incidents: [{ type: 'incident_reference', status: 'resolved' }] }, 'incidents[0].id'],
      ['POST', `/api/v1/incidents/${incidentId}/notes`, { note: { content: '' } }, 'note.content'],
      ['POST', `/api/v1/incidents/${incidentId}/notes`, { note: {} }, 'note.content'],
      ['POST', '/api/v1/incidents', { incident: { type: 'incident', title: 'x' } }, 'incident.service'],
      ['POST', '/api/v1/incidents', { incident: { type: 'incident', title: 'x', service: { id: 'NOPE', type: 'service_reference' } } }, 'incident.service'],
      ['POST', '/api/v1/users', { user: { name: 'x', email: 'not-an-email' } }, 'user.email'],
      ['POST', '/api/v1/users', { user: { name: 'x', email: 'x@y.example', role: 'emperor' } }, 'user.role'],
      ['POST', '/api/v1/users', { user: { name: 'x', email: 'x@y.example', time_zone: 'Mars/Olympus' } }, 'user.time_zone'],
      ['GET', '/api/v1/incidents?limit=0', undefined, 'limit'],
      ['GET', '/api/v1/incidents?limit=101', undefined, 'limit'],
      ['GET', '/api/v1/incidents?limit=ten', undefined, 'limit'],
      ['GET', '/api/v1/incidents?offset=-1', undefined, 'offset'],
      ['GET', '/api/v1/incidents?offset=9950&limit=100', undefined, 'offset'],
      ['GET', '/api/v1/incidents?since=last-tuesday', undefined, 'since'],
      ['GET', '/api/v1/incidents?since=2026-03-02T00:00:00Z&until=2026-03-01T00:00:00Z', undefined, 'until'],
      ['GET', '/api/v1/incidents?statuses[]=sleeping', undefined, 'statuses[]'],
      ['GET', '/api/v1/incidents?urgencies%5B%5D=medium', undefined, 'urgencies[]'],
      ['GET', '/api/v1/incidents?sort_by=title', undefined, 'sort_by'],
    ]);
  });

  it('REST: an empty body with Content-Type application/json is a 400 naming the body, not a crash', async () => {
    await unchanged(async () => {
      for (const payload of ['', undefined]) {
        const r = await t.app.inject({ method: 'POST', url: '/api/v1/services', headers: { ...t.auth, 'content-type': 'application/json' }, ...(payload === undefined ? {} : { payload }) });
        expect(r.statusCode, r.body).toBe(400);
        expectRejected(r, 'body', 'rest');
      }
    });
  });

  it('unknown routes answer 404 JSON in the right style', async () => {
    const api = await req(t, 'GET', '/api/v1/nope');
    expect(api.statusCode).toBe(404);
    expect(api.json().error.code).toBe(2100);
    const missing = await req(t, 'GET', '/api/v1/incidents/NOPE');
    expect(missing.statusCode).toBe(404);
    expectRejected(missing, 'NOPE', 'rest');
  });
});
