/**
 * PagerDuty's documented shapes where Vigil differed (issue 16, "Measured today"), checked
 * against PagerDuty's own REST schema (shared/reference/pagerduty/REST/openapiv3.json), and the
 * fields that were accepted and ignored: now implemented or refused with 400 naming them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, serviceWithKey, trigger, type TestApp } from '../harness.js';
import { createApp, enqueue, incidentsOf, logOf, member, req, type Json } from './helpers.js';
import { expectPagerDutyShapeTolerant as expectPagerDutyShape } from './pd-rest-schema.js';

const PD_LOG_TYPES = new Set(['acknowledge_log_entry', 'annotate_log_entry', 'assign_log_entry', 'delegate_log_entry', 'escalate_log_entry', 'exhaust_escalation_path_log_entry', 'notify_log_entry', 'reach_ack_limit_log_entry', 'reach_trigger_limit_log_entry', 'repeat_escalation_path_log_entry', 'resolve_log_entry', 'snooze_log_entry', 'trigger_log_entry', 'unacknowledge_log_entry', 'urgency_change_log_entry', 'field_value_change_log_entry', 'custom_field_value_change_log_entry']);

/** PagerDuty's CreateSubscriptionExample, verbatim but for the service it filters on. */
const PD_SUBSCRIPTION_EXAMPLE = (serviceId: string) => ({
  webhook_subscription: {
    delivery_method: { type: 'http_delivery_method', url: 'https://example.com/receive_a_pagerduty_webhook', custom_headers: [{ name: 'header-name', value: 'header-value' }] },
    description: 'Sends PagerDuty v3 webhook events somewhere interesting.',
    events: ['incident.acknowledged', 'incident.annotated', 'incident.delegated', 'incident.escalated', 'incident.priority_updated', 'incident.reassigned', 'incident.reopened', 'incident.resolved', 'incident.responder.added', 'incident.responder.replied', 'incident.triggered', 'incident.unacknowledged'],
    filter: { id: serviceId, type: 'service_reference' },
    oauth_client_id: 'AGMEB7F7YJYELCPG4Y5YWMYGXE',
    type: 'webhook_subscription',
  },
});

describe.each(DIALECTS)('PagerDuty shapes on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createApp(dialect);
  });
  afterAll(async () => t.close());

  it('an integration acknowledges for its service; agents, log entry types and contexts are PagerDuty’s', async () => {
    const s = await serviceWithKey(t, 'events_v2', 'Shapes line');
    await enqueue(t, trigger(s.key, { dedup_key: 'shape', links: [{ href: 'https://grafana.example/d/1', text: 'Dashboard' }], images: [{ src: 'https://grafana.example/p.png' }] }));
    await enqueue(t, { routing_key: s.key, event_action: 'acknowledge', dedup_key: 'shape' });
    const [inc] = await incidentsOf(t, s.serviceId);
    const one = (await req(t, 'GET', `/api/v1/incidents/${inc!.id}`)).json();
    expect(one.incident.acknowledgements[0].acknowledger).toMatchObject({ type: 'service_reference', id: s.serviceId });
    // (The incident itself is checked by the conformance sweep, pd-conformance.test.ts.)
    const alerts = (await req(t, 'GET', `/api/v1/incidents/${inc!.id}/alerts`)).json();
    expect(alerts.alerts[0].body.contexts).toEqual([
      { type: 'link', href: 'https://grafana.example/d/1', text: 'Dashboard' },
      { type: 'image', src: 'https://grafana.example/p.png' },
    ]);
    expectPagerDutyShape(alerts, '/incidents/{id}/alerts', 'get');
    const log = (await req(t, 'GET', `/api/v1/incidents/${inc!.id}/log_entries`)).json();
    expect((log.log_entries as Json[]).every((e) => PD_LOG_TYPES.has(e.type) && typeof e.channel === 'object' && (typeof e.channel.channel !== 'string'))).toBe(true);
    const byIntegration = (log.log_entries as Json[]).find((e) => e.agent?.type === 'integration_reference')!;
    expect(byIntegration.agent.self).toBe(`http://vigil.test/api/v1/services/${s.serviceId}/integrations/${s.integrationId}`);
    expect((await req(t, 'GET', byIntegration.agent.self.replace('http://vigil.test', ''))).statusCode).toBe(200);
    expect((log.log_entries as Json[]).some((e) => e.event_details.vigil_type === 'alert_log_entry' && e.type === 'trigger_log_entry')).toBe(true);
  });

  it('roles and phone numbers in PagerDuty’s enums', async () => {
    const r = await member(t, 'responder');
    const v = await member(t, 'volunteer');
    const users = (await req(t, 'GET', '/api/v1/users?limit=100')).json();
    expectPagerDutyShape(users, '/users', 'get');
    const byId = new Map((users.users as Json[]).map((u) => [u.id, u]));
    expect([byId.get(r.user.id)!.role, byId.get(r.user.id)!.vigil_role]).toEqual(['user', 'responder']);
    expect([byId.get(v.user.id)!.role, byId.get(v.user.id)!.vigil_role]).toEqual(['limited_user', 'volunteer']);
    const cm = await req(t, 'POST', `/api/v1/users/${r.user.id}/contact_methods`, { contact_method: { type: 'sms_contact_method', address: '+442071838750', label: 'Mobile' } }, r.auth);
    expect(cm.statusCode, cm.body).toBe(201);
    expect(cm.json().contact_method).toMatchObject({ type: 'sms_contact_method', country_code: 44, address: '2071838750' });
    expectPagerDutyShape(cm.json(), '/users/{id}/contact_methods', 'post', '201');
  });

  it('escalation_level on PUT /incidents/{id} escalates; assignments on create assign; delegation and conference bridges are refused by name', async () => {
    const a = await member(t, 'responder');
    const s = await serviceWithKey(t, 'events_v2', 'Assigned line');
    const created = await req(t, 'POST', '/api/v1/incidents', { incident: { type: 'incident', title: 'Phones down', service: { id: s.serviceId, type: 'service_reference' }, assignments: [{ assignee: { id: a.user.id, type: 'user_reference' } }] } });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().incident.assignments.map((x: Json) => x.assignee.id)).toEqual([a.user.id]);
    const id = created.json().incident.id as string;
    // Escalating needs a policy: give the service one, then open an incident that freezes it.
    const pol1 = await req(t, 'POST', '/api/v1/escalation_policies', { escalation_policy: { name: 'Two levels', escalation_rules: [{ escalation_delay_in_minutes: 30, targets: [{ id: a.user.id, type: 'user_reference' }] }, { escalation_delay_in_minutes: 30, targets: [{ id: t.org.user.id, type: 'user_reference' }] }] } });
    expect(pol1.statusCode, pol1.body).toBe(201);
    expect((await req(t, 'PUT', `/api/v1/services/${s.serviceId}`, { service: { escalation_policy: { id: pol1.json().escalation_policy.id, type: 'escalation_policy_reference' } } })).statusCode).toBe(200);
    await enqueue(t, trigger(s.key, { dedup_key: 'to-escalate' }));
    const open = (await incidentsOf(t, s.serviceId)).find((i) => i.title !== 'Phones down')!;
    const esc = await req(t, 'PUT', `/api/v1/incidents/${open.id}`, { incident: { type: 'incident_reference', escalation_level: 2 } });
    expect(esc.statusCode, esc.body).toBe(200);
    expect((await logOf(t, open.id)).some((e) => e.type === 'escalate_log_entry')).toBe(true);
    for (const [body, field] of [
      [{ incident: { type: 'incident_reference', escalation_policy: { id: 'PX', type: 'escalation_policy_reference' } } }, 'incident.escalation_policy'],
      [{ incident: { type: 'incident_reference', conference_bridge: { conference_url: 'https://meet.example/x' } } }, 'incident.conference_bridge'],
    ] as const) {
      const r = await req(t, 'PUT', `/api/v1/incidents/${id}`, body);
      expect(r.statusCode).toBe(400);
      expect(r.json().error.errors.join(' ')).toContain(field);
    }
    // A policy's teams are honoured (test/api/teams.test.ts); its services are refused (a service names its policy).
    const pol = await req(t, 'POST', '/api/v1/escalation_policies', { escalation_policy: { name: 'With services', escalation_rules: [{ escalation_delay_in_minutes: 30, targets: [{ id: a.user.id, type: 'user_reference' }] }], services: [{ id: s.serviceId, type: 'service_reference' }] } });
    expect(pol.statusCode).toBe(400);
    expect(pol.json().error.errors.join(' ')).toMatch(/escalation_policy\.services/);
  });

  it("accepts PagerDuty's example webhook subscription: events for actions Vigil lacks are named as never sent; unknown events are refused", async () => {
    const s = await serviceWithKey(t, 'events_v2', 'Hooked line');
    const r = await req(t, 'POST', '/api/v1/webhook_subscriptions', PD_SUBSCRIPTION_EXAMPLE(s.serviceId));
    expect([200, 201]).toContain(r.statusCode);
    const sub = r.json().webhook_subscription;
    expect(sub.vigil_never_sent).toEqual(['incident.delegated', 'incident.reopened', 'incident.responder.added', 'incident.responder.replied']);
    expect(sub.oauth_client_id).toBe('AGMEB7F7YJYELCPG4Y5YWMYGXE');
    expect(sub.events).toHaveLength(12);
    const bad = await req(t, 'POST', '/api/v1/webhook_subscriptions', { webhook_subscription: { ...PD_SUBSCRIPTION_EXAMPLE(s.serviceId).webhook_subscription, events: ['incident.exploded'] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.errors[0]).toContain('incident.exploded');
  });
});
