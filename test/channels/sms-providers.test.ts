/**
 * The SMS carriers beyond Twilio against local servers implementing their documented APIs
 * (fake-vonage, fake-plivo, fake-sms-gateway): what each sends, and how each carrier's
 * error answers map to the outbox's outcome kinds (auth and out of credit → provider_auth,
 * 429 → rate_limited with Retry-After, a refused recipient → invalid_number, 5xx and
 * timeouts → retryable), plus the pure failover and spend-cap rules.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AndroidGatewayProvider } from '../../src/server/notify/channels/sms/android-gateway.js';
import { PlivoProvider } from '../../src/server/notify/channels/sms/plivo.js';
import { VonageProvider } from '../../src/server/notify/channels/sms/vonage.js';
import { capVerdict, credentialErrors, failsOver, isLowUrgency, money, monthOf, validSender, warningDue } from '../../src/server/notify/sms-provider.js';
import { localPolicy } from '../outbound-allow.js';
import { startFakePlivo, type FakePlivo } from './fake-plivo.js';
import { startFakeSmsGateway, type FakeSmsGateway } from './fake-sms-gateway.js';
import { startFakeVonage, type FakeVonage } from './fake-vonage.js';
import { closedPort, incident, message, type TestServer } from './helpers.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
const keep = <T extends TestServer>(s: T): T => (servers.push(s), s);

const TO = '+14155550100';
const REF = '01JNOTIFY0000000000000000A';
const http = { policy: localPolicy, timeoutMs: 300 };

describe('Vonage Messages API', () => {
  const jwt = (v: FakeVonage, over = {}) => new VonageProvider({ ...http, baseUrl: v.url, from: '+15005550006', auth: { applicationId: v.applicationId, privateKey: v.privateKey }, ...over });

  it('sends with an RS256 application JWT: to/from without +, text, client_ref; answers the message_uuid', async () => {
    const v = keep(await startFakeVonage());
    const r = await jwt(v).sendSms(TO, 'Disk full', undefined, REF);
    expect(r).toEqual({ kind: 'sent', providerId: v.texts[0]!.carrierId });
    expect(v.texts[0]).toMatchObject({ to: TO, from: '15005550006', text: 'Disk full', ref: REF });
    const body = JSON.parse(v.received[0]!.body.toString());
    expect(body).toEqual({ message_type: 'text', channel: 'sms', to: '14155550100', from: '15005550006', text: 'Disk full', client_ref: REF });
  });

  it('sends with Basic api_key:api_secret; a long reference is shortened to 100 characters, the same each time', async () => {
    const v = keep(await startFakeVonage());
    const p = new VonageProvider({ ...http, baseUrl: v.url, from: 'Vigil', auth: { apiKey: v.apiKey, apiSecret: v.apiSecret } });
    const long = `bundle:${'01JX'.repeat(40)}`;
    expect((await p.sendSms(TO, 'x', undefined, long)).kind).toBe('sent');
    expect((await p.sendSms(TO, 'x', undefined, long)).kind).toBe('sent');
    expect(v.texts[0]!.ref!.length).toBeLessThanOrEqual(100);
    expect(v.texts[0]!.ref).toBe(v.texts[1]!.ref);
  });

  it('maps its problem answers: wrong key → provider_auth; out of credit (403) → provider_auth; 422 on `to` → invalid_number; 429 → rate_limited; 500 → retryable; silence → timeout', async () => {
    const v = keep(await startFakeVonage());
    const other = keep(await startFakeVonage());
    expect(await jwt(v, { auth: { applicationId: v.applicationId, privateKey: other.privateKey } }).sendSms(TO, 'x')).toMatchObject({ kind: 'permanent', reason: 'provider_auth', detail: expect.stringContaining('Unauthorized') });
    v.force({ status: 403 });
    expect(await jwt(v).sendSms(TO, 'x')).toMatchObject({ kind: 'permanent', reason: 'provider_auth', detail: expect.stringContaining('credit') });
    expect(await jwt(v).sendSms('0415 555 0100', 'x')).toMatchObject({ kind: 'permanent', reason: 'invalid_number' });
    expect(v.received).toHaveLength(2); // the local E.164 check sends nothing
    v.force({ status: 422, body: { title: 'Invalid params', invalid_parameters: [{ name: 'to', reason: 'Invalid number' }] } });
    expect(await jwt(v).sendSms(TO, 'x')).toMatchObject({ kind: 'permanent', reason: 'invalid_number', detail: expect.stringContaining('to: Invalid number') });
    v.force({ status: 429, headers: { 'retry-after': '3' } });
    expect(await jwt(v).sendSms(TO, 'x')).toMatchObject({ kind: 'retryable', reason: 'rate_limited', retryAfterMs: 3000 });
    v.force({ status: 500 });
    expect(await jwt(v).sendSms(TO, 'x')).toMatchObject({ kind: 'retryable', reason: 'http_500' });
    v.force('hang');
    expect(await jwt(v).sendSms(TO, 'x')).toEqual({ kind: 'retryable', reason: 'timeout' });
    expect(v.texts).toHaveLength(0);
  });

  it('a private key that is not one is a configuration problem, not a crash', async () => {
    const v = keep(await startFakeVonage());
    expect(await jwt(v, { auth: { applicationId: v.applicationId, privateKey: 'nope' } }).sendSms(TO, 'x')).toMatchObject({ kind: 'permanent', reason: 'invalid_config' });
  });
});

describe('Plivo', () => {
  const plivo = (p: FakePlivo, over = {}) => new PlivoProvider({ ...http, baseUrl: p.url, authId: p.authId, authToken: p.authToken, from: '+15005550006', ...over });

  it('sends {src, dst, text, type: sms} to /v1/Account/{auth_id}/Message/ with Basic auth; answers the first message_uuid', async () => {
    const p = keep(await startFakePlivo());
    const r = await plivo(p).sendSms(TO, 'Disk full');
    expect(r).toEqual({ kind: 'sent', providerId: p.texts[0]!.carrierId });
    expect(p.received[0]!.url).toBe(`/v1/Account/${p.authId}/Message/`);
    expect(JSON.parse(p.received[0]!.body.toString())).toEqual({ src: '+15005550006', dst: TO, text: 'Disk full', type: 'sms' });
  });

  it('maps wrong credentials → provider_auth, a refused dst → invalid_number, 429 → rate_limited, 502 → retryable, a closed port → connection_refused', async () => {
    const p = keep(await startFakePlivo());
    expect(await plivo(p, { authToken: 'wrong' }).sendSms(TO, 'x')).toMatchObject({ kind: 'permanent', reason: 'provider_auth', detail: 'Authentication failed' });
    p.force({ status: 400, body: { api_id: 'x', error: 'invalid dst parameter' } });
    expect(await plivo(p).sendSms(TO, 'x')).toMatchObject({ kind: 'permanent', reason: 'invalid_number' });
    p.force({ status: 429, headers: { 'retry-after': '2' } });
    expect(await plivo(p).sendSms(TO, 'x')).toMatchObject({ kind: 'retryable', reason: 'rate_limited', retryAfterMs: 2000 });
    p.force({ status: 502 });
    expect(await plivo(p).sendSms(TO, 'x')).toMatchObject({ kind: 'retryable', reason: 'http_502' });
    expect(await plivo(p, { baseUrl: `http://127.0.0.1:${await closedPort()}` }).sendSms(TO, 'x')).toMatchObject({ kind: 'retryable', reason: 'connection_refused' });
    expect(p.texts).toHaveLength(0);
  });

  it('an other 4xx (a src Plivo does not own) is permanent but not the number', async () => {
    const p = keep(await startFakePlivo());
    p.force({ status: 400, body: { api_id: 'x', error: 'src is not a valid Plivo number on this account' } });
    const r = await plivo(p).sendSms(TO, 'x');
    expect(r).toMatchObject({ kind: 'permanent', reason: 'http_400' });
    expect(failsOver(r)).toBe(true);
  });
});

describe('android-sms-gateway', () => {
  const gw = (g: FakeSmsGateway, over = {}) => new AndroidGatewayProvider({ ...http, baseUrl: g.url, username: g.username, password: g.password, ...over });

  it('posts {id, textMessage, phoneNumbers, priority 100} to /messages with Basic auth; the id is ours (≤36)', async () => {
    const g = keep(await startFakeSmsGateway());
    const long = `bundle:${'01JX'.repeat(20)}`;
    const r = await gw(g).sendSms(TO, 'Disk full', undefined, long);
    expect(r.kind).toBe('sent');
    const body = JSON.parse(g.received[0]!.body.toString());
    expect(g.received[0]!.url).toBe('/messages');
    expect(body).toMatchObject({ textMessage: { text: 'Disk full' }, phoneNumbers: [TO], priority: 100 });
    expect(body.id.length).toBeLessThanOrEqual(36);
    expect(r).toEqual({ kind: 'sent', providerId: body.id });
  });

  it('a resend with the same reference is refused by the phone (409) and counts as sent: one text', async () => {
    const g = keep(await startFakeSmsGateway());
    expect((await gw(g).sendSms(TO, 'x', undefined, REF)).kind).toBe('sent');
    expect(await gw(g).sendSms(TO, 'x', undefined, REF)).toEqual({ kind: 'sent', providerId: REF });
    expect(g.received.map((r) => r.url)).toHaveLength(2);
    expect(g.texts).toHaveLength(1);
  });

  it('maps 401 → provider_auth, 400 about the phone → invalid_number, 503 → retryable, silence → timeout', async () => {
    const g = keep(await startFakeSmsGateway());
    expect(await gw(g, { password: 'x' }).sendSms(TO, 'x')).toMatchObject({ kind: 'permanent', reason: 'provider_auth' });
    g.force({ status: 400, body: { code: 400, message: 'invalid phone numbers', data: null } });
    expect(await gw(g).sendSms(TO, 'x')).toMatchObject({ kind: 'permanent', reason: 'invalid_number' });
    g.force({ status: 503 });
    expect(await gw(g).sendSms(TO, 'x')).toMatchObject({ kind: 'retryable', reason: 'http_503' });
    g.force('hang');
    expect(await gw(g).sendSms(TO, 'x')).toEqual({ kind: 'retryable', reason: 'timeout' });
  });
});

describe('provider rules (pure)', () => {
  it('fails over on everything but a refused number', () => {
    expect(failsOver({ kind: 'retryable', reason: 'http_500' })).toBe(true);
    expect(failsOver({ kind: 'retryable', reason: 'timeout' })).toBe(true);
    expect(failsOver({ kind: 'permanent', reason: 'provider_auth' })).toBe(true);
    expect(failsOver({ kind: 'permanent', reason: 'invalid_number' })).toBe(false);
    expect(failsOver({ kind: 'sent' })).toBe(false);
  });

  it('the spend cap blocks low urgency only, and warns from 80%', () => {
    expect(capVerdict(null, 5e9, true)).toEqual({ exceeded: false, block: false });
    expect(capVerdict(1_000_000, 999_999, true)).toEqual({ exceeded: false, block: false });
    expect(capVerdict(1_000_000, 1_000_000, true)).toEqual({ exceeded: true, block: true });
    expect(capVerdict(1_000_000, 1_000_000, false)).toEqual({ exceeded: true, block: false });
    expect(warningDue(1_000_000, 799_999)).toBe(false);
    expect(warningDue(1_000_000, 800_000)).toBe(true);
    expect(warningDue(null, 800_000)).toBe(false);
    expect(isLowUrgency(message({ incidents: [incident({ urgency: 'low' })] }))).toBe(true);
    expect(isLowUrgency(message({ incidents: [incident({ urgency: 'low' }), incident({ id: 'P2', urgency: 'high' })] }))).toBe(false);
    expect(isLowUrgency(message({ incidents: [], kind: 'verification' }))).toBe(false);
  });

  it('months are UTC calendar months; money reads as people write it', () => {
    expect(monthOf(Date.parse('2026-03-31T23:59:59Z'))).toEqual({ start: Date.parse('2026-03-01T00:00:00Z'), key: '2026-03' });
    expect(money(7_500)).toBe('0.0075');
    expect(money(12_500_000)).toBe('12.50');
  });

  it('checks credentials by type, naming each field; unknown fields are refused', () => {
    expect(credentialErrors('plivo', { auth_id: 'short', auth_token: '' }, 'c')).toEqual(['c.auth_id must be the Plivo Auth ID (20 capital letters and digits, e.g. MAXXXXXXXXXXXXXXXXXX)', 'c.auth_token must be 1 to 128 characters']);
    expect(credentialErrors('android_gateway', { username: 'u', password: 'p', token: 'x' }, 'c')).toEqual(['c.token: unknown field for android_gateway']);
    expect(credentialErrors('vonage', { api_key: 'abcd1234' }, 'c')).toEqual(['c.api_secret is required for vonage']);
    expect(credentialErrors('vonage', { application_id: '6c3f2d0e-8f4b-4c55-9d51-2f1d6c1b2a11', private_key: 'x' }, 'c')).toEqual(['c.private_key must be an RSA private key (PEM), as Vonage gives for an application']);
    expect(credentialErrors('twilio', 'x', 'c')).toEqual(['c must be an object']);
    expect(validSender('+15005550006')).toBe(true);
    expect(validSender('Vigil')).toBe(true);
    expect(validSender('0415 555 0100')).toBe(false);
  });
});
