import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSmsReply, SmsChannel, smsText, TwilioProvider, twilioSignature, verifyTwilioSignature, VoiceChannel, voiceText, type TwilioSettings } from '../../src/server/notify/channels/sms/twilio.js';
import { closedPort, incident, message, reply, startServer, type Handler, type TestServer } from './helpers.js';
import { localPolicy } from '../outbound-allow.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const SID = 'AC0123456789abcdef0123456789abcdef';
const TOKEN = 'auth-token-xyz';

/**
 * A local stand-in for api.twilio.com: checks Basic auth and the path, and answers like
 * Twilio (201 + resource with a sid; errors as {code, message, more_info, status}).
 */
function fakeTwilio(answer?: Handler): Handler {
  return (req, res, socket) => {
    const expected = 'Basic ' + Buffer.from(`${SID}:${TOKEN}`).toString('base64');
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 }));
      return;
    }
    if (answer) return answer(req, res, socket);
    const m = /^\/2010-04-01\/Accounts\/([^/]+)\/(Messages|Calls)\.json$/.exec(req.url);
    if (req.method !== 'POST' || !m || m[1] !== SID || req.headers['content-type'] !== 'application/x-www-form-urlencoded') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(201, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ sid: m[2] === 'Messages' ? 'SM0000000000000000000000000000abcd' : 'CA0000000000000000000000000000abcd', status: 'queued' }));
  };
}

const twilioError = (status: number, code: number, msg: string, headers: Record<string, string> = {}): Handler =>
  reply(status, JSON.stringify({ code, message: msg, more_info: `https://www.twilio.com/docs/errors/${code}`, status }), { 'Content-Type': 'application/json', ...headers });

async function provider(answer?: Handler, over: Partial<TwilioSettings> = {}): Promise<{ p: TwilioProvider; s: TestServer }> {
  const s = await startServer(fakeTwilio(answer));
  servers.push(s);
  const p = new TwilioProvider({ policy: localPolicy,  accountSid: SID, authToken: TOKEN, from: '+15005550006', baseUrl: s.url, statusCallbackUrl: 'https://vigil.example.org/hooks/twilio/status', timeoutMs: 300, ...over });
  return { p, s };
}

const form = (body: Buffer) => Object.fromEntries(new URLSearchParams(body.toString('utf8')));

describe('TwilioProvider against a local Twilio-shaped server', () => {
  it('sends an SMS as form fields with Basic auth and returns the message sid', async () => {
    const { p, s } = await provider();
    expect(await p.sendSms('+14155550100', 'hello')).toEqual({ kind: 'sent', providerId: 'SM0000000000000000000000000000abcd' });
    expect(s.received[0]!.url).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
    expect(form(s.received[0]!.body)).toEqual({ To: '+14155550100', From: '+15005550006', Body: 'hello', StatusCallback: 'https://vigil.example.org/hooks/twilio/status' });
  });

  it('places a call with TwiML, wrapping plain text in <Say>', async () => {
    const { p, s } = await provider();
    expect(await p.call('+14155550100', 'Disk full & on fire')).toEqual({ kind: 'sent', providerId: 'CA0000000000000000000000000000abcd' });
    expect(s.received[0]!.url).toBe(`/2010-04-01/Accounts/${SID}/Calls.json`);
    const f = form(s.received[0]!.body);
    expect(f.To).toBe('+14155550100');
    expect(f.Twiml).toContain('<Response><Say>Disk full &amp; on fire</Say>');
    await p.call('+14155550100', '<Response><Hangup/></Response>');
    expect(form(s.received[1]!.body).Twiml).toBe('<Response><Hangup/></Response>');
  });

  it('a wrong auth token: permanent (Twilio 20003)', async () => {
    const { p } = await provider(undefined, { authToken: 'nope' });
    expect(await p.sendSms('+14155550100', 'x')).toMatchObject({ kind: 'permanent', reason: 'twilio_20003', detail: 'Authenticate' });
  });

  it('400 with 21211 invalid number or 21610 unsubscribed: permanent', async () => {
    const invalid = await provider(twilioError(400, 21211, "The 'To' number +14155550100 is not a valid phone number."));
    expect(await invalid.p.sendSms('+14155550100', 'x')).toEqual({ kind: 'permanent', reason: 'twilio_21211', detail: "The 'To' number +14155550100 is not a valid phone number." });
    const stopped = await provider(twilioError(400, 21610, 'Attempt to send to unsubscribed recipient'));
    expect(await stopped.p.sendSms('+14155550100', 'x')).toMatchObject({ kind: 'permanent', reason: 'twilio_21610' });
  });

  it('429 (with Retry-After), 500, a send-rate 400 (14107) and a dropped connection: retryable', async () => {
    const limited = await provider(twilioError(429, 20429, 'Too Many Requests', { 'Retry-After': '2' }));
    expect(await limited.p.sendSms('+14155550100', 'x')).toMatchObject({ kind: 'retryable', reason: 'twilio_20429', retryAfterMs: 2000 });
    const broken = await provider(reply(500, 'Internal Server Error'));
    expect(await broken.p.sendSms('+14155550100', 'x')).toMatchObject({ kind: 'retryable', reason: 'http_500' });
    const rate = await provider(twilioError(400, 14107, 'SMS send rate limit exceeded'));
    expect(await rate.p.sendSms('+14155550100', 'x')).toMatchObject({ kind: 'retryable', reason: 'twilio_14107' });
    const dropped = await provider((_req, _res, socket) => socket.destroy());
    expect((await dropped.p.call('+14155550100', 'x')).kind).toBe('retryable');
  });

  it('Twilio down or silent: retryable', async () => {
    const port = await closedPort();
    const down = new TwilioProvider({ policy: localPolicy,  accountSid: SID, authToken: TOKEN, from: '+15005550006', baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 300 });
    expect(await down.sendSms('+14155550100', 'x')).toMatchObject({ kind: 'retryable', reason: 'connection_refused' });
    const silent = await provider(() => undefined, { timeoutMs: 150 });
    expect(await silent.p.sendSms('+14155550100', 'x')).toEqual({ kind: 'retryable', reason: 'timeout' });
  });

  it('a number that is not E.164 never reaches Twilio: permanent', async () => {
    const { p, s } = await provider();
    expect(await p.sendSms('0415 555 0100', 'x')).toMatchObject({ kind: 'permanent', reason: 'invalid_number' });
    expect(s.received).toHaveLength(0);
  });
});

describe('SmsChannel and VoiceChannel', () => {
  it('send the worded text through the provider', async () => {
    const { p, s } = await provider();
    expect((await new SmsChannel(p).send({ address: '+14155550100' }, message())).kind).toBe('sent');
    expect(form(s.received[0]!.body).Body).toBe('Vigil #42 CRITICAL Crisis chat: Chat queue not answering. Reply 42a to ack, 42r to resolve.');
    expect((await new VoiceChannel(p).send({ address: '+14155550100' }, message())).kind).toBe('sent');
    expect(form(s.received[1]!.body).Twiml).toContain('Incident 42, on Crisis chat: Chat queue not answering.');
  });

  it('a voice page with a keypress URL asks for a key in a <Gather> whose action carries the incidents’ tokens', async () => {
    const { p, s } = await provider();
    const voice = new VoiceChannel(p, { keypressUrl: 'https://vigil.example.org/v1/twilio/voice' });
    const one = message({ incidents: [incident({ keypressToken: 'tok-a', impactLine: 'about 40 people affected' })] });
    expect((await voice.send({ address: '+14155550100' }, one)).kind).toBe('sent');
    const twiml = form(s.received[0]!.body).Twiml!;
    expect(twiml).toContain('<Gather input="dtmf" numDigits="1" timeout="10" actionOnEmptyResult="true" method="POST" action="https://vigil.example.org/v1/twilio/voice?t=tok-a">');
    expect(voiceText(one, true)).toBe('This is Vigil, for Helpline. A critical incident. Incident 42, on Crisis chat: Chat queue not answering. About 40 people affected. Press 1 to acknowledge, 2 to escalate.'.replace('About', 'about'));
    // A bundle: one action for all of them; resolved incidents are left out.
    const two = message({ incidents: [incident({ keypressToken: 'tok-a' }), incident({ id: 'P2', number: 43, keypressToken: 'tok-b' }), incident({ id: 'P3', number: 44, status: 'resolved', keypressToken: 'tok-c' })] });
    await voice.send({ address: '+14155550100' }, two);
    const bundled = form(s.received[1]!.body).Twiml!;
    expect(bundled).toContain('action="https://vigil.example.org/v1/twilio/voice?t=tok-a.tok-b"');
    expect(bundled).toContain('Press 1 to acknowledge, 2 to escalate all of them.');
    // A verification call, or a page without tokens, only speaks.
    await voice.send({ address: '+14155550100' }, message({ kind: 'verification', code: '4829', incidents: [] }));
    expect(form(s.received[2]!.body).Twiml).not.toContain('<Gather');
    await voice.send({ address: '+14155550100' }, message());
    expect(form(s.received[3]!.body).Twiml).not.toContain('<Gather');
  });
});

describe('smsText', () => {
  it('a single page, with its impact line when it fits', () => {
    expect(smsText(message())).toBe('Vigil #42 CRITICAL Crisis chat: Chat queue not answering. Reply 42a to ack, 42r to resolve.');
    expect(smsText(message({ incidents: [incident({ impactLine: 'about 40 people affected' })] }))).toBe(
      'Vigil #42 CRITICAL Crisis chat: Chat queue not answering (about 40 people affected). Reply 42a to ack, 42r to resolve.',
    );
    expect(smsText(message({ incidents: [incident({ urgency: 'low' })] }))).toMatch(/^Vigil #42 TRIGGERED /);
  });

  it('stays within 160 characters by shortening the title, never the reply hint', () => {
    const t = smsText(message({ incidents: [incident({ title: 'x'.repeat(400), impactLine: 'about 40 people affected' })] }));
    expect(t.length).toBeLessThanOrEqual(160);
    expect(t.endsWith('Reply 42a to ack, 42r to resolve.')).toBe(true);
  });

  it('offers only what still applies', () => {
    expect(smsText(message({ eventType: 'incident.acknowledged', incidents: [incident({ status: 'acknowledged' })] }))).toBe('Vigil #42 ACKNOWLEDGED Crisis chat: Chat queue not answering. Reply 42r to resolve.');
    expect(smsText(message({ eventType: 'incident.resolved', incidents: [incident({ status: 'resolved' })] }))).toBe('Vigil #42 RESOLVED Crisis chat: Chat queue not answering.');
  });

  it('a bundle lists the incidents and fits in 160 characters', () => {
    const three = message({ incidents: [incident({ number: 42 }), incident({ id: 'P2', number: 43, title: 'Disk full' }), incident({ id: 'P3', number: 44, title: 'Phone line down' })] });
    expect(smsText(three)).toBe('Vigil: 3 incidents CRITICAL (Crisis chat): #42 Chat queue not answering; #43 Disk full; #44 Phone line down. Reply e.g. 42a to ack, 42r to resolve.');
    const many = message({ incidents: Array.from({ length: 12 }, (_, i) => incident({ id: `P${i}`, number: 100 + i, title: `Something quite long went wrong number ${i}` })) });
    const t = smsText(many);
    expect(t.length).toBeLessThanOrEqual(160);
    expect(t).toMatch(/^Vigil: 12 incidents CRITICAL \(Crisis chat\): #100 /);
    expect(t).toMatch(/\+\d+ more\. Reply e\.g\. 100a to ack, 100r to resolve\.$/);
  });

  it('verification and test messages', () => {
    expect(smsText(message({ kind: 'verification', code: '482913', incidents: [] }))).toBe('Your Vigil verification code is 482913 (Helpline).');
    expect(smsText(message({ kind: 'test', eventType: 'pagey.ping', incidents: [] }))).toBe('Vigil test message for Helpline: this number can receive alerts.');
    expect(voiceText(message({ kind: 'verification', code: '4829', incidents: [] }))).toBe('Your Vigil verification code is 4, 8, 2, 9.');
  });
});

describe('parseSmsReply', () => {
  it.each([
    ['42a', 42, 'ack'],
    ['42 a', 42, 'ack'],
    ['42A', 42, 'ack'],
    [' 42a. ', 42, 'ack'],
    ['#42a', 42, 'ack'],
    ['42 ack', 42, 'ack'],
    ['ack 42', 42, 'ack'],
    ['ACK #42', 42, 'ack'],
    ['a42', 42, 'ack'],
    ['42 acknowledge', 42, 'ack'],
    ['42r', 42, 'resolve'],
    ['42 R', 42, 'resolve'],
    ['resolve 42', 42, 'resolve'],
    ['res 7!', 7, 'resolve'],
  ] as const)('%j → #%i %s', (body, number, action) => {
    expect(parseSmsReply(body)).toEqual({ number, action });
  });

  it.each(['42', 'a', 'yes', 'STOP', '42x', '42 ackk', '0a', '42a 43a', 'ack', '', '42 constructor', 'toString 42'])('%j is not a reply', (body) => {
    expect(parseSmsReply(body)).toBeNull();
  });
});

describe('Twilio request signatures', () => {
  // The example in Twilio's "Webhooks security" documentation (and its SDKs' tests).
  const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
  const params = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' };
  const documented = 'RSOYDt4T1cUTdK1PDd93/VVr8B8=';

  it('matches Twilio’s documented example, in any parameter order', () => {
    expect(twilioSignature('12345', url, params)).toBe(documented);
    const reversed = Object.fromEntries(Object.entries(params).reverse());
    expect(twilioSignature('12345', url, reversed)).toBe(documented);
  });

  it('agrees with an independent computation', () => {
    const p = { Body: '42a', From: '+14155550100', To: '+15005550006', MessageSid: 'SM1' };
    const data = url + 'Body42a' + 'From+14155550100' + 'MessageSidSM1' + 'To+15005550006';
    expect(twilioSignature('tok', url, p)).toBe(createHmac('sha1', 'tok').update(data).digest('base64'));
  });

  it('verifies, also across an explicit default port, and rejects tampering', () => {
    expect(verifyTwilioSignature('12345', url, params, documented)).toBe(true);
    expect(verifyTwilioSignature('12345', 'https://mycompany.com:443/myapp.php?foo=1&bar=2', params, documented)).toBe(true);
    const signedWithPort = twilioSignature('12345', 'https://mycompany.com:443/myapp.php?foo=1&bar=2', params);
    expect(verifyTwilioSignature('12345', url, params, signedWithPort)).toBe(true);
    expect(verifyTwilioSignature('12345', url, { ...params, Digits: '9999' }, documented)).toBe(false);
    expect(verifyTwilioSignature('12345', 'https://mycompany.com/myapp.php?foo=1&bar=3', params, documented)).toBe(false);
    expect(verifyTwilioSignature('54321', url, params, documented)).toBe(false);
    expect(verifyTwilioSignature('12345', url, params, undefined)).toBe(false);
    expect(verifyTwilioSignature('12345', url, params, 'short')).toBe(false);
  });
});
