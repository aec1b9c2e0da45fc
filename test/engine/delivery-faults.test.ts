/**
 * Delivery faults, told as stories with a manual clock: the receiver hangs past the
 * channel's timeout, answers 500, answers 429 with Retry-After, or drops the
 * connection, or its name does not resolve. Each time the outbox backs off (DEFAULT_BACKOFF, jitter fixed at 0.5 by
 * engineFor), tries again with the same X-Webhook-Id, and the row and the incident's
 * timeline say what happened. A permanent failure moves on to the person's next
 * verified method (a real SMTP server); retries give up after maxAttempts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, METRICS_AUTH, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { DEFAULT_BACKOFF, retryDelay } from '../../src/server/notify/backoff.js';
import { WebhookChannel, verifySignature } from '../../src/server/notify/channels/webhook/webhook.js';
import { buildEngine } from '../../src/server/engine/build.js';
import { ChannelRegistry } from '../../src/server/notify/channels/registry.js';
import { addContact, addPolicy, addRule, addUser, attachPolicy, engineFor, realChannels, startSmtp, type Mailbox } from './fixtures.js';
import { createIsolatedApp, incidentByNumber, notificationsOf, quietLog, startScriptedReceiver, timelineOf, type Behaviour, type ScriptedReceiver } from './fixtures2.js';
import { localPolicy } from '../outbound-allow.js';

/** The delay engineFor's deliver module uses after the n-th failed attempt (random = 0.5). */
const backoffAfter = (attempt: number, retryAfterMs?: number) => retryDelay(attempt, DEFAULT_BACKOFF, () => 0.5, retryAfterMs);

describe.each(DIALECTS)('delivery faults on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let rx: ScriptedReceiver;
  let smtp: Mailbox;
  let engine: Engine;
  let key: string;

  beforeEach(async () => {
    clock = manualClock('2026-03-02T09:00:00Z');
    t = await createIsolatedApp(dialect, { clock });
    rx = await startScriptedReceiver();
    smtp = await startSmtp();
    // A 300 ms webhook timeout keeps the "never answers" story short.
    engine = engineFor(t, realChannels(smtp.port, 300));
    const svc = await serviceWithKey(t);
    key = svc.key;
    // Ada is paged by webhook (her only rule); her verified email is the fallback.
    const ada = await addUser(t, 'Ada');
    const wh = await addContact(t, ada, 'webhook', rx.url, true, 'ada-secret');
    await addContact(t, ada, 'email', 'ada@harbor.example');
    await addRule(t, ada, wh, 0);
    await attachPolicy(t, svc.serviceId, await addPolicy(t, [{ delay: 30, targets: [{ id: ada, type: 'user_reference' }] }]));
  });
  afterEach(async () => {
    await t.close();
    await rx.close();
    await smtp.close();
  });

  const run = () => engine.runUntilIdle(clock.now());
  const page = async () => {
    expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, { dedup_key: 'chat-down' }) })).statusCode).toBe(202);
    await run();
    return incidentByNumber(t.db.handle.db, t.org.org.id, 1);
  };
  const webhookRow = async (incidentId: string) => (await notificationsOf(t.db.handle.db, incidentId)).find((n) => n.channel === 'webhook')!;
  const summaries = async (incidentId: string) => (await timelineOf(t.db.handle.db, incidentId)).map((e) => e.summary);

  const transient: { story: string; first: Behaviour; reason: RegExp }[] = [
    { story: 'never answers within the channel timeout', first: 'hang', reason: /^timeout$/ },
    { story: 'answers 500', first: 500, reason: /^http_500$/ },
    { story: 'destroys the socket mid-request', first: 'destroy', reason: /^connection_(closed|reset)$/ },
  ];

  it.each(transient)('the receiver $story: the outbox backs off, retries with the same X-Webhook-Id, and the page is delivered', async ({ first, reason }) => {
    rx.script(first, 200);
    const inc = await page();
    expect(rx.requests).toHaveLength(1);

    const failed = await webhookRow(inc.id);
    expect(failed).toMatchObject({ status: 'pending', attempts: 1 });
    expect(failed.last_error).toMatch(reason);
    const delay = backoffAfter(1);
    expect(delay).toBe(1_500);
    expect(failed.next_attempt_at).toBe(clock.now() + delay);
    const tl = await summaries(inc.id);
    expect(tl.filter((s) => /^Could not reach Ada by webhook \(webhook\) yet \((timeout|http_500|connection_\w+)\); retrying$/.test(s))).toHaveLength(1);
    expect(tl.some((s) => s.startsWith('Notified Ada'))).toBe(false);

    // Not before the backoff.
    clock.advance(delay - 1);
    await run();
    expect(rx.requests).toHaveLength(1);

    clock.advance(1);
    await run();
    expect(rx.requests).toHaveLength(2);
    const [a, b] = rx.requests;
    expect(b!.headers['x-webhook-id']).toBe(a!.headers['x-webhook-id']);
    expect(b!.headers['x-webhook-id']).toBe(failed.idempotency_key);
    expect(verifySignature(b!.body, b!.headers['x-vigil-signature'] as string, ['ada-secret'])).toBe(true);
    expect(b!.json.event.event_type).toBe('incident.triggered');

    const done = await webhookRow(inc.id);
    expect(done).toMatchObject({ status: 'sent', attempts: 2, sent_at: clock.now(), claimed_until: null });
    // The error of the failed attempt stays on the row as its history.
    expect(done.last_error).toMatch(reason);
    const after = await summaries(inc.id);
    expect(after.filter((s) => s === 'Notified Ada by webhook (webhook)')).toHaveLength(1);
    expect(after.some((s) => /possible duplicate/.test(s))).toBe(false);
    // Nothing else was tried: the fallback email is for permanent failures only.
    expect(smtp.messages).toHaveLength(0);

    clock.advanceMinutes(10);
    await run();
    expect(rx.requests).toHaveLength(2);
  });

  it('the receiver answers 429 with Retry-After: 120: the retry waits the full 120 s, not the 1.5 s backoff', async () => {
    rx.script({ status: 429, headers: { 'retry-after': '120' } }, 200);
    const inc = await page();
    const throttled = await webhookRow(inc.id);
    expect(throttled).toMatchObject({ status: 'pending', attempts: 1, last_error: 'http_429' });
    expect(throttled.next_attempt_at).toBe(clock.now() + 120_000);
    expect(await summaries(inc.id)).toContain('Could not reach Ada by webhook (webhook) yet (http_429); retrying');

    for (const step of [backoffAfter(1), 60_000, 119_000]) {
      clock.set(Date.parse('2026-03-02T09:00:00Z') + step);
      await run();
      expect(rx.requests, `at +${step} ms`).toHaveLength(1);
    }
    clock.set(Date.parse('2026-03-02T09:00:00Z') + 120_000);
    await run();
    expect(rx.requests).toHaveLength(2);
    expect(rx.requests[1]!.headers['x-webhook-id']).toBe(rx.requests[0]!.headers['x-webhook-id']);
    expect(await webhookRow(inc.id)).toMatchObject({ status: 'sent', attempts: 2, sent_at: clock.now() });
    expect(await summaries(inc.id)).toContain('Notified Ada by webhook (webhook)');
  });

  it('a permanent failure (404) marks the row failed, says so, and pages Ada’s next verified method: email', async () => {
    rx.script(404);
    const inc = await page();
    expect(rx.requests).toHaveLength(1);
    const rows = await notificationsOf(t.db.handle.db, inc.id);
    const wh = rows.find((r) => r.channel === 'webhook')!;
    expect(wh).toMatchObject({ status: 'failed', attempts: 1, last_error: 'http_404', claimed_until: null });
    const mail = rows.find((r) => r.channel === 'email')!;
    expect(mail).toMatchObject({ status: 'sent', attempts: 1, step_key: wh.step_key, idempotency_key: expect.stringContaining(wh.idempotency_key) });

    expect(smtp.messages).toHaveLength(1);
    const m = smtp.messages[0]!;
    expect((m.to as { text: string }).text).toContain('ada@harbor.example');
    expect(m.subject).toContain('#1');

    const tl = await summaries(inc.id);
    const failedAt = tl.indexOf('Delivery to Ada by webhook (webhook) failed: http_404');
    const notifiedAt = tl.indexOf('Notified Ada by email (email)');
    expect(failedAt).toBeGreaterThanOrEqual(0);
    expect(notifiedAt).toBeGreaterThan(failedAt);
    expect(tl.some((s) => /Could not reach/.test(s))).toBe(false);

    // A 404 is not retried.
    clock.advanceMinutes(20);
    await run();
    expect(rx.requests).toHaveLength(1);
    expect(smtp.messages).toHaveLength(1);
  });

  it('a send that would outlive its claim is cut short at half the lease and retried, so no other node can take it over mid-send', async () => {
    // A 400 ms lease (so a 200 ms send deadline) against a channel that would wait 10 s for a reply.
    const short = buildEngine(t.deps, new ChannelRegistry([new WebhookChannel({ policy: localPolicy,  timeoutMs: 10_000 })]), quietLog, { deliver: { random: () => 0.5, leaseMs: 400 } });
    rx.script('hang', 200);
    expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, { dedup_key: 'chat-down' }) })).statusCode).toBe(202);
    const started = Date.now();
    await short.runUntilIdle(clock.now());
    expect(Date.now() - started).toBeLessThan(9_000);
    const inc = await incidentByNumber(t.db.handle.db, t.org.org.id, 1);
    const cut = await webhookRow(inc.id);
    expect(cut).toMatchObject({ status: 'pending', attempts: 1, claimed_until: null });
    expect(cut.last_error).toMatch(/^(timeout|aborted)$/);
    clock.advance(backoffAfter(1));
    await short.runUntilIdle(clock.now());
    expect(rx.requests).toHaveLength(2);
    expect(await webhookRow(inc.id)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('the provider\'s name does not resolve (DNS failing): retried as "dns" with backoff while Bo on the same level is paged at once; when the retries give up, Ada gets email', async () => {
    // Ada's webhook now names a host no DNS server knows (.invalid, RFC 6761); Bo, on the same level, is reachable.
    await t.db.handle.db.updateTable('contact_methods').set({ address: 'http://hooks.provider.invalid/page' }).where('type', '=', 'webhook').execute();
    const bo = await addUser(t, 'Bo');
    await addRule(t, bo, await addContact(t, bo, 'webhook', rx.url, true, 'bo-secret'), 0);
    const ada = (await t.db.handle.db.selectFrom('users').select('id').where('name', '=', 'Ada').executeTakeFirstOrThrow()).id;
    const svc = (await t.db.handle.db.selectFrom('services').select('id').executeTakeFirstOrThrow()).id;
    await attachPolicy(t, svc, await addPolicy(t, [{ delay: 30, targets: [{ id: ada, type: 'user_reference' }, { id: bo, type: 'user_reference' }] }]));
    rx.script(200);

    const inc = await page();
    // Bo is not held up by Ada's provider.
    expect(rx.requests).toHaveLength(1);
    expect(verifySignature(rx.requests[0]!.body, rx.requests[0]!.headers['x-vigil-signature'] as string, ['bo-secret'])).toBe(true);
    const adaRow = async () => (await notificationsOf(t.db.handle.db, inc.id)).find((n) => n.channel === 'webhook' && n.user_id === ada)!;
    expect(await adaRow()).toMatchObject({ status: 'pending', attempts: 1, last_error: 'dns' });
    expect(await summaries(inc.id)).toContain('Could not reach Ada by webhook (webhook) yet (dns); retrying');

    for (let attempt = 1; attempt < DEFAULT_BACKOFF.maxAttempts; attempt++) {
      const row = await adaRow();
      expect(row.next_attempt_at - clock.now(), `backoff after attempt ${attempt}`).toBe(backoffAfter(attempt));
      clock.set(row.next_attempt_at);
      await run();
    }
    expect(await adaRow()).toMatchObject({ status: 'failed', attempts: DEFAULT_BACKOFF.maxAttempts, last_error: `gave up after ${DEFAULT_BACKOFF.maxAttempts} attempts: dns` });
    expect(await summaries(inc.id)).toContain('Notified Ada by email (email)');
    expect(smtp.messages).toHaveLength(1);
    // Bo was paged once, nothing more.
    expect(rx.requests).toHaveLength(1);
  });

  it(`retries give up after maxAttempts (${DEFAULT_BACKOFF.maxAttempts}) with the backoff schedule, say so, and fall back to email`, async () => {
    rx.script(500);
    const inc = await page();
    for (let attempt = 1; attempt < DEFAULT_BACKOFF.maxAttempts; attempt++) {
      const row = await webhookRow(inc.id);
      expect(row, `after attempt ${attempt}`).toMatchObject({ status: 'pending', attempts: attempt, last_error: 'http_500' });
      expect(row.next_attempt_at - clock.now(), `backoff after attempt ${attempt}`).toBe(backoffAfter(attempt));
      clock.set(row.next_attempt_at);
      await run();
      expect(rx.requests).toHaveLength(attempt + 1);
    }
    const last = await webhookRow(inc.id);
    expect(last).toMatchObject({ status: 'failed', attempts: DEFAULT_BACKOFF.maxAttempts, last_error: `gave up after ${DEFAULT_BACKOFF.maxAttempts} attempts: http_500` });
    // Every attempt carried the same idempotency key.
    expect(new Set(rx.requests.map((r) => r.headers['x-webhook-id']))).toEqual(new Set([last.idempotency_key]));

    const tl = await summaries(inc.id);
    expect(tl.filter((s) => /^Could not reach Ada/.test(s))).toHaveLength(1);
    expect(tl).toContain(`Delivery to Ada by webhook (webhook) failed: gave up after ${DEFAULT_BACKOFF.maxAttempts} attempts: http_500`);
    expect(tl).toContain('Notified Ada by email (email)');
    expect(smtp.messages).toHaveLength(1);

    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics', headers: METRICS_AUTH })).body;
    expect(metrics).toContain(`vigil_deliveries_total{channel="webhook",outcome="retryable",reason="http_N"} ${DEFAULT_BACKOFF.maxAttempts}`);
    expect(metrics).toContain('vigil_deliveries_total{channel="email",outcome="sent",reason=""} 1');

    clock.advanceMinutes(60);
    await run();
    expect(rx.requests).toHaveLength(DEFAULT_BACKOFF.maxAttempts);
  });
});
