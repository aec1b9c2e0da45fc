/**
 * Admins' channel settings: the organization's SMS providers (in failover order, with health
 * and write-only credentials), the monthly SMS spend cap, and the Matrix sync that reads
 * "ack 42" replies. The pure helpers (credential fields per type, the spend state, moving a
 * provider) are tested in test/web/channels-data.test.ts.
 */
import type { Static } from 'typebox';
import type * as sms from '../../contract/sms';
import type * as matrix from '../../contract/matrix';
import { api } from './client';
import { msg } from '../i18n';

export type SmsProvider = Static<typeof sms.SmsProvider>['sms_provider'];
export type SmsSpend = Static<typeof sms.SmsSpend>['sms_spend'];
export type MatrixSync = Static<typeof matrix.MatrixSync>['matrix_sync'];
export type SmsProviderType = 'vonage' | 'plivo' | 'android_gateway' | 'twilio';

export interface ProviderInput {
  type?: SmsProviderType;
  name?: string;
  from?: string | null;
  base_url?: string | null;
  credentials?: Record<string, string>;
  cost_per_message?: number;
  timeout_seconds?: number;
}

const id = (s: string) => encodeURIComponent(s);

export const listSmsProviders = () => api<{ sms_providers: SmsProvider[] }>('GET', '/api/v1/sms_providers').then((r) => r.sms_providers);
export const createSmsProvider = (p: ProviderInput) => api<{ sms_provider: SmsProvider }>('POST', '/api/v1/sms_providers', { sms_provider: p }).then((r) => r.sms_provider);
export const updateSmsProvider = (providerId: string, p: ProviderInput) => api<{ sms_provider: SmsProvider }>('PUT', `/api/v1/sms_providers/${id(providerId)}`, { sms_provider: p }).then((r) => r.sms_provider);
export const removeSmsProvider = (providerId: string) => api<void>('DELETE', `/api/v1/sms_providers/${id(providerId)}`);
export const orderSmsProviders = (ids: string[]) => api<{ sms_providers: SmsProvider[] }>('PUT', '/api/v1/sms_providers/order', { sms_provider_ids: ids }).then((r) => r.sms_providers);
export const getSmsSpend = () => api<{ sms_spend: SmsSpend }>('GET', '/api/v1/sms_spend').then((r) => r.sms_spend);
export const setSmsCap = (cap: number | null) => api<{ sms_spend: SmsSpend }>('PUT', '/api/v1/sms_spend', { sms_spend: { monthly_cap: cap } }).then((r) => r.sms_spend);

/** The Matrix sync, or null when it is off (asked with allow_unset, so "off" is not a 404 in the console). */
export const getMatrixSync = () => api<{ matrix_sync: MatrixSync | null }>('GET', '/api/v1/matrix_sync?allow_unset=true').then((r) => r.matrix_sync);
export const setMatrixSync = (s: { homeserver?: string; access_token?: string; bot_user_id?: string }) => api<{ matrix_sync: MatrixSync }>('PUT', '/api/v1/matrix_sync', { matrix_sync: s }).then((r) => r.matrix_sync);
export const stopMatrixSync = () => api<void>('DELETE', '/api/v1/matrix_sync');

export interface CredentialField {
  name: string;
  label: string;
  secret: boolean;
  optional?: boolean;
  multiline?: boolean;
}

/** What each provider type asks for, as docs/channels.md lists it (the server checks each field and names the wrong one). */
export const PROVIDER_TYPES: Record<SmsProviderType, { label: string; from: boolean; baseUrl: 'optional' | 'required'; baseUrlHint: string; credentials: CredentialField[] }> = {
  vonage: {
    label: 'Vonage',
    from: true,
    baseUrl: 'optional',
    get baseUrlHint() { return msg('data.channels.leave_empty_for_https_api_nexmo'); },
    credentials: [
      { name: 'application_id', get label() { return msg('data.channels.application_id'); }, secret: false },
      { name: 'private_key', get label() { return msg('data.channels.private_key_pem'); }, secret: true, multiline: true },
      { name: 'signature_secret', get label() { return msg('data.channels.signature_secret_for_replies_and_delivery'); }, secret: true, optional: true },
    ],
  },
  plivo: {
    label: 'Plivo',
    from: true,
    baseUrl: 'optional',
    get baseUrlHint() { return msg('data.channels.leave_empty_for_https_api_plivo'); },
    credentials: [
      { name: 'auth_id', label: 'Auth ID', secret: false },
      { name: 'auth_token', get label() { return msg('data.channels.auth_token'); }, secret: true },
    ],
  },
  android_gateway: {
    get label() { return msg('data.channels.android_sms_gateway'); },
    from: false,
    baseUrl: 'required',
    get baseUrlHint() { return msg('data.channels.the_phone_s_local_server_http'); },
    credentials: [
      { name: 'username', label: 'Username', secret: false },
      { name: 'password', label: 'Password', secret: true },
      { name: 'webhook_signing_key', get label() { return msg('data.channels.webhook_signing_key_for_replies_and'); }, secret: true, optional: true },
    ],
  },
  twilio: {
    label: 'Twilio',
    from: true,
    baseUrl: 'optional',
    get baseUrlHint() { return msg('data.channels.leave_empty_for_https_api_twilio'); },
    credentials: [
      { name: 'account_sid', label: 'Account SID', secret: false },
      { name: 'auth_token', get label() { return msg('data.channels.auth_token'); }, secret: true },
    ],
  },
};

/** The credentials to send: the type's fields that were filled in (an optional one left empty is left out). */
export function credentialsOf(type: SmsProviderType, values: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of PROVIDER_TYPES[type].credentials) {
    const v = (values[f.name] ?? '').trim();
    if (v) out[f.name] = f.multiline ? (values[f.name] ?? '').trim() + '\n' : v;
  }
  return out;
}

/** The ids in their new order after moving one provider up (-1) or down (+1); unchanged at either end. */
export function moveProvider(ids: readonly string[], providerId: string, by: -1 | 1): string[] {
  const out = [...ids];
  const i = out.indexOf(providerId);
  const j = i + by;
  if (i < 0 || j < 0 || j >= out.length) return out;
  [out[i], out[j]] = [out[j]!, out[i]!];
  return out;
}

export type SpendState = 'no_cap' | 'ok' | 'warning' | 'reached';

/** Where this month's spend stands: from 80% admins are warned, at 100% low-urgency SMS stop. */
export function spendState(s: Pick<SmsSpend, 'monthly_cap' | 'spent'>): SpendState {
  if (s.monthly_cap === null) return 'no_cap';
  if (s.spent >= s.monthly_cap) return 'reached';
  return s.spent >= s.monthly_cap * 0.8 ? 'warning' : 'ok';
}

export function spendText(s: Pick<SmsSpend, 'monthly_cap' | 'spent' | 'month' | 'percent_used'>): string {
  const money = (n: number) => n.toFixed(2);
  switch (spendState(s)) {
    case 'no_cap':
      return `${money(s.spent)} spent in ${s.month}; no monthly cap.`;
    case 'ok':
      return `${money(s.spent)} of ${money(s.monthly_cap!)} spent in ${s.month} (${s.percent_used ?? 0}%).`;
    case 'warning':
      return `${money(s.spent)} of ${money(s.monthly_cap!)} spent in ${s.month} (${s.percent_used ?? 0}%): at 80%, admins were warned. At the cap, low-urgency SMS stop.`;
    case 'reached':
      return `${money(s.spent)} of ${money(s.monthly_cap!)} spent in ${s.month}: the cap is reached. Low-urgency SMS are not sent (people's next contact method is used); high-urgency pages still go out.`;
  }
}

export const HEALTH_WORDS: Record<SmsProvider['health']['status'], string> = {
  healthy: 'healthy',
  get degraded() { return msg('data.channels.degraded_some_tries_failed'); },
  get failing() { return msg('data.channels.failing_the_latest_tries_failed'); },
  get unknown() { return msg('data.channels.no_tries_in_the_last_day'); },
};

/** The Matrix sync in words: off, working (last read), or failing (why). */
export function matrixStatus(s: MatrixSync | null): { tone: 'info' | 'ok' | 'warn'; text: string } {
  if (!s) return { tone: 'info', text: msg('data.channels.off_replies_in_matrix_rooms_are') };
  if (s.last_error) return { tone: 'warn', text: msg('data.channels.failing_the_last_read_of_the', { last_error: s.last_error }) };
  if (!s.last_sync_at) return { tone: 'info', text: msg('data.channels.on_waiting_for_the_first_read') };
  return { tone: 'ok', text: msg('data.channels.on_replies_such_as_ack_42') };
}
