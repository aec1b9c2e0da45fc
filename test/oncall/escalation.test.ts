import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicySnapshot } from '../../src/server/escalation/policy.js';
import { DIALECTS, trigger, type TestApp } from '../harness.js';
import { bad, createPolicy, createSchedule, member, ok, policyBody, req, scheduleTarget, secondOrg, userTarget, onCallApp, type Json } from './fixtures.js';

describe.each(DIALECTS)('escalation policies REST on %s', (dialect) => {
  let t: TestApp;
  let ada: string, ben: string;
  let primary: Json;

  beforeAll(async () => {
    t = await onCallApp(dialect);
    ada = (await member(t, 'Ada')).id;
    ben = (await member(t, 'Ben')).id;
    primary = await createSchedule(t, 'Primary', 'Europe/Berlin', [{ start: '2026-03-02T09:00:00', rotation_turn_length_seconds: 604_800, users: [ada, ben] }]);
  });
  afterAll(async () => t.close());

  it('round-trips a policy in PagerDuty shape; rules get ids that survive an update', async () => {
    const pol = await createPolicy(
      t,
      'Helpline',
      [
        { delay: 15, targets: [scheduleTarget(primary.id)] },
        { delay: 30, targets: [{ id: ben, type: 'user' }, userTarget(ada), userTarget(ben)] },
      ],
      2,
    );
    expect(pol).toMatchObject({ type: 'escalation_policy', name: 'Helpline', summary: 'Helpline', num_loops: 2, services: [], teams: [], on_call_handoff_notifications: 'if_has_services' });
    expect(pol.escalation_rules).toHaveLength(2);
    const [r1, r2] = pol.escalation_rules as Json[];
    expect(r1).toMatchObject({ escalation_delay_in_minutes: 15, targets: [{ id: primary.id, type: 'schedule_reference', summary: 'Primary', self: `http://vigil.test/api/v1/schedules/${primary.id}` }] });
    // 'user' is read as user_reference; a target listed twice is kept once.
    expect(r2!.targets.map((x: Json) => [x.id, x.type, x.summary])).toEqual([
      [ben, 'user_reference', 'Ben'],
      [ada, 'user_reference', 'Ada'],
    ]);
    expect(r1!.id).toEqual(expect.any(String));
    expect(r1!.id).not.toBe(r2!.id);
    expect((await ok(req(t, 'GET', `/api/v1/escalation_policies/${pol.id}`))).escalation_policy).toEqual(pol);

    const put = await ok(req(t, 'PUT', `/api/v1/escalation_policies/${pol.id}`, { escalation_policy: { ...pol, escalation_rules: [{ ...r2, escalation_delay_in_minutes: 5 }, r1, { escalation_delay_in_minutes: 10, targets: [userTarget(ada)] }] } }));
    const rules = put.escalation_policy.escalation_rules as Json[];
    expect(rules.map((r) => r.id).slice(0, 2)).toEqual([r2!.id, r1!.id]);
    expect(rules[2]!.id).not.toBe(r1!.id);
    expect(rules.map((r) => r.escalation_delay_in_minutes)).toEqual([5, 15, 10]);

    const list = await ok(req(t, 'GET', `/api/v1/escalation_policies?user_ids[]=${ben}&total=true`));
    expect(list.escalation_policies.map((x: Json) => x.id)).toContain(pol.id);
    expect(list.total).toBeGreaterThanOrEqual(1);
  });

  it('names the rule and target that does not exist in the organization, and writes nothing', async () => {
    const other = await secondOrg(t);
    const before = (await ok(req(t, 'GET', '/api/v1/escalation_policies?total=true'))).total;
    const errors = await bad(
      req(
        t,
        'POST',
        '/api/v1/escalation_policies',
        policyBody('Broken', [{ targets: [userTarget(ada)] }, { targets: [userTarget(ada), userTarget(other.userId), scheduleTarget('PNOSCHED'), { id: ada, type: 'team_reference' }] }]),
      ),
    );
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^escalation_policy\.escalation_rules\[1\]\.targets\[1\]: user/),
        expect.stringMatching(/^escalation_policy\.escalation_rules\[1\]\.targets\[2\]: schedule/),
        expect.stringMatching(/^escalation_policy\.escalation_rules\[1\]\.targets\[3\]\.type/),
      ]),
    );
    expect((await bad(req(t, 'POST', '/api/v1/escalation_policies', policyBody('Empty', []))))[0]).toMatch(/^escalation_policy\.escalation_rules/);
    expect((await bad(req(t, 'POST', '/api/v1/escalation_policies', policyBody('Slow', [{ delay: 0, targets: [userTarget(ada)] }]))))[0]).toMatch(/^escalation_policy\.escalation_rules\[0\]\.escalation_delay_in_minutes/);
    expect((await bad(req(t, 'POST', '/api/v1/escalation_policies', policyBody('Loops', [{ targets: [userTarget(ada)] }], 12))))[0]).toMatch(/^escalation_policy\.num_loops/);
    expect((await ok(req(t, 'GET', '/api/v1/escalation_policies?total=true'))).total).toBe(before);
  });

  it('one policy per service: the service names it, the policy lists the service, and cannot be deleted while used', async () => {
    const pol = await createPolicy(t, 'Service policy', [{ targets: [userTarget(ada)] }]);
    const svc = await ok(req(t, 'POST', '/api/v1/services', { service: { name: 'Crisis chat', escalation_policy: { id: pol.id, type: 'escalation_policy_reference' } } }), 201);
    expect(svc.service.escalation_policy.id).toBe(pol.id);
    expect((await bad(req(t, 'POST', '/api/v1/services', { service: { name: 'Nope', escalation_policy: { id: 'PNOPOLICY' } } })))[0]).toMatch(/^service\.escalation_policy/);

    const got = (await ok(req(t, 'GET', `/api/v1/escalation_policies/${pol.id}`))).escalation_policy;
    expect(got.services).toEqual([expect.objectContaining({ id: svc.service.id, type: 'service_reference', summary: 'Crisis chat' })]);
    expect((await bad(req(t, 'DELETE', `/api/v1/escalation_policies/${pol.id}`)))[0]).toContain('Crisis chat');

    await ok(req(t, 'PUT', `/api/v1/services/${svc.service.id}`, { service: { escalation_policy: null } }));
    await ok(req(t, 'DELETE', `/api/v1/escalation_policies/${pol.id}`), 204);
    await bad(req(t, 'GET', `/api/v1/escalation_policies/${pol.id}`), 404);
  });

  it('an incident keeps the policy it froze when it triggered; later edits apply to new incidents only', async () => {
    const pol = await createPolicy(t, 'Frozen', [{ delay: 10, targets: [userTarget(ada)] }], 1);
    const svc = await ok(req(t, 'POST', '/api/v1/services', { service: { name: 'Food bank line', escalation_policy: { id: pol.id } } }), 201);
    const integ = await ok(req(t, 'POST', `/api/v1/services/${svc.service.id}/integrations`, { integration: { type: 'events_v2' } }), 201);
    const key = integ.integration.integration_key as string;
    expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, { dedup_key: 'first' }) })).statusCode).toBe(202);

    await ok(req(t, 'PUT', `/api/v1/escalation_policies/${pol.id}`, { escalation_policy: { num_loops: 0, escalation_rules: [{ escalation_delay_in_minutes: 45, targets: [userTarget(ben)] }] } }));
    // Resolve the first (alerts of a service group into its open incident), then open a second.
    expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: { routing_key: key, event_action: 'resolve', dedup_key: 'first' } })).statusCode).toBe(202);
    expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, { dedup_key: 'second' }) })).statusCode).toBe(202);

    const rows = await t.db.handle.db.selectFrom('incidents').select(['incident_key', 'escalation_policy_id', 'escalation_snapshot']).where('service_id', '=', svc.service.id).orderBy('number').execute();
    expect(rows.map((r) => r.incident_key)).toEqual(['first', 'second']);
    const [first, second] = rows.map((r) => JSON.parse(r.escalation_snapshot!) as PolicySnapshot);
    expect(rows[0]!.escalation_policy_id).toBe(pol.id);
    expect(first).toMatchObject({ policyId: pol.id, name: 'Frozen', numLoops: 1, rules: [{ escalation_delay_in_minutes: 10, targets: [{ id: ada, type: 'user_reference' }] }] });
    expect(second).toMatchObject({ policyId: pol.id, numLoops: 0, rules: [{ escalation_delay_in_minutes: 45, targets: [{ id: ben, type: 'user_reference' }] }] });
  });
});
