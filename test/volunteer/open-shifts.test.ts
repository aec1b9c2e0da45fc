/**
 * Open shifts, claims, offers and swaps, told as stories with a manual clock through
 * the REST API and the real engine: a schedule has a staff layer and, on top, an
 * open-shift layer of 2-hour evening slots (19:00–21:00 Berlin); volunteers claim
 * them; escalation through the schedule pages whoever holds the slot.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { addContact, addPolicy, addUser, attachPolicy, engineFor, realChannels, startReceiver, type Receiver } from '../engine/fixtures.js';
import { createApp, member, req, secondOrg, type Json } from '../api/helpers.js';
import { MORNINGS_BERLIN, eveningSchedule, pagedFor, resolveAll, volunteer } from './fixtures.js';

describe.each(DIALECTS)('open shifts on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let hook: Receiver;
  let engine: Engine;
  let key: string;
  let sam: string;
  let scheduleId: string;
  let n = 0;

  // Monday 2 March 2026, 09:00 UTC (10:00 in Berlin).
  beforeEach(async () => {
    clock = manualClock('2026-03-02T09:00:00Z');
    t = await createApp(dialect, { clock });
    // The organization's zone: coverage answers are shown in it.
    await t.db.handle.db.updateTable('organizations').set({ time_zone: 'Europe/Berlin' }).where('id', '=', t.org.org.id).execute();
    hook = await startReceiver();
    engine = engineFor(t, realChannels(null));
    let serviceId: string;
    ({ key, serviceId } = await serviceWithKey(t));
    sam = await addUser(t, 'Sam Staff');
    await addContact(t, sam, 'webhook', hook.url);
    scheduleId = await eveningSchedule(t, sam);
    const policyId = await addPolicy(t, [{ delay: 10, targets: [{ id: scheduleId, type: 'schedule_reference' }] }]);
    await attachPolicy(t, serviceId, policyId);
  });
  afterEach(async () => {
    await t.close();
    await hook.close();
  });

  const run = () => engine.runUntilIdle(clock.now());
  const send = () => t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, { dedup_key: `k${++n}` }) });
  const vol = (name: string, o: Parameters<typeof volunteer>[2] = {}) => volunteer(t, name, { contact: hook.url, ...o });
  const openShifts = async (since = '2026-03-02T00:00:00+01:00', until = '2026-03-05T00:00:00+01:00'): Promise<Json[]> => {
    const r = await req(t, 'GET', `/api/v1/schedules/${scheduleId}/open_shifts?since=${encodeURIComponent(since)}&until=${encodeURIComponent(until)}`);
    expect(r.statusCode, r.body).toBe(200);
    return r.json().open_shifts;
  };
  const gaps = async (): Promise<Json[]> => {
    const r = await req(t, 'GET', `/api/v1/coverage_gaps?since=2026-03-02T00:00:00%2B01:00&until=2026-03-05T00:00:00%2B01:00`);
    expect(r.statusCode, r.body).toBe(200);
    return r.json().coverage_gaps;
  };

  it('an open slot claimed by a volunteer puts her on call: escalation through the schedule pages her, the slot leaves the gaps, the ledger counts her hours', async () => {
    const vera = await vol('Vera');
    const slots = await openShifts();
    expect(slots.map((s) => [s.start, s.end, s.status])).toEqual([
      ['2026-03-02T19:00:00+01:00', '2026-03-02T21:00:00+01:00', 'open'],
      ['2026-03-03T19:00:00+01:00', '2026-03-03T21:00:00+01:00', 'open'],
      ['2026-03-04T19:00:00+01:00', '2026-03-04T21:00:00+01:00', 'open'],
    ]);
    expect((await gaps()).filter((g) => g.kind === 'unclaimed_open_shift')).toHaveLength(3);

    // A volunteer finds the schedules with open shifts, sees the open shifts and claims Monday's with her own token.
    const where = await req(t, 'GET', '/api/v1/open_shift_schedules', undefined, vera.auth);
    expect(where.statusCode, where.body).toBe(200);
    expect(where.json().schedules.map((x: Json) => [x.id, x.summary, x.time_zone])).toEqual([[scheduleId, 'Chat desk', 'Europe/Berlin']]);
    const seen = await req(t, 'GET', `/api/v1/schedules/${scheduleId}/open_shifts?since=2026-03-02T00:00:00Z`, undefined, vera.auth);
    expect(seen.statusCode, seen.body).toBe(200);
    const c = await req(t, 'POST', `/api/v1/schedules/${scheduleId}/open_shifts/${slots[0]!.id}/claim`, {}, vera.auth);
    expect(c.statusCode, c.body).toBe(201);
    expect(c.json().open_shift_claim).toMatchObject({ user: { id: vera.id }, start: '2026-03-02T19:00:00+01:00', end: '2026-03-02T21:00:00+01:00', status: 'active' });

    const after = await openShifts();
    expect(after[0]).toMatchObject({ status: 'claimed', open: [] });
    expect(after[0]!.claims[0].user.id).toBe(vera.id);
    const unclaimed = (await gaps()).filter((g) => g.kind === 'unclaimed_open_shift');
    expect(unclaimed.map((g) => g.label)).toEqual(['Tue 3 Mar 19:00–21:00', 'Wed 4 Mar 19:00–21:00']);

    // The final schedule and the on-calls show her.
    const fin = (await req(t, 'GET', `/api/v1/schedules/${scheduleId}/final?since=2026-03-02T18:00:00Z&until=2026-03-02T21:00:00Z`)).json();
    expect(fin.final_schedule.rendered_schedule_entries.map((e: Json) => [e.start, e.user.summary])).toEqual([
      ['2026-03-02T18:00:00.000Z', 'Vera'],
      ['2026-03-02T20:00:00.000Z', 'Sam Staff'],
    ]);
    const oc = (await req(t, 'GET', `/api/v1/oncalls?schedule_ids[]=${scheduleId}&since=2026-03-02T18:30:00Z&until=2026-03-02T18:30:00Z`)).json();
    expect(oc.oncalls.map((o: Json) => o.user.id)).toEqual([vera.id]);

    // 19:30 in Berlin: an incident escalates through the schedule to Vera, not to Sam.
    clock.set(Date.parse('2026-03-02T18:30:00Z'));
    expect((await send()).statusCode).toBe(202);
    await run();
    expect((await pagedFor(t, 1)).map((x) => x.user)).toEqual(['Vera']);
    await resolveAll(t);

    // After her slot, Sam is back.
    clock.set(Date.parse('2026-03-02T20:30:00Z'));
    await send();
    await run();
    expect((await pagedFor(t, 2)).map((x) => x.user)).toEqual(['Sam Staff']);

    // Her two claimed hours are on-call hours in the ledger.
    const ledger = (await req(t, 'GET', '/api/v1/volunteer_ledger?since=2026-03&until=2026-03')).json();
    expect(ledger.ledger.find((l: Json) => l.user.id === vera.id)).toMatchObject({ on_call_hours: 2 });

    // Her shifts, in her own zone; another volunteer cannot read them.
    const mine = await req(t, 'GET', '/api/v1/volunteers/me/shifts?since=2026-03-01T00:00:00Z&until=2026-03-08T00:00:00Z', undefined, vera.auth);
    expect(mine.statusCode, mine.body).toBe(200);
    expect(mine.json().shifts.map((x: Json) => [x.schedule.summary, x.label])).toEqual([['Chat desk', 'Mon 2 Mar 19:00–21:00']]);
    const wim = await vol('Wim');
    expect((await req(t, 'GET', `/api/v1/volunteers/${vera.id}/shifts`, undefined, wim.auth)).statusCode).toBe(403);

    // Giving it back opens the slot again.
    expect((await req(t, 'DELETE', `/api/v1/open_shift_claims/${c.json().open_shift_claim.id}`, undefined, vera.auth)).statusCode).toBe(204);
    expect((await openShifts())[0]!.status).toBe('open');
  });

  it('a volunteer on call through a claimed slot keeps her care limits: after two pages this shift the schedule level is handed back and the next level fires at once', async () => {
    const vera = await vol('Vera');
    const slot = (await openShifts())[0]!;
    expect((await req(t, 'POST', `/api/v1/schedules/${scheduleId}/open_shifts/${slot.id}/claim`, {}, vera.auth)).statusCode).toBe(201);
    // A service whose policy tries the schedule, then Sam directly.
    const second = await serviceWithKey(t, 'events_v2', 'Text line');
    await attachPolicy(t, second.serviceId, await addPolicy(t, [{ delay: 10, targets: [{ id: scheduleId, type: 'schedule_reference' }] }, { delay: 10, targets: [{ id: sam, type: 'user_reference' }] }], 0, 'Text line on-call'));
    const page = async (at: string) => {
      clock.set(Date.parse(at));
      expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(second.key, { dedup_key: `t-${at}` }) })).statusCode).toBe(202);
      await run();
    };
    // 19:10 and 19:20 in Berlin: Vera is paged twice, and answers.
    await page('2026-03-02T18:10:00Z');
    expect((await pagedFor(t, 1)).map((x) => x.user)).toEqual(['Vera']);
    await resolveAll(t);
    await page('2026-03-02T18:20:00Z');
    expect((await pagedFor(t, 2)).map((x) => x.user)).toEqual(['Vera']);
    await resolveAll(t);
    // 19:30: a third incident in the same shift is not hers: the level is handed back and Sam is paged at once.
    await page('2026-03-02T18:30:00Z');
    expect((await pagedFor(t, 3)).map((x) => x.user)).toEqual(['Sam Staff']);
    const log = (await req(t, 'GET', '/api/v1/incidents/3/log_entries')).json().log_entries as Json[];
    expect(log.map((e) => e.summary as string).join('\n')).toMatch(/Vera, the volunteer on call in schedule Chat desk, handed back after 2 pages this shift \(limit 2\)/);
    await resolveAll(t);
    // Her next shift starts afresh: on Tuesday evening's slot, claimed now, she is paged again.
    const tuesday = (await openShifts())[1]!;
    expect((await req(t, 'POST', `/api/v1/schedules/${scheduleId}/open_shifts/${tuesday.id}/claim`, {}, vera.auth)).statusCode).toBe(201);
    await page('2026-03-03T18:10:00Z');
    expect((await pagedFor(t, 4)).map((x) => x.user)).toEqual(['Vera']);
  });

  it('a claim is refused, naming the reason, when taken, outside availability, paused, without consent or past the weekly cap; nothing is written', async () => {
    const vera = await vol('Vera');
    const wim = await vol('Wim', { windows: [MORNINGS_BERLIN] });
    const zed = await vol('Zed');
    const xu = await vol('Xu', { consent: false });
    const cap = await vol('Cap', { caps: { weekly_hour_cap: 3 } });
    const slots = await openShifts();
    const claim = (slot: Json, who: { auth: Record<string, string> }, body: object = {}) => req(t, 'POST', `/api/v1/schedules/${scheduleId}/open_shifts/${slot.id}/claim`, body, who.auth);

    const w = await claim(slots[0]!, wim);
    expect(w.statusCode, w.body).toBe(422);
    expect(w.json().error.errors[0]).toMatch(/^claim\.user\.id: outside_availability: Wim /);

    expect((await req(t, 'POST', `/api/v1/volunteers/${zed.id}/pause`, { pause: { reason: 'exams' } }, zed.auth)).statusCode).toBe(200);
    expect((await claim(slots[0]!, zed)).json().error.errors[0]).toMatch(/^claim\.user\.id: paused: Zed is paused/);
    expect((await claim(slots[0]!, xu)).json().error.errors[0]).toMatch(/^claim\.user\.id: no_consent: /);
    const mute = await vol('Mute', { contact: false });
    expect((await claim(slots[0]!, mute)).json().error.errors[0]).toBe('claim.user.id: no_contact_method: Mute has no verified contact method to be paged on');

    // Cap (3 h a week) takes Monday's slot; Tuesday's would make 4 h.
    expect((await claim(slots[0]!, cap)).statusCode).toBe(201);
    const over = await claim(slots[1]!, cap);
    expect(over.statusCode).toBe(422);
    expect(over.json().error.errors[0]).toBe('claim.user.id: weekly_cap: Cap would be over their weekly cap: the week of 2026-03-02 would have 4 h (cap 3 h)');

    // Monday's slot is taken now: Vera gets 409; a part outside the slot is a 400 naming the field.
    const taken = await claim(slots[0]!, vera);
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.errors[0]).toMatch(/^claim: someone has already claimed/);
    const outside = await claim(slots[1]!, vera, { claim: { start: '2026-03-03T17:00:00Z', end: '2026-03-03T19:00:00Z' } });
    expect(outside.statusCode).toBe(400);
    expect(outside.json().error.errors[0]).toMatch(/^claim: start and end must lie inside/);
    expect((await req(t, 'POST', `/api/v1/schedules/${scheduleId}/open_shifts/nonsense/claim`, {}, vera.auth)).statusCode).toBe(404);

    const rows = await t.db.handle.db.selectFrom('open_shift_claims').selectAll().where('org_id', '=', t.org.org.id).execute();
    expect(rows.map((r) => r.user_id)).toEqual([cap.id]);
    const overrides = await t.db.handle.db.selectFrom('schedule_overrides').selectAll().where('org_id', '=', t.org.org.id).execute();
    expect(overrides.map((o) => o.user_id)).toEqual([cap.id]);

    // Part of a slot: Vera takes 20:00–21:00 on Tuesday; the rest stays open.
    const part = await claim(slots[1]!, vera, { claim: { start: '2026-03-03T19:00:00Z', end: '2026-03-03T20:00:00Z' } });
    expect(part.statusCode, part.body).toBe(201);
    const tue = (await openShifts())[1]!;
    expect(tue.status).toBe('partly_claimed');
    expect(tue.open.map((o: Json) => o.label)).toEqual(['Tue 3 Mar 19:00–20:00']);
  });

  it('an offer leaves the holder on call (and paged) until someone accepts; then the new holder is paged', async () => {
    const vera = await vol('Vera');
    const wim = await vol('Wim');
    const slots = await openShifts();
    expect((await req(t, 'POST', `/api/v1/schedules/${scheduleId}/open_shifts/${slots[0]!.id}/claim`, {}, vera.auth)).statusCode).toBe(201);

    // Vera offers the second hour of her slot to Wim.
    const o = await req(t, 'POST', '/api/v1/shift_offers', { shift_offer: { schedule: { id: scheduleId }, start: '2026-03-02T19:00:00Z', end: '2026-03-02T20:00:00Z', to: { id: wim.id }, note: 'train home' } }, vera.auth);
    expect(o.statusCode, o.body).toBe(201);
    const offer = o.json().shift_trade;
    expect(offer).toMatchObject({ type: 'shift_offer', status: 'pending', holder: { id: vera.id }, to: { id: wim.id } });
    // Wim sees it in his list; Zed, another volunteer, neither lists nor reads an offer made to Wim.
    expect((await req(t, 'GET', '/api/v1/shift_trades?status=pending', undefined, wim.auth)).json().shift_trades.map((x: Json) => x.id)).toEqual([offer.id]);
    const zed = await vol('Zed');
    expect((await req(t, 'GET', '/api/v1/shift_trades', undefined, zed.auth)).json().shift_trades).toEqual([]);
    expect((await req(t, 'GET', `/api/v1/shift_trades/${offer.id}`, undefined, zed.auth)).statusCode).toBe(404);
    expect((await req(t, 'POST', `/api/v1/shift_trades/${offer.id}/accept`, {}, zed.auth)).statusCode).toBe(403);

    // 19:30 Berlin, offer pending: Vera is still on call and is paged.
    clock.set(Date.parse('2026-03-02T18:30:00Z'));
    await send();
    await run();
    expect((await pagedFor(t, 1)).map((x) => x.user)).toEqual(['Vera']);
    await resolveAll(t);

    // 19:40: Wim accepts; the offered hour is his.
    clock.set(Date.parse('2026-03-02T18:40:00Z'));
    const a = await req(t, 'POST', `/api/v1/shift_trades/${offer.id}/accept`, {}, wim.auth);
    expect(a.statusCode, a.body).toBe(200);
    expect(a.json().shift_trade).toMatchObject({ status: 'accepted', decided_by: { id: wim.id } });
    expect(a.json().shift_trade.overrides).toHaveLength(1);
    // Accepting twice is a conflict; the audit log has the trail.
    expect((await req(t, 'POST', `/api/v1/shift_trades/${offer.id}/accept`, {}, wim.auth)).statusCode).toBe(409);
    const log = (await req(t, 'GET', '/api/v1/audit_log?limit=100')).json();
    const actions = (log.audit_log ?? log.entries ?? []).map((e: Json) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['open_shift.claim', 'shift_offer.create', 'shift_offer.accept']));

    clock.set(Date.parse('2026-03-02T19:10:00Z'));
    await send();
    await run();
    expect((await pagedFor(t, 2)).map((x) => x.user)).toEqual(['Wim']);
  });

  it('a swap exchanges two shifts only when the other accepts, subject to their rules; decline and withdraw leave everything as it was', async () => {
    const vera = await vol('Vera');
    const wim = await vol('Wim');
    const slots = await openShifts();
    const claim = (i: number, who: { auth: Record<string, string> }) => req(t, 'POST', `/api/v1/schedules/${scheduleId}/open_shifts/${slots[i]!.id}/claim`, {}, who.auth);
    expect((await claim(0, vera)).statusCode).toBe(201);
    expect((await claim(1, wim)).statusCode).toBe(201);

    const propose = () =>
      req(t, 'POST', '/api/v1/shift_swaps', { shift_swap: { schedule: { id: scheduleId }, start: '2026-03-02T18:00:00Z', end: '2026-03-02T20:00:00Z', with: { user: { id: wim.id }, start: '2026-03-03T18:00:00Z', end: '2026-03-03T20:00:00Z' } } }, vera.auth);
    const s1 = (await propose()).json().shift_trade;
    expect(s1).toMatchObject({ type: 'shift_swap', status: 'pending', with: { user: { id: wim.id } } });
    // Only Wim may accept or decline; Vera may only withdraw.
    expect((await req(t, 'POST', `/api/v1/shift_trades/${s1.id}/accept`, {}, vera.auth)).statusCode).toBe(409);
    expect((await req(t, 'POST', `/api/v1/shift_trades/${s1.id}/decline`, {}, wim.auth)).json().shift_trade.status).toBe('declined');
    const s2 = (await propose()).json().shift_trade;
    expect((await req(t, 'POST', `/api/v1/shift_trades/${s2.id}/withdraw`, {}, wim.auth)).statusCode).toBe(403);
    expect((await req(t, 'POST', `/api/v1/shift_trades/${s2.id}/withdraw`, {}, vera.auth)).json().shift_trade.status).toBe('withdrawn');
    const who = async (at: string) => (await req(t, 'GET', `/api/v1/oncalls?schedule_ids[]=${scheduleId}&since=${at}&until=${at}`)).json().oncalls.map((o: Json) => o.user.summary);
    expect(await who('2026-03-02T18:30:00Z')).toEqual(['Vera']);

    const s3 = (await propose()).json().shift_trade;
    const a = await req(t, 'POST', `/api/v1/shift_trades/${s3.id}/accept`, {}, wim.auth);
    expect(a.statusCode, a.body).toBe(200);
    expect(a.json().shift_trade.overrides).toHaveLength(2);
    expect(await who('2026-03-02T18:30:00Z')).toEqual(['Wim']);
    expect(await who('2026-03-03T18:30:00Z')).toEqual(['Vera']);
  });

  it('offering what you do not hold, or a shift already begun, is a 400 naming the field; accepting past the rules is a 422', async () => {
    const vera = await vol('Vera');
    const mona = await vol('Mona', { windows: [MORNINGS_BERLIN] });
    const slots = await openShifts();
    expect((await req(t, 'POST', `/api/v1/schedules/${scheduleId}/open_shifts/${slots[0]!.id}/claim`, {}, vera.auth)).statusCode).toBe(201);
    const notMine = await req(t, 'POST', '/api/v1/shift_offers', { shift_offer: { schedule: { id: scheduleId }, start: '2026-03-03T18:00:00Z', end: '2026-03-03T20:00:00Z' } }, vera.auth);
    expect(notMine.statusCode).toBe(400);
    expect(notMine.json().error.errors[0]).toMatch(/^shift_offer\.start: you are not on call/);
    const past = await req(t, 'POST', '/api/v1/shift_offers', { shift_offer: { schedule: { id: scheduleId }, start: '2026-03-01T18:00:00Z', end: '2026-03-01T20:00:00Z' } }, vera.auth);
    expect(past.json().error.errors[0]).toMatch(/^shift_offer\.start must be in the future/);
    const open = (await req(t, 'POST', '/api/v1/shift_offers', { shift_offer: { schedule: { id: scheduleId }, start: '2026-03-02T18:00:00Z', end: '2026-03-02T20:00:00Z' } }, vera.auth)).json().shift_trade;
    const m = await req(t, 'POST', `/api/v1/shift_trades/${open.id}/accept`, {}, mona.auth);
    expect(m.statusCode).toBe(422);
    expect(m.json().error.errors[0]).toMatch(/^user\.id: outside_availability: Mona /);
    // Once the shift has begun, the offer has expired and Vera keeps it.
    clock.set(Date.parse('2026-03-02T18:00:00Z'));
    expect((await req(t, 'GET', `/api/v1/shift_trades/${open.id}`)).json().shift_trade.status).toBe('expired');
    expect((await req(t, 'GET', '/api/v1/shift_trades?status=pending')).json().shift_trades).toEqual([]);
    expect((await req(t, 'GET', '/api/v1/shift_trades?status=expired')).json().shift_trades.map((x: Json) => x.id)).toEqual([open.id]);
    expect((await req(t, 'POST', `/api/v1/shift_trades/${open.id}/accept`, {}, mona.auth)).statusCode).toBe(409);
  });
  it('coverage gaps: unclaimed slots and nobody-on-call stretches, in the organization zone or any time_zone; bad ranges are 400s naming the field', async () => {
    // A second schedule with only an open layer: nobody is on call outside (and inside) its unclaimed slots.
    const r = await req(t, 'POST', '/api/v1/schedules', {
      schedule: { name: 'Night line', time_zone: 'America/Los_Angeles', schedule_layers: [{ start: '2026-03-01T00:00:00', rotation_turn_length_seconds: 86400, users: [], open_shifts: true, restrictions: [{ type: 'daily_restriction', start_time_of_day: '22:00:00', duration_seconds: 3600 }] }] },
    });
    expect(r.statusCode, r.body).toBe(201);
    const night = r.json().schedule.id;
    const g = await req(t, 'GET', `/api/v1/coverage_gaps?since=2026-03-07T00:00:00-08:00&until=2026-03-09T00:00:00-07:00&time_zone=America/Los_Angeles&schedule_ids[]=${night}`);
    expect(g.statusCode, g.body).toBe(200);
    const body = g.json();
    expect(body.time_zone).toBe('America/Los_Angeles');
    expect(body.coverage_gaps.map((x: Json) => [x.kind, x.label, x.hours])).toEqual([
      ['nobody_on_call', 'Sat 7 Mar 00:00 – Mon 9 Mar 00:00', 47],
      ['unclaimed_open_shift', 'Sat 7 Mar 22:00–23:00', 1],
      ['unclaimed_open_shift', 'Sun 8 Mar 22:00–23:00', 1],
    ]);
    expect(body.coverage_gaps[1].open_shift_id).toMatch(/\.\d+$/);
    expect(body.total_hours).toBe(49);

    for (const [q, field] of [
      ['since=2026-03-09T00:00:00Z&until=2026-03-08T00:00:00Z', 'until'],
      ['since=2026-01-01T00:00:00Z&until=2026-06-01T00:00:00Z', 'until'],
      ['since=yesterday', 'since'],
      ['time_zone=Mars/Olympus', 'time_zone'],
    ]) {
      const bad = await req(t, 'GET', `/api/v1/coverage_gaps?${q}`);
      expect(bad.statusCode, q).toBe(400);
      expect(bad.json().error.errors[0].startsWith(field!), bad.body).toBe(true);
    }
    // Gaps are for coordinators; volunteers see open shifts instead.
    const vera = await vol('Vera');
    expect((await req(t, 'GET', '/api/v1/coverage_gaps', undefined, vera.auth)).statusCode).toBe(403);
  });

  it('two volunteers claiming the same slot at once: exactly one wins; another organization cannot see or claim it; observers cannot claim', async () => {
    const vera = await vol('Vera');
    const wim = await vol('Wim');
    const [slot] = await openShifts();
    const results = await Promise.all([vera, wim].map((v) => req(t, 'POST', `/api/v1/schedules/${scheduleId}/open_shifts/${slot!.id}/claim`, {}, v.auth)));
    expect(results.map((x) => x.statusCode).sort()).toEqual([201, 409]);
    const claims = await t.db.handle.db.selectFrom('open_shift_claims').selectAll().where('org_id', '=', t.org.org.id).execute();
    expect(claims).toHaveLength(1);

    const other = await secondOrg(t);
    expect((await req(t, 'GET', `/api/v1/schedules/${scheduleId}/open_shifts`, undefined, other.auth)).statusCode).toBe(404);
    expect((await req(t, 'POST', `/api/v1/schedules/${scheduleId}/open_shifts/${slot!.id}/claim`, {}, other.auth)).statusCode).toBe(404);
    const observer = await member(t, 'observer');
    expect((await req(t, 'POST', `/api/v1/schedules/${scheduleId}/open_shifts/${(await openShifts())[1]!.id}/claim`, {}, observer.auth)).statusCode).toBe(403);
    // A claim time that is not a time is a 400 naming the field.
    const bad = await req(t, 'POST', `/api/v1/schedules/${scheduleId}/open_shifts/${(await openShifts())[1]!.id}/claim`, { claim: { start: 'tonight' } }, vera.auth);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.errors[0]).toMatch(/^claim\.start /);
    // A volunteer cannot claim for someone else; a coordinator can, and the rules still apply.
    expect((await req(t, 'POST', `/api/v1/schedules/${scheduleId}/open_shifts/${(await openShifts())[1]!.id}/claim`, { claim: { user: { id: wim.id } } }, vera.auth)).statusCode).toBe(403);
    const forWim = await req(t, 'POST', `/api/v1/schedules/${scheduleId}/open_shifts/${(await openShifts())[1]!.id}/claim`, { claim: { user: { id: wim.id } } });
    expect(forWim.statusCode, forWim.body).toBe(201);
    expect(forWim.json().open_shift_claim.user.id).toBe(wim.id);
  });

  it('an open-shift layer with users is a 400 naming the field, and nothing is written', async () => {
    const r = await req(t, 'POST', '/api/v1/schedules', { schedule: { name: 'Wrong', time_zone: 'UTC', schedule_layers: [{ start: '2026-03-01T00:00:00Z', rotation_turn_length_seconds: 86400, users: [{ user: { id: sam } }], open_shifts: true }] } });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.errors, r.body).toContain('schedule.schedule_layers[0].users must be empty in an open-shift layer (its turns are claimed by volunteers)');
    expect((await req(t, 'GET', '/api/v1/schedules?query=Wrong')).json().schedules).toEqual([]);
  });
  it('a slot under way is claimed from now on, never backwards', async () => {
    const vera = await vol('Vera');
    const [slot] = await openShifts();
    clock.set(Date.parse('2026-03-02T18:30:00Z'));
    const back = await req(t, 'POST', `/api/v1/schedules/${scheduleId}/open_shifts/${slot!.id}/claim`, { claim: { start: '2026-03-02T18:00:00Z' } }, vera.auth);
    expect(back.statusCode).toBe(400);
    expect(back.json().error.errors[0]).toMatch(/^claim\.start must not be in the past/);
    const c = await req(t, 'POST', `/api/v1/schedules/${scheduleId}/open_shifts/${slot!.id}/claim`, {}, vera.auth);
    expect(c.statusCode, c.body).toBe(201);
    expect(c.json().open_shift_claim).toMatchObject({ start: '2026-03-02T19:30:00+01:00', end: '2026-03-02T21:00:00+01:00' });
    expect((await openShifts())[0]!.open.map((o: Json) => o.label)).toEqual(['Mon 2 Mar 19:00–19:30']);
  });
  it('pausing gives back the claimed open shifts not yet over: the one under way ends now, later ones are open again, and she is not paged through the schedule', async () => {
    const vera = await vol('Vera');
    const slots = await openShifts();
    for (const s of slots.slice(0, 2)) expect((await req(t, 'POST', `/api/v1/schedules/${scheduleId}/open_shifts/${s.id}/claim`, {}, vera.auth)).statusCode).toBe(201);
    clock.set(Date.parse('2026-03-02T18:30:00Z'));
    const p = await req(t, 'POST', `/api/v1/volunteers/${vera.id}/pause`, { pause: { reason: 'family emergency' } }, vera.auth);
    expect(p.statusCode, p.body).toBe(200);
    expect(p.json().released_open_shifts).toBe(2);
    const now = await openShifts();
    expect(now[0]!.open.map((o: Json) => o.label)).toEqual(['Mon 2 Mar 19:30–21:00']);
    expect(now[0]!.claims[0].end).toBe('2026-03-02T19:30:00+01:00');
    expect(now[1]!.status).toBe('open');
    await send();
    await run();
    expect((await pagedFor(t, 1)).map((x) => x.user)).toEqual(['Sam Staff']);
    // Her 30 minutes stay in the ledger.
    const ledger = (await req(t, 'GET', '/api/v1/volunteer_ledger?since=2026-03&until=2026-03')).json();
    expect(ledger.ledger.find((l: Json) => l.user.id === vera.id)).toMatchObject({ on_call_hours: 0.5 });
  });
});
