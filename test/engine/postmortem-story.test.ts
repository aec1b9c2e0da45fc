/**
 * A postmortem, as a story through the real engine and a real SMTP server: an incident is
 * resolved, its postmortem starts prefilled with the timeline, moves draft → in review →
 * published (never straight to published), gets action items, and the one left open past its
 * due date (a day in the organization's zone) is reminded by email through the outbox, once
 * per day, until it is marked done. The Markdown export lists the action items.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/server/lib/clock.js';
import { DIALECTS, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import { createApp, enqueue, req, type Json } from '../api/helpers.js';
import { addContact, addUser, engineFor, realChannels, startSmtp, type Mailbox } from './fixtures.js';

describe.each(DIALECTS)('postmortem story on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let smtp: Mailbox;

  beforeEach(async () => {
    clock = manualClock('2026-03-02T14:00:00Z');
    t = await createApp(dialect, { clock });
    await t.db.handle.db.updateTable('organizations').set({ time_zone: 'America/New_York' }).where('id', '=', t.org.org.id).execute();
    smtp = await startSmtp();
  });
  afterEach(async () => {
    await t.close();
    await smtp.close();
  });

  it('from a resolved incident to a published review, with an overdue action item reminded by email until done', async () => {
    const rita = await addUser(t, 'Rita Responder', 'responder');
    await addContact(t, rita, 'email', 'rita@harbor.example');
    const { key } = await serviceWithKey(t);
    expect((await enqueue(t, trigger(key, { dedup_key: 'chat-1' }))).statusCode).toBe(202);

    const early = await req(t, 'POST', '/api/v1/incidents/1/postmortem', {});
    expect(early.statusCode).toBe(400);
    expect(early.json().error.errors[0]).toContain('a postmortem starts once it is resolved');

    clock.advanceMinutes(42);
    expect((await enqueue(t, { routing_key: key, event_action: 'resolve', dedup_key: 'chat-1' })).statusCode).toBe(202);
    const started = await req(t, 'POST', '/api/v1/incidents/1/postmortem', {});
    expect(started.statusCode, started.body).toBe(201);
    const pm = started.json().postmortem as Json;
    expect(pm).toMatchObject({ type: 'postmortem', status: 'draft', title: '#1 Chat queue not answering', incident: { number: 1, title: 'Chat queue not answering' }, action_items: [], published_at: null });
    expect(pm.body).toContain('# Postmortem: #1 Chat queue not answering');
    expect(pm.body).toContain('- Triggered: 2026-03-02 09:00:00 EST');
    expect(pm.body).toContain('- Resolved: 2026-03-02 09:42:00 EST (42 min after triggering)');
    expect(pm.body).toMatch(/\| 2026-03-02 09:00:00 EST \| trigger \| /);
    expect(pm.body).toMatch(/\| 2026-03-02 09:42:00 EST \| resolve \| /);
    for (const h of ['## People affected', '## Summary', '## Timeline', '## Contributing factors', '## Lessons']) expect(pm.body).toContain(h);
    expect((await req(t, 'POST', '/api/v1/incidents/1/postmortem', {})).statusCode).toBe(409);

    // States: never straight from draft to published.
    const skip = await req(t, 'PUT', `/api/v1/postmortems/${pm.id}`, { postmortem: { status: 'published' } });
    expect(skip.statusCode).toBe(400);
    expect(skip.json().error.errors[0]).toContain('postmortem.status: a draft postmortem cannot become published');
    const edited = await req(t, 'PUT', `/api/v1/postmortems/${pm.id}`, { postmortem: { body: `${pm.body}\nThe gateway's certificate expired.`, status: 'in_review' } });
    expect(edited.json().postmortem).toMatchObject({ status: 'in_review', published_at: null });
    clock.advanceMinutes(60);
    const published = await req(t, 'PUT', `/api/v1/postmortems/${pm.id}`, { postmortem: { status: 'published' } });
    expect(published.json().postmortem).toMatchObject({ status: 'published', published_at: '2026-03-02T15:42:00.000Z' });

    // Action items: due Wednesday 4 March (New York), and one due later; bad input named.
    const bad = await req(t, 'POST', `/api/v1/postmortems/${pm.id}/action_items`, { action_item: { summary: 'Renew', owner_id: 'PNOBODY', due_date: '4 March' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.errors).toEqual(['action_item.owner_id: unknown user PNOBODY', 'action_item.due_date must be a date YYYY-MM-DD, got "4 March"']);
    const renew = await req(t, 'POST', `/api/v1/postmortems/${pm.id}/action_items`, { action_item: { summary: 'Alert 14 days before certificates expire', owner_id: rita, due_date: '2026-03-04' } });
    expect(renew.statusCode, renew.body).toBe(201);
    const item = renew.json().action_item as Json;
    expect(item).toMatchObject({ status: 'open', overdue: false, owner: { id: rita, summary: 'Rita Responder' }, incident: { number: 1 }, reminders_sent: 0 });
    const later = await req(t, 'POST', `/api/v1/postmortems/${pm.id}/action_items`, { action_item: { summary: 'Write the runbook', owner_id: t.org.user.id, due_date: '2026-03-20' } });
    expect(later.statusCode).toBe(201);

    const engine = engineFor(t, realChannels(smtp.port));
    // 23:59 on the due date in New York: not overdue yet.
    clock.set(Date.parse('2026-03-05T04:59:00Z'));
    await engine.runUntilIdle(clock.now());
    expect(smtp.messages.filter((m) => /Overdue action item/.test(m.subject ?? ''))).toHaveLength(0);
    expect((await req(t, 'GET', '/api/v1/action_items?overdue=true')).json().action_items).toEqual([]);

    // Midnight ends the due date: one reminder, to the owner only, and only once.
    clock.set(Date.parse('2026-03-05T05:00:00Z'));
    await engine.runUntilIdle(clock.now());
    const mail = await smtp.waitFor('rita@harbor.example', /Alert 14 days before certificates expire/);
    expect(mail.subject).toContain('Overdue action item: Alert 14 days before certificates expire');
    expect(mail.text).toContain('it was due Wednesday, March 4, 2026, 1 day ago');
    expect(mail.text).toContain('From the postmortem of incident #1 Chat queue not answering.');
    clock.advanceMinutes(60);
    await engine.runUntilIdle(clock.now());
    const reminders = () => smtp.messages.filter((m) => /Overdue action item/.test(m.subject ?? ''));
    expect(reminders()).toHaveLength(1);
    const overdue = (await req(t, 'GET', '/api/v1/action_items?overdue=true')).json().action_items as Json[];
    expect(overdue.map((a) => [a.summary, a.overdue, a.reminders_sent])).toEqual([['Alert 14 days before certificates expire', true, 1]]);

    // A day later, the second; then it is done and the reminders stop.
    clock.set(Date.parse('2026-03-06T05:00:00Z'));
    await engine.runUntilIdle(clock.now());
    await smtp.waitFor('rita@harbor.example', /2 days ago/);
    expect(reminders()).toHaveLength(2);
    const done = await req(t, 'PUT', `/api/v1/action_items/${item.id}`, { action_item: { status: 'done' } });
    expect(done.json().action_item).toMatchObject({ status: 'done', overdue: false, completed_at: '2026-03-06T05:00:00.000Z' });
    clock.set(Date.parse('2026-03-09T05:00:00Z'));
    await engine.runUntilIdle(clock.now());
    expect(reminders()).toHaveLength(2);

    // Listed across incidents, and exported as Markdown with the items.
    const all = (await req(t, 'GET', '/api/v1/action_items')).json();
    expect(all.action_items.map((a: Json) => [a.summary, a.status])).toEqual([['Alert 14 days before certificates expire', 'done'], ['Write the runbook', 'open']]);
    expect((await req(t, 'GET', '/api/v1/action_items?statuses[]=done')).json().total).toBe(1);
    const md = await t.app.inject({ method: 'GET', url: `/api/v1/postmortems/${pm.id}`, headers: { ...t.auth, accept: 'text/markdown' } });
    expect(md.headers['content-type']).toMatch(/^text\/markdown/);
    expect(md.body).toContain("The gateway's certificate expired.");
    expect(md.body).toContain('| Alert 14 days before certificates expire | Rita Responder | 2026-03-04 | done |');
    expect(md.body).toContain('| Write the runbook | Olive Owner | 2026-03-20 | open |');
    expect((await req(t, 'GET', '/api/v1/postmortems?status=published')).json().postmortems).toHaveLength(1);
  });
  it('the reminder is in its owner\'s language: Spanish for Rita, the due date the Spanish way', async () => {
    const rita = await addUser(t, 'Rita Responder', 'responder');
    await addContact(t, rita, 'email', 'rita@harbor.example');
    expect((await req(t, 'PUT', `/api/v1/users/${rita}`, { user: { locale: 'es-MX' } })).statusCode).toBe(200);
    const { key } = await serviceWithKey(t);
    expect((await enqueue(t, trigger(key, { dedup_key: 'chat-1' }))).statusCode).toBe(202);
    clock.advanceMinutes(42);
    expect((await enqueue(t, { routing_key: key, event_action: 'resolve', dedup_key: 'chat-1' })).statusCode).toBe(202);
    const pm = (await req(t, 'POST', '/api/v1/incidents/1/postmortem', {})).json().postmortem as Json;
    expect((await req(t, 'POST', `/api/v1/postmortems/${pm.id}/action_items`, { action_item: { summary: 'Renovar el certificado', owner_id: rita, due_date: '2026-03-04' } })).statusCode).toBe(201);
    // Two days after the due date ended in New York.
    clock.set(Date.parse('2026-03-06T05:00:00Z'));
    await engineFor(t, realChannels(smtp.port)).runUntilIdle(clock.now());
    const mail = await smtp.waitFor('rita@harbor.example', /Renovar el certificado/);
    expect(mail.subject).toBe('[Vigil] Acción atrasada: Renovar el certificado');
    expect(mail.text).toContain('Una acción a tu cargo está atrasada (vencía el miércoles, 4 de marzo de 2026, hace 2 días):');
    expect(mail.text).toContain('Del postmortem del incidente n.º 1 Chat queue not answering.');
    expect(mail.text).toContain('Márcala como hecha (o descartada) para dejar de recibir estos recordatorios.');
    expect(mail.text).not.toMatch(/overdue|postmortem of/);
  });
});
