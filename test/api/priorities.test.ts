/**
 * Priorities through the REST API, on every dialect: a new organization starts with
 * P1–P5 in PagerDuty's shape, most severe first; admins create, rename, recolour, move and
 * remove them (ranks stay 1..n); bad input is refused with 400 naming each field and
 * nothing stored; a priority an open incident has or an event rule sets cannot be
 * removed; another organization's token gets 404; only admins write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, manualClock, type TestApp } from '../harness.js';
import { createApp, member, req, secondOrg, type Json } from './helpers.js';
import { expectPagerDutyShape } from './pd-rest-schema.js';

describe.each(DIALECTS)('priorities REST on %s', (dialect) => {
  let t: TestApp;
  let serviceId: string;

  const list = async (auth = t.auth) => {
    const r = await req(t, 'GET', '/api/v1/priorities', undefined, auth);
    expect(r.statusCode, r.body).toBe(200);
    return r.json().priorities as Json[];
  };
  const stored = async () =>
    (await t.db.handle.db.selectFrom('priorities').select(['id', 'name', 'rank', 'color', 'description', 'deleted_at']).where('org_id', '=', t.org.org.id).orderBy('id').execute()).map((r) => ({ ...r, rank: Number(r.rank) }));

  beforeAll(async () => {
    t = await createApp(dialect, { clock: manualClock('2026-03-02T10:00:00Z') });
    const s = await req(t, 'POST', '/api/v1/services', { service: { name: 'Crisis chat' } });
    serviceId = s.json().service.id;
  });
  afterAll(async () => t.close());

  it('a new organization has P1–P5, most severe first, in PagerDuty shape', async () => {
    const r = await req(t, 'GET', '/api/v1/priorities?total=true');
    expect(r.statusCode).toBe(200);
    expectPagerDutyShape(r.json(), '/priorities', 'get');
    expect(r.json()).toMatchObject({ limit: 25, offset: 0, more: false, total: 5 });
    const ps = r.json().priorities as Json[];
    expect(ps.map((p) => [p.name, p.rank])).toEqual([['P1', 1], ['P2', 2], ['P3', 3], ['P4', 4], ['P5', 5]]);
    expect(ps[0]).toMatchObject({ type: 'priority', summary: 'P1', self: `http://vigil.test/api/v1/priorities/${ps[0]!.id}`, description: 'Critical: people cannot be served now', color: null });
    const page = await req(t, 'GET', '/api/v1/priorities?limit=2&offset=2');
    expectPagerDutyShape(page.json(), '/priorities', 'get');
    expect(page.json()).toMatchObject({ limit: 2, offset: 2, more: true });
    expect(page.json().priorities.map((p: Json) => p.name)).toEqual(['P3', 'P4']);
    const one = await req(t, 'GET', `/api/v1/priorities/${ps[1]!.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.json().priority.name).toBe('P2');
  });

  it('creates, moves, recolours and renames, keeping ranks 1..n', async () => {
    const created = await req(t, 'POST', '/api/v1/priorities', { priority: { name: 'SEV0', description: 'Everything is down', color: '#A8171C', rank: 1 } });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().priority).toMatchObject({ name: 'SEV0', description: 'Everything is down', color: 'a8171c', rank: 1 });
    expect((await list()).map((p) => `${p.rank}:${p.name}`)).toEqual(['1:SEV0', '2:P1', '3:P2', '4:P3', '5:P4', '6:P5']);
    const last = await req(t, 'POST', '/api/v1/priorities', { priority: { name: 'P6' } });
    expect(last.json().priority.rank).toBe(7);
    const moved = await req(t, 'PUT', `/api/v1/priorities/${created.json().priority.id}`, { priority: { rank: 4, name: 'SEV-0', color: null } });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json().priority).toMatchObject({ name: 'SEV-0', rank: 4, color: null, description: 'Everything is down' });
    expect((await list()).map((p) => `${p.rank}:${p.name}`)).toEqual(['1:P1', '2:P2', '3:P3', '4:SEV-0', '5:P4', '6:P5', '7:P6']);
    // Removing one closes the gap.
    expect((await req(t, 'DELETE', `/api/v1/priorities/${created.json().priority.id}`)).statusCode).toBe(204);
    expect((await req(t, 'DELETE', `/api/v1/priorities/${last.json().priority.id}`)).statusCode).toBe(204);
    expect((await list()).map((p) => `${p.rank}:${p.name}`)).toEqual(['1:P1', '2:P2', '3:P3', '4:P4', '5:P5']);
    expect((await req(t, 'GET', `/api/v1/priorities/${created.json().priority.id}`)).statusCode).toBe(404);
    expect((await req(t, 'DELETE', `/api/v1/priorities/${created.json().priority.id}`)).statusCode).toBe(404);
  });

  it('refuses bad input with 400 naming each field, storing nothing', async () => {
    const before = await stored();
    const cases: [unknown, string[]][] = [
      [{ priority: { description: 'no name' } }, ['priority.name is required']],
      [{ priority: { name: '  ' } }, ['priority.name: must be 1 to 50 characters']],
      [{ priority: { name: 'p1' } }, ['priority.name: a priority named p1 already exists']],
      [{ priority: { name: 'P7', color: 'red', rank: 9, colour: 'blue' } }, ['priority.colour: unknown field', 'priority.color: six hex digits, such as a8171c', 'priority.rank: must be an integer from 1 to 6']],
      [{ priority: { name: 'P7', description: 'x'.repeat(1001) } }, ['priority.description: at most 1000 characters']],
    ];
    for (const [body, errors] of cases) {
      const r = await req(t, 'POST', '/api/v1/priorities', body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.json().error.errors).toEqual(errors);
    }
    const bad = await req(t, 'POST', '/api/v1/priorities', { priority: { name: 5 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.errors.join(' ')).toContain('name');
    const p2 = (await list())[1]!;
    const upd = await req(t, 'PUT', `/api/v1/priorities/${p2.id}`, { priority: { name: 'P1', rank: 0 } });
    expect(upd.statusCode).toBe(400);
    expect(upd.json().error.errors).toEqual(['priority.name: a priority named P1 already exists', 'priority.rank: must be an integer from 1 to 5']);
    expect(await stored()).toEqual(before);
  });

  it('will not remove a priority an open incident has or an event rule sets', async () => {
    const [p1, p2, p3] = await list();
    const inc = await req(t, 'POST', '/api/v1/incidents', { incident: { type: 'incident', title: 'Chat queue stuck', service: { id: serviceId, type: 'service_reference' }, priority: { id: p1!.id, type: 'priority_reference' } } });
    expect(inc.statusCode, inc.body).toBe(201);
    const number = inc.json().incident.incident_number;
    const rules = await req(t, 'PUT', `/api/v1/event_orchestrations/services/${serviceId}`, { orchestration_path: { sets: [{ id: 'start', rules: [{ conditions: [{ expression: "event.severity matches 'critical'" }], actions: { priority: p2!.id } }] }] } });
    expect(rules.statusCode, rules.body).toBe(200);
    const before = await stored();
    const d1 = await req(t, 'DELETE', `/api/v1/priorities/${p1!.id}`);
    expect(d1.statusCode).toBe(400);
    expect(d1.json().error.errors).toEqual([`priority: P1 is the priority of open incident #${number}; give them another priority or resolve them first`]);
    const d2 = await req(t, 'DELETE', `/api/v1/priorities/${p2!.id}`);
    expect(d2.statusCode).toBe(400);
    expect(d2.json().error.errors).toEqual(['priority: P2 is set by the event rules of service Crisis chat; change those rules first']);
    expect(await stored()).toEqual(before);
    // Once resolved, the incident keeps naming the removed priority.
    expect((await req(t, 'POST', `/api/v1/incidents/${number}/resolve`)).statusCode).toBe(200);
    expect((await req(t, 'DELETE', `/api/v1/priorities/${p1!.id}`)).statusCode).toBe(204);
    const after = await req(t, 'GET', `/api/v1/incidents/${number}`);
    expect(after.json().incident.priority).toMatchObject({ id: p1!.id, type: 'priority_reference', summary: 'P1' });
    // A removed priority cannot be given to an incident.
    const refused = await req(t, 'POST', '/api/v1/incidents', { incident: { title: 'Another', service: { id: serviceId }, priority: { id: p1!.id } } });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.errors).toEqual([`incident.priority.id: priority ${p1!.id} not found in this organization`]);
    expect((await list()).map((p) => `${p.rank}:${p.name}`)).toEqual(['1:P2', '2:P3', '3:P4', '4:P5']);
    expect(p3).toBeDefined();
  });

  it('only admins write; another organization sees none of them (404)', async () => {
    const responder = await member(t, 'responder');
    const [p] = await list(responder.auth);
    expect((await req(t, 'POST', '/api/v1/priorities', { priority: { name: 'Mine' } }, responder.auth)).statusCode).toBe(403);
    expect((await req(t, 'PUT', `/api/v1/priorities/${p!.id}`, { priority: { name: 'Mine' } }, responder.auth)).statusCode).toBe(403);
    expect((await req(t, 'DELETE', `/api/v1/priorities/${p!.id}`, undefined, responder.auth)).statusCode).toBe(403);
    const other = await secondOrg(t);
    // A new organization has its own P1–P5.
    const theirs = await list(other.auth);
    expect(theirs.map((x) => x.name)).toEqual(['P1', 'P2', 'P3', 'P4', 'P5']);
    expect(theirs.map((x) => x.id)).not.toContain(p!.id);
    for (const [method, url, body] of [
      ['GET', `/api/v1/priorities/${p!.id}`],
      ['PUT', `/api/v1/priorities/${p!.id}`, { priority: { name: 'Theirs' } }],
      ['DELETE', `/api/v1/priorities/${p!.id}`],
    ] as const) {
      const r = await req(t, method, url, body, other.auth);
      expect(r.statusCode, `${method} ${url}`).toBe(404);
    }
    expect((await list()).find((x) => x.id === p!.id)?.name).toBe(p!.name);
    // Nor can it give ours to its incidents.
    const svc = (await req(t, 'POST', '/api/v1/services', { service: { name: 'Theirs' } }, other.auth)).json().service.id;
    const r = await req(t, 'POST', '/api/v1/incidents', { incident: { title: 'x', service: { id: svc }, priority: { id: p!.id } } }, other.auth);
    expect(r.statusCode).toBe(400);
  });
});
