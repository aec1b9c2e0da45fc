/**
 * A local Vonage Messages API (developer.vonage.com, BRIEF §7): `POST /v1/messages`.
 * It checks what Vonage checks: the Authorization header (a JWT signed RS256 by the
 * application's private key, verified here with the public key, with a matching
 * `application_id` and an unexpired `exp`; or Basic api_key:api_secret), the SMS fields
 * (`message_type` text, `channel` sms, `to` digits without `+`, `from`, `text`,
 * `client_ref` ≤100, `webhook_url`, `webhook_version`), and answers 202 `{message_uuid}` or
 * an RFC 7807 problem. `statusCallback` builds the message status webhook Vonage would POST
 * to the message's `webhook_url`: JSON, signed with a JWT (HS256, the account's signature
 * secret) whose `payload_hash` is the SHA-256 of the body (developer.vonage.com signed webhooks).
 */
import { createHash, createHmac, generateKeyPairSync, randomUUID, verify } from 'node:crypto';
import { startServer, type TestServer } from './helpers.js';
import { basicOf, forcedAnswer, json, parseBody, type FakeCarrierControls, type Forced, type SignedCallback, type SmsAccepted } from './fake-sms-common.js';

export interface FakeVonage extends TestServer, FakeCarrierControls {
  applicationId: string;
  privateKey: string;
  apiKey: string;
  apiSecret: string;
  callbackUrls: Map<string, string>;
  statusCallback(uuid: string, status: 'submitted' | 'delivered' | 'rejected' | 'undeliverable', secret: string, iatMs: number, tamper?: (body: string) => string): SignedCallback;
}

const problem = (status: number, title: string, detail: string, extra: Record<string, unknown> = {}) => ({ type: `https://developer.vonage.com/api-errors#${title.toLowerCase().replace(/ /g, '-')}`, title, detail, instance: randomUUID(), ...extra });

const ERRORS: Record<number, unknown> = {
  401: problem(401, 'Unauthorized', 'You did not provide correct credentials.'),
  403: problem(403, 'Forbidden', 'Your account does not have enough credit.'),
  429: problem(429, 'Rate Limit Hit', 'Please wait, then retry your request'),
  500: problem(500, 'Internal Error', 'Something went wrong.'),
};

export async function startFakeVonage(): Promise<FakeVonage> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const applicationId = randomUUID();
  const apiKey = 'abcd1234';
  const apiSecret = 'Secret-0123456789';
  const texts: SmsAccepted[] = [];
  const queue: Forced[] = [];
  const callbackUrls = new Map<string, string>();
  const send = (res: import('node:http').ServerResponse, status: number, body: unknown) => json(res, status, body, 'application/problem+json');

  function authorized(header: string | undefined): boolean {
    const basic = basicOf(header);
    if (basic) return basic[0] === apiKey && basic[1] === apiSecret;
    const m = /^Bearer ([\w-]+)\.([\w-]+)\.([\w-]+)$/.exec(header ?? '');
    if (!m) return false;
    const head = JSON.parse(Buffer.from(m[1]!, 'base64url').toString()) as { alg?: string };
    const claims = JSON.parse(Buffer.from(m[2]!, 'base64url').toString()) as { application_id?: string; exp?: number; iat?: number; jti?: string };
    if (head.alg !== 'RS256') return false;
    if (!verify('RSA-SHA256', Buffer.from(`${m[1]}.${m[2]}`), publicKey, Buffer.from(m[3]!, 'base64url'))) return false;
    return claims.application_id === applicationId && typeof claims.jti === 'string' && typeof claims.iat === 'number' && (claims.exp === undefined || claims.exp > claims.iat);
  }

  const server = await startServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/v1/messages') return send(res, 404, problem(404, 'Not Found', 'no such resource'));
    if (!authorized(req.headers.authorization)) return send(res, 401, ERRORS[401]);
    if (forcedAnswer(queue, res, (s) => ERRORS[s] ?? problem(s, 'Error', 'forced by the test'))) return;
    const m = parseBody(req.body);
    if (!m) return send(res, 400, problem(400, 'Bad Request', 'The request body did not contain valid JSON'));
    const invalid: { name: string; reason: string }[] = [];
    if (m.message_type !== 'text') invalid.push({ name: 'message_type', reason: 'must be text for SMS' });
    if (m.channel !== 'sms') invalid.push({ name: 'channel', reason: 'must be one of sms, mms, whatsapp, messenger, viber_service' });
    if (typeof m.to !== 'string' || !/^[1-9]\d{6,14}$/.test(m.to)) invalid.push({ name: 'to', reason: 'Invalid number format: E.164 without a leading + or 00' });
    if (typeof m.from !== 'string' || !m.from) invalid.push({ name: 'from', reason: 'is required' });
    if (typeof m.text !== 'string' || !m.text) invalid.push({ name: 'text', reason: 'is required' });
    if (m.client_ref !== undefined && (typeof m.client_ref !== 'string' || m.client_ref.length > 100)) invalid.push({ name: 'client_ref', reason: 'must be at most 100 characters' });
    if (m.webhook_url !== undefined && (typeof m.webhook_url !== 'string' || !/^https?:\/\/\S+$/.test(m.webhook_url))) invalid.push({ name: 'webhook_url', reason: 'must be a valid URL' });
    if (m.webhook_version !== undefined && m.webhook_version !== 'v0.1' && m.webhook_version !== 'v1') invalid.push({ name: 'webhook_version', reason: 'must be v0.1 or v1' });
    if (invalid.length) return send(res, 422, problem(422, 'Invalid params', 'The value of one or more parameters is invalid.', { invalid_parameters: invalid }));
    const uuid = randomUUID();
    if (typeof m.webhook_url === 'string') callbackUrls.set(uuid, m.webhook_url);
    texts.push({ to: `+${m.to as string}`, from: m.from as string, text: m.text as string, ...(typeof m.client_ref === 'string' ? { ref: m.client_ref } : {}), carrierId: uuid });
    json(res, 202, { message_uuid: uuid });
  });
  function statusCallback(uuid: string, status: string, secret: string, iatMs: number, tamper: (body: string) => string = (b) => b): SignedCallback {
    const url = callbackUrls.get(uuid);
    const text = texts.find((t) => t.carrierId === uuid);
    if (!url || !text) throw new Error(`no webhook_url for message ${uuid}`);
    const failed = status === 'rejected' || status === 'undeliverable';
    const body = JSON.stringify({ message_uuid: uuid, to: text.to.slice(1), from: text.from, timestamp: new Date(iatMs).toISOString(), status, channel: 'sms', ...(text.ref ? { client_ref: text.ref } : {}), usage: { currency: 'EUR', price: '0.0333' }, ...(failed ? { error: { type: 'https://developer.nexmo.com/api-errors/messages#1320', title: '1320', detail: 'Message failed because the number is unreachable' } } : {}) });
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const head = enc({ alg: 'HS256', typ: 'JWT' });
    const claims = enc({ iat: Math.floor(iatMs / 1000), jti: randomUUID(), iss: 'Vonage', api_key: apiKey, application_id: applicationId, payload_hash: createHash('sha256').update(body).digest('hex') });
    const sig = createHmac('sha256', secret).update(`${head}.${claims}`).digest('base64url');
    return { url, body: tamper(body), headers: { 'content-type': 'application/json', authorization: `Bearer ${head}.${claims}.${sig}` } };
  }
  return Object.assign(server, {
    callbackUrls,
    statusCallback,
    applicationId,
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    apiKey,
    apiSecret,
    texts,
    force: (...answers: Forced[]) => void queue.push(...answers),
  });
}
