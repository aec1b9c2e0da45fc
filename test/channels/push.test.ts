import { createECDH } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildPushPayload, PushChannel } from '../../src/server/notify/channels/push/push.js';
import { generateVapidKeyPair } from '../../src/server/notify/vapid.service.js';
import { incident, message, reply, startServer, type TestServer } from './helpers.js';
import { localPolicy } from '../outbound-allow.js';
import { decryptAes128gcm, startFakePushService, type FakePushService } from './fake-push.js';

describe('the test push service’s own decryption', () => {
  it('decrypts RFC 8291 §5’s worked example with the user agent’s keys', () => {
    const ua = createECDH('prime256v1');
    ua.setPrivateKey(Buffer.from('q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94', 'base64url'));
    expect(ua.getPublicKey().toString('base64url')).toBe('BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4');
    const body = Buffer.from(
      'DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN',
      'base64url',
    );
    expect(decryptAes128gcm(body, ua, Buffer.from('BTBZMqHH6r4Tts7J_aSIgg', 'base64url')).toString()).toBe('When I grow up, I want to be a watermelon');
  });
});

describe('PushChannel', () => {
  let push: FakePushService;
  const servers: TestServer[] = [];
  beforeEach(async () => {
    push = await startFakePushService();
  });
  afterEach(async () => {
    await push.close();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const channel = new PushChannel({ policy: localPolicy, subject: 'mailto:ops@harbor.example', baseUrl: 'https://vigil.example.org', timeoutMs: 2_000 });

  function device() {
    const vapid = generateVapidKeyPair();
    const sub = push.subscribe(vapid.publicKey);
    return { sub, dest: { address: sub.json.endpoint, push: { p256dh: sub.json.keys.p256dh, auth: sub.json.keys.auth, vapidPublicKey: vapid.publicKey, vapidPrivateKey: vapid.privateKey } } };
  }

  it('low urgency: Urgency normal, no requireInteraction; the payload says what, where and how many', async () => {
    const { dest } = device();
    expect(await channel.send(dest, message({ incidents: [incident({ urgency: 'low', impactLine: 'About 40 people affected' })] }))).toMatchObject({ kind: 'sent' });
    const d = push.delivered[0]!;
    expect(d.urgency).toBe('normal');
    expect(d.claims.sub).toBe('mailto:ops@harbor.example');
    expect(d.payload).toMatchObject({ urgency: 'low', requireInteraction: false, renotify: false, title: '#42 TRIGGERED: Chat queue not answering' });
    expect(d.payload.body).toBe('Crisis chat · low urgency\nAbout 40 people affected\nAssigned to Ada');
  });

  it('a bundle opens the incident list; a verification carries the code', () => {
    const b = buildPushPayload(message({ incidents: [incident({ id: 'A', number: 1 }), incident({ id: 'B', number: 2 })] }), 'https://v.example');
    expect(b).toMatchObject({ title: '2 incidents TRIGGERED (Crisis chat)', url: 'https://v.example/incidents', actions: [{ action: 'open', title: 'Open', url: 'https://v.example/incidents' }] });
    const v = buildPushPayload(message({ kind: 'verification', eventType: 'pagey.ping', incidents: [], code: '654321' }), 'https://v.example');
    expect(v.body).toContain('654321');
  });

  it('410 and 404: permanent and the destination is gone; 429 and 5xx retryable; a key the service rejects: permanent', async () => {
    const { sub, dest } = device();
    push.gone(sub.id);
    expect(await channel.send(dest, message())).toMatchObject({ kind: 'permanent', reason: 'push_subscription_expired', destinationGone: true });
    expect(await channel.send({ ...dest, address: `${push.url}/push/unknown` }, message())).toMatchObject({ kind: 'permanent', reason: 'push_subscription_expired', destinationGone: true });
    // Signed with another private key than the public key it names: the service refuses the JWT.
    const other = device();
    const forged = { ...other.dest, push: { ...other.dest.push, vapidPrivateKey: generateVapidKeyPair().privateKey } };
    expect(await channel.send(forged, message())).toMatchObject({ kind: 'permanent', reason: 'http_401' });
    expect(push.rejected.at(-1)!.why).toBe('JWT signature does not verify with k');
    const busy = await startServer(reply(429, '', { 'Retry-After': '7' }));
    servers.push(busy);
    expect(await channel.send({ ...dest, address: `${busy.url}/push/x` }, message())).toMatchObject({ kind: 'retryable', reason: 'http_429', retryAfterMs: 7_000 });
    const down = await startServer(reply(503, ''));
    servers.push(down);
    expect(await channel.send({ ...dest, address: `${down.url}/push/x` }, message())).toMatchObject({ kind: 'retryable', reason: 'http_503' });
    expect(await channel.send({ address: dest.address }, message())).toMatchObject({ kind: 'permanent', reason: 'push_keys_missing' });
  });
});
