/**
 * Subscriptions to the public status page (issue 19 item 1), on both dialects, through a real
 * SMTP server and a real HTTP receiver: double opt-in, update mails with a one-click
 * List-Unsubscribe (RFC 8058) that deletes the subscriber, throttling of a flapping component
 * (one message, not twenty), maintenance announced ahead, webhook subscribers checked with an
 * HMAC computed here, the Atom and RSS feeds read by rss-parser, roles, and bad input.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Parser from 'rss-parser';
import type { ParsedMail } from 'mailparser';
import type { ManualClock } from '../../src/server/lib/clock.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { StatusSubscriptionsModule } from '../../src/server/engine/status-subscriptions/module.js';
import { publicId } from '../../src/server/status-page/status-page.js';
import { MAX_WAIT_MS, QUIET_MS, THROTTLE_MS, isDue, observe, told, type Watch } from '../../src/server/status-page/subscriptions.js';
import { DIALECTS, manualClock, serviceWithKey, type TestApp } from '../harness.js';
import { engineFor, realChannels, startReceiver, startSmtp, type Mailbox, type Receiver } from '../engine/fixtures.js';
import { createApp, enqueue, member, req, type Json } from './helpers.js';

describe('the throttle (pure, manual clock)', () => {
  it('turns twenty flaps into one notice with the latest state and the count', () => {
    const clock = manualClock('2026-03-02T10:00:00Z');
    let w: Watch = { state: 'operational', told_state: 'operational', changes: 0, first_change_at: null, due_at: null, last_sent_at: null };
    const sent: Watch[] = [];
    for (let i = 0; i < 20; i++) {
      w = observe(w, i % 2 === 0 ? 'outage' : 'operational', clock.now());
      if (isDue(w, clock.now())) (sent.push(w), (w = told(w, clock.now())));
      clock.advance(15_000);
    }
    expect(sent).toHaveLength(0);
    expect(w.changes).toBe(20);
    clock.advance(QUIET_MS);
    expect(isDue(w, clock.now())).toBe(true);
    expect(w.state).toBe('operational');
    w = told(w, clock.now());
    // Told: the next change waits for THROTTLE_MS after this notice.
    const at = clock.now();
    w = observe(w, 'degraded', at);
    expect(w.due_at).toBe(at + THROTTLE_MS);
  });

  it('tells a component that never settles no later than MAX_WAIT_MS after its first change', () => {
    const clock = manualClock();
    const start = clock.now();
    let w: Watch = { state: 'operational', told_state: 'operational', changes: 0, first_change_at: null, due_at: null, last_sent_at: null };
    for (let i = 0; i < 100; i++) {
      w = observe(w, i % 2 === 0 ? 'outage' : 'degraded', clock.now());
      if (isDue(w, clock.now())) break;
      clock.advance(30_000);
    }
    expect(clock.now() - start).toBeLessThanOrEqual(MAX_WAIT_MS);
    expect(isDue(w, clock.now())).toBe(true);
  });
});

describe.each(DIALECTS)('status page subscriptions (%s)', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let smtp: Mailbox;
  let hook: Receiver;
  let engine: Engine;
  let svc: { serviceId: string; key: string };
  let other: { serviceId: string; key: string };
  const slug = 'harbor';
  const comp = (serviceId: string) => publicId(t.org.org.id, 'component', serviceId);
  /** A public request from a client address (the subscribe endpoint is rate limited per address and page). */
  const pub = (path: string, payload?: unknown, ip = '127.0.0.1') => t.app.inject({ method: payload === undefined ? 'GET' : 'POST', url: `/api/v1/public/status/${slug}${path}`, remoteAddress: ip, ...(payload === undefined ? {} : { payload: payload as Json }) });
  let ips = 0;
  /** The subscriptions pass, then the engine (delivery) until idle. */
  const pass = async () => {
    await new StatusSubscriptionsModule(t.db.handle.db, { baseUrl: 'http://vigil.test' }).tick(clock.now());
    await engine.runUntilIdle(clock.now());
  };
  const mailsTo = (to: string) => smtp.messages.filter((m) => JSON.stringify(m.to ?? '').includes(to));
  const header = (m: ParsedMail, name: string) => m.headerLines.find((h) => h.key === name.toLowerCase())?.line.replace(/^[^:]+:\s*/, '');
  const subscribersOf = (address: string) => t.db.handle.db.selectFrom('status_subscribers').selectAll().where('address', '=', address).execute();

  async function subscribeAndConfirm(email: string, componentIds?: string[]): Promise<void> {
    const r = await pub('/subscriptions', { email, ...(componentIds ? { component_ids: componentIds } : {}) }, `10.1.0.${++ips}`);
    expect(r.statusCode, r.body).toBe(202);
    await pass();
    const m = await smtp.waitFor(email, /Confirm/);
    expect(m.subject).toContain('Confirm your subscription');
    const token = /\?confirm=([A-Za-z0-9_-]+)/.exec(m.text ?? '')![1]!;
    const c = await pub('/subscriptions/confirm', { token });
    expect(c.statusCode, c.body).toBe(200);
  }

  async function publicUpdate(incidentKey: string, message: string): Promise<void> {
    const inc = (await req(t, 'GET', `/api/v1/incidents?service_ids[]=${svc.serviceId}&statuses[]=triggered&statuses[]=acknowledged`)).json().incidents as Json[];
    const target = inc.find((i) => i.incident_key === incidentKey) ?? inc[0]!;
    const r = await req(t, 'POST', `/api/v1/incidents/${target.id}/public_updates`, { public_update: { status: 'identified', message } });
    expect(r.statusCode, r.body).toBe(201);
  }

  beforeAll(async () => {
    clock = manualClock('2026-03-02T10:00:00Z');
    t = await createApp(dialect, { clock });
    smtp = await startSmtp();
    hook = await startReceiver();
    engine = engineFor(t, realChannels(smtp.port));
    svc = await serviceWithKey(t, 'events_v2', 'Crisis chat');
    other = await serviceWithKey(t, 'events_v2', 'Phone line');
    const put = await req(t, 'PUT', '/api/v1/status_page', { status_page: { enabled: true, slug, components: [{ service_id: svc.serviceId, name: 'Chat line', group: 'Lines' }, { service_id: other.serviceId, name: 'Phone', group: 'Lines' }] } });
    expect(put.statusCode, put.body).toBe(200);
  });
  afterAll(async () => {
    await engine.stop?.();
    await smtp.close();
    await hook.close();
    await t.close();
  });

  it('refuses bad input, naming the field', async () => {
    const bad = await pub('/subscriptions', { email: 'not-an-address' }, '10.0.0.1');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.errors.join(' ')).toMatch(/email/);
    const unknown = await pub('/subscriptions', { email: 'someone@example.org', component_ids: [comp(svc.serviceId), 'nope'] }, '10.0.0.1');
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.errors.join(' ')).toContain('component_ids[1]');
    const extra = await pub('/subscriptions', { email: 'someone@example.org', webhook: 'http://x' }, '10.0.0.1');
    expect(extra.statusCode).toBe(400);
    expect((await subscribersOf('someone@example.org')).length).toBe(0);
    const missing = await t.app.inject({ method: 'POST', url: '/api/v1/public/status/no-such-page/subscriptions', payload: { email: 'someone@example.org' } });
    expect(missing.statusCode).toBe(404);
  });

  it('double opt-in: nothing but the confirmation until confirmed; the same answer twice and one row', async () => {
    const email = 'reader@example.org';
    const a = await pub('/subscriptions', { email, component_ids: [comp(svc.serviceId)] }, '10.0.0.2');
    const b = await pub('/subscriptions', { email: 'Reader@Example.org' }, '10.0.0.2');
    expect(a.statusCode).toBe(202);
    expect(b.statusCode).toBe(202);
    expect(b.body).toBe(a.body);
    expect((await subscribersOf(email)).length).toBe(1);
    await pass();
    const first = await smtp.waitFor(email, /Confirm/);
    // Unconfirmed: a public update sends nothing to it.
    await enqueue(t, { routing_key: svc.key, event_action: 'trigger', dedup_key: 'd1', payload: { summary: 'Internal title never public', source: 'x', severity: 'critical' } });
    await publicUpdate('d1', 'Chat replies are slow');
    await pass();
    expect(mailsTo(email).every((m) => /Confirm/.test(m.subject ?? ''))).toBe(true);
    // Asking twice mailed two links; the second request renewed the token, so exactly one works.
    await smtp.waitFor(email, /Confirm/);
    const tokens = mailsTo(email).map((m) => /\?confirm=([A-Za-z0-9_-]+)/.exec(m.text ?? '')![1]!);
    expect(tokens).toHaveLength(2);
    expect(first.text).toContain('http://vigil.test/status/harbor?confirm=');
    const codes = [];
    for (const token of tokens) codes.push((await pub('/subscriptions/confirm', { token })).statusCode);
    expect(codes.sort()).toEqual([200, 404]);
    expect((await subscribersOf(email))[0]!.confirmed_at).not.toBeNull();
    // Subscribing again once confirmed: same answer, nothing sent, still one row.
    const again = await pub('/subscriptions', { email }, '10.0.0.2');
    expect(again.body).toBe(a.body);
    expect((await subscribersOf(email)).length).toBe(1);
    await enqueue(t, { routing_key: svc.key, event_action: 'resolve', dedup_key: 'd1' });
  });

  it('update mails carry List-Unsubscribe; the one-click POST deletes the row; then no more mail', async () => {
    const email = 'follower@example.org';
    await subscribeAndConfirm(email);
    await enqueue(t, { routing_key: svc.key, event_action: 'trigger', dedup_key: 'd2', payload: { summary: 'Secret internal words', source: 'x', severity: 'critical' } });
    await publicUpdate('d2', 'We found the cause of slow chat replies');
    await pass();
    const m = await smtp.waitFor(email, /found the cause/);
    expect(m.text).not.toContain('Secret internal words');
    const lu = header(m, 'List-Unsubscribe')!;
    expect(header(m, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    const url = /^<(.+)>$/.exec(lu)![1]!;
    expect(url.startsWith('http://vigil.test/api/v1/public/status/harbor/unsubscribe?token=')).toBe(true);
    // The visible link opens the page (a GET never unsubscribes: link scanners follow links); its button posts the same token.
    const token = new URL(url).searchParams.get('token')!;
    expect(m.text).toContain(`Unsubscribe: http://vigil.test/status/harbor?unsubscribe=${token}`);
    expect(m.html).toContain(`href="http://vigil.test/status/harbor?unsubscribe=${token}&amp;lang=en"`);
    const path = url.replace('http://vigil.test', '');
    const u = await t.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
    expect(u.statusCode, u.body).toBe(200);
    expect(await subscribersOf(email)).toEqual([]);
    expect((await t.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' })).statusCode).toBe(404);
    const before = mailsTo(email).length;
    await publicUpdate('d2', 'A fix is being deployed');
    await pass();
    await new Promise((r) => setTimeout(r, 300));
    expect(mailsTo(email).length).toBe(before);
    await enqueue(t, { routing_key: svc.key, event_action: 'resolve', dedup_key: 'd2' });
    clock.advance(THROTTLE_MS + QUIET_MS + 1000);
    await pass();
  });

  it('a flapping component sends one message, not twenty, with the latest state and the count', async () => {
    const email = 'flaps@example.org';
    await subscribeAndConfirm(email, [comp(other.serviceId)]);
    await subscribeAndConfirm('chat-only@example.org', [comp(svc.serviceId)]);
    await pass(); // baseline seen
    for (let i = 0; i < 20; i++) {
      await enqueue(t, { routing_key: other.key, event_action: i % 2 === 0 ? 'trigger' : 'resolve', dedup_key: 'flap', payload: { summary: 'Phone gateway down', source: 'x', severity: 'critical' } });
      clock.advance(10_000);
      await pass();
    }
    await enqueue(t, { routing_key: other.key, event_action: 'trigger', dedup_key: 'flap', payload: { summary: 'Phone gateway down', source: 'x', severity: 'critical' } });
    await pass();
    clock.advance(QUIET_MS + 1000);
    await pass();
    await smtp.waitFor(email, /Phone is now/);
    clock.advance(60_000);
    await pass();
    await new Promise((r) => setTimeout(r, 300));
    const notices = mailsTo(email).filter((m) => /Phone is now/.test(m.text ?? ''));
    expect(notices).toHaveLength(1);
    expect(notices[0]!.text).toContain('Phone is now: Outage (it changed 21 times');
    expect(notices[0]!.subject).toContain('Phone is outage');
    expect(header(notices[0]!, 'List-Unsubscribe')).toMatch(/^<http:\/\/vigil\.test\/api\/v1\/public\/status\/harbor\/unsubscribe\?token=/);
    // Subscribers of the other component heard nothing of it.
    expect(mailsTo('chat-only@example.org').some((m) => /Phone/.test(m.text ?? ''))).toBe(false);
    expect(mailsTo('reader@example.org').filter((m) => /Phone is now/.test(m.text ?? ''))).toHaveLength(1);
    // Back up: told once the throttle allows (ten minutes after the last notice).
    await enqueue(t, { routing_key: other.key, event_action: 'resolve', dedup_key: 'flap' });
    await pass();
    clock.advance(THROTTLE_MS);
    await pass();
    const up = await smtp.waitFor(email, /Phone is now: Operational/);
    expect(up.text).not.toContain('changed');
  });

  it('announces maintenance ahead, then its start and its end', async () => {
    const email = 'maint@example.org';
    await subscribeAndConfirm(email, [comp(other.serviceId)]);
    const start = clock.now() + 86_400_000;
    const w = await req(t, 'POST', '/api/v1/maintenance_windows', { maintenance_window: { start_time: new Date(start).toISOString(), end_time: new Date(start + 3_600_000).toISOString(), description: 'Phone carrier switch', services: [{ id: other.serviceId }] } });
    expect(w.statusCode, w.body).toBe(201);
    await pass();
    const announced = await smtp.waitFor(email, /Maintenance is scheduled/);
    expect(announced.text).toContain('Phone carrier switch');
    await pass();
    clock.set(start + 60_000);
    await pass();
    await smtp.waitFor(email, /Maintenance has started/);
    clock.set(start + 3_600_000 + 60_000);
    await pass();
    await smtp.waitFor(email, /Maintenance is over/);
    await new Promise((r) => setTimeout(r, 200));
    expect(mailsTo(email).filter((m) => /Maintenance is scheduled/.test(m.text ?? ''))).toHaveLength(1);
    // The component went to maintenance and back: that is told by the maintenance notices, not as a state change.
    expect(mailsTo(email).some((m) => /Phone is now/.test(m.text ?? ''))).toBe(false);
  });

  it('webhook subscribers: owners and admins only; events signed (checked with an independent HMAC)', async () => {
    const responder = await member(t, 'responder');
    const observer = await member(t, 'observer');
    const admin = await member(t, 'admin');
    for (const who of [responder, observer]) {
      expect((await req(t, 'GET', '/api/v1/status_page/subscribers', undefined, who.auth)).statusCode).toBe(403);
      expect((await req(t, 'POST', '/api/v1/status_page/subscribers', { subscriber: { type: 'webhook', url: hook.url } }, who.auth)).statusCode).toBe(403);
    }
    expect((await req(t, 'POST', '/api/v1/status_page/subscribers', { subscriber: { type: 'email', url: 'a@b.example' } }, admin.auth)).statusCode).toBe(400);
    const badComp = await req(t, 'POST', '/api/v1/status_page/subscribers', { subscriber: { type: 'webhook', url: hook.url, component_ids: ['x'] } }, admin.auth);
    expect(badComp.statusCode).toBe(400);
    expect(badComp.json().error.errors.join(' ')).toContain('subscriber.component_ids[0]');
    const created = await req(t, 'POST', '/api/v1/status_page/subscribers', { subscriber: { type: 'webhook', url: hook.url, component_ids: [comp(svc.serviceId)] } }, admin.auth);
    expect(created.statusCode, created.body).toBe(201);
    const sub = created.json().subscriber as Json;
    expect(sub).toMatchObject({ type: 'webhook', url: hook.url, confirmed: true, components: [{ id: comp(svc.serviceId), name: 'Chat line' }] });
    await enqueue(t, { routing_key: svc.key, event_action: 'trigger', dedup_key: 'd3', payload: { summary: 'Internal', source: 'x', severity: 'critical' } });
    await publicUpdate('d3', 'Chat is down for some people');
    await pass();
    const got = hook.requests.find((r) => r.json?.event?.event_type === 'status_page.incident_updated');
    expect(got, JSON.stringify(hook.requests.map((r) => r.json))).toBeDefined();
    const expected = 'v1=' + createHmac('sha256', sub.secret).update(got!.body).digest('hex');
    expect(got!.headers['x-vigil-signature']).toBe(expected);
    expect(got!.json.event.resource_type).toBe('status_page');
    expect(got!.json.event.data.update.message).toBe('Chat is down for some people');
    expect(got!.body).not.toContain('Internal');
    // Admins list subscribers with paging; the list shows addresses.
    const list = await req(t, 'GET', '/api/v1/status_page/subscribers?limit=2&total=true', undefined, admin.auth);
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json()).toMatchObject({ limit: 2, offset: 0, more: true });
    expect(list.json().total).toBeGreaterThan(2);
    const all = (await req(t, 'GET', '/api/v1/status_page/subscribers?limit=100')).json().subscribers as Json[];
    expect(all.some((s) => s.email === 'reader@example.org')).toBe(true);
    // Removed: the row is gone.
    expect((await req(t, 'DELETE', `/api/v1/status_page/subscribers/${sub.id}`, undefined, responder.auth)).statusCode).toBe(403);
    expect((await req(t, 'DELETE', `/api/v1/status_page/subscribers/${sub.id}`, undefined, admin.auth)).statusCode).toBe(204);
    expect(await subscribersOf(hook.url)).toEqual([]);
    expect((await req(t, 'DELETE', `/api/v1/status_page/subscribers/${sub.id}`, undefined, admin.auth)).statusCode).toBe(404);
    await enqueue(t, { routing_key: svc.key, event_action: 'resolve', dedup_key: 'd3' });
  });

  it('Atom and RSS feeds, read by rss-parser', async () => {
    const parser = new Parser();
    const start = clock.now() + 2 * 86_400_000;
    const w = await req(t, 'POST', '/api/v1/maintenance_windows', { maintenance_window: { start_time: new Date(start).toISOString(), end_time: new Date(start + 3_600_000).toISOString(), description: 'Phone carrier switch', services: [{ id: other.serviceId }] } });
    expect(w.statusCode, w.body).toBe(201);
    const atom = await pub('/feed.atom');
    expect(atom.statusCode, atom.body).toBe(200);
    expect(atom.headers['content-type']).toContain('application/atom+xml');
    const a = await parser.parseString(atom.body);
    expect(a.title).toBe('Harbor Crisis Line');
    const titles = a.items.map((i) => i.title);
    expect(titles.some((x) => /Chat line/.test(x ?? ''))).toBe(true);
    expect(titles.some((x) => /Phone carrier switch/.test(x ?? ''))).toBe(true);
    for (const i of a.items) {
      expect(i.link).toMatch(/^http:\/\/vigil\.test\/status\/harbor#(incident|maintenance)-/);
      expect(Number.isNaN(Date.parse(i.isoDate ?? ''))).toBe(false);
    }
    expect(atom.body).not.toContain('Internal title never public');
    const chat = a.items.find((i) => /Chat line/.test(i.title ?? ''))!;
    expect(chat.content ?? chat.summary ?? '').toMatch(/Chat is down for some people|found the cause/);
    const rss = await pub('/feed.rss');
    expect(rss.statusCode).toBe(200);
    expect(rss.headers['content-type']).toContain('application/rss+xml');
    const r = await parser.parseString(rss.body);
    expect(r.items.map((i) => i.title).sort()).toEqual([...titles].sort());
    expect(r.items.every((i) => !Number.isNaN(Date.parse(i.isoDate ?? '')))).toBe(true);
    // One component's feed.
    const phone = await parser.parseString((await pub(`/feed.rss?component=${comp(other.serviceId)}`)).body);
    expect(phone.items.length).toBeGreaterThan(0);
    expect(phone.items.every((i) => !/Chat line/.test(i.title ?? ''))).toBe(true);
    const bad = await pub('/feed.atom?component=nope');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.errors.join(' ')).toContain('component');
  });

  it('forgets unconfirmed addresses after 48 hours, and rate limits the public endpoint', async () => {
    const email = 'never-confirms@example.org';
    clock.advance(10 * 60_000); // the limiter's bucket refills
    expect((await pub('/subscriptions', { email }, '10.0.0.9')).statusCode).toBe(202);
    expect(await subscribersOf(email)).toHaveLength(1);
    clock.advance(48 * 3_600_000 + 1000);
    await pass();
    expect(await subscribersOf(email)).toEqual([]);
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await pub('/subscriptions', { email: `flood${i}@example.org` }, '10.0.0.10')).statusCode);
    expect(codes.slice(0, 5)).toEqual([202, 202, 202, 202, 202]);
    expect(codes.slice(5)).toEqual([429, 429]);
  });
  it('a subscriber keeps the language they read the page in: French mails, dates in the organization\'s zone; the page\'s first language once French is dropped', async () => {
    clock.set(Date.parse('2026-03-12T09:30:00Z'));
    await t.db.handle.db.updateTable('organizations').set({ time_zone: 'Europe/Paris' }).where('id', '=', t.org.org.id).execute();
    expect((await req(t, 'PUT', '/api/v1/status_page', { status_page: { languages: ['en', 'fr'] } })).statusCode).toBe(200);
    // A language Vigil does not speak is named; one the page does not offer falls back to its first.
    const bad = await t.app.inject({ method: 'POST', url: `/api/v1/public/status/${slug}/subscriptions?lang=klingon`, remoteAddress: '10.2.0.1', payload: { email: 'x@example.org' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.errors.join(' ')).toMatch(/^lang: /);
    const sub = (email: string, query: string, headers: Record<string, string> = {}, ip = '10.2.0.2') => t.app.inject({ method: 'POST', url: `/api/v1/public/status/${slug}/subscriptions${query}`, remoteAddress: ip, headers, payload: { email } });
    expect((await sub('amelie@example.org', '?lang=fr')).statusCode).toBe(202);
    expect((await sub('bernard@example.org', '', { 'accept-language': 'fr-CA,fr;q=0.9,en;q=0.5' }, '10.2.0.3')).statusCode).toBe(202);
    expect((await sub('carmen@example.org', '?lang=es', {}, '10.2.0.4')).statusCode).toBe(202);
    expect((await subscribersOf('amelie@example.org'))[0]!.language).toBe('fr');
    expect((await subscribersOf('bernard@example.org'))[0]!.language).toBe('fr');
    expect((await subscribersOf('carmen@example.org'))[0]!.language).toBe('en');
    await pass();
    for (const email of ['amelie@example.org', 'bernard@example.org']) {
      const m = await smtp.waitFor(email, /confirm=/);
      expect(m.subject).toBe('[Vigil] Confirmez votre abonnement à Harbor Crisis Line');
      expect(m.text).toContain('http://vigil.test/status/harbor?lang=fr');
      const token = /\?confirm=([A-Za-z0-9_-]+)&lang=fr/.exec(m.text ?? '')![1]!;
      expect((await pub('/subscriptions/confirm', { token })).statusCode).toBe(200);
    }
    expect((await smtp.waitFor('carmen@example.org', /confirm=/)).subject).toBe('[Vigil] Confirm your subscription to Harbor Crisis Line');
    // The list shows each subscriber's language to owners and admins.
    const listed = (await req(t, 'GET', '/api/v1/status_page/subscribers?limit=100')).json().subscribers as Json[];
    expect(listed.find((x) => x.email === 'amelie@example.org')).toMatchObject({ language: 'fr' });

    await enqueue(t, { routing_key: svc.key, event_action: 'trigger', dedup_key: 'd-fr', payload: { summary: 'Chat down', source: 'x', severity: 'critical' } });
    await publicUpdate('d-fr', 'Le chat ne répond plus');
    await pass();
    const fr = await smtp.waitFor('amelie@example.org', /Le chat ne répond plus/);
    expect(fr.subject).toContain('Cause identifiée (Chat line)');
    // 09:30 UTC is 10:30 in Paris, written the French way with its zone.
    expect(fr.text).toMatch(/Publié le 12 mars 2026( à|,) 10:30 UTC\+1/);
    expect(fr.text).toContain(`Se désabonner : http://vigil.test/status/harbor?unsubscribe=`);
    expect(fr.text).toContain('&lang=fr');

    // The page stops offering French: her mails come in its first language (Spanish now).
    expect((await req(t, 'PUT', '/api/v1/status_page', { status_page: { languages: ['es', 'en'] } })).statusCode).toBe(200);
    await publicUpdate('d-fr', 'Seguimos investigando');
    await pass();
    const es = await smtp.waitFor('amelie@example.org', /Seguimos investigando/);
    expect(es.text).toMatch(/12 mar 2026, 10:30 (UTC\+1|CET|GMT\+1)/);
    expect(es.text).not.toMatch(/Publié|Posted/);
    await enqueue(t, { routing_key: svc.key, event_action: 'resolve', dedup_key: 'd-fr' });
    await t.db.handle.db.updateTable('organizations').set({ time_zone: 'UTC' }).where('id', '=', t.org.org.id).execute();
  });
});
