/**
 * PagerDuty REST operations on users, schedules and services (issue 16): user sessions,
 * schedule preview, audit records. Each answer is checked against PagerDuty's schema.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, manualClock, type TestApp } from '../harness.js';
import { createApp, member, req, type Json } from './helpers.js';
import { checkPagerDutyShape } from './pd-rest-schema.js';
import { ownerWithPassword, signIn } from '../web/helpers.js';
import { setPassword } from '../../src/server/account/account.service.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import { HandoffNoticesModule } from '../../src/server/engine/handoff-notices/module.js';

function expectShape(body: unknown, path: string, method: string, status = '200') {
  const r = checkPagerDutyShape(body, path, method, status);
  expect(r.ok, JSON.stringify(r.errors).slice(0, 800)).toBe(true);
}

describe.each(DIALECTS)('PagerDuty users, schedules, services (%s)', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  beforeAll(async () => {
    clock = manualClock('2026-03-02T09:00:00Z') as ManualClock;
    t = await createApp(dialect, { clock });
    await ownerWithPassword(t);
  });
  afterAll(async () => t.close());

  it('lists, reads and ends browser sessions; an ended cookie is refused; roles are kept', async () => {
    const a = await signIn(t);
    clock.advance(60_000);
    const b = await signIn(t);
    const me = t.org.user.id;
    const list = await req(t, 'GET', `/api/v1/users/${me}/sessions`);
    expect(list.statusCode, list.body).toBe(200);
    expectShape(list.json(), '/users/{id}/sessions', 'get');
    const sessions = list.json().user_sessions as Json[];
    expect(sessions).toHaveLength(2);
    expect(sessions[0]).toMatchObject({ type: 'browser', user_id: me, created_at: '2026-03-02T09:01:00.000Z' });
    expect(JSON.stringify(sessions)).not.toContain(a.csrf);
    const one = await req(t, 'GET', `/api/v1/users/${me}/sessions/browser/${sessions[1]!.id}`);
    expect(one.statusCode, one.body).toBe(200);
    expectShape(one.json(), '/users/{id}/sessions/{type}/{session_id}', 'get');
    expect((await req(t, 'GET', `/api/v1/users/${me}/sessions/laptop/${sessions[1]!.id}`)).body).toContain('type must be one of browser, oauth');
    expect((await req(t, 'GET', `/api/v1/users/${me}/sessions/oauth/${sessions[1]!.id}`)).statusCode).toBe(404);

    // Ending the older session (a's): a's cookie is 401 on its next request, b's still works.
    expect((await req(t, 'GET', '/api/v1/session', undefined, a.headers())).statusCode).toBe(200);
    expect((await req(t, 'DELETE', `/api/v1/users/${me}/sessions/browser/${sessions[1]!.id}`)).statusCode).toBe(204);
    expect((await req(t, 'GET', '/api/v1/session', undefined, a.headers())).statusCode).toBe(401);
    expect((await req(t, 'GET', '/api/v1/session', undefined, b.headers())).statusCode).toBe(200);
    expect((await req(t, 'GET', `/api/v1/users/${me}/sessions/browser/${sessions[1]!.id}`)).statusCode).toBe(404);

    // A responder sees their own, not the owner's; an admin sees the responder's, not the owner's.
    const r = await member(t, 'responder');
    const adm = await member(t, 'admin');
    await setPassword(t.db.handle.db, t.clock, t.org.org.id, r.user.id, 'responder horse battery staple', t.deps.config.passwordCost);
    const rb = await signIn(t, r.user.email, 'responder horse battery staple');
    expect((await req(t, 'GET', `/api/v1/users/me/sessions`, undefined, r.auth)).json().user_sessions).toHaveLength(1);
    expect((await req(t, 'GET', `/api/v1/users/${me}/sessions`, undefined, r.auth)).statusCode).toBe(403);
    expect((await req(t, 'DELETE', `/api/v1/users/${me}/sessions`, undefined, adm.auth)).statusCode).toBe(403);
    expect((await req(t, 'GET', `/api/v1/users/${r.user.id}/sessions`, undefined, adm.auth)).json().user_sessions).toHaveLength(1);
    expect((await req(t, 'DELETE', `/api/v1/users/${r.user.id}/sessions`, undefined, adm.auth)).statusCode).toBe(204);
    expect((await req(t, 'GET', '/api/v1/session', undefined, rb.headers())).statusCode).toBe(401);
    expect((await req(t, 'GET', '/api/v1/session', undefined, b.headers())).statusCode).toBe(200);
    // Another organization's member is not found.
    expect((await req(t, 'GET', `/api/v1/users/NOPE123/sessions`)).statusCode).toBe(404);
  });

  it('previews a schedule without saving it, validated as a create', async () => {
    const u = await member(t, 'responder');
    const before = (await req(t, 'GET', '/api/v1/schedules?total=true')).json().total;
    const body = {
      schedule: {
        name: 'Preview rotation',
        time_zone: 'Europe/Berlin',
        schedule_layers: [{ start: '2026-03-01T00:00:00+01:00', rotation_virtual_start: '2026-03-01T00:00:00+01:00', rotation_turn_length_seconds: 86400, users: [{ user: { id: u.user.id, type: 'user_reference' } }, { user: { id: t.org.user.id, type: 'user_reference' } }] }],
      },
    };
    const r = await req(t, 'POST', '/api/v1/schedules/preview?since=2026-03-28T00:00:00Z&until=2026-03-31T00:00:00Z', body);
    expect(r.statusCode, r.body).toBe(200);
    expectShape(r.json(), '/schedules/preview', 'post');
    const s = r.json().schedule as Json;
    expect(s.self).toBeNull();
    // Across the spring-forward night (29 March in Berlin) handoffs stay at local midnight.
    expect(s.final_schedule.rendered_schedule_entries.map((e: Json) => Date.parse(e.start))).toEqual(['2026-03-28T00:00:00Z', '2026-03-28T23:00:00Z', '2026-03-29T22:00:00Z', '2026-03-30T22:00:00Z'].map(Date.parse));
    expect(s.schedule_layers[0].rendered_schedule_entries.length).toBeGreaterThan(0);
    expect((await req(t, 'GET', '/api/v1/schedules?total=true')).json().total).toBe(before);
    const bad = await req(t, 'POST', '/api/v1/schedules/preview', { schedule: { ...body.schedule, time_zone: 'Mars/Olympus' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('time_zone');
    const bad2 = await req(t, 'POST', '/api/v1/schedules/preview', { schedule: { ...body.schedule, colour: 'red' } });
    expect(bad2.statusCode).toBe(400);
    expect(bad2.body).toContain('colour');
  });
  it('records changes to services, policies, schedules and users, in the change transaction, with cursor paging', async () => {
    const created = await req(t, 'POST', '/api/v1/services', { service: { name: 'Audit line' } });
    const id = created.json().service.id as string;
    clock.advance(1000);
    await req(t, 'PUT', `/api/v1/services/${id}`, { service: { name: 'Audit line 2', description: 'night shift' } });
    clock.advance(1000);
    await req(t, 'PUT', `/api/v1/services/${id}`, { service: { name: 'Audit line 2' } }); // changes nothing: no record
    clock.advance(1000);
    const r = await req(t, 'GET', `/api/v1/services/${id}/audit/records`);
    expect(r.statusCode, r.body).toBe(200);
    expectShape(r.json(), '/services/{id}/audit/records', 'get');
    const recs = r.json().records as Json[];
    expect(recs.map((x) => x.action)).toEqual(['update', 'create']);
    expect(recs[0]).toMatchObject({ actors: [{ id: t.org.user.id, type: 'user_reference' }], method: { type: 'api_token' }, root_resource: { id, type: 'service_reference' } });
    expect(recs[0]!.details.fields).toEqual([
      { name: 'description', value: 'night shift', before_value: null },
      { name: 'name', value: 'Audit line 2', before_value: 'Audit line' },
    ]);
    expect(recs[1]!.details.fields.find((f: Json) => f.name === 'name')).toEqual({ name: 'name', value: 'Audit line' });
    // Cursor paging: one at a time, newest first, then null.
    const p1 = (await req(t, 'GET', `/api/v1/services/${id}/audit/records?limit=1`)).json();
    expect(p1.records[0].action).toBe('update');
    const p2 = (await req(t, 'GET', `/api/v1/services/${id}/audit/records?limit=1&cursor=${p1.next_cursor}`)).json();
    expect(p2.records[0].action).toBe('create');
    expect(p2.next_cursor).toBeNull();
    // Deleting is recorded, and the records stay readable.
    expect((await req(t, 'DELETE', `/api/v1/services/${id}`)).statusCode).toBe(204);
    expect((await req(t, 'GET', `/api/v1/services/${id}/audit/records`)).json().records[0]).toMatchObject({ action: 'delete' });
    // Older than the default 24 hours: only with since.
    clock.advance(2 * 86_400_000);
    expect((await req(t, 'GET', `/api/v1/services/${id}/audit/records`)).json().records).toEqual([]);
    expect((await req(t, 'GET', `/api/v1/services/${id}/audit/records?since=2026-03-01T00:00:00Z`)).json().records).toHaveLength(3);
    expect((await req(t, 'GET', '/api/v1/services/NOPE/audit/records')).statusCode).toBe(404);
    expect((await req(t, 'GET', `/api/v1/services/${id}/audit/records?cursor=zz`)).statusCode).toBe(400);

    // A browser session's change of a schedule; a user's email change names the field, never the address.
    const b = await signIn(t);
    const u = await member(t, 'responder');
    const sch = await req(t, 'POST', '/api/v1/schedules', { schedule: { name: 'Nights', time_zone: 'UTC', schedule_layers: [{ start: '2026-03-01T00:00:00Z', rotation_virtual_start: '2026-03-01T00:00:00Z', rotation_turn_length_seconds: 86400, users: [{ user: { id: u.user.id } }] }] } }, b.headers(true));
    expect(sch.statusCode, sch.body).toBe(201);
    const sr = (await req(t, 'GET', `/api/v1/schedules/${sch.json().schedule.id}/audit/records`)).json();
    expectShape(sr, '/schedules/{id}/audit/records', 'get');
    expect(sr.records[0]).toMatchObject({ action: 'create', method: { type: 'browser' } });
    expect(sr.records[0].details.fields.map((f: Json) => f.name)).toEqual(['description', 'layers', 'name', 'time_zone'].filter((n) => n !== 'description'));
    await req(t, 'PUT', `/api/v1/users/${u.user.id}`, { user: { email: 'moved@harbor.example', name: 'Renamed' } });
    const ur = (await req(t, 'GET', `/api/v1/users/${u.user.id}/audit/records`)).json();
    expectShape(ur, '/users/{id}/audit/records', 'get');
    // The name, then the email (a second write of the same request, with its undo link): both recorded.
    const changed = (ur.records as Json[]).filter((x) => x.action === 'update').flatMap((x) => x.details.fields).sort((x: Json, y: Json) => x.name.localeCompare(y.name));
    expect(changed).toEqual([{ name: 'email', value: null, before_value: null }, { name: 'name', value: 'Renamed', before_value: u.user.name }]);
    expect(JSON.stringify(ur)).not.toContain('moved@harbor.example');
    // A refused change writes nothing: the email belongs to someone else (409), no record.
    const other = await member(t, 'observer');
    expect((await req(t, 'PUT', `/api/v1/users/${u.user.id}`, { user: { email: other.user.email } })).statusCode).toBe(409);
    expect((await req(t, 'GET', `/api/v1/users/${u.user.id}/audit/records`)).json().records).toHaveLength(ur.records.length);
    const pol = await req(t, 'POST', '/api/v1/escalation_policies', { escalation_policy: { name: 'Audit policy', escalation_rules: [{ escalation_delay_in_minutes: 10, targets: [{ id: u.user.id, type: 'user_reference' }] }] } });
    const pr = (await req(t, 'GET', `/api/v1/escalation_policies/${pol.json().escalation_policy.id}/audit/records`)).json();
    expectShape(pr, '/escalation_policies/{id}/audit/records', 'get');
    expect(pr.records[0].action).toBe('create');
    // Owners and admins only.
    expect((await req(t, 'GET', `/api/v1/users/${u.user.id}/audit/records`, undefined, u.auth)).statusCode).toBe(403);
  });
  it('handoff rules: PagerDuty CRUD, and the engine tells once before a shift starts or ends, across DST', async () => {
    const u = await member(t, 'responder');
    const cm = await req(t, 'POST', `/api/v1/users/${u.user.id}/contact_methods`, { contact_method: { type: 'email_contact_method', address: `handoff.${u.user.id}@harbor.example`, label: 'Work' } });
    const cmId = cm.json().contact_method.id as string;
    await t.db.handle.db.updateTable('contact_methods').set({ verified_at: clock.now() }).where('id', '=', cmId).execute();
    // Berlin, daily at 09:00 local: u on 27 March, the owner on 28, u on 29 (the clocks went forward that night).
    clock.set('2026-03-27T12:00:00Z');
    const layer = { start: '2026-03-27T09:00:00+01:00', rotation_virtual_start: '2026-03-27T09:00:00+01:00', rotation_turn_length_seconds: 86400, users: [{ user: { id: u.user.id } }, { user: { id: t.org.user.id } }] };
    expect((await req(t, 'POST', '/api/v1/schedules', { schedule: { name: 'Berlin days', time_zone: 'Europe/Berlin', schedule_layers: [layer] } })).statusCode).toBe(201);

    const base = `/api/v1/users/${u.user.id}/oncall_handoff_notification_rules`;
    const bad = await req(t, 'POST', base, { oncall_handoff_notification_rule: { handoff_type: 'sometimes', notify_advance_in_minutes: -5, contact_method: { id: 'NOPE' } } }, u.auth);
    expect(bad.statusCode).toBe(400);
    for (const f of ['handoff_type', 'notify_advance_in_minutes', 'contact_method.id']) expect(bad.body).toContain(f);
    const made = await req(t, 'POST', base, { oncall_handoff_notification_rule: { handoff_type: 'oncall', notify_advance_in_minutes: 30, contact_method: { id: cmId, type: 'email_contact_method_reference' } } }, u.auth);
    expect(made.statusCode, made.body).toBe(201);
    expectShape(made.json(), '/users/{id}/oncall_handoff_notification_rules', 'post', '201');
    const ruleId = made.json().oncall_handoff_notification_rule.id as string;
    expectShape((await req(t, 'GET', base, undefined, u.auth)).json(), '/users/{id}/oncall_handoff_notification_rules', 'get');
    expectShape((await req(t, 'GET', `${base}/${ruleId}`, undefined, u.auth)).json(), '/users/{id}/oncall_handoff_notification_rules/{oncall_handoff_notification_rule_id}', 'get');
    const other = await member(t, 'responder');
    expect((await req(t, 'PUT', `${base}/${ruleId}`, { oncall_handoff_notification_rule: { handoff_type: 'both' } }, other.auth)).statusCode).toBe(403);
    const put = await req(t, 'PUT', `${base}/${ruleId}`, { oncall_handoff_notification_rule: { handoff_type: 'both' } }, u.auth);
    expect(put.json().oncall_handoff_notification_rule).toMatchObject({ handoff_type: 'both', notify_advance_in_minutes: 30, contact_method: { id: cmId, type: 'email_contact_method_reference' } });

    const engine = new HandoffNoticesModule(t.db.handle.db);
    const notices = async () =>
      (await t.db.handle.db.selectFrom('notifications').select(['payload', 'contact_method_id']).where('event_type', '=', 'oncall.handoff').where('user_id', '=', u.user.id).execute()).map((n) => ({ ...JSON.parse(n.payload!).notice, cm: n.contact_method_id }));
    const at = async (iso: string) => {
      clock.set(iso);
      await engine.tick(clock.now());
    };
    // u's shift of the 27th ends 28 March 09:00 CET = 08:00Z: told at 07:30Z, not before.
    await at('2026-03-28T07:29:00Z');
    expect(await notices()).toEqual([]);
    await at('2026-03-28T07:30:00Z');
    expect(await notices()).toEqual([expect.objectContaining({ subject: 'You go off call for Berlin days in 30 minutes', cm: cmId })]);
    await at('2026-03-28T07:30:00Z'); // the same tick again: nothing twice
    await at('2026-03-28T07:45:00Z');
    expect(await notices()).toHaveLength(1);
    // The next shift starts 29 March 09:00 CEST = 07:00Z (not 08:00Z): told at 06:30Z.
    await at('2026-03-29T06:29:00Z');
    expect(await notices()).toHaveLength(1);
    await at('2026-03-29T06:31:00Z');
    const all = await notices();
    expect(all).toHaveLength(2);
    expect(all[1]).toMatchObject({ subject: 'You go on call for Berlin days in 29 minutes' });
    expect(all[1].text).toContain('Sun 29 Mar 2026 09:00 Europe/Berlin (07:00 UTC)');
    // Deleted: nothing more.
    expect((await req(t, 'DELETE', `${base}/${ruleId}`, undefined, u.auth)).statusCode).toBe(204);
    await at('2026-03-30T06:40:00Z');
    expect(await notices()).toHaveLength(2);
    expect((await req(t, 'GET', `${base}/${ruleId}`, undefined, u.auth)).statusCode).toBe(404);
  });
});
