/**
 * android-sms-gateway ("SMS Gate", BRIEF §9): an Android phone with a SIM sends the text.
 * `POST {base}/messages` (the local server on the phone, e.g. http://192.168.1.20:8080,
 * routes /messages as well as /message; the cloud and private servers,
 * https://api.sms-gate.app/3rdparty/v1, only /messages) with HTTP Basic credentials shown
 * in the app, JSON `{id, textMessage: {text}, phoneNumbers: [to], priority: 100}`.
 * Priority 100 bypasses the app's own limits and delays, as pages should. `id` is ours
 * (at most 36 characters, derived from the outbox's idempotency key), so a resend after a
 * crash is refused with 409 instead of texting twice: that 409 counts as sent. Success
 * is 202 `{id, state, recipients}`; errors are `{code, message, data}`.
 */
import { permanent, type DeliveryResult } from '../../channel.js';
import { postHttp, withDetail, type HttpOptions } from '../http.js';
import { basicAuth, classifyCarrierError, E164, invalidNumber, parseJson, shortRef, type SmsSender } from './provider.js';

export interface AndroidGatewaySettings extends HttpOptions {
  username: string;
  password: string;
  /** The gateway's API root: the phone's local server or the cloud/private server. */
  baseUrl: string;
  /** Which SIM to send from (1-3); the app's default when absent. */
  simNumber?: number;
}

export class AndroidGatewayProvider implements SmsSender {
  readonly #s: AndroidGatewaySettings;
  constructor(settings: AndroidGatewaySettings) {
    this.#s = settings;
  }

  async sendSms(to: string, body: string, signal?: AbortSignal, ref?: string): Promise<DeliveryResult> {
    if (!E164.test(to)) return invalidNumber();
    let url: URL;
    try {
      url = new URL(`${this.#s.baseUrl.replace(/\/+$/, '')}/messages`);
    } catch {
      return withDetail(permanent('invalid_config'), 'gateway base URL is not a URL');
    }
    const payload = {
      ...(ref ? { id: shortRef(ref, 36) } : {}),
      textMessage: { text: body },
      phoneNumbers: [to],
      priority: 100,
      ...(this.#s.simNumber ? { simNumber: this.#s.simNumber } : {}),
    };
    const headers = new Headers({ 'Content-Type': 'application/json', Accept: 'application/json', Authorization: basicAuth(this.#s.username, this.#s.password) });
    const attempt = await postHttp(url, headers, JSON.stringify(payload), { timeoutMs: 10_000, ...this.#s }, signal);
    if ('failure' in attempt) return attempt.failure;
    const { reply } = attempt;
    const json = parseJson(reply.body);
    if (reply.status >= 200 && reply.status < 300) return typeof json?.id === 'string' ? { kind: 'sent', providerId: json.id } : { kind: 'sent' };
    // Our own id already taken: the phone has this message from an attempt whose answer was lost.
    if (reply.status === 409 && payload.id) return { kind: 'sent', providerId: payload.id };
    const detail = typeof json?.message === 'string' ? json.message : reply.body.trim();
    return classifyCarrierError(reply, (this.#s.now ?? Date.now)(), detail, /phone/i.test(detail));
  }
}
