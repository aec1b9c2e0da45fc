/**
 * "Who gets paged?" (issue 18): for a service at a moment, the levels with the time each
 * fires, who each target resolves to then (across a DST change), how each person would
 * be notified, and every gap — a person with no way to reach them, a level that is empty
 * then, a service in maintenance or without a policy. Read only: nothing is paged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, manualClock, type TestApp } from '../harness.js';
import { bad, createPolicy, createSchedule, member, ok, req, scheduleTarget, userTarget, onCallApp, type Json } from './fixtures.js';

describe.each(DIALECTS)('who gets paged (%s)', (dialect) => {
  let t: TestApp;
  const clock = manualClock('2026-03-07T20:00:00Z');
  const sent: { cmId: string; code: string }[] = [];
  let ada: Awaited<ReturnType<typeof member>>, ben: Awaited<ReturnType<typeof member>>, dan: Awaited<ReturnType<typeof member>>;
  let service: Json, bare: Json;

  beforeAll(async () => {
    t = await onCallApp(dialect, { clock });
    t.deps.sendVerification = async (_orgId, cmId, code) => void sent.push({ cmId, code });
    ada = await member(t, 'Ada');
    ben = await member(t, 'Ben');
    dan = await member(t, 'Dan');
    // Ada: SMS at once, email after 5 minutes, for high urgency; email only for low urgency.
    const methods = `/api/v1/users/${ada.id}/contact_methods`;
    const sms = (await ok(req(t, 'POST', methods, { contact_method: { type: 'sms_contact_method', address: '+15555550100', label: 'Mobile' } }, ada.auth), 201)).contact_method;
    const email = (await ok(req(t, 'POST', methods, { contact_method: { type: 'email_contact_method', address: 'ada@harbor.example', label: 'Work' } }, ada.auth), 201)).contact_method;
    for (const cm of [sms, email]) {
      await ok(req(t, 'POST', `${methods}/${cm.id}/send_verification`, undefined, ada.auth), 202);
      await ok(req(t, 'POST', `${methods}/${cm.id}/verify`, { code: sent.filter((s) => s.cmId === cm.id).at(-1)!.code }, ada.auth));
    }
    const rules = `/api/v1/users/${ada.id}/notification_rules`;
    for (const [cm, delay, urgency] of [[sms, 0, 'high'], [email, 5, 'high'], [email, 0, 'low']] as const) {
      await ok(req(t, 'POST', rules, { notification_rule: { type: 'assignment_notification_rule', start_delay_in_minutes: delay, urgency, contact_method: { id: cm.id, type: cm.type } } }, ada.auth), 201);
    }
    // Ben has no contact method at all. Dan is the direct second level.
    // Daily handoff at 09:00 New York time; clocks there spring forward on 8 March 2026.
    const ny = await createSchedule(t, 'New York days', 'America/New_York', [{ start: '2026-03-01T09:00:00', rotation_turn_length_seconds: 86_400, users: [ada.id, ben.id] }]);
    // A layer that ended on 1 March: empty from then on.
    const old = await createSchedule(t, 'Last winter', 'UTC', [{ start: '2026-01-01T00:00:00Z', end: '2026-03-01T00:00:00Z', rotation_turn_length_seconds: 86_400, users: [dan.id] }]);
    const pol = await createPolicy(t, 'Helpline', [{ delay: 15, targets: [scheduleTarget(ny.id)] }, { delay: 30, targets: [userTarget(dan.id)] }, { targets: [scheduleTarget(old.id)] }]);
    service = (await ok(req(t, 'POST', '/api/v1/services', { service: { name: 'Crisis chat', escalation_policy: { id: pol.id, type: 'escalation_policy_reference' } } }), 201)).service;
    bare = (await ok(req(t, 'POST', '/api/v1/services', { service: { name: 'Unwatched' } }), 201)).service;
  });
  afterAll(async () => t.close());

  const path = async (id: string, query = '') => (await ok(req(t, 'GET', `/api/v1/services/${id}/paging_path${query}`))).paging_path as Json;

  it('lays out each level with when it fires, who it reaches then and how, and names every gap', async () => {
    const p = await path(service.id, '?at=2026-03-08T12:59:00Z');
    expect(p.urgency).toBe('high');
    expect(p.escalation_policy.summary).toBe('Helpline');
    expect(p.levels.map((l: Json) => [l.level, l.fires_at, l.people.map((x: Json) => x.user.summary)])).toEqual([
      [1, '2026-03-08T12:59:00.000Z', ['Ada']],
      [2, '2026-03-08T13:14:00.000Z', ['Dan']],
      [3, '2026-03-08T13:44:00.000Z', []],
    ]);
    expect(p.levels[0].people[0].via).toContain('New York days');
    expect(p.levels[0].people[0].notifications.map((n: Json) => [n.at, n.channel, n.contact_method.label])).toEqual([
      ['2026-03-08T12:59:00.000Z', 'sms', 'Mobile'],
      ['2026-03-08T13:04:00.000Z', 'email', 'Work'],
    ]);
    expect(p.gaps).toEqual(['level 2: Dan has no contact method', 'level 2 reaches nobody who can be paged then', 'level 3: nobody is on call in schedule Last winter']);
    expect(p.levels[1].people[0]).toMatchObject({ via: 'direct', problem: 'has no contact method' });

    // The same path read by a member who chose French: its words in French.
    await ok(req(t, 'PUT', `/api/v1/users/${dan.id}`, { user: { locale: 'fr-FR' } }));
    const fr = (await ok(req(t, 'GET', `/api/v1/services/${service.id}/paging_path?at=2026-03-08T12:59:00Z`, undefined, dan.auth))).paging_path as Json;
    expect(fr.gaps).toEqual(['niveau 2 : Dan n’a aucun moyen de contact', 'le niveau 2 n’atteint personne qui puisse être alerté à ce moment-là', 'niveau 3 : personne n’est de garde dans le planning Last winter']);
    expect(fr.levels[0].people[0].via).toBe('le planning New York days');
    expect(fr.levels[1].people[0]).toMatchObject({ via: 'directement', problem: 'n’a aucun moyen de contact' });
    await ok(req(t, 'PUT', `/api/v1/users/${dan.id}`, { user: { locale: null } }));
  });

  it('follows the schedule across the DST change: from 09:00 New York time (13:00Z) it is Ben, who cannot be reached', async () => {
    const p = await path(service.id, '?at=2026-03-08T13:00:00Z');
    expect(p.levels[0].people.map((x: Json) => [x.user.summary, x.problem])).toEqual([['Ben', 'has no contact method']]);
    expect(p.gaps[0]).toBe('level 1: Ben has no contact method');
  });

  it('uses the urgency asked for, and each person’s rules for it', async () => {
    const p = await path(service.id, '?at=2026-03-08T12:00:00Z&urgency=low');
    expect(p.urgency).toBe('low');
    expect(p.levels[0].people[0].notifications.map((n: Json) => n.channel)).toEqual(['email']);
  });

  it('says so when the service is in maintenance then, or has no policy', async () => {
    await ok(req(t, 'POST', '/api/v1/maintenance_windows', { maintenance_window: { type: 'maintenance_window', start_time: '2026-03-10T02:00:00Z', end_time: '2026-03-10T04:00:00Z', description: 'Database upgrade', services: [{ id: service.id, type: 'service_reference' }] } }), 201);
    const during = await path(service.id, '?at=2026-03-10T03:00:00Z');
    expect(during.maintenance).toEqual({ start: '2026-03-10T02:00:00.000Z', end: '2026-03-10T04:00:00.000Z' });
    expect(during.gaps[0]).toMatch(/^Crisis chat is in maintenance then/);
    const none = await path(bare.id);
    expect(none.escalation_policy).toBeNull();
    expect(none.levels).toEqual([]);
    expect(none.gaps).toEqual(['Unwatched has no escalation policy: its incidents page no one']);
  });

  it('refuses a bad moment and an unknown service, and pages nobody', async () => {
    expect((await bad(req(t, 'GET', `/api/v1/services/${service.id}/paging_path?at=2026-02-30T03:00:00Z`)))[0]).toMatch(/^at must be an ISO 8601/);
    expect((await req(t, 'GET', '/api/v1/services/PNOPE/paging_path')).statusCode).toBe(404);
    const incidents = (await ok(req(t, 'GET', '/api/v1/incidents'))).incidents;
    expect(incidents).toEqual([]);
  });

  it('runs a sample event through the event rules first: a router rule picks the service, a service rule suppresses or lowers urgency; nothing is stored', async () => {
    const rules = { orchestration_path: { sets: [{ id: 'start', rules: [
      { label: 'Known flapping check', conditions: [{ expression: "event.summary matches part 'disk latency'" }], actions: { suppress: true } },
      { label: 'Info is low', conditions: [{ expression: "event.severity matches 'info'" }], actions: { urgency: 'low' } },
    ] }], catch_all: { actions: {} } } };
    await ok(req(t, 'PUT', `/api/v1/event_orchestrations/services/${service.id}`, rules));
    const orch = (await ok(req(t, 'POST', '/api/v1/event_orchestrations', { orchestration: { name: 'All monitoring' } }), 201)).orchestration;
    await ok(req(t, 'PUT', `/api/v1/event_orchestrations/${orch.id}/router`, { orchestration_path: { sets: [{ id: 'start', rules: [{ label: 'Chat team', conditions: [{ expression: "event.custom_details.team matches 'chat'" }], actions: { route_to: service.id } }] }], catch_all: { actions: { route_to: 'unrouted' } } } }));
    const sample = (body: Json) => req(t, 'POST', `/api/v1/services/${bare.id}/paging_path`, { at: '2026-03-08T12:59:00Z', ...body });

    // Routed by the router to Crisis chat, then through its rules: info → low urgency, paged by email.
    const routed = await ok(sample({ event_orchestration: { id: orch.id }, sample_event: { payload: { summary: 'Queue slow', source: 'mon', severity: 'info', custom_details: { team: 'chat' } }, dedup_key: 'q1' } }));
    expect([routed.event_rules.outcome, routed.event_rules.service.id, routed.event_rules.routed_by.id, routed.event_rules.urgency, routed.event_rules.dedup_key]).toEqual(['triggers', service.id, orch.id, 'low', 'q1']);
    expect(routed.event_rules.matched.map((m: Json) => m.label)).toEqual(['Chat team', 'Info is low']);
    expect(routed.paging_path.urgency).toBe('low');
    expect(routed.paging_path.levels[0].people[0].notifications.map((n: Json) => n.channel)).toEqual(['email']);

    // Suppressed by the service's rule: no path.
    const flapping = await ok(sample({ event_orchestration: { id: orch.id }, sample_event: { payload: { summary: 'disk latency high', severity: 'critical', custom_details: { team: 'chat' } } } }));
    expect([flapping.event_rules.outcome, flapping.event_rules.suppressed, flapping.event_rules.matched.map((m: Json) => m.label), flapping.paging_path]).toEqual(['suppressed', true, ['Chat team', 'Known flapping check'], null]);

    // No router rule matched: unrouted, kept suppressed in no service.
    const lost = await ok(sample({ event_orchestration: { id: orch.id }, sample_event: { payload: { summary: 'Queue slow', severity: 'critical', custom_details: { team: 'food' } } } }));
    expect([lost.event_rules.outcome, lost.event_rules.service, lost.paging_path]).toEqual(['unrouted', null, null]);

    // Straight to a service (its own integration): its rules apply, high urgency, SMS first.
    const direct = await ok(req(t, 'POST', `/api/v1/services/${service.id}/paging_path`, { at: '2026-03-08T12:59:00Z', sample_event: { payload: { summary: 'Chat down', severity: 'critical' } } }));
    expect([direct.event_rules.outcome, direct.event_rules.routed_by, direct.paging_path.urgency, direct.paging_path.levels[0].people[0].notifications[0].channel]).toEqual(['triggers', null, 'high', 'sms']);

    // A bad sample is refused by field name; an unknown orchestration is 404.
    expect((await bad(sample({ sample_event: { payload: { summary: 'x', severity: 'loud' } } })))[0]).toMatch(/^sample_event\.payload\.severity must be one of/);
    expect((await bad(sample({ sample_event: { payload: { summary: 'x', severity: 'info', colour: 'red' } } }))).join(' ')).toContain('colour');
    expect((await req(t, 'POST', `/api/v1/services/${service.id}/paging_path`, { event_orchestration: { id: 'PNOPE' }, sample_event: { payload: { summary: 'x', severity: 'info' } } })).statusCode).toBe(404);
    expect((await ok(req(t, 'GET', '/api/v1/incidents'))).incidents).toEqual([]);
    expect((await ok(req(t, 'GET', '/api/v1/alerts?statuses[]=suppressed'))).alerts ?? []).toEqual([]);
  });
});
