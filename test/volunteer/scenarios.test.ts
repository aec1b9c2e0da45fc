/**
 * Volunteer pools as escalation targets, told as stories with a manual clock. Staff
 * are level 1; a volunteer pool is the backup level 2; a lead is level 3. Pages go
 * through the real engine to a real local webhook receiver.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { addContact, addPolicy, addRule, addUser, attachPolicy, engineFor, realChannels, startReceiver, timeline, type Receiver } from '../engine/fixtures.js';
import { createApp, req } from '../api/helpers.js';
import { EVENINGS_BERLIN, MORNINGS_BERLIN, pagedFor, pool, poolLevel, resolveAll, volunteer, type Vol } from './fixtures.js';

describe.each(DIALECTS)('volunteer pools on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let hook: Receiver;
  let engine: Engine;
  let key: string;
  let serviceId: string;
  let sam: string;
  let lea: string;
  let policyId: string;
  let n = 0;

  // Monday 2 March 2026, 18:30 UTC: 19:30 in Berlin, inside the volunteers' 19:00–23:00 evenings.
  beforeEach(async () => {
    clock = manualClock('2026-03-02T18:30:00Z');
    t = await createApp(dialect, { clock });
    hook = await startReceiver();
    engine = engineFor(t, realChannels(null));
    ({ key, serviceId } = await serviceWithKey(t));
    sam = await addUser(t, 'Sam Staff');
    lea = await addUser(t, 'Lea Lead');
    await addContact(t, sam, 'webhook', hook.url);
    await addContact(t, lea, 'webhook', hook.url);
    policyId = await addPolicy(t, [
      { delay: 5, targets: [{ id: sam, type: 'user_reference' }] },
      { delay: 10, targets: [{ id: lea, type: 'user_reference' }] },
    ]);
    await attachPolicy(t, serviceId, policyId);
  });
  afterEach(async () => {
    await t.close();
    await hook.close();
  });

  const run = () => engine.runUntilIdle(clock.now());
  const send = () => t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, { dedup_key: `k${++n}` }) });
  const vol = (name: string, o: Parameters<typeof volunteer>[2] = {}) => volunteer(t, name, { contact: hook.url, ...o });

  it('staff primary does not acknowledge → the pool pages only the available, consenting, vetted, under-cap volunteer → after two pages in a shift she is handed back and the lead is paged at once', async () => {
    const vera = await vol('Vera');
    const wim = await vol('Wim', { windows: [MORNINGS_BERLIN] });
    const xu = await vol('Xu', { consent: false });
    const una = await vol('Una', { vetted: false });
    const yan = await vol('Yan');
    const zed = await vol('Zed');
    const noContact = await vol('Nox', { contact: false });
    // Yan was on call 13 hours earlier this week (a schedule override): over the 12-hour weekly cap.
    await t.db.handle.db.insertInto('schedules').values({ org_id: t.org.org.id, id: 'SCHEDYAN', name: 'Weekend desk', description: null, time_zone: 'UTC', layers: '[]', created_at: clock.now(), updated_at: clock.now(), deleted_at: null }).execute();
    await t.db.handle.db.insertInto('schedule_overrides').values({ org_id: t.org.org.id, id: 'OVYAN', schedule_id: 'SCHEDYAN', user_id: yan.id, start: Date.parse('2026-03-02T00:00:00Z'), end: Date.parse('2026-03-02T13:00:00Z'), created_at: clock.now() }).execute();
    expect((await req(t, 'POST', `/api/v1/volunteers/${zed.id}/pause`, { pause: { reason: 'exam week' } }, zed.auth)).statusCode).toBe(200);
    const evening = await pool(t, 'Evening backup', [vera, wim, xu, una, yan, zed, noContact]);
    await poolLevel(t, evening.id, policyId, 1, 10);

    // The coordinator can see, before anything happens, whom the pool would page and why not the others.
    const status = (await req(t, 'GET', `/api/v1/volunteer_pools/${evening.id}/status`)).json();
    expect(status.would_page.map((u: { summary: string }) => u.summary)).toEqual(['Vera']);
    const why = Object.fromEntries(status.members.map((m: { user: { summary: string }; reason: string }) => [m.user.summary, m.reason]));
    expect(why).toMatchObject({
      Vera: null,
      Wim: 'is outside their availability',
      Xu: 'has not consented to the terms',
      Una: 'has no checked references',
      Yan: 'has given 13 h this week (cap 12 h)',
      Zed: 'is paused',
      Nox: 'has no verified contact method',
    });

    // Incident 1: Sam does not acknowledge; five minutes later the pool pages Vera, and only Vera.
    expect((await send()).statusCode).toBe(202);
    await run();
    expect((await pagedFor(t, 1)).map((p) => p.user)).toEqual(['Sam Staff']);
    clock.advanceMinutes(5);
    await run();
    expect((await pagedFor(t, 1)).map((p) => p.user)).toEqual(['Sam Staff', 'Vera']);
    expect(await timeline(t, '1')).toContain('Escalated to level 2: Vera');
    clock.advanceMinutes(10);
    await run();
    expect((await pagedFor(t, 1)).map((p) => p.user)).toEqual(['Sam Staff', 'Vera', 'Lea Lead']);
    await resolveAll(t);

    // Incident 2: Vera's second page this shift.
    clock.advanceMinutes(20);
    await send();
    await run();
    clock.advanceMinutes(5);
    await run();
    expect((await pagedFor(t, 2)).map((p) => p.user)).toEqual(['Sam Staff', 'Vera']);
    await resolveAll(t);

    // Incident 3: Vera is handed back after two pages this shift; the level is skipped and the lead is paged at once.
    clock.advanceMinutes(20);
    await send();
    await run();
    clock.advanceMinutes(5);
    const levelTwoDue = clock.now();
    await run();
    const paged = await pagedFor(t, 3);
    expect(paged.map((p) => p.user)).toEqual(['Sam Staff', 'Lea Lead']);
    expect(paged[1]!.at).toBe(levelTwoDue);
    const tl = await timeline(t, '3');
    const skipped = tl.find((s) => s.startsWith('Skipped level 2'));
    expect(skipped).toBeDefined();
    expect(skipped).toContain('Vera handed back after 2 pages this shift (limit 2)');
    expect(skipped).toContain('the next level fires now');
    expect(tl).toContain('Escalated to level 3: Lea Lead');
    // Never Wim, Xu, Una, Yan, Zed or Nox, in any incident.
    const everyone = [...(await pagedFor(t, 1)), ...(await pagedFor(t, 2)), ...paged].map((p) => p.user);
    for (const name of ['Wim', 'Xu', 'Una', 'Yan', 'Zed', 'Nox']) expect(everyone).not.toContain(name);

    // Vera's own history shows her two pages.
    const history = (await req(t, 'GET', '/api/v1/volunteers/me/history', undefined, vera.auth)).json();
    expect(history.pages.map((p: { incident: { number: number } }) => p.incident.number).sort()).toEqual([1, 2]);
  });

  it('a paused volunteer is never paged; "pause me" takes effect at once, even for a page not yet sent', async () => {
    const vera = await vol('Vera');
    const zed = await vol('Zed');
    const em = await addContact(t, vera.id, 'email', 'vera@volunteers.example');
    const wh = (await t.db.handle.db.selectFrom('contact_methods').select('id').where('user_id', '=', vera.id).where('type', '=', 'webhook').executeTakeFirstOrThrow()).id;
    await addRule(t, vera.id, wh, 0);
    await addRule(t, vera.id, em, 3);
    const zp = await req(t, 'POST', `/api/v1/volunteers/${zed.id}/pause`, undefined, zed.auth);
    expect(zp.statusCode, zp.body).toBe(200);
    const p = await pool(t, 'Evening backup', [zed, vera]);
    await poolLevel(t, p.id, policyId, 1, 10);

    await send();
    await run();
    clock.advanceMinutes(5);
    await run();
    // Zed joined first and was never paged, but is paused: only Vera.
    expect((await pagedFor(t, 1)).map((x) => x.user)).toEqual(['Sam Staff', 'Vera', 'Vera']);
    const pending = () => t.db.handle.db.selectFrom('notifications').select(['status']).where('user_id', '=', vera.id).where('contact_method_id', '=', em).executeTakeFirstOrThrow();
    expect((await pending()).status).toBe('pending');

    // A minute later Vera pauses herself: the email due in two minutes is cancelled.
    clock.advanceMinutes(1);
    const paused = await req(t, 'POST', '/api/v1/volunteers/me/pause', { pause: { reason: 'dinner with family' } }, vera.auth);
    expect(paused.statusCode, paused.body).toBe(200);
    expect(paused.json().cancelled_pages).toBe(1);
    expect(paused.json().volunteer.status).toBe('paused');
    clock.advanceMinutes(3);
    await run();
    expect((await pending()).status).toBe('cancelled');
    await resolveAll(t);

    // The next incident: nobody in the pool qualifies; the lead is paged at once.
    await send();
    await run();
    clock.advanceMinutes(5);
    await run();
    expect((await pagedFor(t, 2)).map((x) => x.user)).toEqual(['Sam Staff', 'Lea Lead']);
    expect((await timeline(t, '2')).find((s) => s.startsWith('Skipped level 2'))).toContain('Zed is paused; Vera is paused');
    await resolveAll(t);

    // Resumed: paged again.
    expect((await req(t, 'POST', `/api/v1/volunteers/${vera.id}/resume`, undefined, vera.auth)).statusCode).toBe(200);
    await send();
    await run();
    clock.advanceMinutes(5);
    await run();
    expect((await pagedFor(t, 3)).map((x) => x.user)).toContain('Vera');
  });

  it('nobody available → the pool level is skipped with a timeline entry and the next level fires at once', async () => {
    clock.set('2026-03-02T12:00:00Z'); // 13:00 in Berlin: outside everyone's evening
    const vera = await vol('Vera');
    const wim = await vol('Wim');
    const p = await pool(t, 'Evening backup', [vera, wim]);
    await poolLevel(t, p.id, policyId, 1, 10);
    await send();
    await run();
    clock.advanceMinutes(5);
    const due = clock.now();
    await run();
    const paged = await pagedFor(t, 1);
    expect(paged.map((x) => x.user)).toEqual(['Sam Staff', 'Lea Lead']);
    expect(paged[1]!.at).toBe(due);
    const tl = await timeline(t, '1');
    expect(tl).toContain('Skipped level 2 (nobody in volunteer pool Evening backup qualifies now (Vera is outside their availability; Wim is outside their availability)): the next level fires now');
    expect(tl).toContain('Escalated to level 3: Lea Lead');
  });

  it('round robin: one at a time with a short acknowledgement timeout, least recently paged first; when the pool runs out the next level fires', async () => {
    const vera = await vol('Vera');
    const wim = await vol('Wim');
    const p = await pool(t, 'Evening backup', [vera, wim], { strategy: 'round_robin', round_robin_timeout_minutes: 3 });
    await poolLevel(t, p.id, policyId, 1, 15);

    await send();
    await run();
    clock.advanceMinutes(5);
    await run();
    expect((await pagedFor(t, 1)).map((x) => x.user)).toEqual(['Sam Staff', 'Vera']);
    clock.advanceMinutes(2);
    await run();
    expect((await pagedFor(t, 1)).map((x) => x.user)).toEqual(['Sam Staff', 'Vera']);
    clock.advanceMinutes(1);
    await run();
    expect((await pagedFor(t, 1)).map((x) => x.user)).toEqual(['Sam Staff', 'Vera', 'Wim']);
    expect(await timeline(t, '1')).toContain('Round robin (volunteer pool Evening backup): Vera did not acknowledge within 3 min; handed over to Wim');
    // Wim does not acknowledge either; nobody is left: the lead is paged now (minute 11), not at minute 20.
    clock.advanceMinutes(3);
    const due = clock.now();
    await run();
    const paged = await pagedFor(t, 1);
    expect(paged.map((x) => x.user)).toEqual(['Sam Staff', 'Vera', 'Wim', 'Lea Lead']);
    expect(paged[3]!.at).toBe(due);
    expect((await timeline(t, '1')).some((s) => s.includes('Wim did not acknowledge within 3 min, and nobody in volunteer pool Evening backup qualifies now (Vera was already paged; Wim was already paged): the next level fires now'))).toBe(true);
    await resolveAll(t);

    // Incident 2: Vera was paged longer ago than Wim, so she is first; she acknowledges and nobody else is paged.
    clock.advanceMinutes(10);
    await send();
    await run();
    clock.advanceMinutes(5);
    await run();
    expect((await pagedFor(t, 2)).map((x) => x.user)).toEqual(['Sam Staff', 'Vera']);
    const ack = await req(t, 'POST', '/api/v1/incidents/2/acknowledge', undefined, vera.auth);
    expect(ack.statusCode, ack.body).toBe(200);
    clock.advanceMinutes(10);
    await run();
    expect((await pagedFor(t, 2)).map((x) => x.user)).toEqual(['Sam Staff', 'Vera']);
  });

  it('a Berlin volunteer paged by a Los Angeles organization in the week only the US has changed its clocks: 11:00 in Los Angeles, not 10:00', async () => {
    await t.db.handle.db.updateTable('organizations').set({ time_zone: 'America/Los_Angeles' }).where('id', '=', t.org.org.id).execute();
    const vera = await vol('Vera');
    const p = await pool(t, 'Evening backup', [vera]);
    await poolLevel(t, p.id, policyId, 1, 10);
    // Wednesday 11 March 2026, 10:05 in Los Angeles (PDT) is 18:05 in Berlin (CET): before her evening.
    clock.set('2026-03-11T17:00:00Z');
    await send();
    await run();
    clock.advanceMinutes(5);
    await run();
    expect((await pagedFor(t, 1)).map((x) => x.user)).toEqual(['Sam Staff', 'Lea Lead']);
    expect((await timeline(t, '1')).find((s) => s.startsWith('Skipped level 2'))).toContain('Vera is outside their availability');
    await resolveAll(t);
    // 11:05 in Los Angeles is 19:05 in Berlin: she is paged.
    clock.set('2026-03-11T18:00:00Z');
    await send();
    await run();
    clock.advanceMinutes(5);
    await run();
    expect((await pagedFor(t, 2)).map((x) => x.user)).toEqual(['Sam Staff', 'Vera']);
    // The coordinator sees her evening in Los Angeles time.
    const week = (await req(t, 'GET', `/api/v1/volunteers/${vera.id}/availability?since=2026-03-11T07:00:00Z&until=2026-03-12T07:00:00Z`)).json();
    expect(week.available.map((w: { label: string }) => w.label)).toEqual(['Wed 11 Mar 11:00–15:00']);
    // After Europe changes too (Wednesday 1 April), 10:05 in Los Angeles is 19:05 in Berlin again.
    await resolveAll(t);
    clock.set('2026-04-01T17:00:00Z');
    await send();
    await run();
    clock.advanceMinutes(5);
    await run();
    expect((await pagedFor(t, 3)).map((x) => x.user)).toEqual(['Sam Staff', 'Vera']);
  });

  it('pages by a pool are counted per shift: a new evening is a new shift', async () => {
    const vera: Vol = await vol('Vera');
    const p = await pool(t, 'Evening backup', [vera]);
    await poolLevel(t, p.id, policyId, 1, 10);
    for (let i = 1; i <= 2; i++) {
      await send();
      await run();
      clock.advanceMinutes(5);
      await run();
      await resolveAll(t);
      clock.advanceMinutes(10);
    }
    expect((await req(t, 'GET', `/api/v1/volunteer_pools/${p.id}/status`)).json().members[0].reason).toBe('handed back after 2 pages this shift (limit 2)');
    // The next evening (Tuesday 19:30 in Berlin), after a night's rest.
    clock.set('2026-03-03T18:30:00Z');
    expect((await req(t, 'GET', `/api/v1/volunteer_pools/${p.id}/status`)).json().would_page.map((u: { summary: string }) => u.summary)).toEqual(['Vera']);
  });
});
