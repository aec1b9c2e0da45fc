/**
 * A local Plivo Message API (plivo.com/docs/messaging/api/messages, BRIEF §8):
 * `POST /v1/Account/{auth_id}/Message/` with HTTP Basic auth_id:auth_token, where the
 * path's auth id must be the authenticated one. It checks `src`, `dst` (E.164) and
 * `text`, and answers 202 `{api_id, message, message_uuid: [..]}` or `{api_id, error}`.
 */
import { randomUUID } from 'node:crypto';
import { startServer, type TestServer } from './helpers.js';
import { basicOf, forcedAnswer, json, parseBody, type FakeCarrierControls, type Forced, type SmsAccepted } from './fake-sms-common.js';

export interface FakePlivo extends TestServer, FakeCarrierControls {
  authId: string;
  authToken: string;
}

const error = (msg: string) => ({ api_id: randomUUID(), error: msg });

export async function startFakePlivo(): Promise<FakePlivo> {
  const authId = 'MAODUZYTGXNDUXYWEXAM';
  const authToken = 'ZmYwNzNlNjA4ZWIzYjcwZTkxMzI4MTk5MWM5MjU0';
  const texts: SmsAccepted[] = [];
  const queue: Forced[] = [];
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
    const uuid = randomUUID();
    texts.push({ to: b.dst.startsWith('+') ? b.dst : `+${b.dst}`, from: b.src, text: b.text, carrierId: uuid });
    json(res, 202, { api_id: randomUUID(), message: 'message(s) queued', message_uuid: [uuid] });
  });
  return Object.assign(server, {
    authId,
    authToken,
    texts,
    force: (...answers: Forced[]) => void queue.push(...answers),
  });
}
