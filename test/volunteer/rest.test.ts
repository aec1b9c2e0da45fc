/**
 * The volunteer REST API in the house style: profiles, consent, vetting,
 * availability shown in another zone, unavailability, cap warnings, partner
 * companies, pools, the hours ledger with approval and CSV export, the 1% pledge
 * report, and one person volunteering for two organizations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import { addUser } from '../engine/fixtures.js';
import { createApp, enqueue, req, secondOrg, type Json } from '../api/helpers.js';
import { EVENINGS_BERLIN, volunteer, type Vol } from './fixtures.js';

describe.each(DIALECTS)('volunteer REST on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let acme: Json;

  beforeAll(async () => {
    clock = manualClock('2026-03-02T09:00:00Z');
    t = await createApp(dialect, { clock });
  });
  afterAll(async () => t.close());

  it('partner companies', async () => {
    const c = await req(t, 'POST', '/api/v1/partner_companies', { partner_company: { name: 'Acme Analytics', employee_count: 10, contact_email: 'csr@acme.example' } });
    expect(c.statusCode, c.body).toBe(201);
    acme = c.json().partner_company;
    expect(acme).toMatchObject({ type: 'partner_company', name: 'Acme Analytics', employee_count: 10, volunteers: 0 });
    expect((await req(t, 'PUT', `/api/v1/partner_companies/${acme.id}`, { partner_company: { employee_count: 12 } })).json().partner_company.employee_count).toBe(12);
    expect((await req(t, 'PUT', `/api/v1/partner_companies/${acme.id}`, { partner_company: { employee_count: 10 } })).statusCode).toBe(200);
    expect((await req(t, 'POST', '/api/v1/partner_companies', { partner_company: { name: 'x', employee_count: -1 } })).statusCode).toBe(400);
    expect((await req(t, 'GET', '/api/v1/partner_companies')).json().partner_companies).toHaveLength(1);
  });

  it('a volunteer profile: create, consent with time and version, vetting, validation', async () => {
    const r = await req(t, 'POST', '/api/v1/volunteers', {
      volunteer: { name: 'Vera Voss', email: 'Vera@Volunteers.example', time_zone: 'Europe/Berlin', skills: ['Spanish', 'spanish', 'SQL'], company: { id: acme.id }, caps: { weekly_hour_cap: 8 }, availability: { windows: [EVENINGS_BERLIN] } },
    });
    expect(r.statusCode, r.body).toBe(201);
    const v = r.json().volunteer;
    expect(v).toMatchObject({
      type: 'volunteer',
      name: 'Vera Voss',
      email: 'vera@volunteers.example',
      time_zone: 'Europe/Berlin',
      status: 'active',
      skills: ['spanish', 'sql'],
      company: { id: acme.id, summary: 'Acme Analytics' },
      consent: { terms_version: null, consented_at: null, current: false },
      vetting: { references: false, background_check: false },
      caps: { weekly_hour_cap: 8, min_rest_hours: 8, pages_per_shift: 2, cooldown_hours: 24 },
      availability: { time_zone: 'Europe/Berlin', rfc5545: ['DTSTART;TZID=Europe/Berlin:20240101T190000\nRRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU'] },
    });
    // A member with the volunteer role.
    expect((await req(t, 'GET', `/api/v1/users/${v.id}`)).json().user.vigil_role).toBe('volunteer');
    expect((await req(t, 'GET', `/api/v1/users/${v.id}`)).json().user.role).toBe('limited_user');
    // The same email twice: 409.
    expect((await req(t, 'POST', '/api/v1/volunteers', { volunteer: { name: 'Vera again', email: 'vera@volunteers.example' } })).statusCode).toBe(409);
    // An existing staff member is not turned into a volunteer.
    expect((await req(t, 'POST', '/api/v1/volunteers', { volunteer: { name: 'Olive', email: 'owner@harbor.example' } })).statusCode).toBe(409);
    // Bad rules and zones name their field.
    const bad = await req(t, 'POST', '/api/v1/volunteers', { volunteer: { name: 'Bad', email: 'bad@volunteers.example', time_zone: 'Europe/Berlin', availability: { windows: [{ rrule: 'FREQ=HOURLY', start: '19:00', end: '23:00' }] } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.errors[0]).toMatch(/volunteer\.availability\.windows\[0\]\.rrule: FREQ must be DAILY, WEEKLY or MONTHLY/);
    expect((await req(t, 'POST', '/api/v1/volunteers', { volunteer: { name: 'Bad', email: 'bad@volunteers.example', time_zone: 'Berlin' } })).json().error.errors[0]).toMatch(/volunteer\.time_zone/);

    // Consent: the organization publishes terms v2; only v2 is accepted, by the volunteer, with time and version.
    expect((await req(t, 'PUT', '/api/v1/volunteer_settings', { volunteer_settings: { terms_version: 'v2', terms_url: 'https://harbor.example/volunteer-terms', value_per_hour: 29.95, currency: 'usd' } })).statusCode).toBe(200);
    const token = (await req(t, 'POST', '/api/v1/api_tokens', { api_token: { description: 'vera', user: { id: v.id } } })).json().api_token.token;
    const vera = { authorization: `Bearer ${token}` };
    expect((await req(t, 'POST', `/api/v1/volunteers/${v.id}/consent`, { consent: { terms_version: 'v2' } })).statusCode).toBe(403);
    expect((await req(t, 'POST', '/api/v1/volunteers/me/consent', { consent: { terms_version: 'v1' } }, vera)).json().error.errors[0]).toMatch(/current terms are version v2/);
    const consented = await req(t, 'POST', '/api/v1/volunteers/me/consent', { consent: { terms_version: 'v2' } }, vera);
    expect(consented.statusCode, consented.body).toBe(200);
    expect(consented.json().volunteer.consent).toEqual({ terms_version: 'v2', consented_at: '2026-03-02T09:00:00.000Z', current: true });
    // New terms: consent is no longer current.
    await req(t, 'PUT', '/api/v1/volunteer_settings', { volunteer_settings: { terms_version: 'v3' } });
    expect((await req(t, 'GET', '/api/v1/volunteers/me', undefined, vera)).json().volunteer.consent.current).toBe(false);
    expect((await req(t, 'POST', '/api/v1/volunteers/me/consent', { consent: { terms_version: 'v3' } }, vera)).json().volunteer.consent.current).toBe(true);

    // Vetting: admins only, recorded with who and when.
    const vet = await req(t, 'PUT', `/api/v1/volunteers/${v.id}/vetting`, { vetting: { references: true, background_check: true, note: 'Two references called' } });
    expect(vet.json().volunteer.vetting).toMatchObject({ references: true, background_check: true, note: 'Two references called', vetted_at: '2026-03-02T09:00:00.000Z', vetted_by: { id: t.org.user.id } });
    const list = (await req(t, 'GET', `/api/v1/volunteers?company_id=${acme.id}&total=true`)).json();
    expect(list.total).toBe(1);
    expect((await req(t, 'GET', '/api/v1/volunteers?skill=SQL')).json().volunteers.map((x: Json) => x.name)).toEqual(['Vera Voss']);
    expect((await req(t, 'GET', `/api/v1/partner_companies/${acme.id}`)).json().partner_company.volunteers).toBe(1);
  });

  it('availability: rules in the volunteer’s zone, shown to the coordinator in another zone; one-off unavailability', async () => {
    const vera = (await req(t, 'GET', '/api/v1/volunteers?query=&limit=100')).json().volunteers.find((x: Json) => x.name === 'Vera Voss');
    // The week the US is on summer time and Berlin is not: 19:00 Berlin is 11:00 in Los Angeles.
    const r = await req(t, 'GET', `/api/v1/volunteers/${vera.id}/availability?since=2026-03-09T07:00:00Z&until=2026-03-16T07:00:00Z&time_zone=America/Los_Angeles`);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().available).toHaveLength(7);
    expect(r.json().available[0]).toEqual({ start: '2026-03-09T11:00:00-07:00', end: '2026-03-09T15:00:00-07:00', time_zone: 'America/Los_Angeles', label: 'Mon 9 Mar 11:00–15:00' });
    const off = await req(t, 'POST', `/api/v1/volunteers/${vera.id}/unavailability`, { unavailability: { start: '2026-03-10T00:00:00+01:00', end: '2026-03-12T00:00:00+01:00', reason: 'conference' } });
    expect(off.statusCode, off.body).toBe(201);
    const after = (await req(t, 'GET', `/api/v1/volunteers/${vera.id}/availability?since=2026-03-09T07:00:00Z&until=2026-03-16T07:00:00Z&time_zone=America/Los_Angeles`)).json();
    expect(after.available.map((w: Json) => w.label)).toEqual(['Mon 9 Mar 11:00–15:00', 'Thu 12 Mar 11:00–15:00', 'Fri 13 Mar 11:00–15:00', 'Sat 14 Mar 11:00–15:00', 'Sun 15 Mar 11:00–15:00']);
    expect(after.availability.unavailable).toEqual([{ id: off.json().unavailability.id, start: '2026-03-09T23:00:00.000Z', end: '2026-03-11T23:00:00.000Z', reason: 'conference' }]);
    expect((await req(t, 'DELETE', `/api/v1/volunteers/${vera.id}/unavailability/${off.json().unavailability.id}`)).statusCode).toBe(204);
    // Default: the organization's zone (UTC here).
    const utc = (await req(t, 'GET', `/api/v1/volunteers/${vera.id}/availability?since=2026-03-09T00:00:00Z&until=2026-03-10T00:00:00Z`)).json();
    expect(utc.available).toEqual([{ start: '2026-03-09T18:00:00+00:00', end: '2026-03-09T22:00:00+00:00', time_zone: 'UTC', label: 'Mon 9 Mar 18:00–22:00' }]);
    // Replace the windows.
    const upd = await req(t, 'PUT', `/api/v1/volunteers/${vera.id}/availability`, { availability: { windows: [EVENINGS_BERLIN, { rrule: 'FREQ=WEEKLY;BYDAY=SA', start: '10:00', end: '14:00' }] } });
    expect(upd.statusCode, upd.body).toBe(200);
    expect(upd.json().volunteer.availability.windows).toHaveLength(2);
  });

  it('the coordinator is warned before scheduling a volunteer past a cap', async () => {
    const vera = (await req(t, 'GET', '/api/v1/volunteers')).json().volunteers.find((x: Json) => x.name === 'Vera Voss');
    const ok = await req(t, 'POST', `/api/v1/volunteers/${vera.id}/shift_check`, { shift: { start: '2026-03-04T18:00:00Z', end: '2026-03-04T22:00:00Z' } });
    expect(ok.json()).toEqual({ warnings: [], within_caps: true });
    // Vera's cap is 8 h: a 9-hour shift is past it.
    const long = await req(t, 'POST', `/api/v1/volunteers/${vera.id}/shift_check`, { shift: { start: '2026-03-04T09:00:00Z', end: '2026-03-04T18:00:00Z' } });
    expect(long.json().within_caps).toBe(false);
    expect(long.json().warnings[0]).toMatchObject({ cap: 'weekly_cap' });
  });

  it('pools: create, members, status, the escalation level, refusing to delete a pool in use', async () => {
    const vera = (await req(t, 'GET', '/api/v1/volunteers')).json().volunteers.find((x: Json) => x.name === 'Vera Voss');
    expect((await req(t, 'POST', '/api/v1/volunteer_pools', { volunteer_pool: { name: 'x', members: [{ id: t.org.user.id }] } })).json().error.errors[0]).toMatch(/is not a volunteer/);
    const p = await req(t, 'POST', '/api/v1/volunteer_pools', { volunteer_pool: { name: 'Spanish speakers', strategy: 'round_robin', requires: { skills: ['Spanish'], background_check: true }, members: [{ id: vera.id }] } });
    expect(p.statusCode, p.body).toBe(201);
    const pool = p.json().volunteer_pool;
    expect(pool).toMatchObject({ type: 'volunteer_pool', strategy: 'round_robin', round_robin_timeout_minutes: 5, requires: { references: false, background_check: true, skills: ['spanish'] }, services: [] });
    expect(pool.members.map((m: Json) => m.user.id)).toEqual([vera.id]);
    // 10:00 in Berlin: outside her evenings.
    expect((await req(t, 'GET', `/api/v1/volunteer_pools/${pool.id}/status`)).json().members[0]).toMatchObject({ qualifies: false, reason: 'has no verified contact method' });
    const { serviceId } = await serviceWithKey(t, 'events_v2', 'Línea de crisis');
    const sam = await addUser(t, 'Sam Staff');
    const pol = await req(t, 'POST', '/api/v1/escalation_policies', { escalation_policy: { name: 'Crisis line', escalation_rules: [{ escalation_delay_in_minutes: 5, targets: [{ id: sam, type: 'user_reference' }] }] } });
    expect(pol.statusCode, pol.body).toBe(201);
    const policyId = pol.json().escalation_policy.id;
    expect((await req(t, 'PUT', `/api/v1/services/${serviceId}`, { service: { escalation_policy: { id: policyId, type: 'escalation_policy_reference' } } })).statusCode).toBe(200);
    const lvl = await req(t, 'POST', `/api/v1/volunteer_pools/${pool.id}/escalation_levels`, { escalation_level: { escalation_policy: { id: policyId }, position: 1, escalation_delay_in_minutes: 10 } });
    expect(lvl.statusCode, lvl.body).toBe(200);
    expect(lvl.json().escalation_policy.escalation_rules.map((r: Json) => r.targets[0].type)).toEqual(['user_reference', 'volunteer_pool_reference']);
    expect((await req(t, 'GET', `/api/v1/volunteer_pools/${pool.id}`)).json().volunteer_pool.services.map((s: Json) => s.id)).toEqual([serviceId]);
    const del = await req(t, 'DELETE', `/api/v1/volunteer_pools/${pool.id}`);
    expect(del.statusCode).toBe(400);
    expect(del.json().error.errors[0]).toMatch(/escalation policy Crisis line/);
    // Members by id.
    const other = await req(t, 'POST', '/api/v1/volunteer_pools', { volunteer_pool: { name: 'Empty' } });
    const otherId = other.json().volunteer_pool.id;
    expect((await req(t, 'PUT', `/api/v1/volunteer_pools/${otherId}/members/${vera.id}`)).json().volunteer_pool.members).toHaveLength(1);
    expect((await req(t, 'DELETE', `/api/v1/volunteer_pools/${otherId}/members/${vera.id}`)).statusCode).toBe(204);
    expect((await req(t, 'DELETE', `/api/v1/volunteer_pools/${otherId}`)).statusCode).toBe(204);
    expect((await req(t, 'GET', `/api/v1/volunteer_pools/${otherId}`)).statusCode).toBe(404);
  });

  it('the hours ledger: per volunteer and month, per company, approval, CSV, the 1% pledge report', async () => {
    const db = t.db.handle.db;
    const orgId = t.org.org.id;
    const vera = (await req(t, 'GET', '/api/v1/volunteers')).json().volunteers.find((x: Json) => x.name === 'Vera Voss');
    const veraAuth = { authorization: `Bearer ${(await req(t, 'POST', '/api/v1/api_tokens', { api_token: { description: 'vera 2', user: { id: vera.id } } })).json().api_token.token}` };
    const wim: Vol = await volunteer(t, 'Wim', { consent: 'v3' });
    // On-call shifts (schedule overrides): Vera 4 h on 3 March, and 22:00–02:00 across the month end; Wim 09:00–12:00 on 15 March.
    await db.insertInto('schedules').values({ org_id: orgId, id: 'SCHEDNIGHT', name: 'Night desk', description: null, time_zone: 'UTC', layers: '[]', created_at: clock.now(), updated_at: clock.now(), deleted_at: null }).execute();
    const shift = (id: string, user: string, start: string, end: string) => ({ org_id: orgId, id, schedule_id: 'SCHEDNIGHT', user_id: user, start: Date.parse(start), end: Date.parse(end), created_at: clock.now() });
    await db.insertInto('schedule_overrides').values([shift('O1', vera.id, '2026-03-03T08:00:00Z', '2026-03-03T12:00:00Z'), shift('O2', vera.id, '2026-03-31T22:00:00Z', '2026-04-01T02:00:00Z'), shift('O3', wim.id, '2026-03-15T09:00:00Z', '2026-03-15T12:00:00Z')]).execute();
    // Responses: Vera acknowledges an incident at 19:00 on 10 March and it is resolved at 19:45; Wim 10:00–11:00 on 15 March (inside his shift).
    const { key } = await serviceWithKey(t, 'events_v2', 'Text line');
    const respond = async (who: { id: string; auth: Record<string, string> }, at: string, minutes: number, dedup: string) => {
      clock.set(at);
      expect((await enqueue(t, trigger(key, { dedup_key: dedup }))).statusCode).toBe(202);
      const inc = ((await req(t, 'GET', '/api/v1/incidents?statuses[]=triggered&limit=100')).json().incidents as Json[]).at(-1)!;
      expect((await req(t, 'PUT', `/api/v1/incidents/${inc.id}`, { incident: { type: 'incident_reference', assignments: [{ assignee: { id: who.id, type: 'user_reference' } }] } })).statusCode).toBe(200);
      expect((await req(t, 'POST', `/api/v1/incidents/${inc.id}/acknowledge`, undefined, who.auth)).statusCode).toBe(200);
      clock.advanceMinutes(minutes);
      expect((await req(t, 'POST', `/api/v1/incidents/${inc.id}/resolve`)).statusCode).toBe(200);
    };
    await respond({ id: vera.id, auth: veraAuth }, '2026-03-10T19:00:00Z', 45, 'r1');
    await respond(wim, '2026-03-15T10:00:00Z', 60, 'r2');
    clock.set('2026-04-10T12:00:00Z');

    const r = await req(t, 'GET', '/api/v1/volunteer_ledger?since=2026-03&until=2026-04');
    expect(r.statusCode, r.body).toBe(200);
    const lines = (r.json().ledger as Json[]).map((l) => [l.user.summary, l.month, l.on_call_hours, l.response_hours, l.total_hours, l.incidents, l.company?.summary ?? null, l.approval.status]);
    expect(lines).toEqual(
      expect.arrayContaining([
        ['Vera Voss', '2026-03', 6, 0.75, 6.75, 1, 'Acme Analytics', 'pending'],
        ['Vera Voss', '2026-04', 2, 0, 2, 0, 'Acme Analytics', 'pending'],
        ['Wim', '2026-03', 3, 1, 3, 1, null, 'pending'],
      ]),
    );
    expect(lines).toHaveLength(3);
    expect((r.json().companies as Json[]).map((c) => [c.company?.summary ?? null, c.month, c.total_hours])).toEqual(expect.arrayContaining([['Acme Analytics', '2026-03', 6.75], ['Acme Analytics', '2026-04', 2], [null, '2026-03', 3]]));

    // The coordinator approves Vera's March; a later change to March shows as "changed".
    const ap = await req(t, 'POST', '/api/v1/volunteer_ledger/approvals', { approval: { user: { id: vera.id }, month: '2026-03', note: 'checked against the rota' } });
    expect(ap.statusCode, ap.body).toBe(201);
    expect(ap.json().approval).toMatchObject({ month: '2026-03', total_hours: 6.75 });
    const approved = (await req(t, 'GET', `/api/v1/volunteer_ledger?since=2026-03&user_id=${vera.id}`)).json().ledger[0];
    expect(approved.approval).toMatchObject({ status: 'approved', approved_hours: 6.75, approved_by: { id: t.org.user.id } });
    expect((await req(t, 'POST', '/api/v1/volunteer_ledger/approvals', { approval: { user: { id: vera.id }, month: '2026-05' } })).statusCode).toBe(400);

    const pledge = await req(t, 'GET', `/api/v1/partner_companies/${acme.id}/pledge_report?since=2026-03&until=2026-04`);
    expect(pledge.statusCode, pledge.body).toBe(200);
    // 10 employees × 20.8 h × 2/12 = 34.67 h; 8.75 h given; valued at 29.95 USD an hour.
    expect(pledge.json().pledge_report).toMatchObject({ employees: 10, months: 2, target_hours: 34.67, given_hours: 8.75, approved_hours: 6.75, fraction_of_target: 0.2524, value: 262.06, currency: 'USD' });

    await db.insertInto('schedule_overrides').values(shift('O4', vera.id, '2026-03-20T08:00:00Z', '2026-03-20T09:00:00Z')).execute();
    expect((await req(t, 'GET', `/api/v1/volunteer_ledger?since=2026-03&user_id=${vera.id}`)).json().ledger[0].approval).toMatchObject({ status: 'changed', approved_hours: 6.75 });

    const csv = await req(t, 'GET', '/api/v1/volunteer_ledger.csv?since=2026-03');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toBe('attachment; filename="volunteer-hours-2026-03-2026-03.csv"');
    const rows = csv.body.trim().split('\r\n');
    expect(rows[0]).toBe('month,volunteer,email,company,on_call_hours,response_hours,total_hours,incidents,approval,approved_hours,approved_by,approved_at');
    expect(rows).toContain('2026-03,Vera Voss,vera@volunteers.example,Acme Analytics,7,0.75,7.75,1,changed,6.75,Olive Owner,2026-04-10T12:00:00.000Z');
    expect(rows).toContain('2026-03,Wim,wim@volunteers.example,,3,1,3,1,pending,,,');

    // A volunteer sees their own hours in their history, not the ledger.
    const history = (await req(t, 'GET', '/api/v1/volunteers/me/history', undefined, veraAuth)).json();
    expect(history.hours).toEqual(expect.arrayContaining([{ month: '2026-03', on_call_hours: 7, response_hours: 0.75, total_hours: 7.75, approved: false }]));
    expect((await req(t, 'GET', '/api/v1/volunteer_ledger.csv', undefined, veraAuth)).statusCode).toBe(403);
  });

  it('one person volunteers for two organizations with one email: two independent profiles', async () => {
    const river = await secondOrg(t);
    const a = await req(t, 'POST', '/api/v1/volunteers', { volunteer: { name: 'Ana Ortiz', email: 'ana@example.org', time_zone: 'America/Chicago' } });
    const b = await req(t, 'POST', '/api/v1/volunteers', { volunteer: { name: 'Ana Ortiz', email: 'ana@example.org', time_zone: 'America/Chicago', skills: ['logistics'] } }, river.auth);
    expect(a.statusCode, a.body).toBe(201);
    expect(b.statusCode, b.body).toBe(201);
    expect(a.json().volunteer.id).not.toBe(b.json().volunteer.id);
    // Each organization sees only its own.
    expect((await req(t, 'GET', `/api/v1/volunteers/${b.json().volunteer.id}`)).statusCode).toBe(404);
    expect((await req(t, 'GET', `/api/v1/volunteers/${a.json().volunteer.id}`, undefined, river.auth)).statusCode).toBe(404);
    expect((await req(t, 'GET', '/api/v1/volunteers', undefined, river.auth)).json().volunteers.map((v: Json) => v.skills)).toEqual([['logistics']]);
  });
});
