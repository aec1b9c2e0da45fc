import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildNtfyPublish, NtfyChannel, parseNtfyAddress } from '../../src/server/notify/channels/ntfy/ntfy.js';
import { normalizeNtfyAddress } from '../../src/server/notify/contact-channels.js';
import { closedPort, incident, message } from './helpers.js';
import { startFakeNtfy, type FakeNtfy } from './fake-ntfy.js';
import { localPolicy } from '../outbound-allow.js';

let ntfy: FakeNtfy;
beforeEach(async () => {
  ntfy = await startFakeNtfy();
});
afterEach(async () => {
  await ntfy.close();
});

const channel = new NtfyChannel({ policy: localPolicy, timeoutMs: 1_000 });

describe('NtfyChannel publishing JSON to an ntfy server', () => {
  it('a high-urgency page: priority 5, tags, click URL, Acknowledge/Resolve http actions and Open, with the access token', async () => {
    ntfy.protect('vigil-ada-abc123', 'tk_secret0000000000000000000000');
    const msg = message({ incidents: [incident({ impactLine: 'About 40 people affected' })] });
    const r = await channel.send({ address: `${ntfy.url}/vigil-ada-abc123`, secrets: ['tk_secret0000000000000000000000'] }, msg);
    expect(r).toMatchObject({ kind: 'sent' });
    expect(r.kind === 'sent' && r.providerId).toBe(ntfy.messages[0]!.id);
    const m = ntfy.messages[0]!;
    expect(m).toMatchObject({ topic: 'vigil-ada-abc123', priority: 5, tags: ['rotating_light', 'vigil'], click: 'https://vigil.example.org/incidents/PINC042', authorization: 'Bearer tk_secret0000000000000000000000' });
    expect(m.title).toBe('#42 TRIGGERED: Chat queue not answering');
    // What, where, how many people.
    expect(m.message).toContain('Crisis chat · high urgency · triggered');
    expect(m.message).toContain('About 40 people affected');
    expect(m.actions).toEqual([
      { action: 'http', label: 'Acknowledge', url: 'https://vigil.example.org/a/ack-token-PINC042', method: 'POST', clear: true },
      { action: 'http', label: 'Resolve', url: 'https://vigil.example.org/a/resolve-token-PINC042', method: 'POST', clear: true },
      { action: 'view', label: 'Open #42', url: 'https://vigil.example.org/incidents/PINC042' },
    ]);
  });

  it('low urgency is priority 3; an acknowledged incident offers only Resolve; a bundle has no action buttons', () => {
    expect(buildNtfyPublish('t', message({ incidents: [incident({ urgency: 'low' })] })).priority).toBe(3);
    expect(buildNtfyPublish('t', message({ incidents: [incident({ status: 'acknowledged' })] })).actions!.map((a) => a.label)).toEqual(['Resolve', 'Open #42']);
    const bundle = buildNtfyPublish('t', message({ incidents: [incident({ id: 'A', number: 1 }), incident({ id: 'B', number: 2 })] }));
    expect(bundle.actions).toBeUndefined();
    expect(bundle.title).toBe('2 incidents TRIGGERED (Crisis chat)');
    expect(bundle.message.split('\n')).toHaveLength(2);
    const code = buildNtfyPublish('t', message({ kind: 'verification', eventType: 'pagey.ping', incidents: [], code: '123456' }));
    expect(code).toMatchObject({ priority: 3, title: 'Vigil verification code' });
    expect(code.message).toContain('123456');
  });

  it('wrong or missing token: permanent with ntfy’s code; 429 and 5xx: retryable; unreachable: retryable', async () => {
    ntfy.protect('locked', 'tk_right');
    expect(await channel.send({ address: `${ntfy.url}/locked`, secrets: ['tk_wrong'] }, message())).toEqual({ kind: 'permanent', reason: 'ntfy_40101', detail: 'unauthorized' });
    expect(await channel.send({ address: `${ntfy.url}/locked` }, message())).toEqual({ kind: 'permanent', reason: 'ntfy_40301', detail: 'forbidden' });
    ntfy.failNext(429, 42901);
    expect(await channel.send({ address: `${ntfy.url}/open` }, message())).toMatchObject({ kind: 'retryable', reason: 'ntfy_42901' });
    ntfy.failNext(502, 50201);
    expect(await channel.send({ address: `${ntfy.url}/open` }, message())).toMatchObject({ kind: 'retryable', reason: 'ntfy_50201' });
    expect(ntfy.messages).toHaveLength(0);
    expect(await channel.send({ address: `http://127.0.0.1:${await closedPort()}/open` }, message())).toMatchObject({ kind: 'retryable', reason: 'connection_refused' });
  });

  it('addresses: a server URL gets a per-person topic with a random suffix; bad topics and URLs are refused', () => {
    const a = normalizeNtfyAddress('https://ntfy.sh', 'Ada Lovelace');
    const b = normalizeNtfyAddress('https://ntfy.sh/', 'Ada Lovelace');
    expect(a).toMatch(/^https:\/\/ntfy\.sh\/vigil-ada-lovelace-[A-Za-z0-9]{14}$/);
    expect(b).not.toBe(a);
    expect(normalizeNtfyAddress('https://push.example.org/ntfy/', 'Bo')).toMatch(/^https:\/\/push\.example\.org\/ntfy\/vigil-bo-/);
    expect(normalizeNtfyAddress('https://ntfy.example.org/alerts_team-1', 'Bo')).toBe('https://ntfy.example.org/alerts_team-1');
    expect(parseNtfyAddress('https://push.example.org/ntfy/my-topic')).toMatchObject({ topic: 'my-topic', server: new URL('https://push.example.org/ntfy/') });
    for (const bad of ['https://ntfy.sh/has space', 'https://ntfy.sh/' + 'x'.repeat(65), 'https://ntfy.sh/a.b', 'ftp://ntfy.sh/t', 'not a url', 'https://user:pw@ntfy.sh/t', 'https://ntfy.sh/t?x=1']) {
      let errors: string[] = [];
      try {
        normalizeNtfyAddress(bad, 'Ada');
      } catch (e) {
        errors = (e as { errors: string[] }).errors;
      }
      expect(errors.join(' '), bad).toMatch(/^contact_method\.address/);
    }
  });
});
