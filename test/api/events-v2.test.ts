/**
 * PagerDuty Events API v2 semantics (shared/reference/pagerduty/BRIEF.md §1, §2, §7):
 * dedup scoped to the routing key, repeat triggers, trigger after resolve, ack and
 * resolve of nothing, generated dedup keys, change events, and Alertmanager's own
 * pagerduty_configs bodies sent byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, GROUP_UNTIL_RESOLVED, serviceWithKey, trigger, type TestApp } from '../harness.js';
import { alertsOf, changeEnqueue, counts, createApp, enqueue, incident, incidentsOf, logOf, req } from './helpers.js';

const ACCEPTED = (dedup_key: string) => ({ status: 'success', message: 'Event processed', dedup_key });

/** Alertmanager ≥ 0.30 trigger, as Go's json.Encoder writes it: `<>&` escaped, trailing newline (BRIEF §7). */
function alertmanagerTrigger(key: string, dedup: string, firing = 1): string {
  return (
    `{"routing_key":"${key}","dedup_key":"${dedup}","event_action":"trigger",` +
    `"payload":{"summary":"[FIRING:${firing}] HighErrorRate api (prod \\u003cno value\\u003e)","source":"Alertmanager","severity":"error",` +
    `"custom_details":{"firing":[{"status":"firing","labels":{"alertname":"HighErrorRate","env":"prod","job":"api","severity":"critical"},` +
    `"annotations":{"summary":"5xx ratio \\u003e 5% \\u0026 rising"},"startsAt":"2026-03-01T10:14:30.5Z","endsAt":"2026-03-01T10:19:30.5Z",` +
    `"generatorURL":"http://prometheus:9090/graph?g0.expr=rate%28http_5xx%5B5m%5D%29+%3E+0.05\\u0026g0.tab=1","fingerprint":"a1b2c3d4e5f60718"}],` +
    `"num_firing":${firing},"num_resolved":0,"resolved":[]}},` +
    `"client":"Alertmanager","client_url":"http://alertmanager:9093/#/alerts?receiver=pagerduty",` +
    `"links":[{"href":"http://prometheus:9090/graph?g0.expr=up\\u0026g0.tab=1","text":""}],` +
    `"images":[{"src":"https://grafana.internal/render/5xx.png","alt":"","href":""}]}\n`
  );
}

/** The matching resolve: Alertmanager sends the payload on resolve too. */
function alertmanagerResolve(key: string, dedup: string): string {
  return (
    `{"routing_key":"${key}","dedup_key":"${dedup}","event_action":"resolve",` +
    `"payload":{"summary":"[RESOLVED] HighErrorRate api (prod \\u003cno value\\u003e)","source":"Alertmanager","severity":"error",` +
    `"custom_details":{"firing":[],"num_firing":0,"num_resolved":1,"resolved":[{"status":"resolved","labels":{"alertname":"HighErrorRate"},` +
    `"annotations":{},"startsAt":"2026-03-01T10:14:30.5Z","endsAt":"2026-03-01T10:31:00Z","generatorURL":"","fingerprint":"a1b2c3d4e5f60718"}]}},` +
    `"client":"Alertmanager","client_url":"http://alertmanager:9093/#/alerts?receiver=pagerduty"}\n`
  );
}

/** Alertmanager ≤ 0.29: every custom detail is a string. */
function alertmanagerLegacyTrigger(key: string, dedup: string): string {
  return (
    `{"routing_key":"${key}","dedup_key":"${dedup}","event_action":"trigger",` +
    `"payload":{"summary":"[FIRING:2] DiskFull db (prod)","source":"Alertmanager","severity":"critical",` +
    `"custom_details":{"firing":"Labels:\\n - alertname = DiskFull\\n - instance = db-7:9100\\nAnnotations:\\n - summary = /var \\u003e 97%\\nSource: http://prometheus:9090/graph?g0.expr=x\\u0026g0.tab=1\\n","num_firing":"2","num_resolved":"0","resolved":""}},` +
    `"client":"Alertmanager","client_url":"http://alertmanager:9093/#/alerts?receiver=pagerduty"}\n`
  );
}

const sha256ish = (seed: string) => seed.repeat(64).slice(0, 64);

describe.each(DIALECTS)('Events API v2 semantics on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createApp(dialect);
  });
  afterAll(async () => t.close());

  it('a trigger answers 202 with its dedup_key, opens one alert and one incident', async () => {
    const { key, serviceId } = await serviceWithKey(t, 'events_v2', 'Hotline');
    const before = await counts(t);
    const r = await enqueue(t, trigger(key, { dedup_key: 'db-7/disk-full' }, { summary: 'Disk /var at 97% on db-7' }));
    expect(r.statusCode).toBe(202);
    expect(r.json()).toEqual(ACCEPTED('db-7/disk-full'));
    const after = await counts(t);
    expect(after.alerts - before.alerts).toBe(1);
    expect(after.incidents - before.incidents).toBe(1);
    const [inc] = await incidentsOf(t, serviceId);
    expect(inc).toMatchObject({ status: 'triggered', title: 'Disk /var at 97% on db-7', incident_key: 'db-7/disk-full', alert_counts: { all: 1, triggered: 1, resolved: 0 } });
    const alerts = await alertsOf(t, inc!.id);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ alert_key: 'db-7/disk-full', count: 1, status: 'triggered', severity: 'critical' });
  });

  it('needs no Authorization header, and ignores one that is not a token', async () => {
    const { key } = await serviceWithKey(t);
    const r = await enqueue(t, trigger(key, { dedup_key: 'noauth' }), { authorization: 'Bearer not-a-token' });
    expect(r.statusCode).toBe(202);
  });

  it('a repeat trigger counts on the open alert and adds a timeline entry, without a second incident', async () => {
    const { key, serviceId } = await serviceWithKey(t);
    expect((await enqueue(t, trigger(key, { dedup_key: 'rep' }, { summary: 'first' }))).statusCode).toBe(202);
    const before = await counts(t);
    for (let i = 2; i <= 4; i++) {
      const r = await enqueue(t, trigger(key, { dedup_key: 'rep' }, { summary: `again ${i}` }));
      expect(r.statusCode).toBe(202);
      expect(r.json()).toEqual(ACCEPTED('rep'));
    }
    const after = await counts(t);
    expect(after.alerts).toBe(before.alerts);
    expect(after.incidents).toBe(before.incidents);
    expect(after.log_entries - before.log_entries).toBe(3);
    const incs = await incidentsOf(t, serviceId);
    expect(incs).toHaveLength(1);
    const alerts = await alertsOf(t, incs[0]!.id);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ count: 4, summary: 'again 4' });
    const retriggers = (await logOf(t, incs[0]!.id)).filter((e) => e.event_details.action === 'retrigger');
    expect(retriggers.map((e) => e.event_details.count)).toEqual(['2', '3', '4']);
    expect(retriggers.every((e) => e.agent?.type === 'integration_reference' && e.channel.type === 'events_api_v2')).toBe(true);
  });

  it('dedup is scoped to the routing key: one dedup key on two integrations gives two alerts', async () => {
    const a = await serviceWithKey(t, 'events_v2', 'Shelter beds', t.auth, GROUP_UNTIL_RESOLVED);
    const second = await req(t, 'POST', `/api/v1/services/${a.serviceId}/integrations`, { integration: { type: 'events_v2', name: 'second monitor' } });
    expect(second.statusCode).toBe(201);
    const keyB = second.json().integration.integration_key as string;
    expect(keyB).toMatch(/^[a-z0-9]{32}$/);
    expect(keyB).not.toBe(a.key);
    expect((await enqueue(t, trigger(a.key, { dedup_key: 'same' }))).statusCode).toBe(202);
    expect((await enqueue(t, trigger(keyB, { dedup_key: 'same' }))).statusCode).toBe(202);
    const incs = await incidentsOf(t, a.serviceId);
    expect(incs).toHaveLength(1);
    const alerts = await alertsOf(t, incs[0]!.id);
    expect(alerts).toHaveLength(2);
    expect(alerts.map((x) => x.count)).toEqual([1, 1]);
    expect(new Set(alerts.map((x) => x.integration.id)).size).toBe(2);

    // A resolve through B touches only B's alert.
    expect((await enqueue(t, { routing_key: keyB, event_action: 'resolve', dedup_key: 'same' })).statusCode).toBe(202);
    let inc = await incident(t, incs[0]!.id);
    expect(inc.status).toBe('triggered');
    expect(inc.alert_counts).toEqual({ all: 2, triggered: 1, resolved: 1 });
    expect((await enqueue(t, { routing_key: a.key, event_action: 'resolve', dedup_key: 'same' })).statusCode).toBe(202);
    inc = await incident(t, incs[0]!.id);
    expect(inc.status).toBe('resolved');

    // On two services, the same key gives two alerts and two incidents.
    const s1 = await serviceWithKey(t, 'events_v2', 'Tenants union');
    const s2 = await serviceWithKey(t, 'events_v2', 'Legal aid');
    const before = await counts(t);
    await enqueue(t, trigger(s1.key, { dedup_key: 'shared' }));
    await enqueue(t, trigger(s2.key, { dedup_key: 'shared' }));
    const after = await counts(t);
    expect(after.alerts - before.alerts).toBe(2);
    expect(after.incidents - before.incidents).toBe(2);
  });

  it('a trigger after resolve opens a NEW incident; the resolved one is never reopened', async () => {
    const { key, serviceId } = await serviceWithKey(t);
    await enqueue(t, trigger(key, { dedup_key: 'again' }));
    const [first] = await incidentsOf(t, serviceId);
    expect((await enqueue(t, { routing_key: key, event_action: 'resolve', dedup_key: 'again' })).statusCode).toBe(202);
    expect((await incident(t, first!.id)).status).toBe('resolved');
    const r = await enqueue(t, trigger(key, { dedup_key: 'again' }, { summary: 'back again' }));
    expect(r.statusCode).toBe(202);
    const incs = await incidentsOf(t, serviceId);
    expect(incs).toHaveLength(2);
    const second = incs.find((i) => i.id !== first!.id)!;
    expect(second).toMatchObject({ status: 'triggered', title: 'back again' });
    expect(second.incident_number).toBeGreaterThan(first!.incident_number);
    expect((await incident(t, first!.id)).status).toBe('resolved');
    const alerts = await alertsOf(t, second.id);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.count).toBe(1);
  });

  it('acknowledge or resolve with no open alert answers 202 and changes nothing', async () => {
    const { key, serviceId } = await serviceWithKey(t);
    const before = await counts(t);
    for (const event_action of ['acknowledge', 'resolve'] as const) {
      const r = await enqueue(t, { routing_key: key, event_action, dedup_key: 'never-triggered' });
      expect(r.statusCode).toBe(202);
      expect(r.json()).toEqual(ACCEPTED('never-triggered'));
    }
    expect(await counts(t)).toEqual(before);

    // Already resolved: the second resolve and a late acknowledge are dropped too.
    await enqueue(t, trigger(key, { dedup_key: 'done' }));
    await enqueue(t, { routing_key: key, event_action: 'resolve', dedup_key: 'done' });
    const [inc] = await incidentsOf(t, serviceId);
    const settled = await counts(t);
    const snapshot = await incident(t, inc!.id);
    for (const event_action of ['resolve', 'acknowledge'] as const) {
      expect((await enqueue(t, { routing_key: key, event_action, dedup_key: 'done' })).statusCode).toBe(202);
    }
    expect(await counts(t)).toEqual(settled);
    expect(await incident(t, inc!.id)).toEqual(snapshot);
  });

  it('a trigger without dedup_key gets a generated one, a new alert each time, usable to resolve', async () => {
    const { key, serviceId } = await serviceWithKey(t, 'events_v2', 'Crisis chat', t.auth, GROUP_UNTIL_RESOLVED);
    const r1 = await enqueue(t, trigger(key));
    const r2 = await enqueue(t, trigger(key, { dedup_key: '' }));
    expect(r1.statusCode).toBe(202);
    expect(r2.statusCode).toBe(202);
    const k1 = r1.json().dedup_key as string;
    const k2 = r2.json().dedup_key as string;
    for (const k of [k1, k2]) {
      expect(typeof k).toBe('string');
      expect(k.length).toBeGreaterThan(0);
      expect(k.length).toBeLessThanOrEqual(255);
    }
    expect(k1).not.toBe(k2);
    expect(r1.json()).toEqual(ACCEPTED(k1));
    const [inc] = await incidentsOf(t, serviceId);
    const alerts = await alertsOf(t, inc!.id);
    expect(alerts.map((a) => a.alert_key).sort()).toEqual([k1, k2].sort());
    await enqueue(t, { routing_key: key, event_action: 'resolve', dedup_key: k1 });
    expect((await incident(t, inc!.id)).alert_counts).toEqual({ all: 2, triggered: 1, resolved: 1 });
  });

  it('resolving the last open alert resolves the incident, not before', async () => {
    const { key, serviceId } = await serviceWithKey(t, 'events_v2', 'Crisis chat', t.auth, GROUP_UNTIL_RESOLVED);
    await enqueue(t, trigger(key, { dedup_key: 'one' }));
    await enqueue(t, trigger(key, { dedup_key: 'two' }));
    const incs = await incidentsOf(t, serviceId);
    expect(incs).toHaveLength(1);
    const id = incs[0]!.id;
    await enqueue(t, { routing_key: key, event_action: 'resolve', dedup_key: 'one' });
    expect((await incident(t, id)).status).toBe('triggered');
    await enqueue(t, { routing_key: key, event_action: 'resolve', dedup_key: 'two' });
    const inc = await incident(t, id);
    expect(inc.status).toBe('resolved');
    expect(inc.resolved_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(inc.alert_counts).toEqual({ all: 2, triggered: 0, resolved: 2 });
    const types = (await logOf(t, id)).map((e) => e.type);
    expect(types.filter((x) => x === 'resolve_log_entry')).toHaveLength(1);
    expect(types.at(-1)).toBe('resolve_log_entry');
  });

  it('acknowledge acknowledges the incident; repeats and low-urgency alerts do not un-acknowledge it, a new high-urgency alert re-triggers it', async () => {
    const { key, serviceId } = await serviceWithKey(t, 'events_v2', 'Crisis chat', t.auth, { ...GROUP_UNTIL_RESOLVED, incident_urgency_rule: { type: 'constant', urgency: 'severity_based' } });
    await enqueue(t, trigger(key, { dedup_key: 'ack-me' }));
    const [inc] = await incidentsOf(t, serviceId);
    const r = await enqueue(t, { routing_key: key, event_action: 'acknowledge', dedup_key: 'ack-me' });
    expect(r.statusCode).toBe(202);
    expect(r.json()).toEqual(ACCEPTED('ack-me'));
    let got = await incident(t, inc!.id);
    expect(got.status).toBe('acknowledged');
    expect(got.acknowledgements).toHaveLength(1);
    // PagerDuty's acknowledger is a user or a service: an integration acknowledges for its service.
    expect(got.acknowledgements[0].acknowledger).toMatchObject({ type: 'service_reference', id: got.service.id });
    expect((await logOf(t, inc!.id)).some((e) => e.type === 'acknowledge_log_entry')).toBe(true);
    await enqueue(t, trigger(key, { dedup_key: 'ack-me' }));
    await enqueue(t, trigger(key, { dedup_key: 'another' }, { severity: 'warning' }));
    got = await incident(t, inc!.id);
    expect(got.status).toBe('acknowledged');
    expect(await incidentsOf(t, serviceId)).toHaveLength(1);
    // Never silent: a different alert of high urgency joining the acknowledged incident re-triggers it.
    await enqueue(t, trigger(key, { dedup_key: 'worse' }, { severity: 'critical', summary: 'Texts not delivered' }));
    got = await incident(t, inc!.id);
    expect(got.status).toBe('triggered');
    expect((await logOf(t, inc!.id)).find((e) => e.type === 'unacknowledge_log_entry')?.summary).toMatch(/^Re-triggered by a new alert: Texts not delivered \(critical\)\. The acknowledgement is withdrawn/);
    for (const k of ['ack-me', 'another', 'worse']) await enqueue(t, { routing_key: key, event_action: 'resolve', dedup_key: k });
    expect((await incident(t, inc!.id)).status).toBe('resolved');
  });

  it('change events: 202 "Change event processed", listed on the service, no incident', async () => {
    const { key, serviceId } = await serviceWithKey(t);
    const before = await counts(t);
    const body = {
      routing_key: key,
      payload: { summary: 'Deployed api v2.14.0', source: 'ci-runner-3', timestamp: '2015-07-17T08:42:58.315+0000', custom_details: { commit: 'a1b2c3d', nested: { n: 1 } } },
      links: [{ href: 'https://ci.internal/builds/981', text: 'Build 981' }],
    };
    const r = await changeEnqueue(t, body);
    expect(r.statusCode).toBe(202);
    expect(r.json()).toEqual({ status: 'success', message: 'Change event processed' });
    const r2 = await changeEnqueue(t, { routing_key: key, payload: { summary: 'Flag checkout_v2 on' } });
    expect(r2.statusCode).toBe(202);
    const after = await counts(t);
    expect(after.change_events - before.change_events).toBe(2);
    expect(after.incidents).toBe(before.incidents);
    expect(after.alerts).toBe(before.alerts);
    expect(await incidentsOf(t, serviceId)).toHaveLength(0);

    const list = await req(t, 'GET', `/api/v1/services/${serviceId}/change_events`);
    expect(list.statusCode).toBe(200);
    const events = list.json().change_events as Record<string, any>[];
    expect(events).toHaveLength(2);
    // Newest first: the one without a timestamp was stamped "now".
    expect(events[0]).toMatchObject({ summary: 'Flag checkout_v2 on', source: null, custom_details: null, links: [] });
    expect(events[1]).toMatchObject({
      type: 'change_event',
      summary: 'Deployed api v2.14.0',
      source: 'ci-runner-3',
      timestamp: '2015-07-17T08:42:58.315Z',
      custom_details: { commit: 'a1b2c3d', nested: { n: 1 } },
      links: [{ href: 'https://ci.internal/builds/981', text: 'Build 981' }],
    });
    expect(list.json()).toMatchObject({ limit: 25, offset: 0, more: false });
  });

  it("accepts Alertmanager's pagerduty_configs bodies unmodified: trigger, repeat, resolve with payload", async () => {
    const { key, serviceId } = await serviceWithKey(t, 'events_v2', 'Prometheus');
    const dedup = sha256ish('5d2f0c6a9e1b47c3a8d4f6e2b0c9a7d1');
    expect(dedup).toMatch(/^[0-9a-f]{64}$/);
    const headers = { 'content-type': 'application/json', 'user-agent': 'Alertmanager/0.30.0' };
    const body = alertmanagerTrigger(key, dedup);
    expect(body.endsWith('}\n')).toBe(true);
    expect(body).toContain('\\u003c');
    const r = await enqueue(t, body, headers);
    expect(r.statusCode, r.body).toBe(202);
    expect(r.json()).toEqual(ACCEPTED(dedup));
    const [inc] = await incidentsOf(t, serviceId);
    expect(inc!.title).toBe('[FIRING:1] HighErrorRate api (prod <no value>)');
    expect(inc!.incident_key).toBe(dedup);
    const [alert] = await alertsOf(t, inc!.id);
    expect(alert!.body.details.firing[0].annotations.summary).toBe('5xx ratio > 5% & rising');
    expect(alert!.body.details.num_firing).toBe(1);

    // repeat_interval re-send, group grew: same dedup key, same alert.
    expect((await enqueue(t, alertmanagerTrigger(key, dedup, 2), headers)).statusCode).toBe(202);
    expect((await alertsOf(t, inc!.id))[0]!.count).toBe(2);

    const res = await enqueue(t, alertmanagerResolve(key, dedup), headers);
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toEqual(ACCEPTED(dedup));
    expect((await incident(t, inc!.id)).status).toBe('resolved');

    // Alertmanager ≤ 0.29 (string details) is accepted just as well.
    const legacy = sha256ish('0f9e8d7c6b5a4938');
    const l = await enqueue(t, alertmanagerLegacyTrigger(key, legacy), headers);
    expect(l.statusCode, l.body).toBe(202);
    const incs = await incidentsOf(t, serviceId);
    const open = incs.find((i) => i.status === 'triggered')!;
    const [legacyAlert] = await alertsOf(t, open.id);
    expect(legacyAlert!.body.details.num_firing).toBe('2');
    expect(legacyAlert!.body.details.firing).toContain('/var > 97%');
  });

  it('counts summary length in characters, as Alertmanager truncates it (1024 runes, ending in …)', async () => {
    const { key, serviceId } = await serviceWithKey(t);
    // 1023 astral characters + '…' = 1024 characters, 2047 UTF-16 units.
    const summary = '🔥'.repeat(1023) + '…';
    expect([...summary]).toHaveLength(1024);
    expect(summary.length).toBe(2047);
    const r = await enqueue(t, JSON.stringify(trigger(key, { dedup_key: 'runes' }, { summary, severity: 'error', source: 'Alertmanager' })) + '\n', { 'content-type': 'application/json' });
    expect(r.statusCode, r.body).toBe(202);
    expect((await incidentsOf(t, serviceId))[0]!.title).toBe(summary);
    // One character more is too long.
    const over = await enqueue(t, trigger(key, { dedup_key: 'runes2' }, { summary: '🔥'.repeat(1025) }));
    expect(over.statusCode).toBe(400);
    expect(over.json().errors.join(' ')).toContain('payload.summary');
  });

  it('severity sets the urgency when the service rule is severity_based', async () => {
    const mk = async (name: string, rule: Record<string, string>) => {
      const s = await req(t, 'POST', '/api/v1/services', { service: { name, incident_urgency_rule: rule } });
      expect(s.statusCode, s.body).toBe(201);
      const id = s.json().service.id as string;
      const i = await req(t, 'POST', `/api/v1/services/${id}/integrations`, { integration: { type: 'events_v2' } });
      return { id, key: i.json().integration.integration_key as string };
    };
    const expectations: [string, 'high' | 'low'][] = [
      ['critical', 'high'],
      ['error', 'high'],
      ['warning', 'low'],
      ['info', 'low'],
    ];
    for (const [severity, urgency] of expectations) {
      const s = await mk(`by severity ${severity}`, { type: 'severity_based' });
      await enqueue(t, trigger(s.key, { dedup_key: 'x' }, { severity }));
      const [inc] = await incidentsOf(t, s.id);
      expect(inc!.urgency, severity).toBe(urgency);
    }

    // A low-urgency incident is raised to high by a new critical alert joining it.
    const s = await mk('raised', { type: 'severity_based' });
    expect((await req(t, 'PUT', `/api/v1/services/${s.id}`, { service: GROUP_UNTIL_RESOLVED })).statusCode).toBe(200);
    await enqueue(t, trigger(s.key, { dedup_key: 'warn' }, { severity: 'warning' }));
    const [inc] = await incidentsOf(t, s.id);
    expect(inc!.urgency).toBe('low');
    await enqueue(t, trigger(s.key, { dedup_key: 'crit' }, { severity: 'critical' }));
    expect((await incident(t, inc!.id)).urgency).toBe('high');
    expect((await logOf(t, inc!.id)).some((e) => e.type === 'urgency_change_log_entry')).toBe(true);

    // A constant rule ignores severity.
    const c = await mk('always low', { type: 'constant', urgency: 'low' });
    await enqueue(t, trigger(c.key, { dedup_key: 'c' }, { severity: 'critical' }));
    expect((await incidentsOf(t, c.id))[0]!.urgency).toBe('low');
    const list = await req(t, 'GET', `/api/v1/incidents?service_ids[]=${c.id}&urgencies[]=high`);
    expect(list.json().incidents).toHaveLength(0);
  });
});
