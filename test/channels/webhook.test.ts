import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { buildWebhookDeliveries, signBody, verifySignature, WebhookChannel } from '../../src/server/notify/channels/webhook/webhook.js';
import { closedPort, incident, message, reply, startServer, type TestServer } from './helpers.js';
import { localPolicy } from '../outbound-allow.js';

// An implementation of PagerDuty's v1 signature check written from BRIEF.md §4 alone,
// not sharing code with the channel: split on ",", keep "v1=" items, any may match.
function independentlyVerified(raw: Buffer, header: string | undefined, secrets: string[]): boolean {
  if (!header) return false;
  const offered = header.split(',').filter((s) => s.startsWith('v1=')).map((s) => s.slice(3));
  return secrets.some((secret) => offered.includes(createHmac('sha256', Buffer.from(secret, 'utf8')).update(raw).digest('hex')));
}

const servers: TestServer[] = [];
async function server(...args: Parameters<typeof startServer>): Promise<TestServer> {
  const s = await startServer(...args);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const fast = new WebhookChannel({ policy: localPolicy,  timeoutMs: 300 });

describe('WebhookChannel delivering to a real receiver', () => {
  it('POSTs one signed v3 event with the PagerDuty headers', async () => {
    const secrets = ['old-secret', 'new-secret'];
    let verdict = false;
    const s = await server((req, res) => {
      verdict = independentlyVerified(req.body, req.headers['x-pagerduty-signature'] as string, ['new-secret']);
      res.writeHead(202).end();
    });
    const result = await fast.send(
      { address: `${s.url}/hook?x=1`, secrets, subscriptionId: 'PSUB001', headers: [{ name: 'Authorization', value: 'Bearer abc' }] },
      message(),
    );
    expect(result).toEqual({ kind: 'sent' });
    expect(verdict).toBe(true);
    expect(s.received).toHaveLength(1);
    const req = s.received[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/hook?x=1');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['user-agent']).toBe('Vigil-Webhook/V3.0');
    expect(req.headers['x-webhook-id']).toBe('01JNOTIFY0000000000000000A');
    expect(req.headers['x-webhook-subscription']).toBe('PSUB001');
    expect(req.headers['authorization']).toBe('Bearer abc');
    const sig = req.headers['x-pagerduty-signature'] as string;
    expect(req.headers['x-vigil-signature']).toBe(sig);
    expect(sig).toMatch(/^v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(independentlyVerified(req.body, sig, ['old-secret'])).toBe(true);
    expect(independentlyVerified(req.body, sig, ['other'])).toBe(false);

    const { event } = JSON.parse(req.body.toString('utf8'));
    expect(event).toEqual({
      id: '01JNOTIFY0000000000000000A',
      event_type: 'incident.triggered',
      resource_type: 'incident',
      occurred_at: '2026-03-01T10:15:03.000Z',
      agent: {
        id: 'PSVC001',
        type: 'service_reference',
        summary: 'Crisis chat',
        self: 'https://vigil.example.org/api/v1/services/PSVC001',
        html_url: 'https://vigil.example.org/services/PSVC001',
      },
      client: null,
      data: {
        id: 'PINC042',
        type: 'incident',
        self: 'https://vigil.example.org/api/v1/incidents/PINC042',
        html_url: 'https://vigil.example.org/incidents/PINC042',
        number: 42,
        status: 'triggered',
        incident_key: 'chat/queue',
        created_at: '2026-03-01T10:15:02Z',
        title: 'Chat queue not answering',
        service: { id: 'PSVC001', type: 'service_reference', summary: 'Crisis chat', self: 'https://vigil.example.org/api/v1/services/PSVC001', html_url: 'https://vigil.example.org/services/PSVC001' },
        assignees: [{ id: 'PUSR001', type: 'user_reference', summary: 'Ada', self: 'https://vigil.example.org/api/v1/users/PUSR001', html_url: 'https://vigil.example.org/users/PUSR001' }],
        escalation_policy: {
          id: 'PEP0001',
          type: 'escalation_policy_reference',
          summary: 'Chat on-call',
          self: 'https://vigil.example.org/api/v1/escalation_policies/PEP0001',
          html_url: 'https://vigil.example.org/escalation_policies/PEP0001',
        },
        teams: [],
        priority: null,
        urgency: 'high',
        conference_bridge: null,
        resolve_reason: null,
      },
    });
  });

  it('sends no signature headers when the subscription has no secret', async () => {
    const s = await server(reply(200));
    expect((await fast.send({ address: s.url }, message())).kind).toBe('sent');
    expect(s.received[0]!.headers['x-pagerduty-signature']).toBeUndefined();
    expect(s.received[0]!.headers['x-vigil-signature']).toBeUndefined();
  });

  it('never lets a custom header replace the signature or the webhook id', async () => {
    const s = await server(reply(200));
    await fast.send(
      {
        address: s.url,
        secrets: ['k'],
        headers: [
          { name: 'X-PagerDuty-Signature', value: 'forged' },
          { name: 'X-Webhook-Id', value: 'forged' },
        ],
      },
      message(),
    );
    const req = s.received[0]!;
    expect(req.headers['x-webhook-id']).toBe('01JNOTIFY0000000000000000A');
    expect(independentlyVerified(req.body, req.headers['x-pagerduty-signature'] as string, ['k'])).toBe(true);
  });

  it('splits a bundle into one POST per incident, in order, each with its own X-Webhook-Id', async () => {
    const s = await server(reply(200));
    const msg = message({ incidents: [incident({ id: 'PINC1', number: 1 }), incident({ id: 'PINC2', number: 2 })] });
    expect(await fast.send({ address: s.url, secrets: ['k'] }, msg)).toEqual({ kind: 'sent' });
    expect(s.received.map((r) => r.headers['x-webhook-id'])).toEqual(['01JNOTIFY0000000000000000A:PINC1', '01JNOTIFY0000000000000000A:PINC2']);
    expect(s.received.map((r) => JSON.parse(r.body.toString()).event.data.number)).toEqual([1, 2]);
    for (const r of s.received) expect(independentlyVerified(r.body, r.headers['x-pagerduty-signature'] as string, ['k'])).toBe(true);
  });

  it('stops a bundle at the first retryable failure and reports it', async () => {
    let n = 0;
    const s = await server((_req, res) => {
      n += 1;
      res.writeHead(n === 1 ? 500 : 200).end();
    });
    const msg = message({ incidents: [incident({ id: 'PINC1' }), incident({ id: 'PINC2' })] });
    expect(await fast.send({ address: s.url }, msg)).toMatchObject({ kind: 'retryable', reason: 'http_500' });
    expect(s.received).toHaveLength(1);
  });

  it('delivers the rest of a bundle past a permanent failure, then reports it', async () => {
    let n = 0;
    const s = await server((_req, res) => {
      n += 1;
      res.writeHead(n === 1 ? 422 : 200).end('bad');
    });
    const msg = message({ incidents: [incident({ id: 'PINC1' }), incident({ id: 'PINC2' })] });
    expect(await fast.send({ address: s.url }, msg)).toMatchObject({ kind: 'permanent', reason: 'http_422', detail: 'bad' });
    expect(s.received).toHaveLength(2);
  });
});

describe('WebhookChannel classifies failures', () => {
  it('a receiver that never answers: retryable timeout, within the configured time', async () => {
    const s = await server(() => undefined);
    const started = Date.now();
    const result = await new WebhookChannel({ policy: localPolicy,  timeoutMs: 200 }).send({ address: s.url }, message());
    expect(result).toEqual({ kind: 'retryable', reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a receiver that sends headers and then stalls the body: still a timeout', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { 'Content-Length': '10' });
      res.write('ab');
    });
    expect(await new WebhookChannel({ policy: localPolicy,  timeoutMs: 200 }).send({ address: s.url }, message())).toEqual({ kind: 'retryable', reason: 'timeout' });
  });

  it('500: retryable', async () => {
    const s = await server(reply(500, 'oops'));
    expect(await fast.send({ address: s.url }, message())).toEqual({ kind: 'retryable', reason: 'http_500', detail: 'oops' });
  });

  it('408: retryable', async () => {
    const s = await server(reply(408));
    expect(await fast.send({ address: s.url }, message())).toMatchObject({ kind: 'retryable', reason: 'http_408' });
  });

  it('429 with Retry-After in seconds: retryable after that long', async () => {
    const s = await server(reply(429, '', { 'Retry-After': '7' }));
    expect(await fast.send({ address: s.url }, message())).toMatchObject({ kind: 'retryable', reason: 'http_429', retryAfterMs: 7000 });
  });

  it('429 with Retry-After as an HTTP date: retryable until then', async () => {
    const now = Date.parse('2026-03-01T10:00:00Z');
    const s = await server(reply(429, '', { 'Retry-After': 'Sun, 01 Mar 2026 10:01:30 GMT' }));
    const result = await new WebhookChannel({ policy: localPolicy,  timeoutMs: 300, now: () => now }).send({ address: s.url }, message());
    expect(result).toMatchObject({ kind: 'retryable', reason: 'http_429', retryAfterMs: 90_000 });
  });

  it('a connection closed without an answer: retryable', async () => {
    const s = await server((_req, _res, socket) => socket.destroy());
    const result = await fast.send({ address: s.url }, message());
    expect(result.kind).toBe('retryable');
    expect(['connection_closed', 'connection_reset']).toContain(result.kind === 'retryable' && result.reason);
  });

  it('connection refused: retryable', async () => {
    const port = await closedPort();
    expect(await fast.send({ address: `http://127.0.0.1:${port}/` }, message())).toMatchObject({ kind: 'retryable', reason: 'connection_refused' });
  });

  it('404 and 410: permanent, with the body kept as detail', async () => {
    const s404 = await server(reply(404, 'no such hook'));
    expect(await fast.send({ address: s404.url }, message())).toEqual({ kind: 'permanent', reason: 'http_404', detail: 'no such hook' });
    const s410 = await server(reply(410));
    expect(await fast.send({ address: s410.url }, message())).toEqual({ kind: 'permanent', reason: 'http_410' });
  });

  it('a redirect is not followed: permanent', async () => {
    const target = await server(reply(200));
    const s = await server(reply(307, '', { Location: target.url }));
    expect(await fast.send({ address: s.url, secrets: ['k'] }, message())).toMatchObject({ kind: 'permanent', reason: 'http_307' });
    expect(target.received).toHaveLength(0);
  });

  it('invalid or non-http URLs: permanent, nothing sent', async () => {
    for (const address of ['not a url', 'ftp://127.0.0.1/x', 'file:///etc/passwd', 'javascript:alert(1)']) {
      expect(await fast.send({ address }, message())).toMatchObject({ kind: 'permanent', reason: 'invalid_url' });
    }
  });

  it('DNS failure: retryable', async () => {
    const dnsFail = (async () => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND hooks.invalid'), { code: 'ENOTFOUND' }) });
    }) as typeof fetch;
    expect(await new WebhookChannel({ policy: localPolicy,  fetch: dnsFail }).send({ address: 'https://hooks.invalid/' }, message())).toMatchObject({ kind: 'retryable', reason: 'dns' });
  });

  it('TLS: an expired certificate is retried, any other certificate error is not', async () => {
    const tlsFail = (code: string) =>
      (async () => {
        throw new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) });
      }) as typeof fetch;
    expect(await new WebhookChannel({ policy: localPolicy,  fetch: tlsFail('CERT_HAS_EXPIRED') }).send({ address: 'https://x.example/' }, message())).toMatchObject({ kind: 'retryable', reason: 'tls_expired' });
    expect(await new WebhookChannel({ policy: localPolicy,  fetch: tlsFail('DEPTH_ZERO_SELF_SIGNED_CERT') }).send({ address: 'https://x.example/' }, message())).toMatchObject({ kind: 'permanent', reason: 'tls' });
    expect(await new WebhookChannel({ policy: localPolicy,  fetch: tlsFail('ERR_TLS_CERT_ALTNAME_INVALID') }).send({ address: 'https://x.example/' }, message())).toMatchObject({ kind: 'permanent', reason: 'tls' });
  });

  it('the caller aborting: retryable, so it is sent again later', async () => {
    const s = await server(() => undefined);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    expect(await new WebhookChannel({ policy: localPolicy,  timeoutMs: 5000 }).send({ address: s.url }, message(), ac.signal)).toEqual({ kind: 'retryable', reason: 'aborted' });
  });

  it('an event larger than 256 KB: permanent, nothing sent', async () => {
    const s = await server(reply(200));
    const big = message({ incidents: [incident({ title: 'x'.repeat(300 * 1024) })] });
    expect(await fast.send({ address: s.url }, big)).toMatchObject({ kind: 'permanent', reason: 'payload_too_large' });
    expect(s.received).toHaveLength(0);
  });
});

describe('webhook event shapes', () => {
  it('incident.annotated carries an incident_note', () => {
    const d = buildWebhookDeliveries(message({ eventType: 'incident.annotated', note: { id: 'PNOTE1', content: 'Restarted the queue worker' }, agent: { id: 'PUSR001', type: 'user_reference', name: 'Ada' } }));
    if (!Array.isArray(d)) throw new Error('expected deliveries');
    const { event } = JSON.parse(d[0]!.body);
    expect(event.event_type).toBe('incident.annotated');
    expect(event.resource_type).toBe('incident');
    expect(event.agent).toMatchObject({ id: 'PUSR001', type: 'user_reference', summary: 'Ada', self: 'https://vigil.example.org/api/v1/users/PUSR001' });
    expect(event.data).toEqual({
      type: 'incident_note',
      id: 'PNOTE1',
      content: 'Restarted the queue worker',
      trimmed: false,
      incident: { id: 'PINC042', type: 'incident_reference', summary: 'Chat queue not answering', self: 'https://vigil.example.org/api/v1/incidents/PINC042', html_url: 'https://vigil.example.org/incidents/PINC042' },
    });
  });

  it('pagey.ping has the observed PagerDuty shape', () => {
    const d = buildWebhookDeliveries(message({ kind: 'test', eventType: 'pagey.ping', incidents: [], agent: null }));
    if (!Array.isArray(d)) throw new Error('expected deliveries');
    expect(d).toHaveLength(1);
    expect(JSON.parse(d[0]!.body)).toEqual({
      event: { id: '01JNOTIFY0000000000000000A', event_type: 'pagey.ping', resource_type: 'pagey', occurred_at: '2026-03-01T10:15:03.000Z', agent: null, client: null, data: { message: 'Hello from your friend Pagey!', type: 'ping' } },
    });
  });

  it('automation has a null agent; references without derivable URLs are null, not guessed', () => {
    const d = buildWebhookDeliveries(message({ agent: null, incidents: [incident({ selfUrl: 'https://api.example/x', htmlUrl: 'https://ui.example/y' })] }));
    if (!Array.isArray(d)) throw new Error('expected deliveries');
    const { event } = JSON.parse(d[0]!.body);
    expect(event.agent).toBeNull();
    expect(event.data.service).toEqual({ id: 'PSVC001', type: 'service_reference', summary: 'Crisis chat', self: null, html_url: null });
  });

  it('a message that cannot be expressed is permanent', () => {
    expect(buildWebhookDeliveries(message({ incidents: [] }))).toMatchObject({ kind: 'permanent', reason: 'invalid_message' });
    expect(buildWebhookDeliveries(message({ eventType: 'incident.annotated' }))).toMatchObject({ kind: 'permanent', reason: 'invalid_message' });
  });
});

describe('signBody / verifySignature', () => {
  const raw = Buffer.from('{"event":{"id":"x"}}');
  const hex = (secret: string) => createHmac('sha256', secret).update(raw).digest('hex');

  it('signs each secret as v1=<lowercase hex>, joined by "," without spaces', () => {
    expect(signBody(raw, ['a', 'b'])).toBe(`v1=${hex('a')},v1=${hex('b')}`);
    expect(signBody(raw.toString('utf8'), ['a'])).toBe(`v1=${hex('a')}`);
    expect(signBody(raw, [])).toBe('');
  });

  it('accepts any matching v1 item against any secret (rotation)', () => {
    expect(verifySignature(raw, `v1=${hex('old')},v1=${hex('new')}`, ['new'])).toBe(true);
    expect(verifySignature(raw, `v0=zzz,v1=${hex('old')}`, ['other', 'old'])).toBe(true);
  });

  it('rejects tampering, wrong secrets, other versions, uppercase hex and empty headers', () => {
    expect(verifySignature(Buffer.from('{"event":{"id":"y"}}'), `v1=${hex('a')}`, ['a'])).toBe(false);
    expect(verifySignature(raw, `v1=${hex('a')}`, ['b'])).toBe(false);
    expect(verifySignature(raw, `v2=${hex('a')}`, ['a'])).toBe(false);
    expect(verifySignature(raw, `v1=${hex('a').toUpperCase()}`, ['a'])).toBe(false);
    expect(verifySignature(raw, `v1=${hex('a')}`, [])).toBe(false);
    expect(verifySignature(raw, '', ['a'])).toBe(false);
    expect(verifySignature(raw, undefined, ['a'])).toBe(false);
    expect(verifySignature(raw, 'v1=short', ['a'])).toBe(false);
  });
});
