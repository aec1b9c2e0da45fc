/**
 * Channel outages (issue 21, docs/reliability.md rows "webhook receiver hangs" and "SMTP
 * server down").
 *
 * A hanging receiver, in real time with the engine running as the server runs it
 * (bus wake-ups, backstop tick): Ada's webhook accepts the connection and never answers;
 * Bo is paged by the same level, Cy by another service's incident triggered while Ada's
 * send hangs. Shown: Bo and Cy are paged within a bound far below the 3 s webhook timeout
 * (the figures are printed), Ada's send is released at the timeout, the timeline says so,
 * and the retry comes after the timeout and the backoff (counted from the attempt's start) with the
 * same X-Webhook-Id.
 *
 * SMTP down, with a manual clock: Ada's email is her first method and the SMTP port
 * refuses connections. Shown: attempts back off exponentially (the schedule of
 * notify/backoff.ts), the timeline says so once, and after the last attempt the page
 * falls back to her next verified method (a webhook), which is delivered.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { buildEngine } from '../../src/server/engine/build.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { ChannelRegistry } from '../../src/server/notify/channels/registry.js';
import { DEFAULT_BACKOFF, retryDelay } from '../../src/server/notify/backoff.js';
import { DIALECTS, createTestApp, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import { addContact, addPolicy, addRule, addUser, attachPolicy, engineFor, realChannels } from './fixtures.js';
import { eventually, notificationsOf, quietLog, startScriptedReceiver, timelineOf, type ScriptedReceiver } from './fixtures2.js';

const WEBHOOK_TIMEOUT_MS = 3_000;

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe.each(DIALECTS)('channel outages on %s', (dialect) => {
  let t: TestApp | null = null;
  let engine: Engine | null = null;
  const receivers: ScriptedReceiver[] = [];
  afterEach(async () => {
    for (const r of receivers) await r.close();
    receivers.length = 0;
    await engine?.stop();
    engine = null;
    await t?.close();
    t = null;
  });

  it('a webhook receiver that never answers holds nobody else: Bo and Cy are paged at once, Ada is retried after the timeout and backoff', async () => {
    t = await createTestApp(dialect);
    const hang = await startScriptedReceiver(['hang']);
    const bo = await startScriptedReceiver([200]);
    const cy = await startScriptedReceiver([200]);
    receivers.push(hang, bo, cy);
    const ids: Record<string, string> = {};
    for (const [name, rx] of [['Ada', hang], ['Bo', bo], ['Cy', cy]] as const) {
      ids[name] = await addUser(t, name);
      await addContact(t, ids[name]!, 'webhook', rx.url, true, `${name}-secret`);
    }
    const a = await serviceWithKey(t, 'events_v2', 'Chat');
    const b = await serviceWithKey(t, 'events_v2', 'Referrals');
    await attachPolicy(t, a.serviceId, await addPolicy(t, [{ delay: 30, targets: [{ id: ids.Ada!, type: 'user_reference' }, { id: ids.Bo!, type: 'user_reference' }] }], 0, 'Chat on-call'));
    await attachPolicy(t, b.serviceId, await addPolicy(t, [{ delay: 30, targets: [{ id: ids.Cy!, type: 'user_reference' }] }], 0, 'Referrals on-call'));

    const channels = new ChannelRegistry(Object.values(realChannels(null, WEBHOOK_TIMEOUT_MS)).filter((c) => !!c));
    engine = buildEngine(t.deps, channels, quietLog);
    t.deps.bus.onWork(() => engine!.wake());
    engine.start();

    const sentA = Date.now();
    expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(a.key, { dedup_key: 'chat' }) })).statusCode).toBe(202);
    await hang.waitFor(1, 5_000);
    await bo.waitFor(1, 5_000);
    const boLatency = bo.requests[0]!.arrivedAt - sentA;
    // Ada's send now hangs; Cy's incident comes in meanwhile.
    const sentB = Date.now();
    expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(b.key, { dedup_key: 'referrals' }) })).statusCode).toBe(202);
    await cy.waitFor(1, 5_000);
    const cyLatency = cy.requests[0]!.arrivedAt - sentB;
    console.info(`hanging receiver (${WEBHOOK_TIMEOUT_MS} ms timeout) on ${dialect}: Bo paged ${boLatency} ms after the event, Cy ${cyLatency} ms after his (Ada's send still hanging: ${Date.now() - hang.requests[0]!.arrivedAt} ms)`);
    expect(boLatency).toBeLessThan(1_000);
    expect(cyLatency).toBeLessThan(1_500);
    expect(cyLatency).toBeLessThan(WEBHOOK_TIMEOUT_MS / 2);

    // Ada's send is released at the timeout, the timeline says so, and it is retried after the backoff.
    const incA = await t.db.handle.db.selectFrom('incidents').select('id').where('org_id', '=', t.org.org.id).where('service_id', '=', a.serviceId).executeTakeFirstOrThrow();
    const failed = await eventually('Ada’s first attempt to be recorded as a timeout', async () => (await notificationsOf(t!.db.handle.db, incA.id)).find((n) => n.user_id === ids.Ada && n.last_error === 'timeout'), 10_000);
    const releasedAfter = Date.now() - hang.requests[0]!.arrivedAt;
    expect(releasedAfter).toBeGreaterThanOrEqual(WEBHOOK_TIMEOUT_MS - 200);
    expect(releasedAfter).toBeLessThan(WEBHOOK_TIMEOUT_MS + 2_000);
    expect(failed.attempts).toBe(1);
    const tl = (await timelineOf(t.db.handle.db, incA.id)).map((e) => e.summary);
    expect(tl).toContain('Could not reach Ada by webhook (webhook) yet (timeout); retrying');
    expect(tl).toContain('Notified Bo by webhook (webhook)');
    await hang.waitFor(2, 10_000);
    const gap = hang.requests[1]!.arrivedAt - hang.requests[0]!.arrivedAt;
    // The backoff (1–2 s after a first failure) counts from the attempt's start, so a send that hung for
    // its whole timeout is retried as soon as the timeout has passed; later backoffs outgrow the timeout.
    expect(failed.next_attempt_at - hang.requests[0]!.arrivedAt).toBeGreaterThanOrEqual(DEFAULT_BACKOFF.baseMs / 2 - 500);
    expect(gap).toBeGreaterThanOrEqual(WEBHOOK_TIMEOUT_MS - 100);
    expect(hang.requests[1]!.headers['x-webhook-id']).toBe(hang.requests[0]!.headers['x-webhook-id']);
    // Let the second attempt end before closing.
    hang.script(200);
    await receivers[0]!.close();
    receivers.shift();
    await engine.stop();
    engine = null;
  }, 30_000);

  it('SMTP down: email attempts back off exponentially, then the page falls back to the next verified method', async () => {
    const clock = manualClock('2026-03-02T09:00:00Z');
    t = await createTestApp(dialect, { clock });
    const rx = await startScriptedReceiver([200]);
    receivers.push(rx);
    const smtpPort = await closedPort();
    engine = engineFor(t, realChannels(smtpPort));
    const ada = await addUser(t, 'Ada');
    const email = await addContact(t, ada, 'email', 'ada@harbor.example');
    await addContact(t, ada, 'webhook', rx.url, true, 'ada-secret');
    await addRule(t, ada, email, 0);
    const { key, serviceId } = await serviceWithKey(t);
    await attachPolicy(t, serviceId, await addPolicy(t, [{ delay: 30, targets: [{ id: ada, type: 'user_reference' }] }]));
    const run = () => engine!.runUntilIdle(clock.now());

    expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, { dedup_key: 'smtp-down' }) })).statusCode).toBe(202);
    const startedAt = clock.now();
    await run();
    const inc = await t.db.handle.db.selectFrom('incidents').select('id').where('org_id', '=', t.org.org.id).executeTakeFirstOrThrow();
    const emailRow = async () => (await notificationsOf(t!.db.handle.db, inc.id)).find((n) => n.channel === 'email')!;
    const delays: number[] = [];
    for (let attempt = 1; attempt < DEFAULT_BACKOFF.maxAttempts; attempt++) {
      const row = await emailRow();
      expect(row, `after attempt ${attempt}`).toMatchObject({ status: 'pending', attempts: attempt });
      expect(row.last_error).toMatch(/^smtp_/);
      delays.push(row.next_attempt_at - clock.now());
      expect(row.next_attempt_at - clock.now()).toBe(retryDelay(attempt, DEFAULT_BACKOFF, () => 0.5));
      expect(rx.requests).toHaveLength(0);
      clock.set(row.next_attempt_at);
      await run();
    }
    // Exponential, then capped.
    for (let i = 1; i < delays.length; i++) expect(delays[i]!).toBeGreaterThanOrEqual(delays[i - 1]!);
    expect(delays[1]! / delays[0]!).toBe(2);
    const last = await emailRow();
    expect(last).toMatchObject({ status: 'failed', attempts: DEFAULT_BACKOFF.maxAttempts });
    expect(last.last_error).toMatch(/^gave up after 12 attempts: smtp_/);
    await rx.waitFor(1, 5_000);
    const tl = (await timelineOf(t.db.handle.db, inc.id)).map((e) => e.summary);
    expect(tl.filter((s) => /^Could not reach Ada by email .* yet \(smtp_\w+\); retrying$/.test(s))).toHaveLength(1);
    expect(tl.some((s) => /^Delivery to Ada by email .* failed: gave up after 12 attempts/.test(s))).toBe(true);
    expect(tl).toContain('Notified Ada by webhook (webhook)');
    console.info(`SMTP down on ${dialect}: ${DEFAULT_BACKOFF.maxAttempts} email attempts over ${Math.round((clock.now() - startedAt) / 60_000)} min (delays ${delays.map((d) => Math.round(d / 1000)).join(', ')} s), then the webhook fallback`);
  }, 60_000);
});
