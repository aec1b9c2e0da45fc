/**
 * A local Plivo Message API (plivo.com/docs/messaging/api/messages, BRIEF §8):
 * `POST /v1/Account/{auth_id}/Message/` with HTTP Basic auth_id:auth_token, where the
 * path's auth id must be the authenticated one. It checks `src`, `dst` (E.164) and
 * `text` (and `url`/`method` for status callbacks), and answers 202 `{api_id, message,
 * message_uuid: [..]}` or `{api_id, error}`. `statusCallback` builds the message status
 * callback Plivo would POST to the message's `url`: form fields, signed V3
 * (plivo-node `lib/utils/v3Security.js`: HMAC-SHA256 over URL + "?" + sorted params + "." + nonce).
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { startServer, type TestServer } from './helpers.js';
import { basicOf, forcedAnswer, json, parseBody, type FakeCarrierControls, type Forced, type SignedCallback, type SmsAccepted } from './fake-sms-common.js';

export interface FakePlivo extends TestServer, FakeCarrierControls {
  authId: string;
  authToken: string;
  /** The status URL each message asked for, by message uuid. */
  callbackUrls: Map<string, string>;
  statusCallback(uuid: string, status: 'delivered' | 'undelivered' | 'failed' | 'sent', errorCode?: string, token?: string): SignedCallback;
}

const error = (msg: string) => ({ api_id: randomUUID(), error: msg });

export async function startFakePlivo(): Promise<FakePlivo> {
  const authId = 'MAODUZYTGXNDUXYWEXAM';
  const authToken = 'ZmYwNzNlNjA4ZWIzYjcwZTkxMzI4MTk5MWM5MjU0';
  const texts: SmsAccepted[] = [];
  const queue: Forced[] = [];
  const callbackUrls = new Map<string, string>();
  const server = await startServer((req, res) => {
    const m = /^\/v1\/Account\/([^/]+)\/Message\/$/.exec(req.url);
    if (req.method !== 'POST' || !m) return json(res, 404, error('not found'));
    const basic = basicOf(req.headers.authorization);
    if (!basic || basic[0] !== authId || basic[1] !== authToken || m[1] !== authId) return json(res, 401, error('Authentication failed'));
    if (forcedAnswer(queue, res, (s) => error(s === 429 ? 'too many requests' : 'forced by the test'))) return;
    const b = parseBody(req.body);
    if (!b) return json(res, 400, error('invalid json data'));
    if (typeof b.src !== 'string' || !b.src) return json(res, 400, error('src parameter is required'));
    if (typeof b.dst !== 'string' || !/^\+?[1-9]\d{6,14}$/.test(b.dst)) return json(res, 400, error('invalid dst parameter: destination number must be E.164'));
    if (typeof b.text !== 'string' || !b.text) return json(res, 400, error('text parameter is required'));
    if (b.type !== undefined && b.type !== 'sms' && b.type !== 'mms') return json(res, 400, error('type must be sms or mms'));
    if (b.url !== undefined && (typeof b.url !== 'string' || !/^https?:\/\/\S+$/.test(b.url))) return json(res, 400, error('url must be a valid http(s) URL'));
    if (b.method !== undefined && b.method !== 'GET' && b.method !== 'POST') return json(res, 400, error('method must be GET or POST'));
    const uuid = randomUUID();
    if (typeof b.url === 'string') callbackUrls.set(uuid, b.url);
    texts.push({ to: b.dst.startsWith('+') ? b.dst : `+${b.dst}`, from: b.src, text: b.text, carrierId: uuid });
    json(res, 202, { api_id: randomUUID(), message: 'message(s) queued', message_uuid: [uuid] });
  });
  function statusCallback(uuid: string, status: string, errorCode?: string, token = authToken): SignedCallback {
    const url = callbackUrls.get(uuid);
    const text = texts.find((t) => t.carrierId === uuid);
    if (!url || !text) throw new Error(`no status url for message ${uuid}`);
    const params: Record<string, string> = { MessageUUID: uuid, To: text.to.slice(1), From: text.from ?? '', Status: status, Units: '1', TotalAmount: '0.00500', TotalRate: '0.00500', MessageTime: '2026-03-02 09:05:00', Sequence: '2', ParentMessageUUID: uuid, PartInfo: '1 of 1', ...(errorCode ? { ErrorCode: errorCode } : {}) };
    const nonce = randomBytes(10).toString('hex');
    const signed = `${url.split('?')[0]}?${Object.keys(params).sort().map((k) => k + params[k]).join('')}.${nonce}`;
    const signature = createHmac('sha256', token).update(signed).digest('base64');
    return { url, body: new URLSearchParams(params).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-plivo-signature-v3': signature, 'x-plivo-signature-v3-nonce': nonce, 'x-plivo-signature-ma-v3': signature } };
  }
  return Object.assign(server, {
    authId,
    authToken,
    callbackUrls,
    statusCallback,
    texts,
    force: (...answers: Forced[]) => void queue.push(...answers),
  });
}
