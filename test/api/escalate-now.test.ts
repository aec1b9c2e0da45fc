/**
 * Escalate now (POST /api/v1/incidents/:id/escalate), the web UI's button: the
 * pending level of the frozen policy is paged on the engine's next cycle instead of
 * after its delay; an acknowledged incident is triggered again; once the policy is
 * exhausted the last level is paged again; a level can be named. The escalate
 * module runs at the manual clock's `now`, so "at once" means "without moving the
 * clock".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/server/lib/clock.js';
import { EscalateModule } from '../../src/server/engine/escalate/module.js';
import { DIALECTS, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import { createApp, enqueue, incident, logOf, member, req, type Json } from './helpers.js';

describe.each(DIALECTS)('escalate now on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let escalate: EscalateModule;
  let ada: Json;
  let bo: Json;
  let key: string;

  const pageable = async (name: string) => {
    const u = (await req(t, 'POST', '/api/v1/users', { user: { name, email: `${name.split(' ')[0]!.toLowerCase()}@harbor.example`, role: 'responder' } })).json().user as Json;
    const cm = await req(t, 'POST', `/api/v1/users/${u.id}/contact_methods`, { contact_method: { type: 'webhook', address: 'https://hooks.example/page', label: 'Pager hook' } });
    expect(cm.statusCode, cm.body).toBe(201);
    const cmId = cm.json().contact_method.id as string;
    expect((await req(t, 'POST', `/api/v1/users/${u.id}/contact_methods/${cmId}/mark_verified`)).statusCode).toBe(200);
    const rule = await req(t, 'POST', `/api/v1/users/${u.id}/notification_rules`, { notification_rule: { contact_method: { id: cmId }, start_delay_in_minutes: 0, urgency: 'high' } });
    expect(rule.statusCode, rule.body).toBe(201);
    return u;
  };
  const assignees = async (id: string) => ((await incident(t, id)).assignments as Json[]).map((a) => a.assignee.summary as string);
  const cycle = () => escalate.tick(clock.now());
  const byKey = async (dedupKey: string) => ((await req(t, 'GET', `/api/v1/incidents?incident_key=${dedupKey}`)).json().incidents as Json[])[0]!.id as string;
  const escalateNow = (id: string, body?: Json, headers = t.auth) => req(t, 'POST', `/api/v1/incidents/${id}/escalate`, body, headers);

  beforeAll(async () => {
    clock = manualClock('2026-03-02T09:00:00Z');
    t = await createApp(dialect, { clock });
    escalate = new EscalateModule(t.deps.db, t.deps.targets, (c) => t.deps.bus.publish(c));
    ada = await pageable('Ada Lovelace');
    bo = await pageable('Bo Chen');
    const policy = await req(t, 'POST', '/api/v1/escalation_policies', {
      escalation_policy: {
        name: 'Crisis chat on call',
        num_loops: 0,
        escalation_rules: [
          { escalation_delay_in_minutes: 30, targets: [{ id: ada.id, type: 'user_reference' }] },
          { escalation_delay_in_minutes: 30, targets: [{ id: bo.id, type: 'user_reference' }] },
        ],
      },
    });
    expect(policy.statusCode, policy.body).toBe(201);
    const svc = await serviceWithKey(t);
    key = svc.key;
    expect((await req(t, 'PUT', `/api/v1/services/${svc.serviceId}`, { service: { escalation_policy: { id: policy.json().escalation_policy.id } } })).statusCode).toBe(200);
  });
  afterAll(async () => t.close());

  it('pages the next level at once, and the escalation goes on from there', async () => {
    expect((await enqueue(t, trigger(key, { dedup_key: 'now-1' }))).statusCode).toBe(202);
    const id = await byKey('now-1');
    await cycle();
    expect(await assignees(id)).toEqual(['Ada Lovelace']);

    const r = await escalateNow(id, {});
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().escalation_level).toBe(2);
    expect(r.json().incident.status).toBe('triggered');
    await cycle(); // the clock has not moved: level 2 did not wait out its 30 minutes
    expect(await assignees(id)).toEqual(['Bo Chen']);
    const log = (await logOf(t, id)).map((e) => e.summary as string);
    expect(log).toContain('Escalated now by Olive Owner through the API: level 2 of Crisis chat on call is paged');
    expect(log).toContain('Escalated to level 2: Bo Chen');
    expect((await req(t, 'POST', `/api/v1/incidents/${id}/resolve`)).statusCode).toBe(200); // the service groups alerts into its open incident
  });

  it('an acknowledged incident is triggered again; an exhausted policy pages its last level again; a named level', async () => {
    clock.advance(60_000);
    await enqueue(t, trigger(key, { dedup_key: 'now-2' }));
    const id = await byKey('now-2');
    await cycle();
    expect((await req(t, 'POST', `/api/v1/incidents/${id}/acknowledge`)).statusCode).toBe(200);

    const r = await escalateNow(id); // no body at all
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().incident.status).toBe('triggered');
    expect(r.json().escalation_level).toBe(2);
    await cycle();
    expect(await assignees(id)).toEqual(['Bo Chen']);
    expect((await logOf(t, id)).some((e) => /the acknowledgement is withdrawn/.test(e.summary))).toBe(true);

    // Level 2 was the last (num_loops 0): escalating again pages level 2 again, at once.
    clock.advance(60_000);
    const again = await escalateNow(id, {});
    expect(again.json().escalation_level).toBe(2);
    await cycle();
    expect((await logOf(t, id)).filter((e) => e.summary === 'Escalated to level 2: Bo Chen')).toHaveLength(2);

    const first = await escalateNow(id, { escalation_level: 1 });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().escalation_level).toBe(1);
    await cycle();
    expect(await assignees(id)).toEqual(['Ada Lovelace']);
    expect((await req(t, 'POST', `/api/v1/incidents/${id}/resolve`)).statusCode).toBe(200);
  });

  it('refuses what cannot be escalated, with the reason', async () => {
    await enqueue(t, trigger(key, { dedup_key: 'now-3' }));
    const id = await byKey('now-3');
    const tooFar = await escalateNow(id, { escalation_level: 3 });
    expect(tooFar.statusCode).toBe(400);
    expect(tooFar.json().error.errors.join(' ')).toMatch(/at most 2/);
    const observer = await member(t, 'observer');
    expect((await escalateNow(id, {}, observer.auth)).statusCode).toBe(403);
    expect((await req(t, 'POST', `/api/v1/incidents/${id}/resolve`)).statusCode).toBe(200);
    const resolved = await escalateNow(id, {});
    expect(resolved.statusCode).toBe(400);
    expect(resolved.json().error.code).toBe(1001);
    expect((await escalateNow('nope', {})).statusCode).toBe(404);

    const bare = await serviceWithKey(t, 'events_v2', 'No policy');
    await enqueue(t, trigger(bare.key, { dedup_key: 'np' }));
    const np = ((await req(t, 'GET', `/api/v1/incidents?service_ids[]=${bare.serviceId}`)).json().incidents as Json[])[0]!.id as string;
    const none = await escalateNow(np, {});
    expect(none.statusCode).toBe(400);
    expect(none.json().error.errors.join(' ')).toMatch(/no escalation policy/);
  });
});
