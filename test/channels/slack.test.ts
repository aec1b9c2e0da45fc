import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { buildSlackPayload, parseSlackAction, SlackChannel, verifySlackRequest } from '../../src/server/notify/channels/slack/slack.js';
import { incident, message, reply, startServer, type TestServer } from './helpers.js';
import { localPolicy } from '../outbound-allow.js';

const servers: TestServer[] = [];
async function server(...args: Parameters<typeof startServer>): Promise<TestServer> {
  const s = await startServer(...args);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const channel = new SlackChannel({ policy: localPolicy,  timeoutMs: 300 });

type Block = { type: string; block_id?: string; text?: { text: string }; elements?: { action_id?: string; value?: string; url?: string; text?: { text: string } }[] };

describe('SlackChannel posting to an incoming webhook', () => {
  it('posts Block Kit with Acknowledge/Resolve buttons carrying the action token, a link button, and a text fallback', async () => {
    const s = await server(reply(200, 'ok'));
    const msg = message({ incidents: [incident({ chatActionToken: 'tok.abc', impactLine: 'About 40 people affected' })] });
    expect(await channel.send({ address: `${s.url}/services/T000/B000/XXXX` }, msg)).toEqual({ kind: 'sent' });
    const req = s.received[0]!;
    expect(req.url).toBe('/services/T000/B000/XXXX');
    expect(req.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = JSON.parse(req.body.toString()) as { text: string; blocks: Block[] };
    expect(body.text).toContain('<https://vigil.example.org/incidents/PINC042|#42 Chat queue not answering>');
    expect(body.text).toContain('About 40 people affected');
    expect(body.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: '#42 TRIGGERED: Chat queue not answering (Crisis chat)' } });
    const section = body.blocks.find((b) => b.type === 'section')!;
    expect(section.text!.text).toContain('About 40 people affected');
    const actions = body.blocks.find((b) => b.type === 'actions')!;
    expect(actions.elements!.map((e) => [e.action_id, e.text!.text, e.value, e.url])).toEqual([
      ['vigil_ack', 'Acknowledge', 'tok.abc', undefined],
      ['vigil_resolve', 'Resolve', 'tok.abc', undefined],
      ['vigil_open', 'Open #42', undefined, 'https://vigil.example.org/incidents/PINC042'],
    ]);
  });

  it('omits the action buttons without a token, and the ones that no longer apply', () => {
    const buttons = (inc: ReturnType<typeof incident>) =>
      buildSlackPayload(message({ incidents: [inc] }))
        .blocks.filter((b) => b.type === 'actions')
        .flatMap((b) => (b as Block).elements!.map((e) => e.action_id));
    expect(buttons(incident())).toEqual(['vigil_open']);
    expect(buttons(incident({ chatActionToken: 't', status: 'acknowledged' }))).toEqual(['vigil_resolve', 'vigil_open']);
    expect(buttons(incident({ chatActionToken: 't', status: 'resolved' }))).toEqual(['vigil_open']);
  });

  it('a bundle has one section and one uniquely identified actions block per incident', () => {
    const p = buildSlackPayload(message({ incidents: [incident({ id: 'PINC1', number: 1, chatActionToken: 't1' }), incident({ id: 'PINC2', number: 2, chatActionToken: 't2' })] }));
    expect((p.blocks[0] as Block).text!.text).toBe('2 incidents TRIGGERED (Crisis chat)');
    const actions = p.blocks.filter((b) => b.type === 'actions') as Block[];
    expect(actions.map((a) => a.block_id)).toEqual(['vigil_incident_PINC1', 'vigil_incident_PINC2']);
    expect(actions.map((a) => a.elements![0]!.value)).toEqual(['t1', 't2']);
    expect(p.text.split('\n')).toHaveLength(3);
  });

  it('escapes Slack mrkdwn control characters from titles', () => {
    const p = buildSlackPayload(message({ incidents: [incident({ title: 'a <!channel> & b' })] }));
    expect(p.text).not.toContain('<!channel>');
    expect(p.text).toContain('a &lt;!channel&gt; &amp; b');
  });

  it('404 no_service and 410 channel_is_archived: permanent, with Slack’s code as detail', async () => {
    const gone = await server(reply(404, 'no_service'));
    expect(await channel.send({ address: gone.url }, message())).toEqual({ kind: 'permanent', reason: 'http_404', detail: 'no_service' });
    const archived = await server(reply(410, 'channel_is_archived'));
    expect(await channel.send({ address: archived.url }, message())).toEqual({ kind: 'permanent', reason: 'http_410', detail: 'channel_is_archived' });
    const bad = await server(reply(400, 'invalid_payload'));
    expect(await channel.send({ address: bad.url }, message())).toMatchObject({ kind: 'permanent', detail: 'invalid_payload' });
  });

  it('429 with Retry-After, 500, timeouts and refused connections: retryable', async () => {
    const limited = await server(reply(429, 'rate_limited', { 'Retry-After': '30' }));
    expect(await channel.send({ address: limited.url }, message())).toMatchObject({ kind: 'retryable', reason: 'http_429', retryAfterMs: 30_000 });
    const broken = await server(reply(500, 'rollup_error'));
    expect(await channel.send({ address: broken.url }, message())).toMatchObject({ kind: 'retryable', reason: 'http_500' });
    const silent = await server(() => undefined);
    expect(await new SlackChannel({ policy: localPolicy,  timeoutMs: 150 }).send({ address: silent.url }, message())).toEqual({ kind: 'retryable', reason: 'timeout' });
  });

  it('a non-http address: permanent', async () => {
    expect(await channel.send({ address: '#oncall' }, message())).toMatchObject({ kind: 'permanent', reason: 'invalid_url' });
  });
});

describe('verifySlackRequest', () => {
  // The worked example in Slack's "Verifying requests from Slack" guide.
  const secret = '8f742231b10e8888abcd99yyyzzz85a5';
  const timestamp = '1531420618';
  const body =
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
  const documented = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
  const at = Number(timestamp) * 1000;

  it('accepts Slack’s documented example, whose value an independent HMAC also gives', () => {
    expect('v0=' + createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')).toBe(documented);
    expect(verifySlackRequest(body, { timestamp, signature: documented }, secret, at + 60_000)).toEqual({ ok: true });
    expect(verifySlackRequest(body, { timestamp, signature: documented }, secret, at - 60_000)).toEqual({ ok: true });
  });

  it('rejects a timestamp more than five minutes from now, even with a valid signature', () => {
    expect(verifySlackRequest(body, { timestamp, signature: documented }, secret, at + 5 * 60_000 + 1)).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(verifySlackRequest(body, { timestamp, signature: documented }, secret, at - 5 * 60_000 - 1)).toEqual({ ok: false, reason: 'stale_timestamp' });
  });

  it('rejects a changed body, a wrong secret, a malformed timestamp and missing headers', () => {
    expect(verifySlackRequest(body + 'x', { timestamp, signature: documented }, secret, at)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifySlackRequest(body, { timestamp, signature: documented }, 'other', at)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifySlackRequest(body, { timestamp, signature: documented.toUpperCase() }, secret, at)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifySlackRequest(body, { timestamp: '1531420618.5', signature: documented }, secret, at)).toEqual({ ok: false, reason: 'bad_timestamp' });
    expect(verifySlackRequest(body, { timestamp: undefined, signature: documented }, secret, at)).toEqual({ ok: false, reason: 'missing_headers' });
    expect(verifySlackRequest(body, { timestamp, signature: null }, secret, at)).toEqual({ ok: false, reason: 'missing_headers' });
  });
});

describe('parseSlackAction', () => {
  const form = (payload: unknown) => new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const press = (action_id: string, value?: string) => ({
    type: 'block_actions',
    user: { id: 'U123', username: 'ada', name: 'ada', team_id: 'T1' },
    response_url: 'https://hooks.slack.com/actions/T1/1/abc',
    actions: [{ action_id, block_id: 'vigil_incident_PINC042', type: 'button', ...(value ? { value } : {}), action_ts: '1531420618.1' }],
  });

  it('reads an Acknowledge or Resolve press', () => {
    expect(parseSlackAction(form(press('vigil_ack', 'tok.abc')))).toEqual({ actionId: 'vigil_ack', value: 'tok.abc', userName: 'ada', userId: 'U123', responseUrl: 'https://hooks.slack.com/actions/T1/1/abc' });
    expect(parseSlackAction(form(press('vigil_resolve', 'tok.abc')))?.actionId).toBe('vigil_resolve');
  });

  it('ignores the link button, other interactions and garbage', () => {
    expect(parseSlackAction(form(press('vigil_open')))).toBeNull();
    expect(parseSlackAction(form({ ...press('vigil_ack', 't'), type: 'view_submission' }))).toBeNull();
    expect(parseSlackAction(form(press('vigil_ack')))).toBeNull();
    expect(parseSlackAction('payload=%7Bnot json')).toBeNull();
    expect(parseSlackAction('token=abc')).toBeNull();
    expect(parseSlackAction('')).toBeNull();
  });
});
