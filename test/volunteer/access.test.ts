/**
 * Least privilege for volunteers: they see the services of their pools and those
 * services' incidents only while on shift, an incident assigned to them while it is
 * open, and their own history; everything else is 403, and every request is audited.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import { addPolicy, addUser, attachPolicy } from '../engine/fixtures.js';
import { createApp, enqueue, member, req, type Json } from '../api/helpers.js';
import { volunteerCanSee } from '../../src/server/volunteer/access.service.js';
import { pool, poolLevel, volunteer, type Vol } from './fixtures.js';

describe.each(DIALECTS)('volunteer access on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let vera: Vol;
  let wim: Vol;
  let chat: string;
  let benefits: string;
  let chatIncident: Json;
  let benefitsIncident: Json;
  const ON_SHIFT = '2026-03-02T18:30:00Z'; // 19:30 in Berlin
  const OFF_SHIFT = '2026-03-02T22:30:00Z'; // 23:30 in Berlin

  beforeAll(async () => {
    clock = manualClock(ON_SHIFT);
    t = await createApp(dialect, { clock });
    const a = await serviceWithKey(t, 'events_v2', 'Crisis chat');
    const b = await serviceWithKey(t, 'events_v2', 'Benefits portal');
    chat = a.serviceId;
    benefits = b.serviceId;
    vera = await volunteer(t, 'Vera');
    wim = await volunteer(t, 'Wim');
    const sam = await addUser(t, 'Sam Staff');
    const p = await pool(t, 'Chat backup', [vera]);
    const policy = await addPolicy(t, [{ delay: 5, targets: [{ id: sam, type: 'user_reference' }] }]);
    await poolLevel(t, p.id, policy, 1, 10);
    await attachPolicy(t, chat, policy);
    await attachPolicy(t, benefits, await addPolicy(t, [{ delay: 5, targets: [{ id: sam, type: 'user_reference' }] }], 0, 'Benefits on-call'));
    expect((await enqueue(t, trigger(a.key, { dedup_key: 'chat' }))).statusCode).toBe(202);
    expect((await enqueue(t, trigger(b.key, { dedup_key: 'benefits' }))).statusCode).toBe(202);
    const all = (await req(t, 'GET', '/api/v1/incidents?limit=10')).json().incidents as Json[];
    chatIncident = all.find((i) => i.service.id === chat)!;
    benefitsIncident = all.find((i) => i.service.id === benefits)!;
  });
  afterAll(async () => t.close());

  const get = (url: string, who: Vol) => req(t, 'GET', url, undefined, who.auth);

  it('on shift: the services of their pools and their incidents, nothing else', async () => {
    clock.set(ON_SHIFT);
    const allowed = [`/api/v1/services/${chat}`, `/api/v1/incidents/${chatIncident.id}`, `/api/v1/incidents/${chatIncident.incident_number}`, `/api/v1/incidents/${chatIncident.id}/log_entries`, `/api/v1/incidents/${chatIncident.id}/alerts`, `/api/v1/incidents/${chatIncident.id}/notes`];
    for (const url of allowed) expect((await get(url, vera)).statusCode, url).toBe(200);
    const denied = [
      `/api/v1/services/${benefits}`,
      `/api/v1/incidents/${benefitsIncident.id}`,
      `/api/v1/incidents/${benefitsIncident.id}/log_entries`,
      `/api/v1/services/NOSUCHSERVICE`,
      `/api/v1/incidents/999`,
      '/api/v1/incidents',
      '/api/v1/services',
      '/api/v1/log_entries',
      '/api/v1/users',
      '/api/v1/schedules',
      '/api/v1/escalation_policies',
      '/api/v1/oncalls',
      '/api/v1/volunteers',
      `/api/v1/volunteers/${wim.id}`,
      `/api/v1/users/${wim.id}`,
      '/api/v1/volunteer_ledger',
      '/api/v1/audit_log',
    ];
    for (const url of denied) {
      const r = await get(url, vera);
      expect(r.statusCode, url).toBe(403);
      expect(r.json().error.code).toBe(2010);
    }
    // Wim belongs to no pool: not even the chat service.
    expect((await get(`/api/v1/services/${chat}`, wim)).statusCode).toBe(403);
    expect((await get(`/api/v1/incidents/${chatIncident.id}`, wim)).statusCode).toBe(403);
    // Acting on an incident follows the same rule.
    expect((await req(t, 'POST', `/api/v1/incidents/${benefitsIncident.id}/notes`, { note: { content: 'hello' } }, vera.auth)).statusCode).toBe(403);
    expect((await req(t, 'POST', `/api/v1/incidents/${chatIncident.id}/notes`, { note: { content: 'Vera here, looking' } }, vera.auth)).statusCode).toBe(200);
    // Their own corner.
    const services = (await get('/api/v1/volunteers/me/services', vera)).json();
    expect(services.on_shift).toBe(true);
    expect(services.services.map((s: Json) => s.id)).toEqual([chat]);
    expect((await get('/api/v1/volunteers/me/incidents', vera)).json().incidents.map((i: Json) => i.id)).toEqual([chatIncident.id]);
    expect((await get('/api/v1/volunteers/me', vera)).json().volunteer.id).toBe(vera.id);
    expect((await get('/api/v1/users/me', vera)).statusCode).toBe(200);
    expect((await get(`/api/v1/users/${vera.id}/contact_methods`, vera)).statusCode).toBe(200);
    expect((await get('/api/v1/volunteer_pools', vera)).json().volunteer_pools.map((x: Json) => x.name)).toEqual(['Chat backup']);
    expect((await get('/api/v1/volunteer_pools', wim)).json().volunteer_pools).toEqual([]);
  });

  it('off shift: access has ended (403), though their own history stays theirs', async () => {
    clock.set(OFF_SHIFT);
    for (const url of [`/api/v1/services/${chat}`, `/api/v1/incidents/${chatIncident.id}`, `/api/v1/incidents/${chatIncident.id}/log_entries`]) {
      const r = await get(url, vera);
      expect(r.statusCode, url).toBe(403);
      expect(r.json().error.errors[0]).toMatch(/off shift/);
    }
    const services = (await get('/api/v1/volunteers/me/services', vera)).json();
    expect(services).toEqual({ on_shift: false, services: [] });
    expect((await get('/api/v1/volunteers/me/incidents', vera)).json().incidents).toEqual([]);
    expect((await get('/api/v1/volunteers/me/history', vera)).statusCode).toBe(200);
    expect((await get('/api/v1/volunteers/me', vera)).statusCode).toBe(200);
  });

  it('assigned: an open incident assigned to them, even off shift and outside their pools, until it is resolved', async () => {
    clock.set(OFF_SHIFT);
    const assign = await req(t, 'PUT', `/api/v1/incidents/${benefitsIncident.id}`, { incident: { type: 'incident_reference', assignments: [{ assignee: { id: wim.id, type: 'user_reference' } }] } });
    expect(assign.statusCode, assign.body).toBe(200);
    expect((await get(`/api/v1/incidents/${benefitsIncident.id}`, wim)).statusCode).toBe(200);
    expect((await get(`/api/v1/services/${benefits}`, wim)).statusCode).toBe(200);
    expect((await get(`/api/v1/incidents/${chatIncident.id}`, wim)).statusCode).toBe(403);
    const ack = await req(t, 'POST', `/api/v1/incidents/${benefitsIncident.id}/acknowledge`, undefined, wim.auth);
    expect(ack.statusCode, ack.body).toBe(200);
    clock.advanceMinutes(20);
    expect((await req(t, 'POST', `/api/v1/incidents/${benefitsIncident.id}/resolve`, undefined, wim.auth)).statusCode).toBe(200);
    expect((await get(`/api/v1/incidents/${benefitsIncident.id}`, wim)).statusCode).toBe(403);
    expect((await get(`/api/v1/services/${benefits}`, wim)).statusCode).toBe(403);
    const history = (await get('/api/v1/volunteers/me/history', wim)).json();
    expect(history.responses.map((r: Json) => r.incident.number)).toEqual([benefitsIncident.incident_number]);
  });

  it('a paused volunteer is off shift', async () => {
    clock.set(ON_SHIFT);
    expect((await req(t, 'POST', '/api/v1/volunteers/me/pause', {}, vera.auth)).statusCode).toBe(200);
    expect((await get(`/api/v1/services/${chat}`, vera)).statusCode).toBe(403);
    expect((await req(t, 'POST', '/api/v1/volunteers/me/resume', undefined, vera.auth)).statusCode).toBe(200);
    expect((await get(`/api/v1/services/${chat}`, vera)).statusCode).toBe(200);
  });

  it('volunteers cannot vet themselves, change their company, consent for others or manage pools', async () => {
    clock.set(ON_SHIFT);
    const denied: [string, string, unknown][] = [
      ['PUT', `/api/v1/volunteers/${vera.id}/vetting`, { vetting: { background_check: true } }],
      ['PUT', '/api/v1/volunteers/me', { volunteer: { company: null } }],
      ['POST', `/api/v1/volunteers/${wim.id}/consent`, { consent: { terms_version: 'v1' } }],
      ['POST', `/api/v1/volunteers/${wim.id}/pause`, {}],
      ['PUT', `/api/v1/volunteers/${wim.id}/availability`, { availability: { windows: [] } }],
      ['POST', '/api/v1/volunteer_pools', { volunteer_pool: { name: 'mine' } }],
      ['POST', '/api/v1/partner_companies', { partner_company: { name: 'x', employee_count: 1 } }],
      ['POST', '/api/v1/volunteer_ledger/approvals', { approval: { user: { id: vera.id }, month: '2026-03' } }],
    ];
    for (const [method, url, body] of denied) {
      const r = await req(t, method as 'GET', url, body, vera.auth);
      expect(r.statusCode, `${method} ${url} ${r.body}`).toBe(403);
    }
    // Their own profile, yes.
    const own = await req(t, 'PUT', '/api/v1/volunteers/me', { volunteer: { skills: ['Spanish', 'de-escalation'] } }, vera.auth);
    expect(own.statusCode, own.body).toBe(200);
    expect(own.json().volunteer.skills).toEqual(['de-escalation', 'spanish']);
  });

  it('every access is audited, allowed or denied', async () => {
    clock.set(ON_SHIFT);
    const r = await req(t, 'GET', `/api/v1/audit_log?user_id=${vera.id}&limit=100`);
    expect(r.statusCode, r.body).toBe(200);
    const entries = r.json().audit_log as Json[];
    const has = (action: string, resource: string) => entries.some((e) => e.action === action && e.resource === resource);
    expect(has('read', `services/${chat}`)).toBe(true);
    expect(has('denied read', `services/${benefits}`)).toBe(true);
    expect(has('read', `incidents/${chatIncident.id}`)).toBe(true);
    expect(has('denied read', `incidents/${benefitsIncident.id}`)).toBe(true);
    expect(has('write', `incidents/${chatIncident.id}`)).toBe(true);
    expect(has('denied read', '/api/v1/users')).toBe(true);
    expect(has('volunteer.pause', `volunteers/${vera.id}`)).toBe(true);
    expect(entries.every((e) => e.user.id === vera.id)).toBe(true);
  });

  it('other roles are not narrowed; volunteerCanSee answers the same for a function caller', async () => {
    const responder = await member(t, 'responder');
    expect((await req(t, 'GET', `/api/v1/services/${benefits}`, undefined, responder.auth)).statusCode).toBe(200);
    expect((await req(t, 'GET', '/api/v1/incidents', undefined, responder.auth)).statusCode).toBe(200);
    const orgId = t.org.org.id;
    clock.set(ON_SHIFT);
    expect(await volunteerCanSee(t.db.handle.db, { orgId, userId: vera.id, role: 'volunteer' }, { type: 'service', id: chat }, clock.now())).toMatchObject({ allowed: true });
    expect(await volunteerCanSee(t.db.handle.db, { orgId, userId: vera.id, role: 'volunteer' }, { type: 'service', id: benefits }, clock.now())).toMatchObject({ allowed: false });
    expect(await volunteerCanSee(t.db.handle.db, { orgId, userId: vera.id, role: 'volunteer' }, { type: 'incident', id: String(chatIncident.incident_number) }, Date.parse(OFF_SHIFT))).toMatchObject({ allowed: false, reason: expect.stringMatching(/off shift/) });
    expect(await volunteerCanSee(t.db.handle.db, { orgId, userId: responder.user.id, role: 'responder' }, { type: 'service', id: benefits })).toMatchObject({ allowed: true });
  });
});
