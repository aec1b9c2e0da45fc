/**
 * The Opsgenie-compatible Alert and Heartbeat API on both dialects, with Opsgenie's own
 * documented request bodies (shared/reference/opsgenie/BRIEF.md §1–§2) and, byte for byte,
 * what Prometheus Alertmanager's opsgenie receiver sends (BRIEF §3): create, repeat (dedup on
 * alias), close by alias, fire again (a new alert). Every 202 is followed by the request
 * status Opsgenie clients read, and by the rows it stands for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, manualClock, serviceWithKey, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import { alertsOf, counts, createApp, incident, incidentsOf, jsonOf, logOf, req, secondOrg, type Json } from './helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Opsgenie's create-alert example (alert-api docs), all documented fields. */
const DOC_CREATE = {
  message: 'An example alert message',
  alias: 'Life is too short for no alias',
  description: 'Every alert needs a description',
  responders: [
    { id: '4513b7ea-3b91-438f-b7e4-e3e54af9147c', type: 'team' },
    { name: 'NOC', type: 'team' },
    { username: 'trinity@opsgenie.com', type: 'user' },
    { name: 'Nightwatch Escalation', type: 'escalation' },
    { name: 'First Responders Schedule', type: 'schedule' },
  ],
  visibleTo: [
    { id: '4513b7ea-3b91-438f-b7e4-e3e54af9147c', type: 'team' },
    { username: 'trinity@opsgenie.com', type: 'user' },
  ],
  actions: ['Restart', 'AnExampleAction'],
  tags: ['OverwriteQuietHours', 'Critical'],
  details: { key1: 'value1', key2: 'value2' },
  entity: 'An example entity',
  priority: 'P1',
};
/** The same without the three fields Vigil refuses. */
const { responders: _r, visibleTo: _v, actions: _a, ...DOC_CREATE_VIGIL } = DOC_CREATE;
/** Opsgenie's documented body for acknowledge, close and add-note. */
const DOC_ACTION = { user: 'Monitoring Script', source: 'AWS Lambda', note: 'Action executed via Alert API' };

/** Alertmanager's opsgenie receiver, as Go's json.Encoder writes it (BRIEF §3): default templates, `<>&` escaped, trailing newline. */
const AM_ALIAS = '6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b';
function amCreate(firing: number): string {
  return (
    `{"alias":"${AM_ALIAS}","message":"[FIRING:${firing}] HighLatency api (prod critical)",` +
    `"description":"Alerts Firing:\\nLabels:\\n - alertname = HighLatency\\n - job = api\\nAnnotations:\\n - summary = p99 \\u003e 2s \\u0026 rising\\nSource: http://prometheus:9090/graph?g0.expr=x\\u0026g0.tab=1\\n",` +
    `"details":{"alertname":"HighLatency","env":"prod","job":"api","severity":"critical"},` +
    `"source":"http://alertmanager:9093/#/alerts?receiver=ir","tags":["prod","api"],"priority":"P2"}\n`
  );
}
const AM_CLOSE = `{"source":"http://alertmanager:9093/#/alerts?receiver=ir"}\n`;
const AM_HEADERS = (key: string) => ({ 'content-type': 'application/json', authorization: `GenieKey ${key}`, 'user-agent': 'Alertmanager/0.28.1' });

describe.each(DIALECTS)('Opsgenie Alert API on %s', (dialect) => {
  let t: TestApp;
  const clock: ManualClock = manualClock();
  beforeAll(async () => {
    t = await createApp(dialect, { clock });
  });
  afterAll(async () => t.close());

  /** One Opsgenie call; a second passes after it (requests are reported by the instant they were made). */
  const og = async (key: string, method: 'GET' | 'POST', url: string, payload?: unknown) => {
    const r = await t.app.inject({ method, url, headers: { authorization: `GenieKey ${key}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) }, ...(payload === undefined ? {} : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }) });
    clock.advance(1000);
    return r;
  };

  function accepted(r: { statusCode: number; body: string; headers: Record<string, unknown> }): string {
    expect(r.statusCode, r.body).toBe(202);
    const b = JSON.parse(r.body) as Json;
    expect(Object.keys(b).sort()).toEqual(['requestId', 'result', 'took']);
    expect(b.result).toBe('Request will be processed');
    expect(typeof b.took).toBe('number');
    expect(b.requestId).toMatch(UUID);
    expect(r.headers['x-request-id']).toBe(b.requestId);
    return b.requestId as string;
  }

  async function status(key: string, requestId: string): Promise<Json> {
    const r = await og(key, 'GET', `/v2/alerts/requests/${requestId}`);
    expect(r.statusCode, r.body).toBe(200);
    const b = jsonOf(r);
    expect(b.requestId).toBe(requestId);
    expect(Object.keys(b.data).sort()).toEqual(['action', 'alertId', 'alias', 'integrationId', 'isSuccess', 'processedAt', 'status', 'success']);
    expect(b.data.success).toBe(b.data.isSuccess);
    expect(Number.isNaN(Date.parse(b.data.processedAt))).toBe(false);
    return b.data;
  }

  it("creates an alert from Opsgenie's documented example: 202, then a request status naming the alert; priority, severity and fields kept", async () => {
    const s = await serviceWithKey(t, 'opsgenie', 'Crisis line');
    const rid = accepted(await og(s.key, 'POST', '/v2/alerts', DOC_CREATE_VIGIL));
    const st = await status(s.key, rid);
    expect(st).toMatchObject({ success: true, action: 'Create', status: 'Created alert', integrationId: s.integrationId, alias: DOC_CREATE.alias });

    const [inc] = await incidentsOf(t, s.serviceId);
    expect(inc!.title).toBe(DOC_CREATE.message);
    expect(inc!.priority?.summary).toBe('P1');
    const [alert] = await alertsOf(t, inc!.id);
    expect(alert!.id).toBe(st.alertId);
    expect(alert!.alert_key).toBe(DOC_CREATE.alias);
    expect(alert!.severity).toBe('critical');
    expect(alert!.body.details).toMatchObject({ key1: 'value1', key2: 'value2' });
    const row = await t.db.handle.db.selectFrom('alerts').select('details').where('id', '=', alert!.id).executeTakeFirstOrThrow();
    expect(JSON.parse(row.details)).toMatchObject({ description: DOC_CREATE.description, tags: DOC_CREATE.tags, entity: DOC_CREATE.entity, opsgenie_priority: 'P1' });
    const log = await logOf(t, inc!.id);
    expect(log.some((l) => l.channel?.type === 'opsgenie')).toBe(true);
  });

  it('refuses what Vigil cannot honour (responders, visibleTo, actions) and unknown fields with 422, naming each; nothing is written', async () => {
    const s = await serviceWithKey(t, 'opsgenie', 'Food applications');
    const before = await counts(t);
    const r = await og(s.key, 'POST', '/v2/alerts', { ...DOC_CREATE, escalate: true });
    expect(r.statusCode, r.body).toBe(422);
    const b = jsonOf(r);
    expect(b.message).toBe('Request body is not processable. Please check the errors.');
    expect(Object.keys(b.errors).sort()).toEqual(['actions', 'escalate', 'responders', 'visibleTo']);
    expect(b.errors.responders).toMatch(/escalation policy/);
    expect(b.requestId).toMatch(UUID);
    expect(typeof b.took).toBe('number');
    expect(await counts(t)).toEqual(before);
    // Empty lists ask for nothing: accepted.
    accepted(await og(s.key, 'POST', '/v2/alerts', { message: 'empty lists', responders: [], visibleTo: [], actions: [] }));
  });

  it("answers bad input in Opsgenie's shapes: 422 naming the field, 400 for broken JSON, 401 for a missing or foreign key", async () => {
    const s = await serviceWithKey(t, 'opsgenie', 'Library');
    const ev = await serviceWithKey(t, 'events_v2', 'Library events');
    const cases: [unknown, string][] = [
      [{ alias: 'x' }, 'message'],
      [{ message: '   ' }, 'message'],
      [{ message: 'x'.repeat(131) }, 'message'],
      [{ message: 'm', priority: 'P6' }, 'priority'],
      [{ message: 'm', tags: 'prod' }, 'tags'],
      [{ message: 'm', details: { n: 1 } }, 'details.n'],
      [{ message: 'm', alias: 'a'.repeat(513) }, 'alias'],
    ];
    for (const [body, field] of cases) {
      const r = await og(s.key, 'POST', '/v2/alerts', body);
      expect(r.statusCode, `${JSON.stringify(body)} ${r.body}`).toBe(422);
      expect(Object.keys(jsonOf(r).errors)).toEqual([field]);
    }
    const broken = await og(s.key, 'POST', '/v2/alerts', '{"message": ');
    expect(broken.statusCode).toBe(400);
    expect(jsonOf(broken)).toMatchObject({ requestId: expect.stringMatching(UUID) });
    for (const authorization of [undefined, `GenieKey ${ev.key}`, `Bearer ${s.key}`, 'GenieKey nope']) {
      const r = await t.app.inject({ method: 'POST', url: '/v2/alerts', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, payload: { message: 'm' } });
      expect(r.statusCode, String(authorization)).toBe(401);
      expect(jsonOf(r)).toMatchObject({ message: 'Could not authenticate', took: expect.any(Number), requestId: expect.stringMatching(UUID) });
    }
    const badType = await og(s.key, 'POST', '/v2/alerts/x/close?identifierType=name', {});
    expect(badType.statusCode).toBe(422);
    expect(Object.keys(jsonOf(badType).errors)).toEqual(['identifierType']);
    const noNote = await og(s.key, 'POST', '/v2/alerts/x/notes?identifierType=alias', { user: 'u' });
    expect(noNote.statusCode).toBe(422);
    expect(Object.keys(jsonOf(noNote).errors)).toEqual(['note']);
  });

  it('dedups on alias while open: a repeat counts, acknowledge and notes by alias, id and tiny, close, then the alias opens a new alert', async () => {
    const s = await serviceWithKey(t, 'opsgenie', 'Directory');
    accepted(await og(s.key, 'POST', '/v2/alerts', { message: 'Referrals stuck', alias: 'referrals', priority: 'P2' }));
    const again = accepted(await og(s.key, 'POST', '/v2/alerts', { message: 'Referrals stuck', alias: 'referrals', note: 'still stuck' }));
    expect(await status(s.key, again)).toMatchObject({ success: true, status: 'Alert already exists: its count was increased' });
    let [inc] = await incidentsOf(t, s.serviceId);
    const [alert] = await alertsOf(t, inc!.id);
    const row = await t.db.handle.db.selectFrom('alerts').select('count').where('id', '=', alert!.id).executeTakeFirstOrThrow();
    expect(Number(row.count)).toBe(2);

    const ack = accepted(await og(s.key, 'POST', '/v2/alerts/referrals/acknowledge?identifierType=alias', DOC_ACTION));
    expect(await status(s.key, ack)).toMatchObject({ success: true, action: 'Acknowledge', status: 'Acknowledged alert', alertId: alert!.id });
    expect((await incident(t, inc!.id)).status).toBe('acknowledged');

    const note = accepted(await og(s.key, 'POST', `/v2/alerts/${inc!.incident_number}/notes?identifierType=tiny`, { ...DOC_ACTION, note: 'County office called back' }));
    expect(await status(s.key, note)).toMatchObject({ success: true, action: 'AddNote', alertId: alert!.id });
    const log = await logOf(t, inc!.id);
    const texts = JSON.stringify(log);
    for (const text of ['still stuck', DOC_ACTION.note, 'County office called back', 'AWS Lambda']) expect(texts).toContain(text);

    const close = accepted(await og(s.key, 'POST', `/v2/alerts/${alert!.id}/close`, DOC_ACTION));
    expect(await status(s.key, close)).toMatchObject({ success: true, action: 'Close', status: 'Closed alert', alertId: alert!.id, alias: 'referrals' });
    expect((await incident(t, inc!.id)).status).toBe('resolved');

    // Closed: acting on it again is accepted and reported failed; the alias then opens a new alert.
    const late = accepted(await og(s.key, 'POST', `/v2/alerts/${alert!.id}/close`, {}));
    expect(await status(s.key, late)).toMatchObject({ success: false, isSuccess: false, status: 'Alert is already closed' });
    const unknown = accepted(await og(s.key, 'POST', '/v2/alerts/never-sent/close?identifierType=alias'));
    expect(await status(s.key, unknown)).toMatchObject({ success: false, status: 'Alert does not exist', alertId: '' });
    const reopened = accepted(await og(s.key, 'POST', '/v2/alerts', { message: 'Referrals stuck again', alias: 'referrals' }));
    const st = await status(s.key, reopened);
    expect(st.alertId).not.toBe(alert!.id);
    const incs = await incidentsOf(t, s.serviceId);
    expect(incs.length).toBe(2);
    [inc] = incs.filter((i) => i.status === 'triggered');
    expect(inc!.title).toBe('Referrals stuck again');
  });

  it('request statuses belong to the organization: another organization and an unknown id get 404', async () => {
    const s = await serviceWithKey(t, 'opsgenie', 'Campaigns');
    const rid = accepted(await og(s.key, 'POST', '/v2/alerts', { message: 'Actions not reported' }));
    const other = await secondOrg(t);
    const o = await serviceWithKey(t, 'opsgenie', 'Their service', other.auth);
    for (const [key, id] of [[o.key, rid], [s.key, '00000000-0000-4000-8000-000000000000']] as const) {
      const r = await og(key, 'GET', `/v2/alerts/requests/${id}`);
      expect(r.statusCode).toBe(404);
      expect(jsonOf(r).message).toBe(`Request with id [${id}] does not exist`);
    }
  });

  it("an event rule applies to Opsgenie alerts like any event (a dropped alert's request reports failure)", async () => {
    const s = await serviceWithKey(t, 'opsgenie', 'Benefits portal');
    const r = await req(t, 'PUT', `/api/v1/event_orchestrations/services/${s.serviceId}`, {
      orchestration_path: { sets: [{ id: 'start', rules: [{ label: 'Noise', conditions: [{ expression: "event.custom_details.env matches 'staging'" }], actions: { drop_event: true } }] }], catch_all: { actions: {} } },
    });
    expect(r.statusCode, r.body).toBe(200);
    const dropped = accepted(await og(s.key, 'POST', '/v2/alerts', { message: 'staging noise', details: { env: 'staging' } }));
    expect(await status(s.key, dropped)).toMatchObject({ success: false, status: 'Dropped by an event rule' });
    const kept = accepted(await og(s.key, 'POST', '/v2/alerts', { message: 'prod down', details: { env: 'prod' } }));
    expect(await status(s.key, kept)).toMatchObject({ success: true });
    expect((await incidentsOf(t, s.serviceId)).map((i) => i.title)).toEqual(['prod down']);
  });

  it("replays Alertmanager's opsgenie receiver byte for byte: fire, repeat (deduped), resolve (close by alias), fire again (new incident)", async () => {
    const s = await serviceWithKey(t, 'opsgenie', 'API gateway');
    const send = async (url: string, body: string) => {
      const r = await t.app.inject({ method: 'POST', url, headers: AM_HEADERS(s.key), payload: body });
      clock.advance(1000);
      return r;
    };
    accepted(await send('/v2/alerts', amCreate(1)));
    accepted(await send('/v2/alerts', amCreate(2)));
    let incs = await incidentsOf(t, s.serviceId);
    expect(incs.length).toBe(1);
    const alerts = await alertsOf(t, incs[0]!.id);
    expect(alerts.length).toBe(1);
    expect(alerts[0]!.summary).toBe('[FIRING:2] HighLatency api (prod critical)');
    expect(alerts[0]!.severity).toBe('error');
    expect(alerts[0]!.body.details).toMatchObject({ alertname: 'HighLatency', job: 'api' });
    expect(incs[0]!.priority?.summary).toBe('P2');

    accepted(await send(`/v2/alerts/${AM_ALIAS}/close?identifierType=alias`, AM_CLOSE));
    expect((await incident(t, incs[0]!.id)).status).toBe('resolved');
    accepted(await send('/v2/alerts', amCreate(1)));
    incs = await incidentsOf(t, s.serviceId);
    expect(incs.map((i) => i.status).sort()).toEqual(['resolved', 'triggered']);
    // A receiver configured with responders is refused (422: Alertmanager does not retry it, and logs the reason).
    const withResponders = amCreate(1).replace('"priority":"P2"}', '"priority":"P2","responders":[{"name":"SRE","type":"team"}]}');
    const r = await send('/v2/alerts', withResponders);
    expect(r.statusCode).toBe(422);
    expect(Object.keys(jsonOf(r).errors)).toEqual(['responders']);
  });

  it('heartbeat pings by name (GET and POST) answer PONG and keep the heartbeat up; an unknown name is 404', async () => {
    const s = await serviceWithKey(t, 'opsgenie', 'Nightly export');
    const hb = await req(t, 'POST', `/api/v1/services/${s.serviceId}/integrations`, { integration: { type: 'heartbeat', name: 'nightly-export', heartbeat_interval_seconds: 3600 } });
    expect(hb.statusCode, hb.body).toBe(201);
    for (const method of ['GET', 'POST'] as const) {
      const r = await og(s.key, method, '/v2/heartbeats/nightly-export/ping');
      expect(r.statusCode, r.body).toBe(202);
      expect(jsonOf(r)).toMatchObject({ result: 'PONG - Heartbeat received', took: expect.any(Number), requestId: expect.stringMatching(UUID) });
    }
    const row = await t.db.handle.db.selectFrom('integrations').select(['heartbeat_state', 'heartbeat_next_due']).where('id', '=', hb.json().integration.id).executeTakeFirstOrThrow();
    expect(row.heartbeat_state).toBe('up');
    expect(Number(row.heartbeat_next_due)).toBe(clock.now() - 1000 + 3600_000);
    const missing = await og(s.key, 'GET', '/v2/heartbeats/nope/ping');
    expect(missing.statusCode).toBe(404);
    expect(jsonOf(missing).message).toBe('Heartbeat with name [nope] does not exist');
  });
});
