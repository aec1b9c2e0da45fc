/**
 * A local android-sms-gateway server (capcom6/android-sms-gateway's documented REST API,
 * BRIEF §9), answering as the phone's local server does: `POST /message` or `/messages`
 * with HTTP Basic credentials. It checks `textMessage.text` (or the deprecated
 * `message`), `phoneNumbers` (1-100), `id` (≤36, unique: a second message with the same
 * id is a 409), `priority` (-128, 0, 100, 127) and `simNumber` (1-3), and answers 202
 * `{id, state: "Pending", recipients}` or `{code, message, data}`. `webhook` builds the
 * event the phone would POST to a registered webhook (`sms:delivered`, `sms:failed`,
 * `sms:received`), signed as the app's PayloadSigningPlugin does: X-Signature = hex
 * HMAC-SHA256(signing key, raw body + X-Timestamp).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { startServer, type TestServer } from './helpers.js';
import { basicOf, forcedAnswer, json, parseBody, type FakeCarrierControls, type Forced, type SignedCallback, type SmsAccepted } from './fake-sms-common.js';

export interface FakeSmsGateway extends TestServer, FakeCarrierControls {
  username: string;
  password: string;
  webhook(url: string, event: 'sms:delivered' | 'sms:failed', messageId: string, signingKey: string, atMs: number, reason?: string): SignedCallback;
  /** The `sms:received` event the phone posts when `from` texts it `message`, signed the same way. */
  reply(url: string, from: string, message: string, signingKey: string, atMs: number): SignedCallback;
}

const error = (code: number, message: string) => ({ code, message, data: null });

export async function startFakeSmsGateway(): Promise<FakeSmsGateway> {
  const username = 'sms';
  const password = 'gw-pass-7Hk2';
  const texts: SmsAccepted[] = [];
  const ids = new Set<string>();
  const queue: Forced[] = [];
  const server = await startServer((req, res) => {
    if (req.method !== 'POST' || (req.url !== '/message' && req.url !== '/messages')) return json(res, 404, error(404, 'not found'));
    const basic = basicOf(req.headers.authorization);
    if (!basic || basic[0] !== username || basic[1] !== password) return json(res, 401, error(401, 'Unauthorized'));
    if (forcedAnswer(queue, res, (s) => error(s, 'forced by the test'))) return;
    const b = parseBody(req.body);
    if (!b) return json(res, 400, error(400, 'invalid request body'));
    const text = (b.textMessage as { text?: unknown } | undefined)?.text ?? b.message;
    if (typeof text !== 'string' || !text) return json(res, 400, error(400, 'textMessage.text is required'));
    const phones = b.phoneNumbers;
    if (!Array.isArray(phones) || phones.length < 1 || phones.length > 100 || phones.some((p) => typeof p !== 'string' || !/^\+?[1-9]\d{6,14}$/.test(p))) return json(res, 400, error(400, 'invalid phone numbers'));
    if (b.id !== undefined && (typeof b.id !== 'string' || b.id.length > 36 || !b.id)) return json(res, 400, error(400, 'id must be at most 36 characters'));
    if (b.priority !== undefined && ![-128, 0, 100, 127].includes(b.priority as number)) return json(res, 400, error(400, 'invalid priority'));
    if (b.simNumber !== undefined && ![1, 2, 3].includes(b.simNumber as number)) return json(res, 400, error(400, 'invalid sim number'));
    const id = typeof b.id === 'string' ? b.id : randomUUID();
    if (ids.has(id)) return json(res, 409, error(409, `message with id ${id} already exists`));
    ids.add(id);
    for (const p of phones as string[]) texts.push({ to: p, text, ref: id, carrierId: id });
    json(res, 202, { id, state: 'Pending', isHashed: false, isEncrypted: false, recipients: (phones as string[]).map((phoneNumber) => ({ phoneNumber, state: 'Pending' })) });
  });
  function webhook(url: string, event: string, messageId: string, signingKey: string, atMs: number, reason?: string): SignedCallback {
    const text = texts.find((t) => t.carrierId === messageId);
    const at = new Date(atMs).toISOString();
    const payload = event === 'sms:delivered' ? { messageId, phoneNumber: text?.to ?? '', simNumber: 1, deliveredAt: at } : { messageId, phoneNumber: text?.to ?? '', simNumber: 1, failedAt: at, reason: reason ?? 'RESULT_ERROR_GENERIC_FAILURE' };
    const body = JSON.stringify({ deviceId: 'ffffffffceb0b1db0000018e937c815b', event, id: randomUUID(), payload, webhookId: 'LreFUt-Z3sSq0JufY9uWB' });
    const ts = String(Math.floor(atMs / 1000));
    return { url, body, headers: { 'content-type': 'application/json', 'x-timestamp': ts, 'x-signature': createHmac('sha256', signingKey).update(body + ts).digest('hex') } };
  }
  function reply(url: string, from: string, message: string, signingKey: string, atMs: number): SignedCallback {
    const payload = { messageId: randomUUID().slice(0, 20), message, phoneNumber: from, simNumber: 1, receivedAt: new Date(atMs).toISOString() };
    const body = JSON.stringify({ deviceId: 'ffffffffceb0b1db0000018e937c815b', event: 'sms:received', id: randomUUID(), payload, webhookId: 'LreFUt-Z3sSq0JufY9uWB' });
    const ts = String(Math.floor(atMs / 1000));
    return { url, body, headers: { 'content-type': 'application/json', 'x-timestamp': ts, 'x-signature': createHmac('sha256', signingKey).update(body + ts).digest('hex') } };
  }
  return Object.assign(server, {
    webhook,
    reply,
    username,
    password,
    texts,
    force: (...answers: Forced[]) => void queue.push(...answers),
  });
}
