/**
 * The weekly coverage digest: through the real engine (the module is in buildEngine's
 * list) and the outbox to a real local SMTP server, with a manual clock. Sent on
 * Monday from 08:00 in the organization's zone to owners and admins, once per week,
 * also across an engine restart.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, manualClock, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import { addContact, addUser, engineFor, realChannels, startSmtp, type Mailbox } from '../engine/fixtures.js';
import { createApp, req } from '../api/helpers.js';
import { digestText, digestWeek } from '../../src/server/volunteer/digest.js';
import type { ScheduleGap } from '../../src/server/volunteer/shifts.service.js';
import { eveningSchedule, volunteer } from './fixtures.js';

describe('digestWeek', () => {
  it.each([
    ['2026-03-02T06:59:00Z', 'Europe/Berlin', '2026-02-23', 'Monday 07:59 in Berlin: still last week'],
    ['2026-03-02T07:00:00Z', 'Europe/Berlin', '2026-03-02', 'Monday 08:00 in Berlin'],
    ['2026-03-08T22:59:00Z', 'Europe/Berlin', '2026-03-02', 'Sunday 23:59 in Berlin'],
    ['2026-03-09T14:59:00Z', 'America/Los_Angeles', '2026-03-02', 'Monday 07:59 PDT in LA, the day after DST began (08:00 PDT is 15:00Z)'],
    ['2026-03-09T15:00:00Z', 'America/Los_Angeles', '2026-03-09', 'Monday 08:00 PDT'],
    ['2026-03-09T07:59:00Z', 'Pacific/Auckland', '2026-03-09', 'Monday 20:59 in Auckland'],
  ])('%s in %s → week of %s (%s)', (at, zone, week) => {
    expect(digestWeek(Date.parse(at), zone).week).toBe(week);
  });
});

describe('digestText in each language (pure)', () => {
  const H = 3_600_000;
  const since = Date.parse('2026-03-02T07:00:00Z');
  const desk = { id: 'PDESK', name: 'Chat desk' } as ScheduleGap['schedule'];
  // A 90-minute stretch with nobody on call overnight in Berlin (it crosses midnight), and a 2-hour open shift.
  const gaps = [
    { kind: 'nobody_on_call', start: Date.parse('2026-03-03T22:30:00Z'), end: Date.parse('2026-03-04T00:00:00Z'), schedule: desk },
    { kind: 'unclaimed_open_shift', start: Date.parse('2026-03-04T18:00:00Z'), end: Date.parse('2026-03-04T20:00:00Z'), schedule: desk },
  ] as ScheduleGap[];
  const unconfirmed = [
    { person: 'Ada', label: 'Mobile', type: 'sms', status: 'unconfirmed', lastConfirmedAt: Date.parse('2026-01-20T23:30:00Z') },
    { person: 'Bo', label: 'email', type: 'email', status: 'never', lastConfirmedAt: null },
  ];
  const input = { orgName: 'Harbor', week: '2026-03-02', zone: 'Europe/Berlin', since, until: since + 168 * H, gaps, baseUrl: 'https://vigil.example', unconfirmed };

  it.each([
    ['en-US', 'Coverage gaps for the week of March 2, 2026: 2 gaps', ['Unclaimed open shifts: 1 (2 h). Nobody on call: 1 stretch (1.5 h).', '  - Ada: Mobile (sms), last confirmed January 21, 2026', '  - Bo: email, never tested', 'All gaps: https://vigil.example/api/v1/coverage_gaps']],
    ['fr-FR', 'Trous de couverture de la semaine du 2 mars 2026 : 2 trous', ['Créneaux ouverts non pris : 1 (2 h). Personne d’astreinte : 1 période (1,5 h).', '  - Ada : Mobile (sms), confirmé pour la dernière fois le 21 janvier 2026', '  - Bo : email, jamais testé', 'Tous les trous : https://vigil.example/api/v1/coverage_gaps']],
    ['es-MX', 'Huecos de cobertura de la semana del 2 de marzo de 2026: 2 huecos', ['Turnos abiertos sin cubrir: 1 (2 h). Nadie de guardia: 1 tramo (1.5 h).', '  - Ada: Mobile (sms), confirmado por última vez el 21 de enero de 2026', '  - Bo: email, nunca probado', 'Todos los huecos: https://vigil.example/api/v1/coverage_gaps']],
  ])('%s', (locale, subject, lines) => {
    const d = digestText(locale, input);
    expect(d.subject).toBe(subject);
    for (const l of lines) expect(d.text.split('\n')).toContain(l);
    // Hours in Berlin (UTC+1), the locale's clock: the overnight stretch starts at 23:30 on Tuesday (11:30 p.m. in en-US and es-MX).
    expect(d.text).toMatch(locale === 'fr-FR' ? /mar\. 3 mars, 23:30/ : /\b3\b.*\b11:30\W/);
  });
});

describe.each(DIALECTS)('weekly coverage digest and trade notices on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let smtp: Mailbox;

  beforeEach(async () => {
    // Monday 2 March 2026, 07:30 in Berlin.
    clock = manualClock('2026-03-02T06:30:00Z');
    t = await createApp(dialect, { clock });
    await t.db.handle.db.updateTable('organizations').set({ time_zone: 'Europe/Berlin' }).where('id', '=', t.org.org.id).execute();
    smtp = await startSmtp();
  });
  afterEach(async () => {
    await t.close();
    await smtp.close();
  });

  it('goes to owners and admins on Monday from 08:00 local, lists the unclaimed open shifts, and is sent once per week even after a restart', async () => {
    await addContact(t, t.org.user.id, 'email', 'olive@harbor.example');
    const ada = await addUser(t, 'Ada Admin', 'admin');
    await addContact(t, ada, 'email', 'ada@harbor.example');
    const rita = await addUser(t, 'Rita Responder', 'responder');
    await addContact(t, rita, 'email', 'rita@harbor.example');
    const sam = await addUser(t, 'Sam Staff');
    const scheduleId = await eveningSchedule(t, sam);
    const vera = await volunteer(t, 'Vera');
    const slots = (await req(t, 'GET', `/api/v1/schedules/${scheduleId}/open_shifts?since=2026-03-02T00:00:00Z`)).json().open_shifts;
    expect((await req(t, 'POST', `/api/v1/schedules/${scheduleId}/open_shifts/${slots[0].id}/claim`, {}, vera.auth)).statusCode).toBe(201);

    let engine = engineFor(t, realChannels(smtp.port));
    await engine.runUntilIdle(clock.now());
    expect(smtp.messages).toHaveLength(0);

    clock.set(Date.parse('2026-03-02T07:05:00Z'));
    await engine.runUntilIdle(clock.now());
    expect(smtp.messages.map((m) => (Array.isArray(m.to) ? m.to[0] : m.to)?.text).sort()).toEqual(['"Ada Admin" <ada@harbor.example>', '"Olive Owner" <olive@harbor.example>']);
    const mail = smtp.messages[0]!;
    expect(mail.subject).toBe('[Vigil] Coverage gaps for the week of March 2, 2026: 6 gaps');
    expect(mail.text).toContain('Unclaimed open shifts: 6 (12 h). Nobody on call: 0 stretches (0 h).');
    expect(mail.text).toContain('Chat desk:');
    expect(mail.text).toContain('  - Tue, Mar 3, 7:00\u2009–\u20099:00\u202fPM  open shift, unclaimed (2 h)');
    expect(mail.text).not.toContain('Mon, Mar 2, 7:00');

    // Later that week, and after a restart (a new engine), nothing more.
    clock.set(Date.parse('2026-03-04T12:00:00Z'));
    await engine.runUntilIdle(clock.now());
    engine = engineFor(t, realChannels(smtp.port));
    await engine.runUntilIdle(clock.now());
    expect(smtp.messages).toHaveLength(2);
    const rows = await t.db.handle.db.selectFrom('coverage_digests').selectAll().where('org_id', '=', t.org.org.id).execute();
    expect(rows.map((r) => [r.week, Number(r.recipients), Number(r.gaps)])).toEqual([['2026-03-02', 2, 6]]);

    // The next Monday brings the next week's digest.
    clock.set(Date.parse('2026-03-09T07:10:00Z'));
    await engine.runUntilIdle(clock.now());
    expect(smtp.messages).toHaveLength(4);
    expect(smtp.messages[3]!.subject).toBe('[Vigil] Coverage gaps for the week of March 9, 2026: 7 gaps');
  });

  it('two engines at the same instant send it once', async () => {
    await addContact(t, t.org.user.id, 'email', 'olive@harbor.example');
    await volunteer(t, 'Vera');
    clock.set(Date.parse('2026-03-02T07:05:00Z'));
    const [a, b] = [engineFor(t, realChannels(smtp.port)), engineFor(t, realChannels(smtp.port))];
    await Promise.all([a.runUntilIdle(clock.now()), b.runUntilIdle(clock.now())]);
    await Promise.all([a.runUntilIdle(clock.now()), b.runUntilIdle(clock.now())]);
    expect(smtp.messages.map((m) => m.subject)).toEqual(['[Vigil] Coverage gaps for the week of March 2, 2026: none']);
    expect(smtp.messages[0]!.text).toContain('No gaps: every open shift is claimed and someone is on call throughout.');
  });

  it('each coordinator reads it in their language (theirs, else the organization\'s), hours in the organization\'s zone; still one digest row', async () => {
    // The organization speaks Spanish; Ada chose French; Olive chose nothing (Spanish, then).
    await t.db.handle.db.updateTable('organizations').set({ default_locale: 'es-ES' }).where('id', '=', t.org.org.id).execute();
    await addContact(t, t.org.user.id, 'email', 'olive@harbor.example');
    const ada = await addUser(t, 'Ada Admin', 'admin');
    await addContact(t, ada, 'email', 'ada@harbor.example');
    expect((await req(t, 'PUT', `/api/v1/users/${ada}`, { user: { locale: 'fr-FR' } })).statusCode).toBe(200);
    const sam = await addUser(t, 'Sam Staff');
    await eveningSchedule(t, sam);
    await volunteer(t, 'Vera');
    clock.set(Date.parse('2026-03-02T07:05:00Z'));
    await engineFor(t, realChannels(smtp.port)).runUntilIdle(clock.now());
    const to = (addr: string) => smtp.messages.find((m) => (Array.isArray(m.to) ? m.to[0] : m.to)?.text.includes(addr))!;
    const fr = to('ada@harbor.example');
    expect(fr.subject).toBe('[Vigil] Trous de couverture de la semaine du 2 mars 2026 : 7 trous');
    expect(fr.text).toContain('Créneaux ouverts non pris : 7 (14 h). Personne d’astreinte : 0 période (0 h).');
    // Berlin's evening (19:00–21:00 CET is 18:00–20:00 UTC), the French way.
    expect(fr.text).toContain('  - mar. 3 mars, 19:00\u2009–\u200921:00  créneau ouvert, non pris (2 h)');
    expect(fr.text).toContain('Chat desk :');
    const es = to('olive@harbor.example');
    expect(es.subject).toBe('[Vigil] Huecos de cobertura de la semana del 2 de marzo de 2026: 7 huecos');
    expect(es.text).toContain('  - mar, 3 mar, 19:00–21:00  turno abierto, sin cubrir (2 h)');
    expect(es.text).not.toMatch(/open shift|Unclaimed/);
    const rows = await t.db.handle.db.selectFrom('coverage_digests').selectAll().where('org_id', '=', t.org.org.id).execute();
    expect(rows.map((r) => [r.week, Number(r.recipients), Number(r.gaps)])).toEqual([['2026-03-02', 2, 7]]);
  });

  it('is not sent by organizations without volunteers or open shifts', async () => {
    await addContact(t, t.org.user.id, 'email', 'olive@harbor.example');
    clock.set(Date.parse('2026-03-02T07:05:00Z'));
    await engineFor(t, realChannels(smtp.port)).runUntilIdle(clock.now());
    expect(smtp.messages).toHaveLength(0);
    expect(await t.db.handle.db.selectFrom('coverage_digests').selectAll().execute()).toHaveLength(0);
  });
  it('a shift offered to a volunteer emails her; her acceptance emails the holder', async () => {
    const sam = await addUser(t, 'Sam Staff');
    const scheduleId = await eveningSchedule(t, sam);
    const vera = await volunteer(t, 'Vera', { contact: false });
    const wim = await volunteer(t, 'Wim', { contact: false });
    await addContact(t, vera.id, 'email', 'vera@acme.example');
    await addContact(t, wim.id, 'email', 'wim@acme.example');
    const slots = (await req(t, 'GET', `/api/v1/schedules/${scheduleId}/open_shifts?since=2026-03-02T00:00:00Z`)).json().open_shifts;
    expect((await req(t, 'POST', `/api/v1/schedules/${scheduleId}/open_shifts/${slots[1].id}/claim`, {}, vera.auth)).statusCode).toBe(201);
    const offer = (await req(t, 'POST', '/api/v1/shift_offers', { shift_offer: { schedule: { id: scheduleId }, start: slots[1].start, end: slots[1].end, to: { id: wim.id }, note: 'exam' } }, vera.auth)).json().shift_trade;
    const engine = engineFor(t, realChannels(smtp.port));
    await engine.runUntilIdle(clock.now());
    expect(smtp.messages.map((m) => m.subject)).toEqual(['[Vigil] Vera offers you a shift: Tue 3 Mar 19:00–21:00 on Chat desk']);
    expect(smtp.messages[0]!.text).toContain('Note: exam');
    expect(smtp.messages[0]!.text).toContain(`POST /api/v1/shift_trades/${offer.id}/accept`);
    expect((await req(t, 'POST', `/api/v1/shift_trades/${offer.id}/accept`, {}, wim.auth)).statusCode).toBe(200);
    await engine.runUntilIdle(clock.now());
    expect(smtp.messages.map((m) => m.subject)[1]).toBe('[Vigil] Wim accepted your offer: Tue 3 Mar 19:00–21:00 on Chat desk');
  });
});
