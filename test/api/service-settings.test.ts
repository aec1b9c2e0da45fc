/**
 * A service's alert settings through the REST API on both dialects: PagerDuty's own example
 * bodies for POST /services and PUT /services/{id} (use_support_hours, support_hours,
 * scheduled_actions, alert_grouping_parameters, auto_pause_notifications_parameters) are
 * accepted, every field is honoured as the answer shows, and the answers conform to
 * PagerDuty's published schema. Fields Vigil does not have are refused, never dropped.
 */
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, countRows, createTestApp, manualClock, type TestApp } from '../harness.js';
import { addPolicy } from '../engine/fixtures.js';
import { PD_REST_OAS, expectPagerDutyShape } from './pd-rest-schema.js';

const oas = JSON.parse(fs.readFileSync(PD_REST_OAS, 'utf8'));
/** PagerDuty's own request example for an operation, from its OpenAPI document. */
const example = (path: string, method: 'post' | 'put') => structuredClone(oas.paths[path][method].requestBody.content['application/json'].examples.request.value) as { service: Record<string, any> };

describe.each(DIALECTS)('service alert settings in PagerDuty shapes (%s)', (dialect) => {
  let t: TestApp;
  let policyId: string;

  beforeEach(async () => {
    // Monday 2 March 2026, 12:00 UTC: 07:00 in Lima.
    t = await createTestApp(dialect, { clock: manualClock('2026-03-02T12:00:00Z') });
    policyId = await addPolicy(t, []);
  });
  afterEach(async () => t.close());

  const api = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) => t.app.inject({ method, url, headers: t.auth, ...(payload ? { payload: payload as object } : {}) });
  /** The example, pointing at this organization's policy (PagerDuty's PWIP6CQ does not exist here). */
  const withPolicy = (body: { service: Record<string, any> }) => ((body.service.escalation_policy.id = policyId), body);

  it("PagerDuty's POST /services example is accepted, honoured and answered in PagerDuty's shape", async () => {
    const body = withPolicy(example('/services', 'post'));
    const r = await api('POST', '/api/v1/services', body);
    expect(r.statusCode, r.body).toBe(201);
    expectPagerDutyShape(r.json(), '/services', 'post', '201');
    const s = r.json().service;
    expect(s).toMatchObject({
      name: 'My Web App',
      description: 'My cool web application that does things.',
      auto_resolve_timeout: 14400,
      acknowledgement_timeout: 600,
      status: 'active',
      escalation_policy: { id: policyId, type: 'escalation_policy_reference' },
      incident_urgency_rule: { type: 'use_support_hours', during_support_hours: { type: 'constant', urgency: 'high' }, outside_support_hours: { type: 'constant', urgency: 'low' } },
      support_hours: { type: 'fixed_time_per_day', time_zone: 'America/Lima', start_time: '09:00:00', end_time: '17:00:00', days_of_week: [1, 2, 3, 4, 5] },
      scheduled_actions: [{ type: 'urgency_change', at: { type: 'named_time', name: 'support_hours_start' }, to_urgency: 'high' }],
      alert_creation: 'create_alerts_and_incidents',
      alert_grouping_parameters: { type: 'time', config: { timeout: 2 } },
      auto_pause_notifications_parameters: { enabled: true, timeout: 300 },
    });
    // The scheduled action is armed: 09:00 in Lima (UTC−5, no DST) today.
    const row = await t.db.handle.db.selectFrom('services').select('urgency_change_at').where('id', '=', s.id).executeTakeFirstOrThrow();
    expect(new Date(Number(row.urgency_change_at)).toISOString()).toBe('2026-03-02T14:00:00.000Z');
    const got = await api('GET', `/api/v1/services/${s.id}`);
    expectPagerDutyShape(got.json(), '/services/{id}', 'get');
    expect(got.json().service).toEqual(s);
  });

  it("PagerDuty's PUT /services/{id} example is accepted on a plain service and answered in PagerDuty's shape", async () => {
    const made = await api('POST', '/api/v1/services', { service: { name: 'Crisis chat' } });
    expect(made.statusCode).toBe(201);
    const id = made.json().service.id;
    expect(made.json().service.incident_urgency_rule).toEqual({ type: 'constant', urgency: 'high' });
    const r = await api('PUT', `/api/v1/services/${id}`, withPolicy(example('/services/{id}', 'put')));
    expect(r.statusCode, r.body).toBe(200);
    expectPagerDutyShape(r.json(), '/services/{id}', 'put');
    expect(r.json().service).toMatchObject({
      name: 'My Web App',
      incident_urgency_rule: { type: 'use_support_hours' },
      support_hours: { time_zone: 'America/Lima' },
      scheduled_actions: [{ type: 'urgency_change' }],
      alert_grouping_parameters: { type: 'time', config: { timeout: 2 } },
      auto_pause_notifications_parameters: { enabled: true, timeout: 300 },
    });
    // What a client read it can send back unchanged (read-only fields included).
    const again = await api('PUT', `/api/v1/services/${id}`, { service: r.json().service });
    expect(again.statusCode, again.body).toBe(200);
    expect({ ...again.json().service, updated_at: null }).toEqual({ ...r.json().service, updated_at: null });
    // Back to a constant urgency: the scheduled action must go too (it needs support hours to act on).
    const bad = await api('PUT', `/api/v1/services/${id}`, { service: { incident_urgency_rule: { type: 'constant', urgency: 'high' } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.errors).toContain('service.scheduled_actions need an incident_urgency_rule of type use_support_hours');
    const plain = await api('PUT', `/api/v1/services/${id}`, { service: { incident_urgency_rule: { type: 'constant', urgency: 'high' }, scheduled_actions: [], support_hours: null } });
    expect(plain.statusCode, plain.body).toBe(200);
    expectPagerDutyShape(plain.json(), '/services/{id}', 'put');
    expect(plain.json().service).toMatchObject({ incident_urgency_rule: { type: 'constant', urgency: 'high' }, scheduled_actions: [] });
    expect(plain.json().service).not.toHaveProperty('support_hours');
  });

  it('fields Vigil does not have, and impossible settings, are refused naming the field; nothing is stored', async () => {
    const before = await countRows(t, 'services');
    const cases: [Record<string, unknown>, string][] = [
      [{ teams: [{ id: 'PQ9K7I8', type: 'team_reference' }] }, 'service.teams: team PQ9K7I8 not found'],
      [{ response_play: { id: 'P1', type: 'response_play_reference' } }, 'service.response_play: Vigil has no response plays (PagerDuty deprecated them); leave it out or send null'],
      [{ colour: 'blue' }, 'service.colour is not a field of a service'],
      [{ alert_creation: 'create_incidents' }, 'service.alert_creation must be "create_alerts_and_incidents": Vigil always keeps the alerts behind an incident'],
      [{ support_hours: { type: 'fixed_time_per_day', time_zone: 'Mars/Olympus', days_of_week: [1], start_time: '09:00:00', end_time: '17:00:00' } }, 'service.support_hours.time_zone must be an IANA time zone such as "America/Lima", got "Mars/Olympus"'],
      [{ support_hours: { type: 'fixed_time_per_day', time_zone: 'America/Lima', days_of_week: [1], start_time: '25:00:00', end_time: '17:00:00' } }, 'service.support_hours.start_time must be a time of day "HH:MM:SS" from 00:00:00 to 23:59:59'],
      [{ support_hours: { type: 'fixed_time_per_day', time_zone: 'America/Lima', days_of_week: [1], start_time: '17:00:00', end_time: '09:00:00' } }, 'service.support_hours.end_time must be after start_time (support hours end on the day they start)'],
      [{ incident_urgency_rule: { type: 'use_support_hours', during_support_hours: { type: 'constant', urgency: 'high' }, outside_support_hours: { type: 'constant', urgency: 'low' } } }, 'service.support_hours must be set for an incident_urgency_rule of type use_support_hours'],
      [{ alert_grouping_parameters: { type: 'intelligent' } }, 'service.alert_grouping_parameters.type'],
      [{ auto_pause_notifications_parameters: { enabled: true, timeout: 7 } }, 'service.auto_pause_notifications_parameters.timeout must be one of 0, 120, 180, 300, 600, 900 seconds (0: the recommended 300)'],
    ];
    for (const [extra, message] of cases) {
      const r = await api('POST', '/api/v1/services', { service: { name: 'Crisis chat', ...extra } });
      expect([JSON.stringify(extra), r.statusCode]).toEqual([JSON.stringify(extra), 400]);
      const errors = r.json().error.errors as string[];
      expect(errors.some((e) => e.startsWith(message)), `${errors.join('; ')} should include ${message}`).toBe(true);
    }
    expect(await countRows(t, 'services')).toBe(before);
  });
});
