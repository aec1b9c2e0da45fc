/**
 * What every SMS carrier adapter shares (Twilio, Vonage, Plivo, android-sms-gateway): the
 * sending contract, the E.164 rule, and the mapping of a carrier's HTTP answer to the
 * outbox's outcome kinds, with the few reason codes the failover in sms-route.service.ts
 * reads:
 *
 *   provider_auth    401/403: the credentials are wrong or the account cannot send (Vonage
 *                    answers 403 when out of credit). Permanent for this provider, so the
 *                    next provider is tried; nothing is retried against this one.
 *   rate_limited     429 (Retry-After honoured): retryable.
 *   invalid_number   the number itself was refused (checked here before any request, or
 *                    the carrier named the recipient field): permanent, and the same at
 *                    every carrier, so failover stops.
 *   http_5xx/timeout the carrier's fault: retryable.
 */
import { createHash } from 'node:crypto';
import { permanent, retryable, type DeliveryResult } from '../../channel.js';
import { classifyStatus, withDetail, type HttpReply } from '../http.js';

/**
 * Carries one text. Never throws for a delivery problem. `ref` names the logical message
 * (the outbox's idempotency key): carriers that accept a client reference or a message id
 * get it, so a resend after a crash is recognisable (android-sms-gateway refuses a second
 * message with the same id: 409, which counts as sent).
 */
export interface SmsSender {
  sendSms(to: string, body: string, signal?: AbortSignal, ref?: string): Promise<DeliveryResult>;
}

export const E164 = /^\+[1-9]\d{1,14}$/;

export const invalidNumber = (detail = 'not an E.164 number'): DeliveryResult => withDetail(permanent('invalid_number'), detail);

/** A reference of at most `max` characters ([0-9a-f-] only) that stands for `ref`, stable across processes. */
export function shortRef(ref: string, max: number): string {
  if (ref.length <= max && /^[A-Za-z0-9_-]+$/.test(ref)) return ref;
  return 'v-' + createHash('sha256').update(ref, 'utf8').digest('hex').slice(0, max - 2);
}

export function parseJson(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export const basicAuth = (user: string, password: string): string => 'Basic ' + Buffer.from(`${user}:${password}`, 'utf8').toString('base64');

/**
 * The outcome of a carrier's non-2xx answer. `recipientRefused` says whether the carrier's
 * error body names the recipient (its own field name for it), which makes a 4xx an
 * invalid number rather than a request Vigil got wrong.
 */
export function classifyCarrierError(reply: HttpReply, nowMs: number, detail: string, recipientRefused: boolean): DeliveryResult {
  const generic = classifyStatus(reply, nowMs);
  if (generic.kind === 'sent') return generic;
  if (reply.status === 401 || reply.status === 403) return withDetail(permanent('provider_auth'), detail || `HTTP ${reply.status}`);
  if (reply.status === 429) return withDetail(retryable('rate_limited', generic.kind === 'retryable' ? generic.retryAfterMs : undefined), detail);
  if (generic.kind === 'permanent' && recipientRefused) return withDetail(permanent('invalid_number'), detail);
  return withDetail(generic, detail);
}
