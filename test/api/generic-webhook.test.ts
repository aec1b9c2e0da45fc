/**
 * Generic webhook integrations on both dialects: each ready-made mapping on its tool's
 * documented payload (test/api/fixtures/webhooks/), end to end through POST /v1/webhook/<key>
 * (the incident opens with the right summary, severity and dedup key; the recovery payload
 * resolves it); event rules apply; a failing mapping keeps the payload for admins and answers
 * 202; bad bodies 400, oversized 413; mappings checked at save time naming the field;
 * test_mapping writes nothing; the evaluation limits hold against pathological expressions.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, type TestApp } from '../harness.js';
import { alertsOf, counts, createApp, incidentsOf, member, req, secondOrg, type Json } from './helpers.js';
import { compileMapping, evaluateMapping, MAPPING_LIMITS } from '../../src/server/service/webhook-mapping.js';
import { WEBHOOK_PRESETS } from '../../src/server/service/webhook-presets.js';

type Fixture = { form?: boolean; down: Json; up: Json; expect: { summary: string; severity: string; dedup_key: string; events?: number } };
const fixture = (name: string): Fixture => JSON.parse(readFileSync(new URL(`./fixtures/webhooks/${name}.json`, import.meta.url), 'utf8')) as Fixture;
const PRESETS = [
  ['uptime_kuma', 'uptime-kuma'],
  ['uptimerobot', 'uptimerobot'],
  ['healthchecks', 'healthchecks'],
  ['grafana', 'grafana'],
  ['sentry', 'sentry'],
  ['zabbix', 'zabbix'],
] as const;

const formOf = (o: Json): string => new URLSearchParams(o as Record<string, string>).toString();

describe.each(DIALECTS)('generic webhook on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createApp(dialect);
  });
  afterAll(async () => t.close());

  async function webhookService(name: string, integration: Json): Promise<{ serviceId: string; integrationId: string; key: string; integration: Json }> {
    const s = await req(t, 'POST', '/api/v1/services', { service: { name } });
    expect(s.statusCode, s.body).toBe(201);
    const serviceId = s.json().service.id as string;
    const i = await req(t, 'POST', `/api/v1/services/${serviceId}/integrations`, { integration: { type: 'generic_webhook', ...integration } });
    expect(i.statusCode, i.body).toBe(201);
    const body = i.json().integration as Json;
    return { serviceId, integrationId: body.id, key: body.integration_key, integration: body };
  }

  const post = (key: string, payload: string, contentType = 'application/json') => t.app.inject({ method: 'POST', url: `/v1/webhook/${key}`, headers: { 'content-type': contentType }, payload });
  const send = (key: string, f: Fixture, which: 'down' | 'up') => (f.form ? post(key, formOf(f[which]), 'application/x-www-form-urlencoded') : post(key, JSON.stringify(f[which])));

  for (const [preset, file] of PRESETS) {
    it(`${preset}: the documented payload opens an incident with the right summary, severity and dedup key; the recovery resolves it`, async () => {
      const f = fixture(file);
      const s = await webhookService(`${preset} service`, { preset });
      expect(s.integration).toMatchObject({ type: 'generic_webhook_inbound_integration', vigil_type: 'generic_webhook', webhook: { preset }, ingest_url: `http://vigil.test/v1/webhook/${s.key}` });
      const r = await send(s.key, f, 'down');
      expect(r.statusCode, r.body).toBe(202);
      expect(r.json().status).toBe('success');
      expect(r.json().dedup_keys).toContain(f.expect.dedup_key);
      // One event per alert (Grafana: two); the service's default grouping opens one incident each.
      const incidents = await incidentsOf(t, s.serviceId);
      expect(incidents).toHaveLength(f.expect.events ?? 1);
      const inc = incidents.find((i) => i.title === f.expect.summary);
      expect(inc, JSON.stringify(incidents.map((i) => i.title))).toBeDefined();
      expect(inc!.status).toBe('triggered');
      const [alert, ...others] = await alertsOf(t, inc!.id);
      expect(others).toHaveLength(0);
      expect(alert).toMatchObject({ alert_key: f.expect.dedup_key, summary: f.expect.summary, severity: f.expect.severity, status: 'triggered' });
      const up = await send(s.key, f, 'up');
      expect(up.statusCode, up.body).toBe(202);
      for (const i of await incidentsOf(t, s.serviceId)) expect(i.status, i.title).toBe('resolved');
      const errors = await req(t, 'GET', `/api/v1/services/${s.serviceId}/integrations/${s.integrationId}/mapping_errors`);
      expect(errors.json().mapping_errors).toEqual([]);
    });
  }

  it('grafana: one event per alert of the notification, each with its links and severity', async () => {
    const f = fixture('grafana');
    const s = await webhookService('Grafana alerts', { preset: 'grafana' });
    expect((await send(s.key, f, 'down')).statusCode).toBe(202);
    const alerts: Json[] = [];
    for (const i of await incidentsOf(t, s.serviceId)) alerts.push(...(await alertsOf(t, i.id)));
    const sms = alerts.find((a) => a.alert_key === '0a1b2c3d4e5f6789')!;
    expect(sms).toMatchObject({ summary: 'SMS gateway error rate above 5% (SmsGatewayErrors)', severity: 'warning' });
    expect(sms.body.contexts.map((c: Json) => c.text)).toEqual(['Alert rule', 'Silence']);
    const queue = alerts.find((a) => a.alert_key === 'c6eadffa33f4a1b2')!;
    expect(queue.body.contexts.map((c: Json) => c.text)).toEqual(['Alert rule', 'Dashboard', 'Panel', 'Silence']);
    expect(queue.body.details).toMatchObject({ labels: { instance: 'chat-gw-1' }, values: { B: 412, C: 1 }, receiver: 'vigil' });
  });

  it('uptimerobot: the same alert sent as JSON is mapped the same', async () => {
    const f = fixture('uptimerobot');
    const s = await webhookService('UptimeRobot JSON', { preset: 'uptimerobot' });
    expect((await post(s.key, JSON.stringify(f.down), 'text/plain')).statusCode).toBe(202);
    const [inc] = await incidentsOf(t, s.serviceId);
    expect(inc!.title).toBe(f.expect.summary);
  });

  it('event rules apply to what arrives here', async () => {
    const s = await webhookService('Ruled webhook', { preset: 'zabbix' });
    const rules = await req(t, 'PUT', `/api/v1/event_orchestrations/services/${s.serviceId}`, {
      orchestration_path: { sets: [{ id: 'start', rules: [{ label: 'drop capacity noise', conditions: [{ expression: "event.summary matches part 'queue length'" }], actions: { suppress: true } }] }], catch_all: { actions: {} } },
    });
    expect(rules.statusCode, rules.body).toBe(200);
    expect((await send(s.key, fixture('zabbix'), 'down')).statusCode).toBe(202);
    expect(await incidentsOf(t, s.serviceId)).toHaveLength(0);
  });

  it('a mapping that fails on a payload: 202, the raw payload and the error kept for admins only, no alert', async () => {
    const s = await webhookService('Strict webhook', { mapping: { summary: 'title', action: 'state', action_map: { alerting: 'trigger', ok: 'resolve' }, dedup_key: 'id' } });
    const before = await counts(t);
    const r = await post(s.key, JSON.stringify({ id: 'x1', state: 'weird', title: 'Queue stuck' }));
    expect(r.statusCode, r.body).toBe(202);
    expect(r.json().status).toBe('accepted');
    const r2 = await post(s.key, JSON.stringify({ id: 'x2', state: 'alerting' }));
    expect(r2.statusCode).toBe(202);
    expect(await counts(t)).toEqual(before);
    const list = await req(t, 'GET', `/api/v1/services/${s.serviceId}/integrations/${s.integrationId}/mapping_errors`);
    expect(list.statusCode, list.body).toBe(200);
    const [second, first] = list.json().mapping_errors as Json[];
    expect(first).toMatchObject({ payload: { id: 'x1', state: 'weird', title: 'Queue stuck' } });
    expect(first!.error).toMatch(/^action: gave "weird"/);
    expect(second!.error).toMatch(/^summary: gave nothing/);
    const responder = await member(t, 'responder');
    expect((await req(t, 'GET', `/api/v1/services/${s.serviceId}/integrations/${s.integrationId}/mapping_errors`, undefined, responder.auth)).statusCode).toBe(403);
    const other = await secondOrg(t);
    expect((await req(t, 'GET', `/api/v1/services/${s.serviceId}/integrations/${s.integrationId}/mapping_errors`, undefined, other.auth)).statusCode).toBe(404);
  });

  it('bad bodies: not JSON nor a form 400, empty 400, over the limit 413, unknown key 400; nothing stored', async () => {
    const s = await webhookService('Body checks', { preset: 'healthchecks' });
    const before = await counts(t);
    for (const [body, type] of [
      ['this is not json', 'text/plain'],
      ['{"name": ', 'application/json'],
      ['', 'application/json'],
      ['"just a string"', 'application/json'],
    ] as const) {
      const r = await post(s.key, body, type);
      expect(r.statusCode, `${type} ${body}`).toBe(400);
      expect(r.json().error ?? r.json().errors).toBeTruthy();
    }
    const big = await post(s.key, JSON.stringify({ name: 'x'.repeat(600 * 1024), status: 'down', check_id: '1' }));
    expect(big.statusCode).toBe(413);
    const unknown = await post('y'.repeat(32), JSON.stringify(fixture('healthchecks').down));
    expect(unknown.statusCode).toBe(400);
    expect(await counts(t)).toEqual(before);
    const list = await req(t, 'GET', `/api/v1/services/${s.serviceId}/integrations/${s.integrationId}/mapping_errors`);
    expect(list.json().mapping_errors).toEqual([]);
  });

  it('mappings are checked when saved: a syntax error or bad map value is a 400 naming the field, and nothing is written', async () => {
    const s = await req(t, 'POST', '/api/v1/services', { service: { name: 'Checked mappings' } });
    const serviceId = s.json().service.id as string;
    const url = `/api/v1/services/${serviceId}/integrations`;
    const cases: [Json, RegExp][] = [
      [{ mapping: { summary: 'title &' } }, /^integration\.mapping\.summary: /],
      [{ mapping: { summary: 'title', severity: 'sev', severity_map: { P1: 'urgent' } } }, /^integration\.mapping\.severity_map\.P1: must be one of critical/],
      [{ mapping: { summary: 'title', colour: 'red' } }, /^integration\.mapping\.colour: unknown field/],
      [{ mapping: { source: 'host' } }, /^integration\.mapping\.summary: is required/],
      [{ preset: 'nagios' }, /^integration\.preset: must be one of/],
      [{ mapping: { summary: '$match(title, /(a+)+$/)' } }, /^integration\.mapping\.summary: a regular expression with nested quantifiers/],
      [{}, /^integration\.mapping: is required/],
    ];
    for (const [body, message] of cases) {
      const r = await req(t, 'POST', url, { integration: { type: 'generic_webhook', ...body } });
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.json().error.errors.join('\n')).toMatch(message);
    }
    const wrongType = await req(t, 'POST', url, { integration: { type: 'events_v2', preset: 'grafana' } });
    expect(wrongType.statusCode).toBe(400);
    expect(wrongType.json().error.errors[0]).toMatch(/^integration\.preset: applies to generic_webhook/);
    const list = await req(t, 'GET', url);
    expect(list.json().integrations).toHaveLength(0);
  });

  it('PUT changes the mapping (a preset overridden field by field is no longer that preset); a bad one changes nothing', async () => {
    const s = await webhookService('Edited mapping', { preset: 'healthchecks' });
    const url = `/api/v1/services/${s.serviceId}/integrations/${s.integrationId}`;
    const bad = await req(t, 'PUT', url, { integration: { mapping: { summary: '"Check " & (' } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.errors[0]).toMatch(/^integration\.mapping\.summary: /);
    expect((await req(t, 'GET', url)).json().integration.webhook).toEqual({ preset: 'healthchecks', mapping: WEBHOOK_PRESETS.healthchecks!.mapping });
    const ok = await req(t, 'PUT', url, { integration: { mapping: { summary: '"Check " & name & " " & status' } } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().integration.webhook).toMatchObject({ preset: null, mapping: { summary: '"Check " & name & " " & status', dedup_key: WEBHOOK_PRESETS.healthchecks!.mapping.dedup_key } });
    expect((await post(s.key, JSON.stringify(fixture('healthchecks').down))).statusCode).toBe(202);
    const [inc] = await incidentsOf(t, s.serviceId);
    expect(inc!.title).toBe('Check Nightly volunteer roster export down');
  });

  it('test_mapping shows the events a sample payload gives (or the error), with the stored mapping or one to try, and writes nothing', async () => {
    const s = await webhookService('Tried mapping', { preset: 'grafana' });
    const url = `/api/v1/services/${s.serviceId}/integrations/${s.integrationId}/test_mapping`;
    const before = await counts(t);
    const r = await req(t, 'POST', url, { payload: fixture('grafana').down });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().error).toBeNull();
    expect(r.json().events.map((e: Json) => [e.action, e.dedup_key, e.severity])).toEqual([
      ['trigger', 'c6eadffa33f4a1b2', 'critical'],
      ['trigger', '0a1b2c3d4e5f6789', 'warning'],
    ]);
    const tried = await req(t, 'POST', url, { payload: { msg: 'hello' }, mapping: { events: '', summary: 'msg', source: '', severity: '', severity_map: null, dedup_key: '', action: '', action_map: null, custom_details: '', links: '' } });
    expect(tried.statusCode, tried.body).toBe(200);
    expect(tried.json().events).toEqual([{ action: 'trigger', dedup_key: expect.any(String), summary: 'hello', source: null, severity: 'error', custom_details: { msg: 'hello' }, links: [] }]);
    const failed = await req(t, 'POST', url, { payload: { nothing: true } });
    expect(failed.json()).toMatchObject({ events: [], error: 'events: the expression gave no items, so the payload yields no event' });
    const syntax = await req(t, 'POST', url, { payload: {}, mapping: { summary: '((' } });
    expect(syntax.statusCode).toBe(400);
    expect(syntax.json().error.errors[0]).toMatch(/^integration\.mapping\.summary: /);
    expect((await req(t, 'POST', url, {})).statusCode).toBe(400);
    expect(await counts(t)).toEqual(before);
    expect((await req(t, 'GET', `/api/v1/services/${s.serviceId}/integrations/${s.integrationId}`)).json().integration.webhook.preset).toBe('grafana');
  });
});

describe('mapping limits', () => {
  const compiled = (summary: string) => {
    const c = compileMapping({ summary });
    if (!c.ok) throw new Error(c.errors.join('; '));
    return c.value;
  };

  it('pathological expressions are refused within the time limit, without holding the event loop longer', async () => {
    for (const [expr, error] of [
      // Ten million steps: longer than the limit on any machine (a single reduce with string growth finished within it on a fast one).
      ['$reduce([1..100000], function($a, $b){ $a + $reduce([1..100], function($x, $y){ $x + $y }, 0) }, 0)', /ran longer than 250 ms/],
      ['($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(1000000))', /nested deeper than 500/],
      ['$count([1..9999999])', /maximum sequence length/],
      ['$sum([1..10000001])', /must not exceed 1e7/],
    ] as const) {
      let gap = 0;
      let last = performance.now();
      const timer = setInterval(() => {
        const n = performance.now();
        gap = Math.max(gap, n - last);
        last = n;
      }, 1);
      const started = performance.now();
      const r = await evaluateMapping(compiled(expr), {}, 0);
      const took = performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 5));
      clearInterval(timer);
      expect(r.ok, expr).toBe(false);
      expect(r.ok ? '' : r.error, expr).toMatch(error);
      // The limit is checked at every evaluation step, so one slow step can overrun it a little (more on a loaded machine).
      expect(took, expr).toBeLessThan(MAPPING_LIMITS.timeMs * 2);
      expect(gap, expr).toBeLessThan(MAPPING_LIMITS.timeMs * 2);
    }
  });

  it('an event larger than the output limit is refused; $now and $millis read the injected clock', async () => {
    const big = compileMapping({ summary: '"x"', custom_details: '$pad("", 70000, "x")' });
    expect(big.ok).toBe(true);
    const r = await evaluateMapping(big.ok ? big.value : (undefined as never), {}, 0);
    expect(r.ok ? '' : r.error).toMatch(/^the event is \d+ characters as JSON \(maximum is 65536\)/);
    const c = compileMapping({ summary: '$now()', dedup_key: '$string($millis())' });
    const at = Date.UTC(2026, 11, 7, 4, 0, 0);
    const out = await evaluateMapping(c.ok ? c.value : (undefined as never), {}, at);
    expect(out).toMatchObject({ ok: true, events: [{ summary: '2026-12-07T04:00:00.000Z', dedup_key: String(at) }] });
  });
});
