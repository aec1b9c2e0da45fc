/**
 * A local stand-in for Twilio's Programmable Voice (and Messages.json, for texts), enough to page by phone end to end:
 * `POST /2010-04-01/Accounts/{AccountSid}/Calls.json` (form fields, Basic AccountSid:AuthToken)
 * answers 201 with a Call resource (`sid` CA…), then "places" the call as Twilio would:
 *
 * - when the test rings it, the callee (scripted per number: busy, no answer, failed, or answered pressing a key or
 *   nothing) decides what happens;
 * - when answered, the TwiML given in `Twiml` is read: a `<Gather>` with `numDigits="1"` and
 *   an `action` gets the key posted to that action as form fields (`Digits`, `CallSid`,
 *   `From`, `To`, `AccountSid`, `CallStatus`), signed as Twilio signs (X-Twilio-Signature:
 *   base64 HMAC-SHA1 with the auth token over the URL followed by the sorted parameters,
 *   each name then value), and Vigil's TwiML answer is kept;
 * - then the call's final status is posted, signed the same way, to the `StatusCallback`
 *   given when the call was created (`CallSid`, `CallStatus`, `CallDuration`, …).
 *
 * The signature is computed here with node:crypto, independently of Vigil's own code.
 * Requests to Vigil go through `deliver` (the test hands them to the app in process).
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Callee = { answer: 'busy' | 'no-answer' | 'failed' } | { answer: 'pick-up'; press: string };
export type Deliver = (url: string, headers: Record<string, string>, body: string) => Promise<{ status: number; body: string }>;

export interface PlacedCall {
  sid: string;
  to: string;
  from: string;
  twiml: string;
  statusCallback: string | null;
  /** The <Gather> found in the TwiML, if any. */
  gather: { action: string; numDigits: string | null; method: string | null } | null;
  /** What Vigil answered to the keypress (status and TwiML). */
  keypressReply: { status: number; body: string } | null;
  statusReply: { status: number; body: string } | null;
  rung: boolean;
}

export interface FakeTwilioVoice {
  url: string;
  calls: PlacedCall[];
  /** Texts sent through Messages.json. */
  messages: { sid: string; to: string; body: string }[];
  /** How the next calls to `to` go (default: picks up and presses nothing). */
  callee(to: string, how: Callee): void;
  /**
   * Rings every call placed and not yet rung, one after the other, each as its callee says;
   * resolves when each is over (keypress and status callback answered). At Twilio a call
   * rings seconds after the API answered; here when the test says so.
   */
  ringAll(): Promise<void>;
  sign(url: string, params: Record<string, string>, token?: string): string;
  close(): Promise<void>;
}

const attr = (tag: string, name: string): string | null => {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return m ? m[1]!.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&apos;/g, "'").replace(/&amp;/g, '&') : null;
};

export async function startFakeTwilioVoice(accountSid: string, authToken: string, deliver: Deliver): Promise<FakeTwilioVoice> {
  const calls: PlacedCall[] = [];
  const messages: FakeTwilioVoice['messages'] = [];
  const callees = new Map<string, Callee>();
  const expectedAuth = 'Basic ' + Buffer.from(`${accountSid}:${authToken}`).toString('base64');
  let n = 0;
  const sign = (url: string, params: Record<string, string>, token = authToken) =>
    createHmac('sha1', token)
      .update(Object.keys(params).sort().reduce((acc, k) => acc + k + params[k], url), 'utf8')
      .digest('base64');
  const post = (url: string, params: Record<string, string>) =>
    deliver(url, { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sign(url, params) }, new URLSearchParams(params).toString());

  async function place(call: PlacedCall, how: Callee): Promise<void> {
    const base = { AccountSid: accountSid, CallSid: call.sid, From: call.from, To: call.to, Direction: 'outbound-api', ApiVersion: '2010-04-01' };
    let status: string = how.answer;
    if (how.answer === 'pick-up') {
      status = 'completed';
      if (call.gather && (call.gather.method ?? 'POST') === 'POST') {
        const digits = call.gather.numDigits ? how.press.slice(0, Number(call.gather.numDigits)) : how.press;
        call.keypressReply = await post(call.gather.action, { ...base, CallStatus: 'in-progress', Digits: digits, FinishedOnKey: '' });
      }
    }
    if (call.statusCallback) call.statusReply = await post(call.statusCallback, { ...base, CallStatus: status, CallDuration: status === 'completed' ? '31' : '0', Timestamp: new Date().toUTCString(), SequenceNumber: '0' });
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      res.setHeader('content-type', 'application/json');
      if (req.headers.authorization !== expectedAuth) {
        res.writeHead(401);
        return res.end(JSON.stringify({ code: 20003, message: 'Authenticate', status: 401 }));
      }
      if (req.method === 'POST' && req.url === `/2010-04-01/Accounts/${accountSid}/Messages.json` && form.get('To') && form.get('Body')) {
        // Texts are accepted (a fallback or the next level may be paged by SMS) and kept.
        const sid = `SM${(++n).toString(16).padStart(32, '0')}`;
        messages.push({ sid, to: form.get('To')!, body: form.get('Body')! });
        res.writeHead(201);
        return res.end(JSON.stringify({ sid, status: 'queued', to: form.get('To'), from: form.get('From'), body: form.get('Body'), account_sid: accountSid }));
      }
      if (req.method !== 'POST' || req.url !== `/2010-04-01/Accounts/${accountSid}/Calls.json`) {
        res.writeHead(404);
        return res.end(JSON.stringify({ code: 20404, message: 'The requested resource was not found', status: 404 }));
      }
      const to = form.get('To');
      const from = form.get('From');
      const twiml = form.get('Twiml');
      if (!to || !from) {
        res.writeHead(400);
        return res.end(JSON.stringify({ code: 21201, message: 'No called number is specified', status: 400 }));
      }
      if (!twiml && !form.get('Url')) {
        res.writeHead(400);
        return res.end(JSON.stringify({ code: 21205, message: 'Url or Twiml is required', status: 400 }));
      }
      const gatherTag = /<Gather\b[^>]*>/.exec(twiml ?? '')?.[0];
      const action = gatherTag ? attr(gatherTag, 'action') : null;
      const sid = `CA${(++n).toString(16).padStart(32, '0')}`;
      const call: PlacedCall = {
        sid,
        to,
        from,
        twiml: twiml ?? '',
        statusCallback: form.get('StatusCallback'),
        gather: gatherTag && action ? { action, numDigits: attr(gatherTag, 'numDigits'), method: attr(gatherTag, 'method') } : null,
        keypressReply: null,
        statusReply: null,
        rung: false,
      };
      calls.push(call);
      res.writeHead(201);
      res.end(JSON.stringify({ sid, status: 'queued', to, from, account_sid: accountSid, direction: 'outbound-api', api_version: '2010-04-01' }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    messages,
    callee: (to, how) => void callees.set(to, how),
    async ringAll() {
      for (const call of calls) {
        if (call.rung) continue;
        call.rung = true;
        await place(call, callees.get(call.to) ?? { answer: 'pick-up', press: '' });
      }
    },
    sign,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}
