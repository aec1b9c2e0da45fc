/**
 * Voice pages through the organization's own providers. Of an organization's SMS providers
 * (sms_providers, in failover order), the Twilio-compatible ones can also place calls: a
 * page by phone goes through the first of them, with the same keypress prompt as the
 * instance-wide configuration (TwiML `<Gather>`: 1 acknowledges, 2 escalates). Twilio posts
 * the key to `<public URL>/v1/sms_providers/<id>/voice?t=<tokens>` and the call's status to
 * `.../voice/status`, signed with that provider's auth token (routes/sms-providers.ts).
 *
 * A provider that fails for a provider reason (5xx, timeout, auth) hands the call to the
 * next voice-capable provider, and the timeline says why, as for SMS; a refused number
 * stops. Unlike SMS, calls keep no per-try history: a process killed mid-request resends
 * the call through the first provider when the outbox row is taken over.
 *
 * Returns null when the organization has no voice-capable provider: the instance-wide
 * configuration (channel registry) calls, as before. Vonage's Voice API (NCCO `input`) is
 * not supported: Vonage, Plivo and android-sms-gateway providers are SMS only.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import type { DeliveryResult, Destination, Message } from './channel.js';
import { withDetail, type HttpOptions } from './channels/http.js';
import { TwilioProvider, VoiceChannel } from './channels/sms/twilio.js';
import { failsOver, SMS_TYPES } from './sms-provider.js';
import * as store from './sms-provider.store.js';
import { permanent, retryable } from './channel.js';
import type { RouteNote, SmsRouteOutcome } from './sms-route.service.js';
import { say } from '../lib/i18n/translate.js';

/** Where a provider's calls post keypresses (and, under `/status`, call statuses): VIGIL_PUBLIC_URL + this path. */
export const voicePath = (providerId: string): string => `/v1/sms_providers/${encodeURIComponent(providerId)}/voice`;

export async function callThroughProviders(db: Kysely<Database>, http: HttpOptions & { publicUrl?: string }, orgId: string, dest: Destination, msg: Message, note: RouteNote, signal?: AbortSignal): Promise<SmsRouteOutcome | null> {
  const voice = (await store.listProviders(db, orgId)).filter((p) => p.type === 'twilio');
  if (!voice.length) return null;
  const { publicUrl, ...options } = http;
  const base = (publicUrl ?? '').replace(/\/+$/, '');
  const results: DeliveryResult[] = [];
  for (const [i, p] of voice.entries()) {
    const c = JSON.parse(p.credentials) as Record<string, string>;
    const provider = new TwilioProvider({ ...options, timeoutMs: p.timeout_ms, accountSid: c.account_sid!, authToken: c.auth_token!, from: p.from_number!, ...(p.base_url ? { baseUrl: p.base_url } : {}), ...(base ? { statusCallbackUrl: `${base}${voicePath(p.id)}/status` } : {}) });
    const channel = new VoiceChannel(provider, base ? { keypressUrl: `${base}${voicePath(p.id)}` } : {});
    let r: DeliveryResult;
    try {
      r = await channel.send(dest, msg, signal);
    } catch (err) {
      r = withDetail(retryable('adapter_error'), err instanceof Error ? err.message : String(err));
    }
    const label = `${p.name} (${SMS_TYPES[p.type].label})`;
    if (r.kind === 'sent') return { result: r, via: label };
    results.push(r);
    if (!failsOver(r)) return { result: r, via: null };
    const next = voice[i + 1];
    await note(say('timeline.voice.failed', { provider: label, reason: r.detail ? `${r.reason}: ${r.detail}` : r.reason, hasNext: next ? 'yes' : 'no', next: next ? `${next.name} (${SMS_TYPES[next.type].label})` : '' }));
  }
  const again = results.find((r): r is Extract<DeliveryResult, { kind: 'retryable' }> => r.kind === 'retryable');
  const why = results.map((r) => (r.kind === 'sent' ? '' : r.reason)).join(', ');
  return { result: withDetail(again ? retryable('all_voice_providers_failed', again.retryAfterMs) : permanent('all_voice_providers_failed'), why), via: null };
}
