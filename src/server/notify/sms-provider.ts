/**
 * An organization's SMS providers as data (STYLE.md habit 5): what each type needs
 * (credentials, sender, base URL), the checks its input must pass (every problem named by
 * field, unknown fields refused), how a stored row becomes a sender, and the pure rules of
 * failover and of the monthly spend cap. The I/O is in sms-provider.service.ts (the list,
 * for admins) and sms-route.service.ts (sending through the list).
 */
import { createPrivateKey } from 'node:crypto';
import type { DeliveryResult, Message } from './channel.js';
import type { HttpOptions } from './channels/http.js';
import { AndroidGatewayProvider } from './channels/sms/android-gateway.js';
import { PlivoProvider } from './channels/sms/plivo.js';
import { E164, type SmsSender } from './channels/sms/provider.js';
import { TwilioProvider } from './channels/sms/twilio.js';
import { VonageProvider } from './channels/sms/vonage.js';
import type { SmsProviderTable, SmsProviderType } from '../storage/schema.js';

export const SMS_PROVIDER_TYPES: SmsProviderType[] = ['vonage', 'plivo', 'android_gateway', 'twilio'];

type Creds = Record<string, string>;
type Check = (value: string) => string | null;

const nonEmpty = (max: number): Check => (v) => (v.length >= 1 && v.length <= max ? null : `must be 1 to ${max} characters`);
const pattern = (re: RegExp, what: string): Check => (v) => (re.test(v) ? null : `must be ${what}`);
const rsaKey: Check = (v) => {
  try {
    return createPrivateKey(v).asymmetricKeyType === 'rsa' ? null : 'must be an RSA private key (PEM), as Vonage gives for an application';
  } catch {
    return 'must be an RSA private key (PEM), as Vonage gives for an application';
  }
};

interface TypeSpec {
  label: string;
  /** Alternative credential sets: the input must match exactly one, field for field. */
  credentials: Record<string, Check>[];
  /** Credential fields that may be left out (the secrets that sign inbound replies). */
  optional?: string[];
  from: 'required' | 'refused';
  baseUrl: 'optional' | 'required';
  defaultBaseUrl: string | null;
  /** `statusUrl`: where the carrier should send this message's delivery receipts (the provider's webhook), when the sender can say so per message. */
  build(row: SmsProviderTable, creds: Creds, http: HttpOptions, statusUrl?: string): SmsSender;
}

export const SMS_TYPES: Record<SmsProviderType, TypeSpec> = {
  vonage: {
    label: 'Vonage',
    credentials: (
      [
        { application_id: pattern(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "the Vonage application's id (a UUID)"), private_key: rsaKey },
        { api_key: pattern(/^[A-Za-z0-9]{6,32}$/, 'the Vonage API key (letters and digits)'), api_secret: nonEmpty(128) },
      ] as Record<string, Check>[]
    ).map((set) => ({ ...set, signature_secret: nonEmpty(128) })),
    optional: ['signature_secret'],
    from: 'required',
    baseUrl: 'optional',
    defaultBaseUrl: 'https://api.nexmo.com',
    build: (row, c, http, statusUrl) =>
      new VonageProvider({ ...http, from: row.from_number!, ...(row.base_url ? { baseUrl: row.base_url } : {}), ...(statusUrl && c.signature_secret ? { statusUrl } : {}), auth: c.application_id ? { applicationId: c.application_id, privateKey: c.private_key! } : { apiKey: c.api_key!, apiSecret: c.api_secret! } }),
  },
  plivo: {
    label: 'Plivo',
    credentials: [{ auth_id: pattern(/^[A-Z0-9]{20}$/, 'the Plivo Auth ID (20 capital letters and digits, e.g. MAXXXXXXXXXXXXXXXXXX)'), auth_token: nonEmpty(128) }],
    from: 'required',
    baseUrl: 'optional',
    defaultBaseUrl: 'https://api.plivo.com',
    build: (row, c, http, statusUrl) => new PlivoProvider({ ...http, authId: c.auth_id!, authToken: c.auth_token!, from: row.from_number!, ...(row.base_url ? { baseUrl: row.base_url } : {}), ...(statusUrl ? { statusCallbackUrl: statusUrl } : {}) }),
  },
  android_gateway: {
    label: 'Android SMS gateway',
    credentials: [{ username: nonEmpty(128), password: nonEmpty(256), webhook_signing_key: nonEmpty(256) }],
    optional: ['webhook_signing_key'],
    from: 'refused',
    baseUrl: 'required',
    defaultBaseUrl: null,
    build: (row, c, http) => new AndroidGatewayProvider({ ...http, username: c.username!, password: c.password!, baseUrl: row.base_url! }),
  },
  twilio: {
    label: 'Twilio',
    credentials: [{ account_sid: pattern(/^AC[0-9a-f]{32}$/, 'a Twilio Account SID (AC followed by 32 hex digits)'), auth_token: pattern(/^[0-9a-f]{32}$/, 'a Twilio auth token (32 hex digits)') }],
    from: 'required',
    baseUrl: 'optional',
    defaultBaseUrl: 'https://api.twilio.com',
    build: (row, c, http) => new TwilioProvider({ ...http, accountSid: c.account_sid!, authToken: c.auth_token!, from: row.from_number!, ...(row.base_url ? { baseUrl: row.base_url } : {}) }),
  },
};

export const isSmsProviderType = (t: unknown): t is SmsProviderType => typeof t === 'string' && (SMS_PROVIDER_TYPES as string[]).includes(t);

/** A sender id: an E.164 number, or 1-11 letters, digits and spaces with at least one letter. */
export const validSender = (s: string): boolean => E164.test(s) || (/^[A-Za-z0-9 ]{1,11}$/.test(s) && /[A-Za-z]/.test(s));

/** Problems with a credentials object for `type`, each naming its field under `at`. */
export function credentialErrors(type: SmsProviderType, input: unknown, at: string): string[] {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return [`${at} must be an object`];
  const given = input as Record<string, unknown>;
  const sets = SMS_TYPES[type].credentials;
  const keys = Object.keys(given);
  const optional = SMS_TYPES[type].optional ?? [];
  // The set the input means: the one sharing most fields with it.
  const set = [...sets].sort((a, b) => keys.filter((k) => k in b).length - keys.filter((k) => k in a).length)[0]!;
  const errors: string[] = [];
  const required = (s: Record<string, Check>) => Object.keys(s).filter((k) => !optional.includes(k));
  for (const k of keys) if (!(k in set)) errors.push(`${at}.${k}: unknown field for ${type}${sets.length > 1 ? ' (give one of: ' + sets.map((s) => required(s).join(' + ')).join('; or ') + ')' : ''}`);
  for (const [k, check] of Object.entries(set)) {
    const v = given[k];
    if (v === undefined) {
      if (!optional.includes(k)) errors.push(`${at}.${k} is required for ${type}`);
    }
    else if (typeof v !== 'string') errors.push(`${at}.${k} must be a string`);
    else {
      const problem = check(v.trim());
      if (problem) errors.push(`${at}.${k} ${problem}`);
    }
  }
  return errors;
}

/** The sender for one stored provider; `credentials` is the opened JSON. */
export function buildSender(row: SmsProviderTable, http: HttpOptions, statusUrl?: string): SmsSender {
  const creds = JSON.parse(row.credentials) as Creds;
  return SMS_TYPES[row.type].build(row, creds, { ...http, timeoutMs: row.timeout_ms }, statusUrl);
}

/**
 * Whether a failed try moves the message to the next provider. Only a refused number
 * stops: it is the same number at every carrier. Everything else (5xx, timeouts, auth,
 * rate limits, a provider misconfigured or unreachable) is this provider's problem.
 */
export const failsOver = (r: DeliveryResult): boolean => r.kind !== 'sent' && r.reason !== 'invalid_number';

/** Low urgency: every incident the message is about is low urgency (a message about none, such as a verification code, is not). */
export const isLowUrgency = (msg: Pick<Message, 'incidents'>): boolean => msg.incidents.length > 0 && msg.incidents.every((i) => i.urgency === 'low');

/** The first instant of `now`'s calendar month (UTC) and its YYYY-MM name. */
export function monthOf(now: number): { start: number; key: string } {
  const d = new Date(now);
  return { start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), key: d.toISOString().slice(0, 7) };
}

export const WARN_FRACTION = 0.8;

/**
 * The spend cap's verdict before a message: `block` (over the cap and low urgency: not
 * sent, the person's next method is used), `exceeded` (over the cap: a high-urgency page
 * still goes, and says so).
 */
export function capVerdict(capMicros: number | null, spentMicros: number, lowUrgency: boolean): { exceeded: boolean; block: boolean } {
  const exceeded = capMicros !== null && spentMicros >= capMicros;
  return { exceeded, block: exceeded && lowUrgency };
}

/** Whether this month's 80% warning is due (the store makes sure it goes once). */
export const warningDue = (capMicros: number | null, spentMicros: number): boolean => capMicros !== null && capMicros > 0 && spentMicros >= capMicros * WARN_FRACTION;

/** Money in millionths, written for people: 12.5 → "12.50"; below a cent keeps up to 4 decimals (0.0075). */
export function money(micros: number): string {
  const v = micros / 1_000_000;
  return v !== 0 && Math.abs(v) < 0.01 ? String(Number(v.toFixed(4))) : v.toFixed(2);
}
