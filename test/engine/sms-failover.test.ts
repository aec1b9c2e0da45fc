/**
 * SMS through the organization's own providers, on both dialects, against local servers
 * implementing Vonage's, Plivo's and android-sms-gateway's documented APIs.
 *
 * Failover: the first provider answers 500, and for the next page times out; each page
 * arrives through the second provider and the timeline says why; the providers' health
 * shows it. A node that dies between attempts (its try recorded, no outcome) is taken
 * over by another node, which resends the same try to the same provider with the same
 * idempotency key, never to another one. The spend cap, with the manual clock: admins are
 * warned once at 80%; at 100% a low-urgency SMS is not sent (timeline, next method used)
 * while a high-urgency page still goes out and says the cap is exceeded; a new month
 * starts from zero. Bad input is a 400 naming the field, with nothing stored.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { buildChannels } from '../../src/server/notify/channels/registry.js';
import { localPolicy } from '../outbound-allow.js';
import { addContact, addPolicy, addRule, addUser, attachPolicy, engineFor } from './fixtures.js';
import { createIsolatedApp, eventually, incidentByNumber, notificationsOf, timelineOf } from './fixtures2.js';
import { startFakeVonage, type FakeVonage } from '../channels/fake-vonage.js';
import { startFakePlivo, type FakePlivo } from '../channels/fake-plivo.js';
import { startFakeSmsGateway, type FakeSmsGateway } from '../channels/fake-sms-gateway.js';
import { startFakeNtfy, type FakeNtfy } from '../channels/fake-ntfy.js';
import { createHash, createHmac } from 'node:crypto';
import { member, secondOrg } from '../api/helpers.js';
import { resealSmsProviders } from '../../src/server/notify/sms-provider.store.js';
import { openSecret } from '../../src/server/lib/secret-box.js';
import { gatewaySignature, plivoSignatureV2 } from '../../src/server/notify/sms-inbound.js';

const ADA_PHONE = '+14155550100';

describe.each(DIALECTS)('SMS providers on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let vonage: FakeVonage;
  let plivo: FakePlivo;
  let gateway: FakeSmsGateway;
  let ntfy: FakeNtfy;
  let engine: Engine;
  let ada: string;
  let policy: string;

  beforeEach(async () => {
    clock = manualClock('2026-03-02T09:00:00Z');
    [vonage, plivo, gateway, ntfy] = await Promise.all([startFakeVonage(), startFakePlivo(), startFakeSmsGateway(), startFakeNtfy()]);
    t = await createIsolatedApp(dialect, { clock });
    engine = engineFor(t, buildChannels({ policy: localPolicy, httpTimeoutMs: 2_000 }));
    ada = await addUser(t, 'Ada');
    const sms = await addContact(t, ada, 'sms', ADA_PHONE);
    await addRule(t, ada, sms, 0, 'high');
    await addRule(t, ada, sms, 0, 'low');
    // No rule: used only when the SMS fails for good.
    await addContact(t, ada, 'ntfy', `${ntfy.url}/ada-pager`);
    policy = await addPolicy(t, [{ delay: 30, targets: [{ id: ada, type: 'user_reference' }] }]);
  });
  afterEach(async () => {
    await t.close();
    await Promise.all([vonage.close(), plivo.close(), gateway.close(), ntfy.close()]);
  });

  const run = () => engine.runUntilIdle(clock.now());
  const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) => t.app.inject({ method, url, headers: t.auth, ...(payload === undefined ? {} : { payload: payload as object }) });
  const addProvider = async (sms_provider: Record<string, unknown>) => {
    const r = await api('POST', '/api/v1/sms_providers', { sms_provider });
    expect(r.statusCode, r.body).toBe(201);
    return r.json().sms_provider;
  };
  const vonageProvider = (over = {}) => addProvider({ type: 'vonage', name: 'Primary', from: '+15005550006', base_url: vonage.url, credentials: { application_id: vonage.applicationId, private_key: vonage.privateKey }, cost_per_message: 0.05, timeout_seconds: 1, ...over });
  const plivoProvider = (over = {}) => addProvider({ type: 'plivo', name: 'Backup', from: '+15005550007', base_url: plivo.url, credentials: { auth_id: plivo.authId, auth_token: plivo.authToken }, cost_per_message: 0.04, ...over });
  const gatewayProvider = (over = {}) => addProvider({ type: 'android_gateway', name: 'Office phone', base_url: gateway.url, credentials: { username: gateway.username, password: gateway.password }, cost_per_message: 0, ...over });

  let services = 0;
  async function page(n: number, urgency: 'high' | 'low' = 'high') {
    // Five minutes apart: within the per-number SMS throttle (1 a minute, 4 in 15 minutes).
    clock.advance(5 * 60_000);
    const svc = await serviceWithKey(t, 'events_v2', `Crisis chat ${++services}`);
    await attachPolicy(t, svc.serviceId, policy);
    if (urgency === 'low') expect((await api('PUT', `/api/v1/services/${svc.serviceId}`, { service: { incident_urgency_rule: { type: 'constant', urgency: 'low' } } })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(svc.key, { dedup_key: `page-${n}` }) })).statusCode).toBe(202);
    await run();
    return incidentByNumber(t.db.handle.db, t.org.org.id, n);
  }
  const summaries = async (incidentId: string) => (await timelineOf(t.db.handle.db, incidentId)).map((e) => e.summary);
  const attempts = (notificationId: string) => t.db.handle.db.selectFrom('sms_attempts').select(['seq', 'provider_id', 'status', 'reason', 'idempotency_key']).where('notification_id', '=', notificationId).orderBy('seq').execute();

  it('the first provider answers 500, then times out: each page arrives through the second, the timeline says why, and health shows it', async () => {
    const primary = await vonageProvider();
    const backup = await plivoProvider();
    expect(primary).toMatchObject({ position: 1, credentials_set: ['application_id', 'private_key'], health: { status: 'unknown', successes: 0, failures: 0 } });
    expect(JSON.stringify(primary)).not.toContain('PRIVATE KEY');
    expect(backup.position).toBe(2);

    vonage.force({ status: 500 });
    const first = await page(1);
    expect(plivo.texts).toHaveLength(1);
    expect(plivo.texts[0]).toMatchObject({ to: ADA_PHONE, from: '+15005550007', text: expect.stringMatching(/^Vigil #1 CRITICAL Crisis chat 1: /) });
    expect(vonage.texts).toHaveLength(0);
    const [n1] = await notificationsOf(t.db.handle.db, first.id);
    expect(n1).toMatchObject({ channel: 'sms', status: 'sent', provider_id: plivo.texts[0]!.carrierId });
    expect(await attempts(n1!.id)).toEqual([
      { seq: 1, provider_id: primary.id, status: 'failed', reason: 'http_500', idempotency_key: n1!.idempotency_key },
      { seq: 2, provider_id: backup.id, status: 'sent', reason: null, idempotency_key: n1!.idempotency_key },
    ]);
    const tl1 = await summaries(first.id);
    expect(tl1).toContain('SMS through Primary (Vonage) failed (http_500: Internal Error; Something went wrong.); trying Backup (Plivo)');
    expect(tl1).toContain('Notified Ada by SMS (sms) through Backup (Plivo)');
    expect(tl1.indexOf('Notified Ada by SMS (sms) through Backup (Plivo)')).toBeGreaterThan(tl1.findIndex((s) => s.startsWith('SMS through Primary')));

    vonage.force('hang');
    const second = await page(2);
    expect(plivo.texts).toHaveLength(2);
    expect(vonage.received).toHaveLength(2);
    expect(await summaries(second.id)).toContain('SMS through Primary (Vonage) failed (timeout); trying Backup (Plivo)');

    // Health over the last day.
    const list = (await api('GET', '/api/v1/sms_providers')).json().sms_providers;
    expect(list.map((p: any) => [p.name, p.health.status, p.health.successes, p.health.failures, p.health.last_failure_reason])).toEqual([
      ['Primary', 'failing', 0, 2, 'timeout'],
      ['Backup', 'healthy', 2, 0, null],
    ]);

    // Reordered: the backup goes first now, and the next page goes straight through it.
    const order = await api('PUT', '/api/v1/sms_providers/order', { sms_provider_ids: [backup.id, primary.id] });
    expect(order.statusCode, order.body).toBe(200);
    expect(order.json().sms_providers.map((p: any) => [p.name, p.position])).toEqual([['Backup', 1], ['Primary', 2]]);
    await page(3);
    expect(plivo.texts).toHaveLength(3);
    expect(vonage.received).toHaveLength(2);
  });

  it('every provider failing for a provider reason retries the whole list later; a refused number stops at once and moves to the next method', async () => {
    await vonageProvider();
    await plivoProvider();
    vonage.force({ status: 503 });
    plivo.force({ status: 502 });
    const inc = await page(1);
    const [row] = await notificationsOf(t.db.handle.db, inc.id);
    expect(row).toMatchObject({ status: 'pending', last_error: 'all_sms_providers_failed' });
    clock.advance(5 * 60_000);
    await run();
    expect(vonage.texts).toHaveLength(1);
    expect((await notificationsOf(t.db.handle.db, inc.id))[0]).toMatchObject({ status: 'sent' });

    vonage.force({ status: 422, body: { title: 'Invalid params', invalid_parameters: [{ name: 'to', reason: 'Invalid number' }] } });
    const two = await page(2);
    expect(plivo.received).toHaveLength(1); // not tried: the number is the problem
    expect(await summaries(two.id)).toContain('Delivery to Ada by SMS (sms) failed: invalid_number');
    expect(ntfy.messages.map((m) => m.title)).toEqual([expect.stringMatching(/^#2 TRIGGERED/)]);
  });

  it('a node that dies between attempts: the next node resends the same try to the same provider with the same idempotency key, never to a third', async () => {
    const primary = await vonageProvider();
    const phone = await gatewayProvider({ timeout_seconds: 30 });
    await plivoProvider();
    vonage.force({ status: 500 });
    gateway.force('hang');
    // Node 1 escalates, tries Vonage (500), moves to the phone, and hangs there: then it "dies" (never heard of again).
    const svc = await serviceWithKey(t, 'events_v2', 'Crisis chat');
    await attachPolicy(t, svc.serviceId, policy);
    await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(svc.key, { dedup_key: 'x' }) });
    const node1 = engine;
    void node1.runOnce(clock.now()).catch(() => undefined);
    await eventually('the try through the phone to be recorded and sent', async () => gateway.received.length === 1 && (await t.db.handle.db.selectFrom('sms_attempts').selectAll().where('status', '=', 'sending').executeTakeFirst()));
    const inc = await incidentByNumber(t.db.handle.db, t.org.org.id, 1);
    const [row] = await notificationsOf(t.db.handle.db, inc.id);
    expect(row!.status).toBe('sending');
    expect((await attempts(row!.id)).map((a) => [a.seq, a.provider_id, a.status])).toEqual([
      [1, primary.id, 'failed'],
      [2, phone.id, 'sending'],
    ]);

    // Node 2 takes the row over once its lease has run out.
    clock.advance(61_000);
    const node2 = engineFor(t, buildChannels({ policy: localPolicy, httpTimeoutMs: 2_000 }));
    await node2.runUntilIdle(clock.now());
    expect(gateway.received).toHaveLength(2);
    const [a, b] = gateway.received.map((r) => JSON.parse(r.body.toString()));
    expect(b.id).toBe(a.id);
    expect(gateway.texts).toHaveLength(1);
    expect(plivo.received).toHaveLength(0);
    expect(vonage.received).toHaveLength(1);
    expect((await attempts(row!.id)).map((x) => [x.seq, x.provider_id, x.status, x.idempotency_key])).toEqual([
      [1, primary.id, 'failed', row!.idempotency_key],
      [2, phone.id, 'sent', row!.idempotency_key],
    ]);
    const tl = await summaries(inc.id);
    expect(tl).toContain('Resending the SMS through Office phone (Android SMS gateway): an earlier try through it was interrupted (same idempotency key, no other provider used for it)');
    expect(tl).toContain('Notified Ada by SMS (sms) through Office phone (Android SMS gateway) — possible duplicate: an earlier attempt was interrupted');
    // Node 1's hung request ends when the phone goes away; it records nothing that matters any more.
    await gateway.close();
  });

  it('a node that dies after the carrier took the SMS but before the outbox recorded it: the next node does not send it again', async () => {
    const backup = await plivoProvider();
    const inc = await page(1);
    const [row] = await notificationsOf(t.db.handle.db, inc.id);
    expect(row!.status).toBe('sent');
    // As if the node had died between recording the try and marking the row: the row is still claimed, its lease over.
    await t.db.handle.db.updateTable('notifications').set({ status: 'sending', sent_at: null, provider_id: null, claimed_until: clock.now() }).where('id', '=', row!.id).execute();
    await run();
    expect(plivo.received).toHaveLength(1);
    expect((await notificationsOf(t.db.handle.db, inc.id))[0]).toMatchObject({ status: 'sent', provider_id: plivo.texts[0]!.carrierId });
    expect(await attempts(row!.id)).toEqual([{ seq: 1, provider_id: backup.id, status: 'sent', reason: null, idempotency_key: row!.idempotency_key }]);
    expect(await summaries(inc.id)).toContain('The SMS was already sent through Backup (Plivo) before an interruption; not sent again');
  });

  it('the spend cap: one warning at 80%; at 100% low-urgency SMS stop (next method used) and high urgency still goes out and says so; a new month starts over', async () => {
    const owner = t.org.user.id;
    await addContact(t, owner, 'email', 'owner@harbor.example');
    await plivoProvider({ cost_per_message: 0.4 });
    const cap = await api('PUT', '/api/v1/sms_spend', { sms_spend: { monthly_cap: 1 } });
    expect(cap.statusCode, cap.body).toBe(200);
    expect(cap.json().sms_spend).toEqual({ month: '2026-03', monthly_cap: 1, spent: 0, percent_used: 0, warned_at_80_percent: false, low_urgency_sms_paused: false });

    await page(1);
    await page(2);
    const warnings = () => t.db.handle.db.selectFrom('notifications').select(['user_id', 'channel', 'payload']).where('event_type', '=', 'sms.spend_warning').execute();
    expect(await warnings()).toHaveLength(1);
    expect((await warnings())[0]).toMatchObject({ user_id: owner, channel: 'email' });
    expect(JSON.parse((await warnings())[0]!.payload!).notice.subject).toBe('SMS spend at 80% of the monthly cap');
    await page(3);
    expect(plivo.texts).toHaveLength(3);
    expect(await warnings()).toHaveLength(1);
    expect((await api('GET', '/api/v1/sms_spend')).json().sms_spend).toMatchObject({ spent: 1.2, percent_used: 120, warned_at_80_percent: true, low_urgency_sms_paused: true });

    const low = await page(4, 'low');
    expect(plivo.texts).toHaveLength(3);
    expect(await summaries(low.id)).toContain('Delivery to Ada by SMS (sms) failed: sms_spend_cap (the monthly SMS spend cap is reached (1.20 of 1.00): low-urgency SMS are not sent)');
    expect(ntfy.messages.map((m) => m.title)).toEqual([expect.stringMatching(/^#4 /)]);

    const high = await page(5);
    expect(plivo.texts).toHaveLength(4);
    const tl = await summaries(high.id);
    expect(tl).toContain('The monthly SMS spend cap is exceeded (1.20 of 1.00 this month); sending anyway because the incident is high urgency');
    expect(tl).toContain('Notified Ada by SMS (sms) through Backup (Plivo), over the monthly spend cap');

    // April: the month's spend starts from zero; low urgency goes by SMS again.
    clock.set(Date.parse('2026-04-01T00:00:30Z'));
    await run();
    expect((await api('GET', '/api/v1/sms_spend')).json().sms_spend).toMatchObject({ month: '2026-04', spent: 0, warned_at_80_percent: false, low_urgency_sms_paused: false });
    const before = plivo.texts.length;
    const april = await page(6, 'low');
    expect(plivo.texts.length).toBe(before + 1);
    expect((await notificationsOf(t.db.handle.db, april.id))[0]).toMatchObject({ channel: 'sms', status: 'sent' });
  });

  it("replies to pages through each provider's signed inbound webhook acknowledge or resolve; a wrong signature is a 401 and changes nothing", async () => {
    const phone = await gatewayProvider({ credentials: { username: gateway.username, password: gateway.password, webhook_signing_key: 'gw-signing-key' } });
    const backup = await plivoProvider();
    const primary = await vonageProvider({ credentials: { api_key: vonage.apiKey, api_secret: vonage.apiSecret, signature_secret: 'vonage-signature-secret' } });
    expect(phone.inbound_url).toBe(`http://vigil.test/v1/sms_providers/${phone.id}/inbound`);
    expect(phone.credentials_set).toEqual(['password', 'username', 'webhook_signing_key']);
    const status = async (n: number) => (await incidentByNumber(t.db.handle.db, t.org.org.id, n)).status;
    const post = (id: string, payload: string, headers: Record<string, string>) => t.app.inject({ method: 'POST', url: `/v1/sms_providers/${id}/inbound`, headers, payload });

    // android-sms-gateway: sms:received, X-Signature over body + X-Timestamp.
    await page(1);
    expect(gateway.texts).toHaveLength(1);
    const raw = JSON.stringify({ event: 'sms:received', payload: { messageId: 'm1', message: '1a', phoneNumber: ADA_PHONE, simNumber: 1, receivedAt: '2026-03-02T09:05:00Z' } });
    const ts = String(Math.floor(clock.now() / 1000));
    const forged = await post(phone.id, raw, { 'content-type': 'application/json', 'x-timestamp': ts, 'x-signature': gatewaySignature('wrong-key', raw, ts) });
    expect(forged.statusCode).toBe(401);
    const stale = String(Number(ts) - 3600);
    expect((await post(phone.id, raw, { 'content-type': 'application/json', 'x-timestamp': stale, 'x-signature': gatewaySignature('gw-signing-key', raw, stale) })).statusCode).toBe(401);
    expect(await status(1)).toBe('triggered');
    const ok = await post(phone.id, raw, { 'content-type': 'application/json', 'x-timestamp': ts, 'x-signature': gatewaySignature('gw-signing-key', raw, ts) });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toEqual({ ok: true, result: 'incident #1 acknowledged' });
    expect(await status(1)).toBe('acknowledged');

    // Plivo: form fields, X-Plivo-Signature-V2 over the URL + nonce with the auth token.
    await page(2);
    const form = new URLSearchParams({ From: '14155550100', To: '15005550007', Text: '2r', Type: 'sms', MessageUUID: 'u-2' }).toString();
    const url = `http://vigil.test/v1/sms_providers/${backup.id}/inbound`;
    const formHeaders = (token: string) => ({ 'content-type': 'application/x-www-form-urlencoded', 'x-plivo-signature-v2-nonce': '12345678901234567890', 'x-plivo-signature-v2': plivoSignatureV2(token, url, '12345678901234567890') });
    expect((await post(backup.id, form, formHeaders('not-the-token'))).statusCode).toBe(401);
    expect(await status(2)).toBe('triggered');
    expect((await post(backup.id, form, formHeaders(plivo.authToken))).json()).toEqual({ ok: true, result: 'incident #2 resolved' });
    expect(await status(2)).toBe('resolved');

    // Vonage: a JWT signed HS256 with the signature secret, carrying the body's SHA-256.
    await page(3);
    const body = JSON.stringify({ channel: 'sms', message_uuid: 'v-3', to: '15005550006', from: '14155550100', text: '3 ack', timestamp: '2026-03-02T09:20:00Z' });
    const jwt = (secret: string, payload: string) => {
      const head = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
      const claims = Buffer.from(JSON.stringify({ iat: Math.floor(clock.now() / 1000), jti: 'j-1', api_key: vonage.apiKey, payload_hash: createHash('sha256').update(payload).digest('hex') })).toString('base64url');
      return `Bearer ${head}.${claims}.${createHmac('sha256', secret).update(`${head}.${claims}`).digest('base64url')}`;
    };
    expect((await post(primary.id, body, { 'content-type': 'application/json', authorization: jwt('vonage-signature-secret', body.replace('3 ack', '3 res')) })).statusCode).toBe(401);
    expect((await post(primary.id, body, { 'content-type': 'application/json', authorization: jwt('other', body) })).statusCode).toBe(401);
    expect(await status(3)).toBe('triggered');
    expect((await post(primary.id, body, { 'content-type': 'application/json', authorization: jwt('vonage-signature-secret', body) })).json()).toEqual({ ok: true, result: 'incident #3 acknowledged' });
    expect(await status(3)).toBe('acknowledged');
    const entry = (await timelineOf(t.db.handle.db, (await incidentByNumber(t.db.handle.db, t.org.org.id, 3)).id)).find((e) => e.type === 'acknowledge_log_entry')!;
    expect(entry.agent).toMatchObject({ id: ada });
    // An unknown provider id is refused the same way.
    expect((await post('nope', body, { 'content-type': 'application/json' })).statusCode).toBe(401);
  });

  it('delivery receipts (gateway sms:delivered, Plivo V3 status callback, Vonage signed status): verified, kept once, on the timeline; a failed one pages the next method and counts in health', async () => {
    const phone = await gatewayProvider({ credentials: { username: gateway.username, password: gateway.password, webhook_signing_key: 'gw-signing-key' } });
    const backup = await plivoProvider();
    const primary = await vonageProvider({ credentials: { api_key: vonage.apiKey, api_secret: vonage.apiSecret, signature_secret: 'vonage-signature-secret' } });
    const post = (cb: { url: string; headers: Record<string, string>; body: string }, headers: Record<string, string> = cb.headers) => t.app.inject({ method: 'POST', url: new URL(cb.url).pathname, headers, payload: cb.body });
    const receipts = async () => (await t.db.handle.db.selectFrom('sms_attempts').select(['provider_id', 'receipt', 'receipt_detail']).where('status', '=', 'sent').orderBy('started_at').execute()).map((r) => [r.provider_id, r.receipt, r.receipt_detail]);

    // The phone: sms:delivered, signed with the app's signing key.
    const one = await page(1);
    const delivered = gateway.webhook(phone.inbound_url, 'sms:delivered', gateway.texts[0]!.carrierId, 'gw-signing-key', clock.now());
    expect((await post(delivered, { ...delivered.headers, 'x-signature': gateway.webhook(phone.inbound_url, 'sms:delivered', gateway.texts[0]!.carrierId, 'wrong-key', clock.now()).headers['x-signature']! })).statusCode).toBe(401);
    expect(await receipts()).toEqual([[phone.id, null, null]]);
    const ok = await post(delivered);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toEqual({ ok: true, result: 'delivery receipt recorded' });
    expect((await post(delivered)).json()).toEqual({ ok: true, result: 'delivery receipt already recorded' });
    expect(await summaries(one.id)).toContain(`SMS to Ada (sms) through Office phone (Android SMS gateway): delivered to the phone`);
    expect((await summaries(one.id)).filter((x) => x.includes('delivered to the phone'))).toHaveLength(1);

    // Plivo: the message asked for status callbacks at the provider's webhook; an undelivered receipt, V3-signed.
    expect((await api('PUT', '/api/v1/sms_providers/order', { sms_provider_ids: [backup.id, phone.id, primary.id] })).statusCode).toBe(200);
    const two = await page(2);
    const uuid = plivo.texts[0]!.carrierId;
    expect(plivo.callbackUrls.get(uuid)).toBe(backup.inbound_url);
    const forged = plivo.statusCallback(uuid, 'undelivered', '30', 'not-the-token');
    expect((await post(forged)).statusCode).toBe(401);
    const tampered = plivo.statusCallback(uuid, 'undelivered', '30');
    expect((await post({ ...tampered, body: tampered.body.replace('undelivered', 'delivered') })).statusCode).toBe(401);
    expect((await notificationsOf(t.db.handle.db, two.id))[0]).toMatchObject({ channel: 'sms', status: 'sent' });
    expect(ntfy.messages).toHaveLength(0);
    expect((await post(plivo.statusCallback(uuid, 'sent'))).json()).toEqual({ ok: true, result: 'ignored: not an incoming SMS' });
    expect((await post(plivo.statusCallback(uuid, 'undelivered', '30'))).json()).toEqual({ ok: true, result: 'delivery receipt recorded' });
    expect((await notificationsOf(t.db.handle.db, two.id))[0]).toMatchObject({ channel: 'sms', status: 'failed', last_error: 'carrier reported undelivered (error 30)' });
    expect(await summaries(two.id)).toContain(`SMS to Ada (sms) through Backup (Plivo) was not delivered: undelivered (error 30)`);
    await run();
    expect(ntfy.messages.map((m) => m.title)).toEqual([expect.stringMatching(/^#2 TRIGGERED/)]);
    const health = (await api('GET', '/api/v1/sms_providers')).json().sms_providers.map((p: any) => [p.name, p.health.status, p.health.successes, p.health.failures, p.health.last_failure_reason]);
    expect(health).toEqual([
      ['Backup', 'failing', 0, 1, 'undelivered: undelivered (error 30)'],
      ['Office phone', 'healthy', 1, 0, null],
      ['Primary', 'unknown', 0, 0, null],
    ]);

    // Vonage: webhook_url per message (its signature secret is set); the JWT must match the secret and the body.
    expect((await api('PUT', '/api/v1/sms_providers/order', { sms_provider_ids: [primary.id, backup.id, phone.id] })).statusCode).toBe(200);
    const three = await page(3);
    const vid = vonage.texts[0]!.carrierId;
    expect(JSON.parse(vonage.received.at(-1)!.body.toString())).toMatchObject({ webhook_url: primary.inbound_url, webhook_version: 'v1' });
    expect((await post(vonage.statusCallback(vid, 'rejected', 'other-secret', clock.now()))).statusCode).toBe(401);
    expect((await post(vonage.statusCallback(vid, 'rejected', 'vonage-signature-secret', clock.now(), (b) => b.replace('rejected', 'delivered')))).statusCode).toBe(401);
    expect((await post(vonage.statusCallback(vid, 'delivered', 'vonage-signature-secret', clock.now() - 3600_000))).statusCode).toBe(401);
    expect((await post(vonage.statusCallback(vid, 'submitted', 'vonage-signature-secret', clock.now()))).json().result).toBe('ignored: not an incoming SMS');
    expect((await post(vonage.statusCallback(vid, 'delivered', 'vonage-signature-secret', clock.now()))).json().result).toBe('delivery receipt recorded');
    expect(await summaries(three.id)).toContain(`SMS to Ada (sms) through Primary (Vonage): delivered to the phone`);
    // A later failure report for the same message changes nothing: the first final receipt stands.
    expect((await post(vonage.statusCallback(vid, 'undeliverable', 'vonage-signature-secret', clock.now()))).json().result).toBe('delivery receipt already recorded');
    expect((await notificationsOf(t.db.handle.db, three.id))[0]).toMatchObject({ status: 'sent' });
    expect(await receipts()).toEqual([
      [phone.id, 'delivered', 'delivered'],
      [backup.id, 'failed', 'undelivered (error 30)'],
      [primary.id, 'delivered', 'delivered'],
    ]);
    // A receipt about a message this provider never sent (e.g. another provider's id) is ignored.
    const stray = gateway.webhook(phone.inbound_url, 'sms:failed', vid, 'gw-signing-key', clock.now());
    expect((await post(stray)).json().result).toBe('delivery receipt ignored: not a message sent through this provider');
  });

  it('bad input is a 400 naming the field; nothing is stored; credentials are write-only', async () => {
    const post = (sms_provider: Record<string, unknown>) => api('POST', '/api/v1/sms_providers', { sms_provider });
    const cases: [Record<string, unknown>, string[]][] = [
      [{ type: 'bulksms', name: 'x' }, ['sms_provider.type must be one of vonage, plivo, android_gateway, twilio (got "bulksms")']],
      [{ type: 'plivo', name: 'P', from: '0415 555 0100', credentials: { auth_id: 'nope', auth_token: 't' }, cost_per_message: 0.01 }, ['sms_provider.from must be an E.164 number such as +14155550100 or an alphanumeric sender id (1-11 letters and digits)', 'sms_provider.credentials.auth_id must be the Plivo Auth ID (20 capital letters and digits, e.g. MAXXXXXXXXXXXXXXXXXX)']],
      [{ type: 'android_gateway', name: 'G', from: '+15005550006', credentials: { username: 'u', password: 'p', api_key: 'k' }, cost_per_message: 0 }, ['sms_provider.from is not used by android_gateway: the phone sends from its own SIM', 'sms_provider.base_url is required for android_gateway (the gateway\'s API root)', 'sms_provider.credentials.api_key: unknown field for android_gateway']],
      [{ type: 'vonage', name: 'V', from: '+15005550006', credentials: { api_key: 'abcd1234' }, cost_per_message: -1, colour: 'red' }, ['sms_provider.colour: unknown field', 'sms_provider.credentials.api_secret is required for vonage', 'sms_provider.cost_per_message must be a number from 0 to 100']],
      [{ type: 'twilio', name: 'T', from: '+15005550006', base_url: 'ftp://x', credentials: { account_sid: 'AC1', auth_token: 'x' }, cost_per_message: 0.01 }, ['sms_provider.base_url must be an http(s) URL', 'sms_provider.credentials.account_sid must be a Twilio Account SID (AC followed by 32 hex digits)', 'sms_provider.credentials.auth_token must be a Twilio auth token (32 hex digits)']],
    ];
    for (const [body, errors] of cases) {
      const r = await post(body);
      expect(r.statusCode, r.body).toBe(400);
      expect(r.json().error.errors).toEqual(errors);
    }
    expect(await t.db.handle.db.selectFrom('sms_providers').selectAll().execute()).toEqual([]);
    const p = await plivoProvider();
    const stored = await t.db.handle.db.selectFrom('sms_providers').select('credentials').executeTakeFirstOrThrow();
    expect(stored.credentials.startsWith('vsec1.')).toBe(true);
    expect(JSON.stringify(p)).not.toContain(plivo.authToken);
    // A row written in plaintext (by hand, or before sealing) is sealed at start-up and still opens.
    const plain = JSON.stringify({ auth_id: plivo.authId, auth_token: plivo.authToken });
    await t.db.handle.db.updateTable('sms_providers').set({ credentials: plain }).where('id', '=', p.id).execute();
    expect(await resealSmsProviders(t.db.handle.db)).toBe(1);
    const resealed = (await t.db.handle.db.selectFrom('sms_providers').select('credentials').executeTakeFirstOrThrow()).credentials;
    expect(resealed.startsWith('vsec1.')).toBe(true);
    expect(openSecret(resealed)).toBe(plain);
    expect(await resealSmsProviders(t.db.handle.db)).toBe(0);
    expect(JSON.stringify((await api('GET', `/api/v1/sms_providers/${p.id}`)).json())).not.toContain(plivo.authToken);
    const bad = await api('PUT', `/api/v1/sms_providers/${p.id}`, { sms_provider: { type: 'vonage', from: 'not a number!', timeout_seconds: 99 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.errors).toEqual(['sms_provider.type cannot change (add another provider instead)', 'sms_provider.from must be an E.164 number such as +14155550100 or an alphanumeric sender id (1-11 letters and digits)', 'sms_provider.timeout_seconds must be from 0.5 to 30']);
    const order = await api('PUT', '/api/v1/sms_providers/order', { sms_provider_ids: ['nope'] });
    expect(order.statusCode).toBe(400);
    expect(order.json().error.errors).toEqual(['sms_provider_ids: nope is not a provider of this organization', `sms_provider_ids must list every provider; missing ${p.id}`]);
    const spend = await api('PUT', '/api/v1/sms_spend', { sms_spend: { monthly_cap: 'lots' } });
    expect(spend.statusCode).toBe(400);
    expect(JSON.stringify(spend.json())).toContain('monthly_cap');
    expect((await api('GET', '/api/v1/sms_providers/nope')).statusCode).toBe(404);
    // Admins only: a responder may neither see nor change them.
    const responder = await member(t, 'responder');
    for (const [method, url, payload] of [['GET', '/api/v1/sms_providers'], ['GET', `/api/v1/sms_providers/${p.id}`], ['POST', '/api/v1/sms_providers', { sms_provider: { type: 'plivo' } }], ['PUT', '/api/v1/sms_spend', { sms_spend: { monthly_cap: 1 } }]] as const) {
      expect((await t.app.inject({ method, url, headers: responder.auth, ...(payload ? { payload } : {}) })).statusCode, `${method} ${url}`).toBe(403);
    }
    // Another organization sees none of them.
    const other = await secondOrg(t);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/sms_providers', headers: other.auth })).json().sms_providers).toEqual([]);
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/sms_providers/${p.id}`, headers: other.auth })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/sms_providers/${p.id}`, headers: other.auth })).statusCode).toBe(404);
  });
});
