/**
 * Vonage Messages API (BRIEF §7): `POST {base}/v1/messages` with an SMS body
 * (`message_type: text`, `channel: sms`, `to`, `from`, `text`, `client_ref`) and either
 * `Authorization: Bearer <JWT>` (RS256, signed with the Vonage application's private key:
 * claims `application_id`, `iat`, `exp`, `jti`) or `Basic api_key:api_secret`. Numbers go
 * without the leading `+`, as Vonage asks. Success is 202 `{message_uuid}`; errors are
 * RFC 7807 problem documents `{type, title, detail, invalid_parameters?}`.
 */
import { createPrivateKey, randomUUID, sign } from 'node:crypto';
import { permanent, type DeliveryResult } from '../../channel.js';
import { postHttp, withDetail, type HttpOptions } from '../http.js';
import { basicAuth, classifyCarrierError, E164, invalidNumber, parseJson, shortRef, type SmsSender } from './provider.js';

export type VonageAuth = { applicationId: string; privateKey: string } | { apiKey: string; apiSecret: string };

export interface VonageSettings extends HttpOptions {
  auth: VonageAuth;
  /** A number (E.164, with or without +) or an alphanumeric sender id. */
  from: string;
  /** Defaults to https://api.nexmo.com. */
  baseUrl?: string;
  /** Where Vonage sends this message's status (`webhook_url`, `webhook_version` v1): the provider's webhook. */
  statusUrl?: string;
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/** A Vonage application JWT (RS256), valid 15 minutes from `nowMs`. */
export function vonageJwt(applicationId: string, privateKeyPem: string, nowMs: number): string {
  const iat = Math.floor(nowMs / 1000);
  const head = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const claims = b64url(JSON.stringify({ application_id: applicationId, iat, exp: iat + 900, jti: randomUUID() }));
  const signature = sign('RSA-SHA256', Buffer.from(`${head}.${claims}`), createPrivateKey(privateKeyPem));
  return `${head}.${claims}.${b64url(signature)}`;
}

export class VonageProvider implements SmsSender {
  readonly #s: VonageSettings;
  constructor(settings: VonageSettings) {
    this.#s = settings;
  }

  async sendSms(to: string, body: string, signal?: AbortSignal, ref?: string): Promise<DeliveryResult> {
    if (!E164.test(to)) return invalidNumber();
    const now = (this.#s.now ?? Date.now)();
    let authorization: string;
    try {
      const a = this.#s.auth;
      authorization = 'applicationId' in a ? `Bearer ${vonageJwt(a.applicationId, a.privateKey, now)}` : basicAuth(a.apiKey, a.apiSecret);
    } catch (err) {
      return withDetail(permanent('invalid_config'), `Vonage private key: ${err instanceof Error ? err.message : String(err)}`);
    }
    let url: URL;
    try {
      url = new URL(`${(this.#s.baseUrl ?? 'https://api.nexmo.com').replace(/\/+$/, '')}/v1/messages`);
    } catch {
      return withDetail(permanent('invalid_config'), 'Vonage base URL is not a URL');
    }
    const payload = {
      message_type: 'text',
      channel: 'sms',
      to: to.slice(1),
      from: this.#s.from.replace(/^\+/, ''),
      text: body,
      ...(ref ? { client_ref: shortRef(ref, 100) } : {}),
      ...(this.#s.statusUrl ? { webhook_url: this.#s.statusUrl, webhook_version: 'v1' } : {}),
    };
    const headers = new Headers({ 'Content-Type': 'application/json', Accept: 'application/json', Authorization: authorization });
    const attempt = await postHttp(url, headers, JSON.stringify(payload), { timeoutMs: 10_000, ...this.#s }, signal);
    if ('failure' in attempt) return attempt.failure;
    const { reply } = attempt;
    const json = parseJson(reply.body);
    if (reply.status >= 200 && reply.status < 300) return typeof json?.message_uuid === 'string' ? { kind: 'sent', providerId: json.message_uuid } : { kind: 'sent' };
    const params = Array.isArray(json?.invalid_parameters) ? (json.invalid_parameters as { name?: unknown; reason?: unknown }[]) : [];
    const detail = [json?.title, json?.detail, ...params.map((p) => `${String(p.name)}: ${String(p.reason)}`)].filter((x) => typeof x === 'string' && x).join('; ') || reply.body.trim();
    return classifyCarrierError(reply, now, detail, params.some((p) => p.name === 'to'));
  }
}
