/**
 * Maintenance windows through the REST API (PagerDuty's /maintenance_windows), on every
 * dialect: PagerDuty's own example request is accepted and answers conform to PagerDuty's
 * published schema; the list filters; a delete deletes a window that has not begun, ends one
 * in progress and refuses one that is over; bad input is refused with 400 naming the field
 * and nothing stored; another organization sees 404.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/server/lib/clock.js';
import { MaintenanceModule } from '../../src/server/engine/maintenance/module.js';
import { DIALECTS, manualClock, type TestApp } from '../harness.js';
import { createApp, member, req, secondOrg, type Json } from './helpers.js';
import { PD_REST_OAS, expectPagerDutyShape } from './pd-rest-schema.js';

async function windowRows(t: TestApp): Promise<number[]> {
  const out: number[] = [];
  for (const table of ['maintenance_windows', 'maintenance_window_services'] as const) {
    const r = await t.db.handle.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    out.push(Number(r.n));
  }
  return out;
}

/** PagerDuty's own request example for POST /maintenance_windows, from its OpenAPI document. */
function pagerDutyExample(): Json {
  const oas = JSON.parse(fs.readFileSync(PD_REST_OAS, 'utf8'));
  return structuredClone(oas.paths['/maintenance_windows'].post.requestBody.content['application/json'].examples.request.value);
}

describe.each(DIALECTS)('maintenance windows REST on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let chat: string;
  let sms: string;
  let phones: string;

  const service = async (name: string) => {
    const r = await req(t, 'POST', '/api/v1/services', { service: { name } });
    expect(r.statusCode, r.body).toBe(201);
    return r.json().service.id as string;
  };
  const create = async (fields: Json, expected = 201) => {
    const r = await req(t, 'POST', '/api/v1/maintenance_windows', { maintenance_window: { type: 'maintenance_window', ...fields } });
    expect(r.statusCode, r.body).toBe(expected);
    return r.json();
  };
  const list = async (query: string) => {
    const r = await req(t, 'GET', `/api/v1/maintenance_windows?${query}`);
    expect(r.statusCode, r.body).toBe(200);
    expectPagerDutyShape(r.json(), '/maintenance_windows', 'get');
    return r.json().maintenance_windows as Json[];
  };
  const ref = (id: string) => ({ id, type: 'service_reference' });

  // PagerDuty's example is a window on 9 November 2015, 20:00–22:00 (-05:00): the clock starts that morning.
  beforeAll(async () => {
    clock = manualClock('2015-11-09T15:00:00Z');
    t = await createApp(dialect, { clock });
    chat = await service('Crisis chat');
    sms = await service('SMS gateway');
    phones = await service('Phone line');
  });
  afterAll(async () => t.close());

  it("accepts PagerDuty's own example request and answers in PagerDuty's shape", async () => {
    const body = pagerDutyExample();
    body.maintenance_window.services[0].id = chat;
    const r = await req(t, 'POST', '/api/v1/maintenance_windows', body);
    expect(r.statusCode, r.body).toBe(201);
    expectPagerDutyShape(r.json(), '/maintenance_windows', 'post', '201');
    const w = r.json().maintenance_window;
    expect(w).toMatchObject({
      type: 'maintenance_window',
      sequence_number: 1,
      start_time: '2015-11-10T01:00:00Z',
      end_time: '2015-11-10T03:00:00Z',
      description: 'Immanentizing the eschaton',
      summary: 'Immanentizing the eschaton',
      services: [{ id: chat, type: 'service_reference', summary: 'Crisis chat' }],
      teams: [],
      created_by: { id: t.org.user.id, type: 'user_reference', summary: 'Olive Owner' },
      recurrence: null,
      time_zone: null,
      next_occurrence: null,
      self: `http://vigil.test/api/v1/maintenance_windows/${w.id}`,
    });
    const got = await req(t, 'GET', `/api/v1/maintenance_windows/${w.id}`);
    expect(got.statusCode).toBe(200);
    expectPagerDutyShape(got.json(), '/maintenance_windows/{id}', 'get');
    expect(got.json().maintenance_window).toEqual(w);
    // PUT with PagerDuty's example body (the whole object sent back works too).
    const put = await req(t, 'PUT', `/api/v1/maintenance_windows/${w.id}`, { maintenance_window: { ...got.json().maintenance_window, description: 'Database upgrade' } });
    expect(put.statusCode, put.body).toBe(200);
    expectPagerDutyShape(put.json(), '/maintenance_windows/{id}', 'put');
    expect(put.json().maintenance_window.description).toBe('Database upgrade');
    // Not begun: DELETE deletes it.
    expect((await req(t, 'DELETE', `/api/v1/maintenance_windows/${w.id}`)).statusCode).toBe(204);
    expect((await req(t, 'GET', `/api/v1/maintenance_windows/${w.id}`)).statusCode).toBe(404);
  });

  it('lists windows by phase, service and description; a recurring window shows its next occurrence', async () => {
    clock.set('2026-03-02T10:00:00Z'); // a Monday
    const ongoing = (await create({ start_time: '2026-03-02T09:00:00Z', end_time: '2026-03-02T12:00:00Z', description: 'Chat database upgrade', services: [ref(chat)] })).maintenance_window;
    // A start in the past becomes now.
    expect(ongoing.start_time).toBe('2026-03-02T10:00:00Z');
    const future = (await create({ start_time: '2026-03-05T20:00:00+01:00', end_time: '2026-03-05T22:00:00+01:00', description: 'SMS provider switch', services: [ref(sms)], time_zone: 'Europe/Paris' })).maintenance_window;
    expect(future).toMatchObject({ start_time: '2026-03-05T20:00:00+01:00', end_time: '2026-03-05T22:00:00+01:00', time_zone: 'Europe/Paris' });
    // Weekly, Sunday 02:00–04:00 in Paris, given as local times.
    const weekly = (await create({ start_time: '2026-03-08T02:00:00', end_time: '2026-03-08T04:00:00', description: 'Weekly phone system patching', services: [ref(phones), ref(sms)], time_zone: 'Europe/Paris', recurrence: 'FREQ=WEEKLY;BYDAY=SU' })).maintenance_window;
    expect(weekly).toMatchObject({ start_time: '2026-03-08T02:00:00+01:00', end_time: '2026-03-08T04:00:00+01:00', recurrence: 'FREQ=WEEKLY;BYDAY=SU', next_occurrence: { start_time: '2026-03-08T02:00:00+01:00', end_time: '2026-03-08T04:00:00+01:00' } });
    const past = (await create({ start_time: '2026-03-02T10:30:00Z', end_time: '2026-03-02T11:00:00Z', description: 'Phone carrier test', services: [ref(phones)] })).maintenance_window;
    clock.set('2026-03-02T11:30:00Z');

    const ids = (ws: Json[]) => ws.map((w) => w.sequence_number);
    expect(ids(await list('filter=ongoing'))).toEqual([ongoing.sequence_number]);
    expect(ids(await list('filter=future'))).toEqual([future.sequence_number, weekly.sequence_number]);
    expect(ids(await list('filter=past'))).toEqual([past.sequence_number]);
    expect(ids(await list('filter=open'))).toEqual([ongoing.sequence_number, future.sequence_number, weekly.sequence_number]);
    expect(ids(await list(''))).toHaveLength(4);
    expect(ids(await list(`service_ids[]=${sms}`))).toEqual([future.sequence_number, weekly.sequence_number]);
    expect(ids(await list(`service_ids[]=${sms}&service_ids[]=${chat}&filter=future`))).toEqual([future.sequence_number, weekly.sequence_number]);
    expect(ids(await list('query=PHONE'))).toEqual([past.sequence_number, weekly.sequence_number]);
    expect(ids(await list('query=patching'))).toEqual([weekly.sequence_number]);
    const paged = await req(t, 'GET', '/api/v1/maintenance_windows?limit=1&offset=1&total=true&filter=open');
    expect(paged.json()).toMatchObject({ limit: 1, offset: 1, more: true, total: 3 });
    expect(paged.json().maintenance_windows[0].sequence_number).toBe(future.sequence_number);

    // On Sunday 8 March at 02:30 Paris the weekly one is in progress; the next is on the 15th.
    clock.set('2026-03-08T01:30:00Z');
    expect(ids(await list('filter=ongoing'))).toEqual([weekly.sequence_number]);
    clock.set('2026-03-08T03:00:00Z');
    expect(ids(await list('filter=ongoing'))).toEqual([]);
    const got = (await req(t, 'GET', `/api/v1/maintenance_windows/${weekly.id}`)).json().maintenance_window;
    expect(got.next_occurrence).toEqual({ start_time: '2026-03-15T02:00:00+01:00', end_time: '2026-03-15T04:00:00+01:00' });
    // Spring forward on 29 March: that night's occurrence starts when 02:00 does not exist, at 03:00.
    clock.set('2026-03-28T12:00:00Z');
    expect((await req(t, 'GET', `/api/v1/maintenance_windows/${weekly.id}`)).json().maintenance_window.next_occurrence).toEqual({ start_time: '2026-03-29T03:00:00+02:00', end_time: '2026-03-29T04:00:00+02:00' });
  });

  it('expands services and users on include[]; refuses teams and unknown include values', async () => {
    // Expanded objects are PagerDuty's include[] behaviour, which its schema (references only) does not describe.
    const w = (await req(t, 'GET', '/api/v1/maintenance_windows?filter=all&include[]=services&include[]=users')).json().maintenance_windows[0] as Json;
    expect(w.services[0]).toMatchObject({ type: 'service', name: expect.any(String), integrations: [] });
    expect(w.created_by).toMatchObject({ type: 'user', name: 'Olive Owner', email: 'owner@harbor.example' });
    const teams = await req(t, 'GET', '/api/v1/maintenance_windows?team_ids[]=PQ9K7I8');
    expect(teams.statusCode).toBe(400);
    expect(teams.json().error.errors.join(' ')).toMatch(/^team_ids\[\]: Vigil has no teams/);
    const bogus = await req(t, 'GET', '/api/v1/maintenance_windows?include[]=escalation_policies');
    expect(bogus.statusCode).toBe(400);
    expect(bogus.json().error.errors[0]).toMatch(/^include\[\]: escalation_policies is not supported/);
    const filter = await req(t, 'GET', '/api/v1/maintenance_windows?filter=soon');
    expect(filter.statusCode).toBe(400);
    expect(filter.json().error.errors[0]).toMatch(/^filter: soon is not one of ongoing, future, past, open, all/);
  });

  it('deletes a window that has not begun, ends one in progress, refuses one that is over', async () => {
    clock.set('2026-04-01T10:00:00Z');
    const soon = (await create({ start_time: '2026-04-01T12:00:00Z', end_time: '2026-04-01T13:00:00Z', services: [ref(chat)] })).maintenance_window;
    const now = (await create({ start_time: '2026-04-01T10:00:00Z', end_time: '2026-04-01T11:00:00Z', services: [ref(phones)] })).maintenance_window;
    expect((await req(t, 'DELETE', `/api/v1/maintenance_windows/${soon.id}`)).statusCode).toBe(204);
    expect((await req(t, 'GET', `/api/v1/maintenance_windows/${soon.id}`)).statusCode).toBe(404);
    clock.set('2026-04-01T10:20:00Z');
    expect((await req(t, 'DELETE', `/api/v1/maintenance_windows/${now.id}`)).statusCode).toBe(204);
    const ended = (await req(t, 'GET', `/api/v1/maintenance_windows/${now.id}`)).json().maintenance_window;
    expect(ended.end_time).toBe('2026-04-01T10:20:00Z');
    expect((await list('filter=past')).map((w) => w.id)).toContain(now.id);
    const again = await req(t, 'DELETE', `/api/v1/maintenance_windows/${now.id}`);
    expect(again.statusCode).toBe(400);
    expect(again.json().error.errors[0]).toMatch(/^maintenance_window: window #\d+ has already ended and cannot be deleted/);
    const change = await req(t, 'PUT', `/api/v1/maintenance_windows/${now.id}`, { maintenance_window: { description: 'late note' } });
    expect(change.statusCode).toBe(400);
    expect(change.json().error.errors[0]).toMatch(/has ended and cannot be changed/);
  });

  it('ends a recurring window for good: the occurrence in progress stops now and none follows', async () => {
    clock.set('2026-05-01T00:00:00Z');
    const daily = (await create({ start_time: '2026-05-01T23:00:00', end_time: '2026-05-02T01:00:00', services: [ref(chat)], time_zone: 'America/New_York', recurrence: 'FREQ=DAILY' })).maintenance_window;
    clock.set('2026-05-03T04:00:00Z'); // 00:00 in New York: the second occurrence is in progress
    expect((await req(t, 'GET', `/api/v1/maintenance_windows/${daily.id}`)).json().maintenance_window.next_occurrence).toEqual({ start_time: '2026-05-02T23:00:00-04:00', end_time: '2026-05-03T01:00:00-04:00' });
    expect((await req(t, 'DELETE', `/api/v1/maintenance_windows/${daily.id}`)).statusCode).toBe(204);
    const ended = (await req(t, 'GET', `/api/v1/maintenance_windows/${daily.id}`)).json().maintenance_window;
    expect(ended).toMatchObject({ start_time: '2026-05-01T23:00:00-04:00', end_time: '2026-05-02T01:00:00-04:00', next_occurrence: null });
    expect((await list('filter=past')).map((w) => w.id)).toContain(daily.id);
  });

  it('changes a window in progress only in its end and description', async () => {
    clock.set('2026-06-01T10:00:00Z');
    const w = (await create({ start_time: '2026-06-01T10:00:00Z', end_time: '2026-06-01T11:00:00Z', services: [ref(sms)] })).maintenance_window;
    clock.set('2026-06-01T10:30:00Z');
    const longer = await req(t, 'PUT', `/api/v1/maintenance_windows/${w.id}`, { maintenance_window: { end_time: '2026-06-01T12:00:00Z', description: 'Provider still migrating' } });
    expect(longer.statusCode, longer.body).toBe(200);
    expect(longer.json().maintenance_window).toMatchObject({ start_time: '2026-06-01T10:00:00Z', end_time: '2026-06-01T12:00:00Z', description: 'Provider still migrating' });
    const moved = await req(t, 'PUT', `/api/v1/maintenance_windows/${w.id}`, { maintenance_window: { services: [ref(chat)], start_time: '2026-06-01T10:15:00Z' } });
    expect(moved.statusCode).toBe(400);
    expect(moved.json().error.errors).toEqual([
      'maintenance_window.start_time cannot change while the window is in progress; end it and create another',
      'maintenance_window.services cannot change while the window is in progress; end it and create another',
    ]);
  });

  it('refuses bad input with 400 naming the field, and stores nothing', async () => {
    clock.set('2026-07-01T10:00:00Z');
    const other = await secondOrg(t);
    const theirs = (await req(t, 'POST', '/api/v1/services', { service: { name: 'Their service' } }, other.auth)).json().service.id as string;
    const existing = (await create({ start_time: '2026-07-02T10:00:00Z', end_time: '2026-07-02T12:00:00Z', description: 'Chat upgrade', services: [ref(chat)] })).maintenance_window;
    const good = { type: 'maintenance_window', start_time: '2026-07-03T10:00:00Z', end_time: '2026-07-03T11:00:00Z', services: [ref(sms)] };
    const cases: [string, Json, string][] = [
      ['no start', { ...good, start_time: undefined }, 'maintenance_window.start_time is required'],
      ['no services', { ...good, services: undefined }, 'maintenance_window.services is required'],
      ['empty services', { ...good, services: [] }, 'maintenance_window.services must name at least one service'],
      ['unparseable start', { ...good, start_time: 'tomorrow at ten' }, 'maintenance_window.start_time must be an ISO 8601 date-time'],
      ['inverted', { ...good, end_time: '2026-07-03T09:00:00Z' }, 'maintenance_window.end_time must be after start_time'],
      ['ended', { ...good, start_time: '2026-06-30T09:00:00Z', end_time: '2026-06-30T10:00:00Z' }, 'maintenance_window.end_time must be in the future'],
      ['unknown service', { ...good, services: [ref(sms), ref('PNOSUCH')] }, 'maintenance_window.services[1]: service PNOSUCH not found'],
      ["another organization's service", { ...good, services: [ref(theirs)] }, `maintenance_window.services[0]: service ${theirs} not found`],
      ['teams', { ...good, teams: [{ id: 'PQ9K7I8', type: 'team_reference' }] }, 'maintenance_window.teams: Vigil has no teams'],
      ['wrong type', { ...good, type: 'incident' }, 'maintenance_window.type must be "maintenance_window"'],
      ['unknown field', { ...good, silence_alerts: true }, 'maintenance_window.silence_alerts is not a field of a maintenance window'],
      ['bad zone', { ...good, time_zone: 'Europe/Atlantis' }, 'maintenance_window.time_zone: Europe/Atlantis is not an IANA time zone'],
      ['recurrence without zone', { ...good, recurrence: 'FREQ=WEEKLY' }, 'maintenance_window.time_zone is required with a recurrence'],
      ['unparseable recurrence', { ...good, time_zone: 'UTC', recurrence: 'every sunday' }, 'maintenance_window.recurrence: EVERY SUNDAY is not a rule part NAME=VALUE'],
      ['bad rule value', { ...good, time_zone: 'UTC', recurrence: 'FREQ=WEEKLY;BYDAY=XX' }, 'maintenance_window.recurrence: is not a valid RFC 5545 rule'],
      ['too often', { ...good, time_zone: 'UTC', recurrence: 'FREQ=HOURLY', end_time: '2026-07-03T10:30:00Z' }, 'maintenance_window.recurrence: FREQ=HOURLY starts more than 4 times on 2026-07-03'],
      ['occurrences overlapping each other', { ...good, time_zone: 'UTC', recurrence: 'FREQ=DAILY', end_time: '2026-07-04T11:00:00Z' }, 'maintenance_window.end_time: each occurrence lasts 25 hours'],
      ['start not an occurrence', { ...good, time_zone: 'UTC', recurrence: 'FREQ=WEEKLY;BYDAY=SU' }, 'maintenance_window.start_time: 2026-07-03 10:00 (UTC) is not an occurrence of FREQ=WEEKLY;BYDAY=SU'],
      [
        'overlapping another window of the same service',
        { ...good, start_time: '2026-07-02T11:00:00Z', end_time: '2026-07-02T13:00:00Z', services: [ref(sms), ref(chat)] },
        `maintenance_window.services[1]: Crisis chat is already in maintenance window #${existing.sequence_number} (Chat upgrade) 2026-07-02 10:00–12:00 UTC, which overlaps this window's 2026-07-02 11:00–13:00 UTC`,
      ],
      [
        'a weekly window that would overlap it',
        { ...good, start_time: '2026-07-02T11:30:00+02:00', end_time: '2026-07-02T12:30:00+02:00', time_zone: 'Europe/Paris', recurrence: 'FREQ=WEEKLY', services: [ref(chat)] },
        'maintenance_window.services[0]: Crisis chat is already in maintenance window',
      ],
    ];
    const before = await windowRows(t);
    for (const [name, body, error] of cases) {
      const r = await req(t, 'POST', '/api/v1/maintenance_windows', { maintenance_window: JSON.parse(JSON.stringify(body)) });
      expect(r.statusCode, `${name}: ${r.body}`).toBe(400);
      expect(r.json().error.code, name).toBe(2001);
      expect(r.json().error.errors.join(' | '), name).toContain(error);
    }
    // Wrong types are caught by the schema, naming the field.
    const typed = await req(t, 'POST', '/api/v1/maintenance_windows', { maintenance_window: { ...good, start_time: 20260703 } });
    expect(typed.statusCode).toBe(400);
    expect(typed.json().error.errors[0]).toMatch(/^maintenance_window\.start_time must be string/);
    // An update that would overlap is refused too, and changes nothing.
    const sms1 = (await create(good)).maintenance_window;
    const clash = await req(t, 'PUT', `/api/v1/maintenance_windows/${sms1.id}`, { maintenance_window: { services: [ref(chat)], start_time: '2026-07-02T11:00:00Z' } });
    expect(clash.statusCode).toBe(400);
    expect(clash.json().error.errors[0]).toMatch(/^maintenance_window\.services\[0\]: Crisis chat is already in maintenance window/);
    expect((await req(t, 'GET', `/api/v1/maintenance_windows/${sms1.id}`)).json().maintenance_window).toEqual(sms1);
    expect(await windowRows(t)).toEqual([before[0]! + 1, before[1]! + 1]);
  });

  it('another organization sees 404 and an empty list; reads need read, writes need manage', async () => {
    clock.set('2026-08-01T10:00:00Z');
    const w = (await create({ start_time: '2026-08-02T10:00:00Z', end_time: '2026-08-02T11:00:00Z', services: [ref(chat)] })).maintenance_window;
    const other = await secondOrg(t, 'Wayfinder Directory');
    for (const [method, body] of [['GET'], ['PUT', { maintenance_window: { description: 'mine now' } }], ['DELETE']] as const) {
      const r = await req(t, method, `/api/v1/maintenance_windows/${w.id}`, body, other.auth);
      expect(r.statusCode, method).toBe(404);
      expect(r.json().error.code).toBe(2100);
    }
    expect((await req(t, 'GET', '/api/v1/maintenance_windows', undefined, other.auth)).json().maintenance_windows).toEqual([]);
    expect((await req(t, 'GET', `/api/v1/maintenance_windows/${w.id}`)).json().maintenance_window.description).toBeUndefined();

    const observer = await member(t, 'observer');
    const responder = await member(t, 'responder');
    expect((await req(t, 'GET', '/api/v1/maintenance_windows', undefined, observer.auth)).statusCode).toBe(200);
    expect((await req(t, 'GET', `/api/v1/maintenance_windows/${w.id}`, undefined, responder.auth)).statusCode).toBe(200);
    for (const who of [observer, responder]) {
      expect((await req(t, 'POST', '/api/v1/maintenance_windows', { maintenance_window: { start_time: '2026-08-03T10:00:00Z', end_time: '2026-08-03T11:00:00Z', services: [ref(sms)] } }, who.auth)).statusCode).toBe(403);
      expect((await req(t, 'DELETE', `/api/v1/maintenance_windows/${w.id}`, undefined, who.auth)).statusCode).toBe(403);
    }
  });

  it('a service in a window in progress is shown with status "maintenance" (its stored status is kept)', async () => {
    clock.set('2026-09-01T10:00:00Z');
    await create({ start_time: '2026-09-01T10:00:00Z', end_time: '2026-09-01T11:00:00Z', services: [ref(phones)] });
    const engine = new MaintenanceModule(t.db.handle.db);
    await engine.tick(clock.now());
    expect((await req(t, 'GET', `/api/v1/services/${phones}`)).json().service.status).toBe('maintenance');
    expect((await t.db.handle.db.selectFrom('services').select('status').where('id', '=', phones).executeTakeFirstOrThrow()).status).toBe('active');
    clock.set('2026-09-01T11:00:00Z');
    await engine.tick(clock.now());
    expect((await req(t, 'GET', `/api/v1/services/${phones}`)).json().service.status).toBe('active');
  });
});
