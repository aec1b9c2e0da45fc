/**
 * Issue 14 item 7, on both dialects: webhook signing secrets, custom header values and
 * Slack URLs were stored in plaintext. Now they are sealed with AES-256-GCM; the key id
 * travels with each value, so a rotated key keeps old rows readable until start-up seals
 * them again; rows from before are sealed at start-up too.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Keyring, installKeyring, keyId, loadKeyring, openSecret, parseKeys } from '../../src/server/lib/secret-box.js';
import { channelsFromConfig } from '../../src/server/main.js';
import { verifySignature } from '../../src/server/notify/channels/webhook/webhook.js';
import { resealContactMethods } from '../../src/server/notify/contact.store.js';
import { resealSubscriptions } from '../../src/server/notify/subscription.store.js';
import { DIALECTS, createTestApp, manualClock, type TestApp } from '../harness.js';
import { reply, startServer, type TestServer } from '../channels/helpers.js';
import { engineFor } from '../engine/fixtures.js';
import { TEST_SECRET_KEY } from '../outbound-allow.js';
import { member, req } from './helpers.js';

const SLACK = 'https://hooks.slack.example/services/T1/B1/slack-bearer-secret';
const key = (n: number) => Buffer.alloc(32, n);

describe.each(DIALECTS)('secrets at rest on %s', (dialect) => {
  let t: TestApp;
  let rx: TestServer;
  beforeEach(async () => {
    t = await createTestApp(dialect, { clock: manualClock() });
    rx = await startServer(reply(200, 'ok'));
  });
  afterEach(async () => {
    installKeyring(new Keyring(parseKeys(TEST_SECRET_KEY)));
    await t.close();
    await rx.close();
  });
  const raw = () => t.db.handle.db;

  it('the database holds only sealed values, and delivery still signs and sends the real ones', async () => {
    const ada = await member(t, 'responder');
    const wh = await req(t, 'POST', '/api/v1/users/me/contact_methods', { contact_method: { type: 'webhook', address: `${rx.url}/ada` } }, ada.auth);
    const whSecret = wh.json().contact_method.secret as string;
    await req(t, 'POST', '/api/v1/users/me/contact_methods', { contact_method: { type: 'slack', address: SLACK } }, ada.auth);
    const sub = await req(t, 'POST', '/api/v1/webhook_subscriptions', { webhook_subscription: { events: ['incident.triggered'], filter: { type: 'account_reference' }, delivery_method: { url: `${rx.url}/sub`, custom_headers: [{ name: 'Authorization', value: 'Bearer header-secret' }] } } });
    expect(sub.statusCode, sub.body).toBe(201);
    const subSecret = sub.json().webhook_subscription.delivery_method.secret as string;

    const cms = await raw().selectFrom('contact_methods').select(['type', 'address', 'secret']).execute();
    const subs = await raw().selectFrom('webhook_subscriptions').select(['secret', 'custom_headers']).execute();
    const dump = JSON.stringify([cms, subs]);
    for (const plain of [whSecret, 'slack-bearer-secret', subSecret, 'header-secret']) expect(dump).not.toContain(plain);
    expect(cms.find((c) => c.type === 'webhook')!.secret).toMatch(new RegExp(`^vsec1\\.${keyId(Buffer.from(TEST_SECRET_KEY, 'base64'))}\\.`));
    expect(cms.find((c) => c.type === 'slack')!.address).toMatch(/^vsec1\./);

    // The ping goes out through the outbox with the real header and a signature made with the real secret.
    expect((await req(t, 'POST', `/api/v1/webhook_subscriptions/${sub.json().webhook_subscription.id}/ping`)).statusCode).toBe(202);
    await engineFor(t, channelsFromConfig(t.deps.config)).runUntilIdle(t.clock.now());
    const got = rx.received.find((r) => r.url === '/sub')!;
    expect(got.headers.authorization).toBe('Bearer header-secret');
    expect(verifySignature(got.body, got.headers['x-vigil-signature'] as string, [subSecret])).toBe(true);
  });

  it('rows from before are sealed at start-up; after a rotation old rows open and are sealed with the new key', async () => {
    const ada = await member(t, 'responder');
    // A row written before sealing existed: plaintext, straight into the table.
    const now = t.clock.now();
    await raw().insertInto('contact_methods').values({ org_id: t.org.org.id, id: 'CMOLDSLACK', user_id: ada.user.id, type: 'slack', address: SLACK, label: 'Slack', verified_at: now, verification_code_hash: null, verification_expires_at: null, verification_attempts: 0, secret: null, created_at: now, deleted_at: null }).execute();
    await raw().insertInto('webhook_subscriptions').values({ org_id: t.org.org.id, id: 'WSOLD', url: `${rx.url}/old`, secret: 'old-plain-secret', description: null, events: '["incident.triggered"]', filter_type: 'account_reference', filter_id: null, active: 1, custom_headers: '[{"name":"X-Token","value":"old-header"}]', consecutive_failures: 0, disabled_until: null, created_at: now, deleted_at: null }).execute();
    const before = await req(t, 'GET', '/api/v1/users/me/contact_methods', undefined, ada.auth);
    expect(before.json().contact_methods[0].address).toBe('https://hooks.slack.example/•••');

    expect((await resealContactMethods(raw())) + (await resealSubscriptions(raw()))).toBe(2);
    const sealedOld = await raw().selectFrom('webhook_subscriptions').select(['secret', 'custom_headers']).where('id', '=', 'WSOLD').executeTakeFirstOrThrow();
    expect(JSON.stringify(sealedOld)).not.toMatch(/old-plain-secret|old-header/);
    expect(await resealContactMethods(raw())).toBe(0);

    // Rotate: the new key seals, the old one still opens.
    installKeyring(new Keyring([key(1), Buffer.from(TEST_SECRET_KEY, 'base64')]));
    expect(openSecret(sealedOld.secret)).toBe('old-plain-secret');
    expect((await resealContactMethods(raw())) + (await resealSubscriptions(raw()))).toBe(2);
    // Only the new key now: everything still opens.
    installKeyring(new Keyring([key(1)]));
    const slack = await raw().selectFrom('contact_methods').select('address').where('id', '=', 'CMOLDSLACK').executeTakeFirstOrThrow();
    expect(slack.address.startsWith(`vsec1.${keyId(key(1))}.`)).toBe(true);
    expect(openSecret(slack.address)).toBe(SLACK);
    const s = await req(t, 'GET', '/api/v1/webhook_subscriptions/WSOLD');
    expect(s.statusCode).toBe(200);
    const after = await raw().selectFrom('webhook_subscriptions').select('secret').where('id', '=', 'WSOLD').executeTakeFirstOrThrow();
    expect(openSecret(after.secret)).toBe('old-plain-secret');
  });
});

describe('the key file in the data directory', () => {
  it('is created once, private to the server user, and reused', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-key-'));
    try {
      const a = loadKeyring(null, dir);
      const file = path.join(dir, 'secret.key');
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const b = loadKeyring(null, dir);
      expect(b.current.id).toBe(a.current.id);
      expect(b.open(a.seal('x'))).toBe('x');
      expect(loadKeyring(Buffer.alloc(32, 3).toString('base64'), dir).current.id).toBe(keyId(Buffer.alloc(32, 3)));
      expect(() => new Keyring([Buffer.alloc(16)])).toThrow(/32 bytes/);
      expect(() => loadKeyring(Buffer.alloc(32, 3).toString('base64'), dir).open(a.seal('x'))).toThrow(/not configured/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
