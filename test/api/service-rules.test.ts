/**
 * PagerDuty's legacy service event rules (/services/{id}/rules) on both dialects: the
 * answers are in PagerDuty's ServiceEventRule shape (checked against its schema), a rule
 * created here is applied by ingest (an event through /v2/enqueue is suppressed by it),
 * update keeps what is not sent and moves by position, a rule written through event
 * orchestrations reads back, and bad input is refused naming the field, writing nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, serviceWithKey, trigger, type TestApp } from '../harness.js';
import { createApp, req, type Json } from './helpers.js';
import { expectPagerDutyShapeTolerant } from './pd-rest-schema.js';

describe.each(DIALECTS)('legacy service event rules (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createApp(dialect);
  });
  afterAll(async () => t.close());
  const enqueue = (body: unknown) => t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: body });
  const alerts = (serviceId: string) => t.db.handle.db.selectFrom('alerts').select(['summary', 'status', 'incident_id', 'suppressed_by', 'severity']).where('service_id', '=', serviceId).orderBy('first_seen_at').orderBy('id').execute();

  it('a rule created here suppresses matching events at ingest; list, get, update, move and delete read and write the service rules', async () => {
    const s = await serviceWithKey(t, 'events_v2', 'Chat line');
    const base = `/api/v1/services/${s.serviceId}/rules`;
    const created = await req(t, 'POST', base, {
      rule: {
        conditions: { operator: 'and', subconditions: [{ operator: 'contains', parameters: { path: 'summary', value: 'heartbeat' } }, { operator: 'equals', parameters: { path: 'payload.custom_details.env', value: "it's staging" } }] },
        actions: { suppress: { value: true }, annotate: null },
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    expectPagerDutyShapeTolerant(created.json(), '/services/{id}/rules', 'post', '201');
    const rule = created.json().rule as Json;
    expect(rule).toMatchObject({ position: 0, disabled: false, conditions: { operator: 'and', subconditions: [{ operator: 'contains', parameters: { path: 'summary', value: 'heartbeat' } }, { operator: 'equals', parameters: { path: 'custom_details.env', value: "it's staging" } }] }, actions: { suppress: { value: true }, severity: null } });
    // Stored as a rule of the start set, in PCL, which ingest applies.
    const path = (await req(t, 'GET', `/api/v1/event_orchestrations/services/${s.serviceId}`)).json().orchestration_path;
    expect(path.sets[0].rules).toEqual([expect.objectContaining({ id: rule.id, conditions: [{ expression: "event.summary matches part 'heartbeat' and event.custom_details.env matches 'it\\'s staging'" }], actions: { suppress: true } })]);

    await enqueue(trigger(s.key, { dedup_key: 'hb' }, { summary: 'Chat heartbeat missed', custom_details: { env: "it's staging" } }));
    await enqueue(trigger(s.key, { dedup_key: 'prod' }, { summary: 'Chat heartbeat missed', custom_details: { env: 'production' } }));
    let rows = await alerts(s.serviceId);
    expect(rows.map((a) => [a.summary, a.status, a.incident_id === null, a.suppressed_by])).toEqual([
      ['Chat heartbeat missed', 'suppressed', true, 'rule'],
      ['Chat heartbeat missed', 'triggered', false, null],
    ]);

    // A second rule first (position 0); update the first: severity, kept conditions, disabled.
    const second = await req(t, 'POST', base, { rule: { position: 0, conditions: { operator: 'or', subconditions: [{ operator: 'nexists', parameters: { path: 'component' } }, { operator: 'matches', parameters: { path: 'source', value: '^db-\\d+$' } }] }, actions: { severity: { value: 'warning' } } } });
    expect(second.statusCode, second.body).toBe(201);
    const upd = await req(t, 'PUT', `${base}/${rule.id}`, { rule_id: rule.id, rule: { disabled: true, position: 0, actions: { suppress: { value: false }, severity: { value: 'info' } } } });
    expect(upd.statusCode, upd.body).toBe(200);
    expectPagerDutyShapeTolerant(upd.json(), '/services/{id}/rules/{rule_id}', 'put');
    expect(upd.json().rule).toMatchObject({ id: rule.id, position: 0, disabled: true, conditions: rule.conditions, actions: { suppress: { value: false }, severity: { value: 'info' } } });

    const list = await req(t, 'GET', `${base}?total=true`);
    expect(list.statusCode, list.body).toBe(200);
    expectPagerDutyShapeTolerant(list.json(), '/services/{id}/rules', 'get');
    expect(list.json()).toMatchObject({ total: 2, more: false, limit: 25, offset: 0 });
    expect(list.json().rules.map((r: Json) => [r.id, r.position])).toEqual([[rule.id, 0], [second.json().rule.id, 1]]);
    expect(list.json().rules[1].conditions).toEqual({ operator: 'or', subconditions: [{ operator: 'nexists', parameters: { path: 'component', value: '' } }, { operator: 'matches', parameters: { path: 'source', value: '^db-\\d+$' } }] });
    const one = await req(t, 'GET', `${base}/${second.json().rule.id}`);
    expectPagerDutyShapeTolerant(one.json(), '/services/{id}/rules/{rule_id}', 'get');

    // The disabled rule no longer suppresses; the regex rule sets severity on a db source.
    await enqueue(trigger(s.key, { dedup_key: 'hb2' }, { summary: 'Chat heartbeat missed again', source: 'db-12', component: undefined, custom_details: { env: "it's staging" } }));
    rows = await alerts(s.serviceId);
    expect(rows[2]).toMatchObject({ summary: 'Chat heartbeat missed again', status: 'triggered', suppressed_by: null, severity: 'warning' });

    // A rule written through event orchestrations with PCL legacy rules cannot express, and Vigil-only actions.
    const put = await req(t, 'PUT', `/api/v1/event_orchestrations/services/${s.serviceId}`, { orchestration_path: { ...path, sets: [{ id: 'start', rules: [...list.json().rules.map((r: Json) => ({ id: r.id, conditions: path.sets[0].rules[0].conditions, actions: {} })), { conditions: [{ expression: "not (event.summary matches part 'x')" }], actions: { urgency: 'low', annotate: 'n' } }] }] } });
    expect(put.statusCode, put.body).toBe(200);
    const third = (await req(t, 'GET', base)).json().rules[2];
    expect(third).toMatchObject({ position: 2, vigil_conditions: [{ expression: "not (event.summary matches part 'x')" }], actions: { annotate: { value: 'n' } }, vigil_actions: { urgency: 'low' } });
    expect(third.conditions).toBeUndefined();
    // Updating its legacy actions keeps the Vigil-only one.
    const kept = await req(t, 'PUT', `${base}/${third.id}`, { rule: { actions: { annotate: { value: 'again' } } } });
    expect(kept.json().rule).toMatchObject({ actions: { annotate: { value: 'again' } }, vigil_actions: { urgency: 'low' } });

    expect((await req(t, 'DELETE', `${base}/${rule.id}`)).statusCode).toBe(204);
    expect((await req(t, 'GET', `${base}/${rule.id}`)).statusCode).toBe(404);
    expect((await req(t, 'GET', base)).json().rules.map((r: Json) => r.position)).toEqual([0, 1]);
  });

  it('refuses what it cannot honour, naming the field, and writes nothing', async () => {
    const s = await serviceWithKey(t, 'events_v2', 'Refusals');
    const base = `/api/v1/services/${s.serviceId}/rules`;
    const bad = async (rule: unknown, ...fields: string[]) => {
      const r = await req(t, 'POST', base, { rule });
      expect(r.statusCode, r.body).toBe(400);
      const errors = r.json().error.errors as string[];
      for (const f of fields) expect(errors.some((e) => e.startsWith(f)), `${f} in ${errors.join('; ')}`).toBe(true);
    };
    await bad({ time_frame: { active_between: { start_time: 1, end_time: 2 } } }, 'rule.time_frame');
    await bad({ variables: [{ type: 'regex', name: 'x', parameters: { value: '.', path: 'summary' } }] }, 'rule.variables');
    await bad({ conditions: { operator: 'xor', subconditions: [{ operator: 'like', parameters: { path: 'nope', value: 'a' } }] } }, 'rule.conditions.operator', 'rule.conditions.subconditions[0].operator', 'rule.conditions.subconditions[0].parameters.path');
    await bad({ conditions: { subconditions: [{ operator: 'equals', parameters: { path: 'summary', value: 'a', options: { ignorecase: true } } }, { operator: 'equals', parameters: { path: 'summary' } }] } }, 'rule.conditions.subconditions[0].parameters.options', 'rule.conditions.subconditions[1].parameters.value');
    await bad({ actions: { suppress: { value: true, threshold_value: 3 }, extractions: [{ target: 'summary', source: 'source', regex: '(.*)' }], route_to: { value: 'x' } } }, 'rule.actions.suppress.threshold_value', 'rule.actions.extractions', 'rule.actions.route_to');
    await bad({ actions: { severity: { value: 'loud' }, priority: { value: 'PNOPE' } } }, 'rule.actions.severity');
    await bad({ actions: { priority: { value: 'PNOPE' } } }, 'rule.actions.priority');
    await bad({ position: 3 }, 'rule.position');
    await bad({ colour: 'red' }, 'rule.colour');
    expect((await req(t, 'GET', base)).json().rules).toEqual([]);
    // Concurrent creates (Terraform makes them so) all land: each write is made on the version it read, else read again.
    const made8 = await Promise.all(Array.from({ length: 8 }, (_, i) => req(t, 'POST', base, { rule: { conditions: { operator: 'and', subconditions: [{ operator: 'equals', parameters: { path: 'source', value: `host-${i}` } }] } } })));
    expect(made8.map((r) => r.statusCode)).toEqual(Array(8).fill(201));
    expect(new Set((await req(t, 'GET', base)).json().rules.map((r: Json) => r.conditions.subconditions[0].parameters.value)).size).toBe(8);
    for (const r of made8) await req(t, 'DELETE', `${base}/${r.json().rule.id}`);
    const made = (await req(t, 'POST', base, { rule: {} })).json().rule;
    expect(made.conditions).toEqual({ operator: 'and', subconditions: [] });
    const mismatch = await req(t, 'PUT', `${base}/${made.id}`, { rule_id: 'other', rule: {} });
    expect(mismatch.statusCode).toBe(400);
    expect((await req(t, 'PUT', `${base}/nope`, { rule: {} })).statusCode).toBe(404);
    expect((await req(t, 'GET', `/api/v1/services/nope/rules`)).statusCode).toBe(404);
  });
});
