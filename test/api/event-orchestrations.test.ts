/**
 * Event rules through the REST API (PagerDuty Event Orchestration paths), on every
 * dialect: answers conform to PagerDuty's published schemas, bad rule sets are refused
 * whole with 400 naming each field and nothing stored, another organization sees 404,
 * the test endpoints evaluate a sample event, and the functions ingest calls find the
 * org-wide routing key and the compiled rules (recompiled exactly when rules change).
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/server/lib/secrets.js';
import { findOrchestrationByKeyHash, loadRouter, loadServiceRules, loadUnrouted } from '../../src/server/rules/orchestration.service.js';
import { applyServiceRules, routeEvent, type RuleEvent } from '../../src/server/rules/rules.js';
import { DIALECTS, manualClock, type TestApp } from '../harness.js';
import { createApp, member, req, secondOrg, type Json } from './helpers.js';
import { expectPagerDutyShape } from './pd-rest-schema.js';

const event = (payload: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({ event: { payload: { summary: 'Disk full on db-7', source: 'db-7', severity: 'error', ...payload }, ...extra } });

async function rowCounts(t: TestApp): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of ['event_orchestrations', 'event_orchestration_integrations', 'event_orchestration_paths'] as const) {
    const r = await t.db.handle.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    out[table] = Number(r.n);
  }
  return out;
}

describe.each(DIALECTS)('event orchestrations REST on %s', (dialect) => {
  let t: TestApp;
  let eu: string;
  let us: string;
  let orch: Json;
  let key: string;

  const service = async (name: string) => {
    const r = await req(t, 'POST', '/api/v1/services', { service: { name } });
    expect(r.statusCode, r.body).toBe(201);
    return r.json().service.id as string;
  };

  beforeAll(async () => {
    t = await createApp(dialect, { clock: manualClock('2026-03-02T10:00:00Z') });
    eu = await service('Chat EU');
    us = await service('Chat US');
    const r = await req(t, 'POST', '/api/v1/event_orchestrations', { orchestration: { name: 'All monitoring', description: 'Every tool sends here' } });
    expect(r.statusCode, r.body).toBe(201);
    orch = r.json().orchestration;
    key = orch.integrations[0].parameters.routing_key;
  });
  afterAll(async () => t.close());

  it('creates an orchestration with an org-wide routing key shown once, in PagerDuty shape', async () => {
    expectPagerDutyShape({ orchestration: orch }, '/event_orchestrations', 'post', '201');
    expect(orch).toMatchObject({ name: 'All monitoring', description: 'Every tool sends here', routes: 0, version: '1', created_by: { type: 'user_reference', id: t.org.user.id } });
    expect(key).toMatch(/^[a-z0-9]{32}$/);
    expect(orch.integrations[0]).toMatchObject({ label: 'Default', parameters: { type: 'global' }, routing_key_hint: key.slice(0, 4), ingest_url: 'http://vigil.test/v2/enqueue' });
    const got = await req(t, 'GET', `/api/v1/event_orchestrations/${orch.id}`);
    expect(got.statusCode).toBe(200);
    expectPagerDutyShape(got.json(), '/event_orchestrations/{id}', 'get');
    expect(got.json().orchestration.integrations[0].parameters).toEqual({ type: 'global' });
    // Only the hash is stored.
    const stored = await t.db.handle.db.selectFrom('event_orchestration_integrations').selectAll().execute();
    expect(stored.map((i) => i.key_hash)).toContain(hashSecret(key));
    expect(JSON.stringify(stored)).not.toContain(key);
  });

  it('lists, renames and counts versions', async () => {
    const list = await req(t, 'GET', '/api/v1/event_orchestrations?total=true');
    expect(list.statusCode).toBe(200);
    expectPagerDutyShape(list.json(), '/event_orchestrations', 'get');
    expect(list.json()).toMatchObject({ limit: 25, offset: 0, more: false, total: 1 });
    const put = await req(t, 'PUT', `/api/v1/event_orchestrations/${orch.id}`, { orchestration: { name: 'All monitoring tools' } });
    expect(put.statusCode, put.body).toBe(200);
    expectPagerDutyShape(put.json(), '/event_orchestrations/{id}', 'put');
    expect(put.json().orchestration).toMatchObject({ name: 'All monitoring tools', description: 'Every tool sends here', version: '2' });
    const refused = await req(t, 'PUT', `/api/v1/event_orchestrations/${orch.id}`, { orchestration: { team: { id: 'PTEAM' }, colour: 'red' } });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.errors).toEqual(['orchestration.team: teams are not supported by Vigil; an orchestration belongs to the organization (leave team out)', 'orchestration.colour: unknown field']);
  });

  it('manages integrations (routing keys) in PagerDuty shape', async () => {
    const made = await req(t, 'POST', `/api/v1/event_orchestrations/${orch.id}/integrations`, { integration: { label: 'Prometheus' } });
    expect(made.statusCode, made.body).toBe(201);
    expectPagerDutyShape(made.json(), '/event_orchestrations/{id}/integrations', 'post', '201');
    const integ = made.json().integration;
    expect(integ.parameters.routing_key).toMatch(/^[a-z0-9]{32}$/);
    const list = await req(t, 'GET', `/api/v1/event_orchestrations/${orch.id}/integrations`);
    expectPagerDutyShape(list.json(), '/event_orchestrations/{id}/integrations', 'get');
    expect(list.json().total).toBe(2);
    const renamed = await req(t, 'PUT', `/api/v1/event_orchestrations/${orch.id}/integrations/${integ.id}`, { integration: { label: 'Prometheus (prod)' } });
    expectPagerDutyShape(renamed.json(), '/event_orchestrations/{id}/integrations/{integration_id}', 'put');
    expect(renamed.json().integration).toMatchObject({ label: 'Prometheus (prod)', parameters: { type: 'global' } });
    const got = await req(t, 'GET', `/api/v1/event_orchestrations/${orch.id}/integrations/${integ.id}`);
    expectPagerDutyShape(got.json(), '/event_orchestrations/{id}/integrations/{integration_id}', 'get');
    expect(await findOrchestrationByKeyHash(t.db.handle.db, hashSecret(integ.parameters.routing_key))).toEqual({ orgId: t.org.org.id, orchestrationId: orch.id, integrationId: integ.id });
    expect((await req(t, 'DELETE', `/api/v1/event_orchestrations/${orch.id}/integrations/${integ.id}`)).statusCode).toBe(204);
    expect(await findOrchestrationByKeyHash(t.db.handle.db, hashSecret(integ.parameters.routing_key))).toBeUndefined();
    expect((await req(t, 'GET', `/api/v1/event_orchestrations/${orch.id}/integrations/${integ.id}`)).statusCode).toBe(404);
  });

  it('the router starts empty (everything unrouted), takes rules by region, and keeps rule ids sent back', async () => {
    const empty = await req(t, 'GET', `/api/v1/event_orchestrations/${orch.id}/router`);
    expect(empty.statusCode).toBe(200);
    expectPagerDutyShape(empty.json(), '/event_orchestrations/{id}/router', 'get');
    expect(empty.json().orchestration_path).toMatchObject({ type: 'router', parent: { id: orch.id, type: 'event_orchestration_reference' }, sets: [{ id: 'start', rules: [] }], catch_all: { actions: { route_to: 'unrouted' } }, version: '0' });

    const put = await req(t, 'PUT', `/api/v1/event_orchestrations/${orch.id}/router`, {
      orchestration_path: {
        type: 'router',
        sets: [
          {
            id: 'start',
            rules: [
              { label: 'Europe', conditions: [{ expression: "event.custom_details.region matches part 'eu-'" }], actions: { route_to: eu } },
              { label: 'Americas', conditions: [{ expression: "event.custom_details.region matches regex '^(us|ca)-'" }, { expression: "event.source starts with 'us-'" }], actions: { route_to: us } },
            ],
          },
        ],
        catch_all: { actions: { route_to: 'unrouted' } },
      },
    });
    expect(put.statusCode, put.body).toBe(200);
    expectPagerDutyShape(put.json(), '/event_orchestrations/{id}/router', 'put');
    const path = put.json().orchestration_path;
    expect(path.version).toBe('1');
    expect(path.sets[0].rules.map((r: Json) => r.label)).toEqual(['Europe', 'Americas']);
    expect(path.sets[0].rules[0].id).toMatch(/^[0-9a-f]{8}$/);
    expect(path).toMatchObject({ created_by: { id: t.org.user.id }, updated_by: { id: t.org.user.id } });

    // A PagerDuty client reads, edits and writes back: read-only fields are accepted, ids kept.
    const again = await req(t, 'PUT', `/api/v1/event_orchestrations/${orch.id}/router`, { orchestration_path: { ...path, sets: [{ id: 'start', rules: [...path.sets[0].rules].reverse() }] } });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json().orchestration_path.version).toBe('2');
    expect(again.json().orchestration_path.sets[0].rules.map((r: Json) => r.id)).toEqual([path.sets[0].rules[1].id, path.sets[0].rules[0].id]);
    expect((await req(t, 'GET', `/api/v1/event_orchestrations/${orch.id}`)).json().orchestration.routes).toBe(2);
  });

  it('refuses bad rule sets whole, naming each field, and stores nothing', async () => {
    const before = await rowCounts(t);
    const current = (await req(t, 'GET', `/api/v1/event_orchestrations/${orch.id}/router`)).json();
    const cases: [unknown, string[]][] = [
      [
        { sets: [{ id: 'start', rules: [{ conditions: [{ expression: "event.foo matches 'x'" }], actions: { route_to: eu } }] }] },
        ['orchestration_path.sets[0].rules[0].conditions[0].expression: unknown field event.foo at 1'],
      ],
      [
        { sets: [{ id: 'start', rules: [{ conditions: [{ expression: "event.summary matches regex '(a)\\1'" }], actions: { route_to: eu } }] }] },
        ['orchestration_path.sets[0].rules[0].conditions[0].expression: invalid regular expression (RE2 syntax: no backreferences, lookahead or lookbehind): invalid escape sequence: `\\1` at 29'],
      ],
      [
        { sets: [{ id: 'start', rules: [{ conditions: [], actions: { route_to: 'PNOSUCH' } }] }], catch_all: { actions: { route_to: 'PGONE' } } },
        ['orchestration_path.sets[0].rules[0].actions.route_to: service PNOSUCH not found in this organization', 'orchestration_path.catch_all.actions.route_to: service PGONE not found in this organization'],
      ],
      [
        { sets: [{ id: 'start', rules: [{ conditions: [], actions: { dynamic_route_to: { lookup_by: 'service_id', source: 'event.source', regex: '(.*)' } } }] }] },
        ['orchestration_path.sets[0].rules[0].actions.dynamic_route_to: dynamic routing is not supported by Vigil; add one rule per service', 'orchestration_path.sets[0].rules[0].actions.route_to is required: a router rule routes to a service'],
      ],
      [{ sets: [{ id: 'start', rules: [{ disabled: 'no', actions: { route_to: eu } }] }] }, ['orchestration_path.sets[0].rules[0].disabled must be boolean']],
      [{ sets: [{ rules: [] }] }, ['orchestration_path.sets[0].id is required']],
    ];
    for (const [path, errors] of cases) {
      const r = await req(t, 'PUT', `/api/v1/event_orchestrations/${orch.id}/router`, { orchestration_path: path });
      expect(r.statusCode, r.body).toBe(400);
      expect(r.json().error).toMatchObject({ code: 2001, errors });
    }
    // Another organization's service is as unknown as one that never existed.
    const other = await secondOrg(t);
    const theirs = (await req(t, 'POST', '/api/v1/services', { service: { name: 'Theirs' } }, other.auth)).json().service.id;
    const foreign = await req(t, 'PUT', `/api/v1/event_orchestrations/${orch.id}/router`, { orchestration_path: { sets: [{ id: 'start', rules: [{ actions: { route_to: theirs } }] }] } });
    expect(foreign.json().error.errors).toEqual([`orchestration_path.sets[0].rules[0].actions.route_to: service ${theirs} not found in this organization`]);
    expect(await rowCounts(t)).toEqual(before);
    expect((await req(t, 'GET', `/api/v1/event_orchestrations/${orch.id}/router`)).json()).toEqual(current);
  });

  it("a service's rules: default, replace, refuse cycles and unknown priorities, turn off and on", async () => {
    const empty = await req(t, 'GET', `/api/v1/event_orchestrations/services/${eu}`);
    expect(empty.statusCode).toBe(200);
    expectPagerDutyShape(empty.json(), '/event_orchestrations/services/{service_id}', 'get');
    expect(empty.json().orchestration_path).toMatchObject({ type: 'service', parent: { id: eu, type: 'service_reference' }, sets: [{ id: 'start', rules: [] }], catch_all: { actions: {} } });
    expect(await loadServiceRules(t.db.handle.db, t.org.org.id, eu)).toBeNull();

    const before = await rowCounts(t);
    const cycle = await req(t, 'PUT', `/api/v1/event_orchestrations/services/${eu}`, {
      orchestration_path: { sets: [{ id: 'start', rules: [{ actions: { route_to: 'a' } }] }, { id: 'a', rules: [{ actions: { route_to: 'start' } }] }] },
    });
    expect(cycle.statusCode).toBe(400);
    expect(cycle.json().error.errors).toEqual(['orchestration_path.sets[1].rules[0].actions.route_to: routing to set start closes a cycle (start → a → start); route_to must lead to a set not already on the way']);
    const prio = await req(t, 'PUT', `/api/v1/event_orchestrations/services/${eu}`, { orchestration_path: { sets: [{ id: 'start', rules: [{ actions: { priority: 'PNOPE', escalation_policy: 'PEP' } }] }] } });
    expect(prio.json().error.errors).toEqual([
      'orchestration_path.sets[0].rules[0].actions.escalation_policy: overriding the escalation policy from a rule is not supported by Vigil',
    ]);
    const prio2 = await req(t, 'PUT', `/api/v1/event_orchestrations/services/${eu}`, { orchestration_path: { sets: [{ id: 'start', rules: [{ actions: { priority: 'PNOPE' } }] }] } });
    expect(prio2.json().error.errors).toEqual(['orchestration_path.sets[0].rules[0].actions.priority: priority PNOPE not found in this organization']);
    expect(await rowCounts(t)).toEqual(before);

    await sql`INSERT INTO priorities (org_id, id, name, description, rank, color, created_at, updated_at, deleted_at) VALUES (${t.org.org.id}, 'PRIO1', 'P1', 'Critical', 1, NULL, 0, 0, NULL)`.execute(t.db.handle.db);
    const put = await req(t, 'PUT', `/api/v1/event_orchestrations/services/${eu}`, {
      orchestration_path: {
        type: 'service',
        sets: [
          {
            id: 'start',
            rules: [
              { label: 'flapping check', conditions: [{ expression: "event.custom_details.check matches 'ping' and event.source matches part 'flappy'" }], actions: { suppress: true } },
              { label: 'disk', conditions: [{ expression: "event.summary matches part 'Disk'" }], actions: { route_to: 'disk' } },
            ],
          },
          {
            id: 'disk',
            rules: [
              {
                label: 'critical disk',
                conditions: [{ expression: 'event.custom_details.used_pct >= 95' }],
                actions: {
                  priority: 'PRIO1',
                  severity: 'critical',
                  annotate: 'Disk at {{event.custom_details.used_pct}}% on {{event.source}}',
                  extractions: [
                    { target: 'event.summary', template: '[{{event.custom_details.region}}] {{event.summary}}' },
                    { target: 'event.dedup_key', template: 'disk-{{event.source}}' },
                  ],
                },
              },
            ],
          },
        ],
        catch_all: { actions: { suspend: 300, urgency: 'low' } },
      },
    });
    expect(put.statusCode, put.body).toBe(200);
    expectPagerDutyShape(put.json(), '/event_orchestrations/services/{service_id}', 'put');
    expect(put.json().orchestration_path.version).toBe('1');

    const active = await req(t, 'GET', `/api/v1/event_orchestrations/services/${eu}/active`);
    expectPagerDutyShape(active.json(), '/event_orchestrations/services/{service_id}/active', 'get');
    expect(active.json()).toEqual({ active: true });
    const compiled = await loadServiceRules(t.db.handle.db, t.org.org.id, eu);
    expect(compiled).not.toBeNull();
    const e: RuleEvent = { summary: 'Disk full', source: 'db-7', severity: 'error', custom_details: { used_pct: 97, region: 'eu-west-3' }, timestamp: t.clock.now() };
    expect(applyServiceRules(compiled!, e, t.clock.now())).toMatchObject({ priorityId: 'PRIO1', severity: 'critical', notes: ['Disk at 97% on db-7'], event: { summary: '[eu-west-3] Disk full', dedup_key: 'disk-db-7' } });

    const off = await req(t, 'PUT', `/api/v1/event_orchestrations/services/${eu}/active`, { active: false });
    expect(off.statusCode).toBe(200);
    expect(off.json()).toEqual({ active: false });
    expect(await loadServiceRules(t.db.handle.db, t.org.org.id, eu)).toBeNull();
    expect((await req(t, 'GET', `/api/v1/event_orchestrations/services/${eu}`)).json().orchestration_path.version).toBe('1');
    await req(t, 'PUT', `/api/v1/event_orchestrations/services/${eu}/active`, { active: true });
    // The cache still holds version 1: the same compiled rules come back.
    expect(await loadServiceRules(t.db.handle.db, t.org.org.id, eu)).toBe(compiled);
    expect((await req(t, 'GET', `/api/v1/event_orchestrations/services/PNOSUCH`)).statusCode).toBe(404);
    expect((await req(t, 'PUT', `/api/v1/event_orchestrations/services/PNOSUCH/active`, { active: false })).statusCode).toBe(404);
  });

  it('the unrouted path takes severity and extractions, and suppresses', async () => {
    const empty = await req(t, 'GET', `/api/v1/event_orchestrations/${orch.id}/unrouted`);
    expectPagerDutyShape(empty.json(), '/event_orchestrations/{id}/unrouted', 'get');
    expect(empty.json().orchestration_path.catch_all).toEqual({ actions: { suppress: true } });
    const put = await req(t, 'PUT', `/api/v1/event_orchestrations/${orch.id}/unrouted`, {
      orchestration_path: { type: 'unrouted', sets: [{ id: 'start', rules: [{ conditions: [{ expression: "event.severity matches 'critical'" }], actions: { extractions: [{ target: 'event.summary', template: '[Critical Unrouted] {{event.summary}}' }] } }] }], catch_all: { actions: { suppress: true } } },
    });
    expect(put.statusCode, put.body).toBe(200);
    expectPagerDutyShape(put.json(), '/event_orchestrations/{id}/unrouted', 'put');
    const bad = await req(t, 'PUT', `/api/v1/event_orchestrations/${orch.id}/unrouted`, { orchestration_path: { sets: [{ id: 'start', rules: [{ actions: { priority: 'PRIO1' } }] }] } });
    expect(bad.json().error.errors).toEqual(['orchestration_path.sets[0].rules[0].actions.priority: not available in a unrouted rule (available: route_to, severity, event_action, variables, extractions)']);
    const c = await loadUnrouted(t.db.handle.db, t.org.org.id, orch.id);
    expect(applyServiceRules(c!, { summary: 'x', source: null, severity: 'critical', timestamp: 0 }, 0)).toMatchObject({ event: { summary: '[Critical Unrouted] x' } });
    expect(applyServiceRules(c!, { summary: 'x', source: null, severity: 'info', timestamp: 0 }, 0)).toMatchObject({ suppress: true, event: { summary: 'x' } });
  });

  it('tests a sample event against the router: which rule matched and where it goes; a draft too, storing nothing', async () => {
    const r = await req(t, 'POST', `/api/v1/event_orchestrations/${orch.id}/router/test`, event({ custom_details: { region: 'eu-west-3' } }));
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().result).toMatchObject({ draft: false, unrouted: false, route_to: { id: eu, type: 'service_reference', summary: 'Chat EU' }, matched: [{ set_id: 'start', label: 'Europe', catch_all: false }] });
    const none = await req(t, 'POST', `/api/v1/event_orchestrations/${orch.id}/router/test`, event({ custom_details: { region: 'ap-south-1' } }));
    expect(none.json().result).toEqual({ draft: false, unrouted: true, route_to: null, matched: [{ set_id: 'start', rule_id: null, label: null, catch_all: true }] });
    const before = await rowCounts(t);
    const draft = await req(t, 'POST', `/api/v1/event_orchestrations/${orch.id}/router/test`, {
      ...event({ severity: 'critical' }),
      orchestration_path: { sets: [{ id: 'start', rules: [{ label: 'critical to US', conditions: [{ expression: "event.severity matches 'critical'" }], actions: { route_to: us } }] }] },
    });
    expect(draft.json().result).toMatchObject({ draft: true, route_to: { id: us }, matched: [{ label: 'critical to US' }] });
    const badDraft = await req(t, 'POST', `/api/v1/event_orchestrations/${orch.id}/router/test`, { ...event(), orchestration_path: { sets: [{ id: 'start', rules: [{ conditions: [{ expression: 'event.summary matches' }], actions: { route_to: us } }] }] } });
    expect(badDraft.statusCode).toBe(400);
    expect(badDraft.json().error.errors).toEqual(['orchestration_path.sets[0].rules[0].conditions[0].expression: expected a quoted string after event.summary matches, got the end of the condition at 22']);
    const badEvent = await req(t, 'POST', `/api/v1/event_orchestrations/${orch.id}/router/test`, event({ severity: 'urgent', timestamp: 'yesterday' }));
    expect(badEvent.statusCode).toBe(400);
    expect(badEvent.json().error.errors).toEqual(['event.payload.timestamp must be an ISO 8601 date-time, got "yesterday"']);
    expect(await rowCounts(t)).toEqual(before);
  });

  it("tests a sample event against a service's rules: matches, actions, the event after extractions", async () => {
    const r = await req(t, 'POST', `/api/v1/event_orchestrations/services/${eu}/test`, event({ custom_details: { used_pct: 96, region: 'eu-west-3' } }, { dedup_key: 'k1', links: [{ href: 'https://runbook.example' }] }));
    expect(r.statusCode, r.body).toBe(200);
    const result = r.json().result;
    expect(result.matched.map((m: Json) => [m.set_id, m.label])).toEqual([
      ['start', 'disk'],
      ['disk', 'critical disk'],
    ]);
    expect(result.actions).toEqual({ drop_event: false, suppress: false, suspend: null, priority: { id: 'PRIO1', type: 'priority_reference', summary: 'P1', self: 'http://vigil.test/api/v1/priorities/PRIO1', html_url: null }, severity: 'critical', urgency: null, event_action: null, annotations: ['Disk at 96% on db-7'] });
    expect(result.event).toEqual({
      payload: { summary: '[eu-west-3] Disk full on db-7', source: 'db-7', severity: 'error', custom_details: { used_pct: 96, region: 'eu-west-3' }, timestamp: '2026-03-02T10:00:00.000Z' },
      dedup_key: 'disk-db-7',
      links: [{ href: 'https://runbook.example' }],
      client: null,
    });
    const flappy = await req(t, 'POST', `/api/v1/event_orchestrations/services/${eu}/test`, event({ summary: 'ping failed', source: 'flappy-1', custom_details: { check: 'ping' } }));
    expect(flappy.json().result).toMatchObject({ matched: [{ label: 'flapping check' }], actions: { suppress: true } });
    const other = await req(t, 'POST', `/api/v1/event_orchestrations/services/${eu}/test`, event({ summary: 'latency' }));
    expect(other.json().result).toMatchObject({ matched: [{ catch_all: true }], actions: { suspend: 300, urgency: 'low' } });
    // Time conditions: `now` sets the instant evaluated.
    const hours = {
      orchestration_path: { sets: [{ id: 'start', rules: [{ label: 'off hours', conditions: [{ expression: 'not (now in Mon,Tue,Wed,Thu,Fri 09:00:00 to 17:00:00 Europe/Paris)' }], actions: { urgency: 'low' } }] }] },
    };
    const inHours = await req(t, 'POST', `/api/v1/event_orchestrations/services/${eu}/test`, { ...event(), ...hours, now: '2026-03-02T15:59:00Z' });
    expect(inHours.json().result).toMatchObject({ draft: true, matched: [{ catch_all: true }], actions: { urgency: null } });
    const outHours = await req(t, 'POST', `/api/v1/event_orchestrations/services/${eu}/test`, { ...event(), ...hours, now: '2026-03-02T16:01:00Z' });
    expect(outHours.json().result).toMatchObject({ matched: [{ label: 'off hours' }], actions: { urgency: 'low' } });
  });

  it('ingest finds the routing key, routes with the compiled router, and recompiles only when the rules change', async () => {
    const db = t.db.handle.db;
    const hit = await findOrchestrationByKeyHash(db, hashSecret(key));
    expect(hit).toEqual({ orgId: t.org.org.id, orchestrationId: orch.id, integrationId: orch.integrations[0].id });
    const r1 = await loadRouter(db, t.org.org.id, orch.id);
    expect(await loadRouter(db, t.org.org.id, orch.id)).toBe(r1);
    const e: RuleEvent = { summary: 'x', source: 'us-west', severity: 'info', custom_details: { region: 'us-east-1' }, timestamp: t.clock.now() };
    expect(routeEvent(r1!, e, t.clock.now()).routeTo).toBe(us);
    const path = (await req(t, 'GET', `/api/v1/event_orchestrations/${orch.id}/router`)).json().orchestration_path;
    await req(t, 'PUT', `/api/v1/event_orchestrations/${orch.id}/router`, { orchestration_path: { ...path, catch_all: { actions: { route_to: eu } } } });
    const r2 = await loadRouter(db, t.org.org.id, orch.id);
    expect(r2).not.toBe(r1);
    expect(routeEvent(r2!, { ...e, custom_details: {}, source: null }, t.clock.now())).toEqual({ routeTo: eu, matched: [{ set: 'start', rule: null, label: null }] });
    expect(await loadRouter(db, t.org.org.id, 'PNOSUCH')).toBeNull();
    expect(await loadUnrouted(db, t.org.org.id, 'PNOSUCH')).toBeNull();
    expect(await findOrchestrationByKeyHash(db, hashSecret('0'.repeat(32)))).toBeUndefined();
  });

  it("another organization's token gets 404 everywhere, and lists nothing", async () => {
    const other = await secondOrg(t);
    const urls: [string, string, unknown?][] = [
      ['GET', `/api/v1/event_orchestrations/${orch.id}`],
      ['PUT', `/api/v1/event_orchestrations/${orch.id}`, { orchestration: { name: 'mine now' } }],
      ['DELETE', `/api/v1/event_orchestrations/${orch.id}`],
      ['GET', `/api/v1/event_orchestrations/${orch.id}/integrations`],
      ['POST', `/api/v1/event_orchestrations/${orch.id}/integrations`, { integration: { label: 'x' } }],
      ['GET', `/api/v1/event_orchestrations/${orch.id}/integrations/${orch.integrations[0].id}`],
      ['GET', `/api/v1/event_orchestrations/${orch.id}/router`],
      ['PUT', `/api/v1/event_orchestrations/${orch.id}/router`, { orchestration_path: { sets: [{ id: 'start', rules: [] }] } }],
      ['GET', `/api/v1/event_orchestrations/${orch.id}/unrouted`],
      ['POST', `/api/v1/event_orchestrations/${orch.id}/router/test`, event()],
      ['GET', `/api/v1/event_orchestrations/services/${eu}`],
      ['PUT', `/api/v1/event_orchestrations/services/${eu}`, { orchestration_path: { sets: [{ id: 'start', rules: [] }] } }],
      ['GET', `/api/v1/event_orchestrations/services/${eu}/active`],
      ['PUT', `/api/v1/event_orchestrations/services/${eu}/active`, { active: false }],
      ['POST', `/api/v1/event_orchestrations/services/${eu}/test`, event()],
    ];
    for (const [method, url, body] of urls) {
      const r = await req(t, method as 'GET', url, body, other.auth);
      expect(r.statusCode, `${method} ${url}: ${r.body}`).toBe(404);
    }
    const list = await req(t, 'GET', '/api/v1/event_orchestrations?total=true', undefined, other.auth);
    expect(list.json()).toMatchObject({ orchestrations: [], total: 0 });
    expect((await req(t, 'GET', `/api/v1/event_orchestrations/${orch.id}`)).statusCode).toBe(200);
    expect((await req(t, 'GET', `/api/v1/event_orchestrations/services/${eu}/active`)).json()).toEqual({ active: true });
  });

  it('observers read rules and test them; only managers change them', async () => {
    const observer = await member(t, 'observer');
    expect((await req(t, 'GET', `/api/v1/event_orchestrations/${orch.id}/router`, undefined, observer.auth)).statusCode).toBe(200);
    expect((await req(t, 'POST', `/api/v1/event_orchestrations/services/${eu}/test`, event(), observer.auth)).statusCode).toBe(200);
    expect((await req(t, 'PUT', `/api/v1/event_orchestrations/${orch.id}/router`, { orchestration_path: { sets: [{ id: 'start', rules: [] }] } }, observer.auth)).statusCode).toBe(403);
    expect((await req(t, 'POST', '/api/v1/event_orchestrations', { orchestration: { name: 'x' } }, observer.auth)).statusCode).toBe(403);
  });

  it('deleting an orchestration stops its keys and removes its router and unrouted rules', async () => {
    const made = (await req(t, 'POST', '/api/v1/event_orchestrations', { orchestration: { name: 'Short-lived' } })).json().orchestration;
    await req(t, 'PUT', `/api/v1/event_orchestrations/${made.id}/router`, { orchestration_path: { sets: [{ id: 'start', rules: [{ actions: { route_to: eu } }] }] } });
    expect((await req(t, 'DELETE', `/api/v1/event_orchestrations/${made.id}`)).statusCode).toBe(204);
    expect(await findOrchestrationByKeyHash(t.db.handle.db, hashSecret(made.integrations[0].parameters.routing_key))).toBeUndefined();
    expect((await req(t, 'GET', `/api/v1/event_orchestrations/${made.id}/router`)).statusCode).toBe(404);
    expect(await loadRouter(t.db.handle.db, t.org.org.id, made.id)).toBeNull();
    const left = await t.db.handle.db.selectFrom('event_orchestration_paths').select('parent_id').where('parent_id', '=', made.id).execute();
    expect(left).toEqual([]);
  });
});
