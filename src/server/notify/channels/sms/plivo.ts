/**
 * Plivo (BRIEF §8): `POST {base}/v1/Account/{auth_id}/Message/` with HTTP Basic
 * `auth_id:auth_token` and JSON `{src, dst, text, type: "sms"}` (plus `url`/`method` for
 * status callbacks when set). Success is 202 `{api_id, message, message_uuid: [...]}`;
 * errors are `{api_id, error}` (the shape is not documented in detail: only the status
 * and whether the error names the destination are read).
 */
import { permanent, type DeliveryResult } from '../../channel.js';
import { postHttp, withDetail, type HttpOptions } from '../http.js';
import { basicAuth, classifyCarrierError, E164, invalidNumber, parseJson, type SmsSender } from './provider.js';

export interface PlivoSettings extends HttpOptions {
  authId: string;
  authToken: string;
  /** The Plivo number (E.164) or sender id to send from. */
  from: string;
  /** Defaults to https://api.plivo.com. */
  baseUrl?: string;
  statusCallbackUrl?: string;
}

export class PlivoProvider implements SmsSender {
  readonly #s: PlivoSettings;
  constructor(settings: PlivoSettings) {
    this.#s = settings;
  }

  async sendSms(to: string, body: string, signal?: AbortSignal): Promise<DeliveryResult> {
    if (!E164.test(to)) return invalidNumber();
    let url: URL;
    try {
      url = new URL(`${(this.#s.baseUrl ?? 'https://api.plivo.com').replace(/\/+$/, '')}/v1/Account/${encodeURIComponent(this.#s.authId)}/Message/`);
    } catch {
      return withDetail(permanent('invalid_config'), 'Plivo base URL is not a URL');
    }
    const payload = { src: this.#s.from, dst: to, text: body, type: 'sms', ...(this.#s.statusCallbackUrl ? { url: this.#s.statusCallbackUrl, method: 'POST' } : {}) };
    const headers = new Headers({ 'Content-Type': 'application/json', Accept: 'application/json', Authorization: basicAuth(this.#s.authId, this.#s.authToken) });
    const attempt = await postHttp(url, headers, JSON.stringify(payload), { timeoutMs: 10_000, ...this.#s }, signal);
    if ('failure' in attempt) return attempt.failure;
    const { reply } = attempt;
    const json = parseJson(reply.body);
    if (reply.status >= 200 && reply.status < 300) {
      const uuids = Array.isArray(json?.message_uuid) ? json.message_uuid : [];
      return typeof uuids[0] === 'string' ? { kind: 'sent', providerId: uuids[0] } : { kind: 'sent' };
    }
    const detail = typeof json?.error === 'string' ? json.error : reply.body.trim();
    return classifyCarrierError(reply, (this.#s.now ?? Date.now)(), detail, /\bdst\b|destination/i.test(detail));
  }
}
