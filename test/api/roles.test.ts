/**
 * Roles on every route (owner > admin > responder > observer), and changes made
 * through the API record who made them: the log entry's agent is the user whose
 * token was used.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, serviceWithKey, trigger, type TestApp } from '../harness.js';
import { counts, createApp, enqueue, incident, logOf, member, req, type Json } from './helpers.js';

type Member = Awaited<ReturnType<typeof member>>;

describe.each(DIALECTS)('roles on %s', (dialect) => {
  let t: TestApp;
  let admin: Member;
  let responder: Member;
  let observer: Member;
  let serviceId: string;
  let key: string;
  let n = 0;

  /** A fresh open incident on the shared service. */
  async function openIncident(): Promise<Json> {
    n++;
    const before = (await req(t, 'GET', `/api/v1/incidents?service_ids[]=${serviceId}&statuses[]=triggered&statuses[]=acknowledged`)).json().incidents as Json[];
    for (const i of before) await req(t, 'PUT', `/api/v1/incidents/${i.id}`, { incident: { type: 'incident_reference', status: 'resolved' } });
    expect((await enqueue(t, trigger(key, { dedup_key: `role-${n}` }))).statusCode).toBe(202);
    const list = (await req(t, 'GET', `/api/v1/incidents?service_ids[]=${serviceId}&statuses[]=triggered`)).json().incidents as Json[];
    expect(list).toHaveLength(1);
    return list[0]!;
  }

  beforeAll(async () => {
    t = await createApp(dialect);
    ({ serviceId, key } = await serviceWithKey(t));
    admin = await member(t, 'admin');
    responder = await member(t, 'responder');
    observer = await member(t, 'observer');
  });
  afterAll(async () => t.close());

  it('members and their tokens are created by the owner through the API', async () => {
    const users = (await req(t, 'GET', '/api/v1/users?limit=100')).json().users as Json[];
    const roles = Object.fromEntries(users.map((u) => [u.id, u.vigil_role]));
    // PagerDuty's enum in `role` (a responder is PagerDuty's `user`), Vigil's own in `vigil_role`.
    expect(Object.fromEntries(users.map((u) => [u.id, u.role]))[responder.user.id]).toBe('user');
    expect(roles[admin.user.id]).toBe('admin');
    expect(roles[responder.user.id]).toBe('responder');
    expect(roles[observer.user.id]).toBe('observer');
    for (const m of [admin, responder, observer]) {
      const me = await req(t, 'GET', '/api/v1/users/me', undefined, m.auth);
      expect(me.statusCode).toBe(200);
      expect(me.json().user.id).toBe(m.user.id);
    }
  });

  it('observer reads everything but cannot acknowledge, resolve, note, create or configure (403)', async () => {
    const inc = await openIncident();
    for (const url of ['/api/v1/incidents', `/api/v1/incidents/${inc.id}`, `/api/v1/incidents/${inc.id}/log_entries`, `/api/v1/incidents/${inc.id}/alerts`, `/api/v1/incidents/${inc.id}/notes`, '/api/v1/services', `/api/v1/services/${serviceId}`, '/api/v1/users', '/api/v1/log_entries', '/api/v1/maintenance_windows']) {
      const r = await req(t, 'GET', url, undefined, observer.auth);
      expect(r.statusCode, url).toBe(200);
    }
    const before = await counts(t);
    const snapshot = await incident(t, inc.id);
    const denied: [string, string, unknown?][] = [
      ['PUT', `/api/v1/incidents/${inc.id}`, { incident: { type: 'incident_reference', status: 'acknowledged' } }],
      ['PUT', `/api/v1/incidents/${inc.id}`, { incident: { type: 'incident_reference', status: 'resolved' } }],
      ['POST', `/api/v1/incidents/${inc.id}/acknowledge`],
      ['POST', `/api/v1/incidents/${inc.id}/resolve`],
      ['PUT', '/api/v1/incidents', { incidents: [{ id: inc.id, type: 'incident_reference', status: 'acknowledged' }] }],
      ['POST', `/api/v1/incidents/${inc.id}/notes`, { note: { content: 'watching' } }],
      ['POST', '/api/v1/incidents', { incident: { type: 'incident', title: 'by observer', service: { id: serviceId, type: 'service_reference' } } }],
      ['POST', '/api/v1/services', { service: { name: 'by observer' } }],
      ['PUT', `/api/v1/services/${serviceId}`, { service: { name: 'renamed by observer' } }],
      ['POST', `/api/v1/services/${serviceId}/integrations`, { integration: { type: 'events_v2' } }],
      ['POST', '/api/v1/users', { user: { name: 'x', email: 'x@harbor.example', role: 'observer' } }],
      ['POST', '/api/v1/maintenance_windows', { maintenance_window: { start_time: '2030-01-01T00:00:00Z', end_time: '2030-01-01T01:00:00Z', services: [{ id: serviceId }] } }],
    ];
    for (const [method, url, body] of denied) {
      const r = await req(t, method as 'GET', url, body, { ...observer.auth, from: observer.user.email });
      expect(r.statusCode, `${method} ${url}`).toBe(403);
      expect(r.json().error).toMatchObject({ code: 2010, message: 'Access Denied' });
      expect(r.json().error.errors.join(' ')).toMatch(/observer/);
    }
    expect(await counts(t)).toEqual(before);
    expect(await incident(t, inc.id)).toEqual(snapshot);
  });

  it('responder acknowledges, resolves and adds notes, but cannot create or change services (403)', async () => {
    for (const who of [responder]) {
      const inc = await openIncident();
      const h = { ...who.auth, from: who.user.email };
      const ack = await req(t, 'PUT', `/api/v1/incidents/${inc.id}`, { incident: { type: 'incident_reference', status: 'acknowledged' } }, h);
      expect(ack.statusCode, ack.body).toBe(200);
      expect(ack.json().incident.status).toBe('acknowledged');
      const note = await req(t, 'POST', `/api/v1/incidents/${inc.id}/notes`, { note: { content: `on it (${who.user.role})` } }, h);
      expect(note.statusCode, note.body).toBe(200);
      const res = await req(t, 'POST', `/api/v1/incidents/${inc.id}/resolve`, undefined, h);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().incident.status).toBe('resolved');
      for (const [method, url, body] of [
        ['POST', '/api/v1/services', { service: { name: 'by responder' } }],
        ['PUT', `/api/v1/services/${serviceId}`, { service: { name: 'renamed' } }],
        ['DELETE', `/api/v1/services/${serviceId}`],
        ['POST', `/api/v1/services/${serviceId}/integrations`, { integration: { type: 'events_v2' } }],
        ['POST', '/api/v1/users', { user: { name: 'x', email: `x${n}@harbor.example` } }],
        ['POST', '/api/v1/api_tokens', { api_token: { description: 'for admin', user: { id: admin.user.id } } }],
        ['POST', '/api/v1/maintenance_windows', { maintenance_window: { start_time: '2030-01-01T00:00:00Z', end_time: '2030-01-01T01:00:00Z', services: [{ id: serviceId }] } }],
      ] as const) {
        const r = await req(t, method, url, body, h);
        expect(r.statusCode, `${who.user.role} ${method} ${url}`).toBe(403);
        expect(r.json().error.code).toBe(2010);
      }
      // Their own token, yes.
      expect((await req(t, 'POST', '/api/v1/api_tokens', { api_token: { description: 'mine' } }, h)).statusCode).toBe(201);
    }
    expect((await req(t, 'GET', `/api/v1/services/${serviceId}`)).json().service.name).toBe('Crisis chat');
  });

  it('admin manages services and users but cannot create or promote an owner; the owner can', async () => {
    const h = admin.auth;
    const s = await req(t, 'POST', '/api/v1/services', { service: { name: 'Admin made' } }, h);
    expect(s.statusCode, s.body).toBe(201);
    const id = s.json().service.id;
    expect((await req(t, 'PUT', `/api/v1/services/${id}`, { service: { name: 'Admin renamed' } }, h)).json().service.name).toBe('Admin renamed');
    expect((await req(t, 'POST', `/api/v1/services/${id}/integrations`, { integration: { type: 'alertmanager' } }, h)).statusCode).toBe(201);
    const del = await req(t, 'DELETE', `/api/v1/services/${id}`, undefined, h);
    expect(del.statusCode).toBe(204);
    expect(del.body).toBe('');

    for (const role of ['observer', 'responder', 'admin']) {
      const u = await req(t, 'POST', '/api/v1/users', { user: { name: `made by admin ${role}`, email: `admin-made-${role}@harbor.example`, role } }, h);
      expect(u.statusCode, u.body).toBe(201);
      expect(u.json().user.vigil_role).toBe(role);
    }
    const target = (await req(t, 'POST', '/api/v1/users', { user: { name: 'promote me', email: 'promote@harbor.example', role: 'responder' } }, h)).json().user;
    const forbidden: [string, string, unknown][] = [
      ['POST', '/api/v1/users', { user: { name: 'wannabe', email: 'wannabe@harbor.example', role: 'owner' } }],
      ['PUT', `/api/v1/users/${target.id}`, { user: { role: 'owner' } }],
      ['PUT', `/api/v1/users/${t.org.user.id}`, { user: { role: 'admin' } }],
      ['DELETE', `/api/v1/users/${t.org.user.id}`, undefined],
      ['POST', '/api/v1/api_tokens', { api_token: { description: "owner's", user: { id: t.org.user.id } } }],
    ];
    const users = await counts(t);
    for (const [method, url, body] of forbidden) {
      const r = await req(t, method as 'GET', url, body, h);
      expect(r.statusCode, `${method} ${url} ${r.body}`).toBe(403);
      expect(r.json().error.code).toBe(2010);
    }
    expect(await counts(t)).toEqual(users);
    expect((await req(t, 'GET', `/api/v1/users/${target.id}`)).json().user.vigil_role).toBe('responder');
    expect((await req(t, 'GET', `/api/v1/users/${t.org.user.id}`)).json().user.vigil_role).toBe('owner');

    // The owner can.
    const o = await req(t, 'POST', '/api/v1/users', { user: { name: 'Second owner', email: 'owner2@harbor.example', role: 'owner' } });
    expect(o.statusCode, o.body).toBe(201);
    expect(o.json().user.vigil_role).toBe('owner');
    const p = await req(t, 'PUT', `/api/v1/users/${target.id}`, { user: { role: 'owner' } });
    expect(p.statusCode, p.body).toBe(200);
    expect(p.json().user.vigil_role).toBe('owner');
  });

  it('changes made through the API record who made them', async () => {
    const inc = await openIncident();
    const as = (m: Member) => ({ ...m.auth, from: m.user.email });
    expect((await req(t, 'PUT', `/api/v1/incidents/${inc.id}`, { incident: { type: 'incident_reference', status: 'acknowledged' } }, as(responder))).statusCode).toBe(200);
    expect((await req(t, 'POST', `/api/v1/incidents/${inc.id}/notes`, { note: { content: 'Called the volunteer lead' } }, as(admin))).statusCode).toBe(200);
    expect((await req(t, 'PUT', `/api/v1/incidents/${inc.id}`, { incident: { type: 'incident_reference', assignments: [{ assignee: { id: responder.user.id, type: 'user_reference' } }] } }, as(admin))).statusCode).toBe(200);
    expect((await req(t, 'PUT', `/api/v1/incidents/${inc.id}`, { incident: { type: 'incident_reference', status: 'resolved', resolution: 'Queue drained' } }, { ...t.auth, from: 'owner@harbor.example' })).statusCode).toBe(200);

    const got = await incident(t, inc.id);
    expect(got.last_status_change_by).toMatchObject({ id: t.org.user.id, type: 'user_reference', summary: 'Olive Owner' });
    const log = await logOf(t, inc.id);
    const byType = (type: string) => log.filter((e) => e.type === type);
    expect(byType('trigger_log_entry')[0]!.agent.type).toBe('integration_reference');
    const ack = byType('acknowledge_log_entry');
    expect(ack).toHaveLength(1);
    expect(ack[0]!.agent).toMatchObject({ id: responder.user.id, type: 'user_reference', summary: responder.user.name });
    expect(ack[0]!.channel.type).toBe('api');
    const note = byType('annotate_log_entry');
    expect(note[0]!.agent).toMatchObject({ id: admin.user.id, type: 'user_reference' });
    expect(note[0]!.note).toBe('Called the volunteer lead');
    const notes = (await req(t, 'GET', `/api/v1/incidents/${inc.id}/notes`)).json().notes as Json[];
    expect(notes.map((x) => x.user.id)).toEqual([admin.user.id]);
    const assign = byType('assign_log_entry');
    expect(assign[0]!.agent).toMatchObject({ id: admin.user.id, type: 'user_reference' });
    const resolve = byType('resolve_log_entry');
    expect(resolve[0]!.agent).toMatchObject({ id: t.org.user.id, type: 'user_reference' });
    expect(resolve[0]!.event_details.resolution).toBe('Queue drained');

    // A manual incident records its creator.
    const created = await req(t, 'POST', '/api/v1/incidents', { incident: { type: 'incident', title: 'Phone line down', service: { id: serviceId, type: 'service_reference' } } }, as(responder));
    expect(created.statusCode, created.body).toBe(201);
    const trig = (await logOf(t, created.json().incident.id)).find((e) => e.type === 'trigger_log_entry')!;
    expect(trig.agent).toMatchObject({ id: responder.user.id, type: 'user_reference' });
    expect(trig.channel.type).toBe('api');
  });

  it('a removed member or a revoked token loses access at once (401)', async () => {
    const temp = await member(t, 'responder');
    expect((await req(t, 'GET', '/api/v1/incidents', undefined, temp.auth)).statusCode).toBe(200);
    expect((await req(t, 'DELETE', `/api/v1/users/${temp.user.id}`, undefined, admin.auth)).statusCode).toBe(204);
    const r = await req(t, 'GET', '/api/v1/incidents', undefined, temp.auth);
    expect(r.statusCode).toBe(401);
    expect(r.json().error.code).toBe(2006);
  });
});
