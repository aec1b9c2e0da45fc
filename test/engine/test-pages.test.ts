/**
 * Scheduled test pages (issue 18), through the real engine (the module is in buildEngine's
 * list), the outbox and a real local SMTP server, with a manual clock: a test before a
 * person's first shift of a rotation, once whatever the number of passes, engines or
 * restarts; the one-tap confirm link; the monthly test after it; unconfirmed methods on the
 * readiness page and in the coordinators' weekly digest; the organization's setting.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, manualClock, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import { addContact, addRule, addUser, engineFor, realChannels, startSmtp, type Mailbox } from './fixtures.js';
import { createApp, req } from '../api/helpers.js';
import { createSchedule } from '../oncall/fixtures.js';
import { volunteer } from '../volunteer/fixtures.js';
import type { Message } from '../../src/server/notify/channel.js';
import { smsText } from '../../src/server/notify/channels/sms/twilio.js';
import { updateUser } from '../../src/server/org/org.store.js';
import { buildPushPayload } from '../../src/server/notify/channels/push/push.js';
import { buildSlackPayload } from '../../src/server/notify/channels/slack/slack.js';
import { telegramText } from '../../src/server/notify/channels/telegram/telegram.js';

const to = (m: Mailbox['messages'][number]) => (Array.isArray(m.to) ? m.to[0] : m.to)?.text ?? '';
const testMails = (smtp: Mailbox) => smtp.messages.filter((m) => m.subject === '[Vigil] Test notification');
const linkIn = (text: string) => /\/t\/([A-Za-z0-9_-]{43})/.exec(text)?.[1];

describe('the confirm link on other channels', () => {
  const url = `https://vigil.harbor.example/t/${'A'.repeat(43)}`;
  const msg: Message = { idempotencyKey: 'k', kind: 'test', eventType: 'pagey.ping', occurredAt: '2026-03-02T06:30:00Z', orgName: 'Harbor Crisis Line of the North Coast', agent: null, incidents: [], confirmUrl: url };
  it('rides in SMS (one segment), push (the tap opens it), Slack and Telegram; a test without it reads as before', () => {
    expect(smsText(msg)).toContain(url);
    expect(smsText(msg).length).toBeLessThanOrEqual(160);
    expect(buildPushPayload(msg, 'https://vigil.harbor.example').url).toBe(url);
    expect(buildSlackPayload(msg).text).toContain(url);
    expect(telegramText(msg)).toContain(url);
    const { confirmUrl: _, ...plain } = msg;
    expect(smsText(plain)).toBe('Vigil test message for Harbor Crisis Line of the North Coast: this number can receive alerts.');
  });
});

describe.each(DIALECTS)('scheduled test pages on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let smtp: Mailbox;

  beforeEach(async () => {
    clock = manualClock('2026-03-01T05:00:00Z');
    t = await createApp(dialect, { clock });
    smtp = await startSmtp();
  });
  afterEach(async () => {
    await t.close();
    await smtp.close();
  });

  it('tests each verified method before a first shift, once across passes, engines and restarts; one tap confirms; monthly after; readiness and the digest list the unconfirmed', async () => {
    // Off until an admin turns them on; the setting is a closed body.
    expect((await req(t, 'GET', '/api/v1/test_page_settings')).json()).toEqual({ test_page_settings: { enabled: false, lead_time_hours: 24 } });
    const badField = await req(t, 'PUT', '/api/v1/test_page_settings', { test_page_settings: { enabled: true, lead_hours: 3 } });
    expect(badField.statusCode).toBe(400);
    expect(JSON.stringify(badField.json().error.errors)).toContain('lead_hours');
    const badLead = await req(t, 'PUT', '/api/v1/test_page_settings', { test_page_settings: { lead_time_hours: 0 } });
    expect(badLead.statusCode).toBe(400);
    expect(JSON.stringify(badLead.json().error.errors)).toContain('lead_time_hours');

    await addContact(t, t.org.user.id, 'email', 'olive@harbor.example');
    await volunteer(t, 'Vera', { contact: false }); // the organization coordinates volunteers: it gets the weekly digest
    const ada = await addUser(t, 'Ada Responder');
    const adaMail = await addContact(t, ada, 'email', 'ada@harbor.example');
    await addContact(t, ada, 'email', 'ada-old@harbor.example', false); // unverified: never tested
    await addRule(t, ada, adaMail, 0);
    // Ada's first turn starts Tuesday 3 March 06:00 UTC.
    await createSchedule(t, 'Night line', 'UTC', [{ start: '2026-03-03T06:00:00Z', rotation_turn_length_seconds: 7 * 86_400, users: [ada] }]);

    const engine = engineFor(t, realChannels(smtp.port));
    await engine.runUntilIdle(clock.now());
    expect(smtp.messages.map((m) => m.subject)).not.toContain('[Vigil] Test notification'); // off

    expect((await req(t, 'PUT', '/api/v1/test_page_settings', { test_page_settings: { enabled: true, lead_time_hours: 24 } })).json().test_page_settings).toEqual({ enabled: true, lead_time_hours: 24 });
    clock.set(Date.parse('2026-03-01T06:30:00Z'));
    await engine.runUntilIdle(clock.now());
    expect(testMails(smtp)).toHaveLength(0); // 47.5 hours ahead: not yet

    // Monday 06:30: the shift starts within 24 hours. Two engines at once, then a restart: one test.
    clock.set(Date.parse('2026-03-02T06:30:00Z'));
    const [a, b] = [engineFor(t, realChannels(smtp.port)), engineFor(t, realChannels(smtp.port))];
    await Promise.all([a.runUntilIdle(clock.now()), b.runUntilIdle(clock.now())]);
    clock.set(Date.parse('2026-03-02T06:32:00Z'));
    await Promise.all([a.runUntilIdle(clock.now()), b.runUntilIdle(clock.now())]);
    await engineFor(t, realChannels(smtp.port)).runUntilIdle(clock.now());
    expect(testMails(smtp).map(to)).toEqual(['"Ada Responder" <ada@harbor.example>']);
    const token = linkIn(testMails(smtp)[0]!.text ?? '');
    expect(token).toBeDefined();
    const rows = await t.db.handle.db.selectFrom('contact_method_tests').selectAll().execute();
    expect(rows.map((r) => [r.contact_method_id, r.reason, r.claim_key, r.confirmed_at])).toEqual([[adaMail, 'first_shift', expect.stringMatching(/^first:/), null]]);

    // Readiness: Ada's method was tested, not confirmed.
    const ready = (await req(t, 'GET', '/api/v1/oncall-readiness')).json();
    expect(ready.unconfirmed_contact_methods.map((u: any) => [u.user.summary, u.contact_method.id, u.status, u.last_test_sent_at, u.last_confirmed_at])).toEqual([['Ada Responder', adaMail, 'unconfirmed', '2026-03-02T06:30:00.000Z', null]]);

    // Monday 08:05: the coordinators' weekly digest lists it.
    clock.set(Date.parse('2026-03-02T08:05:00Z'));
    await engine.runUntilIdle(clock.now());
    const digest = smtp.messages.find((m) => m.subject?.includes('Coverage gaps for the week of March 2, 2026'));
    expect(digest && to(digest)).toBe('"Olive Owner" <olive@harbor.example>');
    expect(digest!.text).toContain('Contact methods of people on call this week not confirmed by a test page in 31 days: 1');
    expect(digest!.text).toContain('  - Ada Responder: email, never confirmed');

    // One tap: GET only shows the button (mail scanners fetch links), POST confirms, once.
    const page = await t.app.inject({ method: 'GET', url: `/t/${token}` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<form method="post">');
    expect((await t.db.handle.db.selectFrom('contact_method_tests').select('confirmed_at').executeTakeFirstOrThrow()).confirmed_at).toBeNull();
    clock.set(Date.parse('2026-03-02T09:00:00Z'));
    const confirm = await t.app.inject({ method: 'POST', url: `/t/${token}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('Confirmed');
    expect((await t.app.inject({ method: 'POST', url: `/t/${token}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' })).statusCode).toBe(410);
    expect((await t.app.inject({ method: 'GET', url: `/t/${'x'.repeat(43)}` })).statusCode).toBe(404);
    // The link's page speaks its member's language, even once used.
    await updateUser(t.db.handle.db, t.org.org.id, ada, { locale: 'es-ES' });
    const spent = await t.app.inject({ method: 'GET', url: `/t/${token}` });
    expect(spent.statusCode).toBe(410);
    expect(spent.body).toContain('<html lang="es">');
    expect(spent.body).toContain('Este enlace ya no se puede usar');
    expect(spent.body).toContain('Ya se usó.');
    await updateUser(t.db.handle.db, t.org.org.id, ada, { locale: null });
    expect(Number((await t.db.handle.db.selectFrom('contact_method_tests').select('confirmed_at').executeTakeFirstOrThrow()).confirmed_at)).toBe(Date.parse('2026-03-02T09:00:00Z'));
    expect((await req(t, 'GET', '/api/v1/oncall-readiness')).json().unconfirmed_contact_methods).toEqual([]);

    // Monthly: 30 days after the confirmation, one more test (and only one).
    const sent = testMails(smtp).length;
    clock.set(Date.parse('2026-04-01T08:59:00Z'));
    await engine.runUntilIdle(clock.now());
    expect(testMails(smtp).length).toBe(sent);
    clock.set(Date.parse('2026-04-01T09:00:00Z'));
    await engine.runUntilIdle(clock.now());
    clock.set(Date.parse('2026-04-01T09:05:00Z'));
    await engine.runUntilIdle(clock.now());
    const tests = testMails(smtp).slice(sent);
    expect(tests.map(to)).toEqual(['"Ada Responder" <ada@harbor.example>']);
    expect(linkIn(tests[0]!.text ?? '')).not.toBe(token);
    const all = await t.db.handle.db.selectFrom('contact_method_tests').select(['reason', 'contact_method_id']).orderBy('sent_at').execute();
    expect(all.map((r) => r.reason)).toEqual(['first_shift', 'monthly']);
    // Still confirmed within 31 days on 1 April; from 3 April it is a problem again until the new test is confirmed.
    clock.set(Date.parse('2026-04-03T10:00:00Z'));
    expect((await req(t, 'GET', '/api/v1/oncall-readiness')).json().unconfirmed_contact_methods.map((u: any) => [u.status, u.last_confirmed_at])).toEqual([['unconfirmed', '2026-03-02T09:00:00.000Z']]);
  });
});

describe.each(DIALECTS)('first-shift test pages follow the final schedule (overrides included) on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let smtp: Mailbox;

  beforeEach(async () => {
    clock = manualClock('2026-03-26T12:00:00Z');
    t = await createApp(dialect, { clock });
    smtp = await startSmtp();
  });
  afterEach(async () => {
    await t.close();
    await smtp.close();
  });

  it('an override’s first shift is tested before it; a layer turn an override took is not; across the Paris DST change the lead is 24 real hours', async () => {
    const people = { amy: await addUser(t, 'Amy Early'), ben: await addUser(t, 'Ben Later'), cleo: await addUser(t, 'Cleo Cover') };
    for (const [name, id] of Object.entries(people)) await addContact(t, id, 'email', `${name}@harbor.example`);
    // Daily turns at 09:00 Paris time: Amy from Friday 27 March, Ben Saturday 28, Amy Sunday 29 (the clocks go forward that night: 09:00 is 07:00Z), Ben Monday 30.
    const s = await createSchedule(t, 'Helpline', 'Europe/Paris', [{ start: '2026-03-27T09:00:00+01:00', rotation_turn_length_seconds: 86_400, users: [people.amy, people.ben] }]);
    // Cleo (in no layer) takes Ben's Saturday turn, written in schedule time: 09:00 to 09:00 across the change.
    const o = await req(t, 'POST', `/api/v1/schedules/${s.id}/overrides`, { override: { start: '2026-03-28T09:00:00', end: '2026-03-29T09:00:00', user: { id: people.cleo, type: 'user_reference' } } });
    expect(o.statusCode, o.body).toBe(201);
    expect([o.json().override.start, o.json().override.end]).toEqual(['2026-03-28T08:00:00.000Z', '2026-03-29T07:00:00.000Z']);
    expect((await req(t, 'PUT', '/api/v1/test_page_settings', { test_page_settings: { enabled: true, lead_time_hours: 24 } })).statusCode).toBe(200);

    const engine = engineFor(t, realChannels(smtp.port));
    const testedAt = async (iso: string) => {
      clock.set(Date.parse(iso));
      const before = testMails(smtp).length;
      await engine.runUntilIdle(clock.now());
      return testMails(smtp).slice(before).map(to).sort();
    };
    // Thursday 12:00Z: Amy's first turn (Friday 08:00Z) is within 24 hours.
    expect(await testedAt('2026-03-26T12:00:00Z')).toEqual(['"Amy Early" <amy@harbor.example>']);
    // Friday 08:00Z, 24 hours before Saturday's turn: Cleo, whose first shift is the override; not Ben, whose turn it took.
    expect(await testedAt('2026-03-27T07:59:00Z')).toEqual([]);
    expect(await testedAt('2026-03-27T08:00:00Z')).toEqual(['"Cleo Cover" <cleo@harbor.example>']);
    expect(await testedAt('2026-03-28T08:00:00Z')).toEqual([]);
    // Ben's first real shift is Monday 09:00 Paris summer time (07:00Z): 24 real hours before is Sunday 07:00Z, not 08:00Z.
    expect(await testedAt('2026-03-29T06:59:00Z')).toEqual([]);
    expect(await testedAt('2026-03-29T07:00:00Z')).toEqual(['"Ben Later" <ben@harbor.example>']);
    expect(await testedAt('2026-03-30T07:30:00Z')).toEqual([]);

    const rows = await t.db.handle.db.selectFrom('contact_method_tests').select(['user_id', 'reason', 'claim_key', 'sent_at']).orderBy('sent_at').execute();
    expect(rows.map((r) => [r.user_id, r.reason, r.claim_key, new Date(Number(r.sent_at)).toISOString()])).toEqual([
      [people.amy, 'first_shift', `first:${s.id}`, '2026-03-26T12:00:00.000Z'],
      [people.cleo, 'first_shift', `first:${s.id}`, '2026-03-27T08:00:00.000Z'],
      [people.ben, 'first_shift', `first:${s.id}`, '2026-03-29T07:00:00.000Z'],
    ]);
  });

  it('a claim from before (first:<schedule>:<layer>) still counts as that schedule’s first-shift test', async () => {
    const amy = await addUser(t, 'Amy Early');
    const mail = await addContact(t, amy, 'email', 'amy@harbor.example');
    const s = await createSchedule(t, 'Helpline', 'Europe/Paris', [{ start: '2026-03-27T09:00:00+01:00', rotation_turn_length_seconds: 86_400, users: [amy] }]);
    await t.db.handle.db
      .insertInto('contact_method_tests')
      .values({ org_id: t.org.org.id, id: 'old-claim', user_id: amy, contact_method_id: mail, reason: 'first_shift', claim_key: `first:${s.id}:${s.schedule_layers[0].id}`, sent_at: clock.now() - 3_600_000, token_hash: null, token_expires_at: null, confirmed_at: clock.now() - 1_800_000 })
      .execute();
    expect((await req(t, 'PUT', '/api/v1/test_page_settings', { test_page_settings: { enabled: true } })).statusCode).toBe(200);
    await engineFor(t, realChannels(smtp.port)).runUntilIdle(clock.now());
    expect(testMails(smtp)).toHaveLength(0);
  });
});
