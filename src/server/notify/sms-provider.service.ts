/**
 * Admins' use cases for the organization's SMS providers: add, change, remove and order
 * them (credentials write-only: stored sealed, answered only by field name), read each
 * one's recent health from the attempt history, and set the monthly spend cap. Input is
 * checked whole before anything is written: every problem is named by field, unknown
 * fields are refused, and nothing is half-written.
 */
import type { Kysely } from 'kysely';
import { invalid, notFound, VigilError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { BLOCKED_MESSAGE, type OutboundPolicy } from '../lib/outbound-policy.js';
import type { Database, SmsProviderTable, SmsProviderType } from '../storage/schema.js';
import { credentialErrors, isSmsProviderType, monthOf, SMS_PROVIDER_TYPES, SMS_TYPES, validSender } from './sms-provider.js';
import * as store from './sms-provider.store.js';
import { readInbound, readReceipt, verifyInbound, type InboundRequest, type SmsReceipt } from './sms-inbound.js';

type Db = Kysely<Database>;

export interface ProviderInput {
  type?: string;
  name?: string;
  from?: string | null;
  base_url?: string | null;
  credentials?: object;
  cost_per_message?: number;
  timeout_seconds?: number;
  [k: string]: unknown;
}

const FIELDS = ['type', 'name', 'from', 'base_url', 'credentials', 'cost_per_message', 'timeout_seconds'];
/** What GET answers; sent back unchanged in an update they are ignored, as the rest of the API does with read-only fields. */
const READ_ONLY = ['id', 'position', 'credentials_set', 'health', 'created_at', 'updated_at'];
export const HEALTH_WINDOW_MS = 24 * 3600_000;
const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_PROVIDERS = 10;

function checkBaseUrl(v: string, errors: string[]): string | null {
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    errors.push('sms_provider.base_url must be an http(s) URL');
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') errors.push('sms_provider.base_url must be an http(s) URL');
  else if (url.username || url.password || url.search || url.hash) errors.push('sms_provider.base_url must not carry credentials, a query or a fragment');
  else return url.toString().replace(/\/+$/, '');
  return null;
}

/** Checks `input` for `type` (on update, against the stored row) and returns the columns to write. */
function validate(type: SmsProviderType, input: ProviderInput, current: SmsProviderTable | null): Partial<SmsProviderTable> {
  const errors: string[] = [];
  const spec = SMS_TYPES[type];
  for (const k of Object.keys(input)) if (!FIELDS.includes(k) && !(current && READ_ONLY.includes(k))) errors.push(`sms_provider.${k}: unknown field`);
  if (current && input.type !== undefined && input.type !== current.type) errors.push('sms_provider.type cannot change (add another provider instead)');
  const out: Partial<SmsProviderTable> = {};
  if (input.name !== undefined) {
    if (typeof input.name !== 'string' || !input.name.trim() || input.name.length > 100) errors.push('sms_provider.name must be 1 to 100 characters');
    else out.name = input.name.trim();
  } else if (!current) errors.push('sms_provider.name is required');
  if (input.from !== undefined && input.from !== null) {
    if (spec.from === 'refused') errors.push(`sms_provider.from is not used by ${type}: the phone sends from its own SIM`);
    else if (typeof input.from !== 'string' || !validSender(input.from.trim())) errors.push('sms_provider.from must be an E.164 number such as +14155550100 or an alphanumeric sender id (1-11 letters and digits)');
    else out.from_number = input.from.trim();
  } else if (spec.from === 'required' && (input.from === null || !current)) errors.push(`sms_provider.from is required for ${type}`);
  if (input.base_url !== undefined && input.base_url !== null) {
    const url = typeof input.base_url === 'string' ? checkBaseUrl(input.base_url, errors) : (errors.push('sms_provider.base_url must be an http(s) URL'), null);
    if (url) out.base_url = url;
  } else if (spec.baseUrl === 'required' && (input.base_url === null || !current)) errors.push(`sms_provider.base_url is required for ${type} (the gateway's API root)`);
  else if (input.base_url === null) out.base_url = null;
  if (input.credentials !== undefined) {
    const problems = credentialErrors(type, input.credentials, 'sms_provider.credentials');
    errors.push(...problems);
    if (!problems.length) out.credentials = JSON.stringify(Object.fromEntries(Object.entries(input.credentials as Record<string, unknown>).map(([k, v]) => [k, String(v).trim()])));
  } else if (!current) errors.push('sms_provider.credentials is required');
  if (input.cost_per_message !== undefined) {
    const c = input.cost_per_message;
    if (typeof c !== 'number' || !Number.isFinite(c) || c < 0 || c > 100) errors.push('sms_provider.cost_per_message must be a number from 0 to 100');
    else out.cost_micros = Math.round(c * 1_000_000);
  } else if (!current) errors.push('sms_provider.cost_per_message is required (the estimated cost of one message, e.g. 0.0075)');
  if (input.timeout_seconds !== undefined) {
    const t = input.timeout_seconds;
    if (typeof t !== 'number' || !(t >= 0.5 && t <= 30)) errors.push('sms_provider.timeout_seconds must be from 0.5 to 30');
    else out.timeout_ms = Math.round(t * 1000);
  }
  if (errors.length) throw invalid(...errors);
  return out;
}

export async function createProvider(db: Db, clock: Clock, policy: OutboundPolicy, orgId: string, input: ProviderInput): Promise<SmsProviderTable> {
  if (!isSmsProviderType(input.type)) throw invalid(`sms_provider.type must be one of ${SMS_PROVIDER_TYPES.join(', ')}${input.type === undefined ? '' : ` (got ${JSON.stringify(input.type)})`}`);
  const cols = validate(input.type, input, null);
  if (cols.base_url && (await policy.refusesUrl(`${cols.base_url}/`))) throw invalid(`sms_provider.base_url: ${BLOCKED_MESSAGE}`);
  const existing = await store.listProviders(db, orgId);
  if (existing.length >= MAX_PROVIDERS) throw invalid(`sms_provider: at most ${MAX_PROVIDERS} providers per organization`);
  const now = clock.now();
  const row: SmsProviderTable = {
    org_id: orgId,
    id: newId(now),
    type: input.type,
    name: cols.name!,
    position: existing.length ? Math.max(...existing.map((p) => p.position)) + 1 : 1,
    from_number: cols.from_number ?? null,
    base_url: cols.base_url ?? null,
    credentials: cols.credentials!,
    cost_micros: cols.cost_micros!,
    timeout_ms: cols.timeout_ms ?? DEFAULT_TIMEOUT_MS,
    created_at: now,
    updated_at: now,
  };
  await store.insertProvider(db, row);
  return row;
}

export async function getProvider(db: Db, orgId: string, id: string): Promise<SmsProviderTable> {
  const p = await store.getProvider(db, orgId, id);
  if (!p) throw notFound('SMS provider');
  return p;
}

export async function updateProvider(db: Db, clock: Clock, policy: OutboundPolicy, orgId: string, id: string, input: ProviderInput): Promise<SmsProviderTable> {
  const current = await getProvider(db, orgId, id);
  const cols = validate(current.type, input, current);
  if (cols.base_url && (await policy.refusesUrl(`${cols.base_url}/`))) throw invalid(`sms_provider.base_url: ${BLOCKED_MESSAGE}`);
  const patch = { ...cols, updated_at: clock.now() };
  await store.updateProvider(db, orgId, id, patch);
  return { ...current, ...patch };
}

export async function removeProvider(db: Db, orgId: string, id: string): Promise<void> {
  await getProvider(db, orgId, id);
  await store.deleteProvider(db, orgId, id);
}

export const listProviders = store.listProviders;

/** Sets the failover order: `ids` must name every provider of the organization exactly once. */
export async function reorderProviders(db: Db, clock: Clock, orgId: string, ids: unknown): Promise<SmsProviderTable[]> {
  const current = await store.listProviders(db, orgId);
  const known = new Set(current.map((p) => p.id));
  if (!Array.isArray(ids) || ids.some((x) => typeof x !== 'string')) throw invalid('sms_provider_ids must be a list of provider ids');
  const errors: string[] = [];
  for (const id of ids as string[]) if (!known.has(id)) errors.push(`sms_provider_ids: ${id} is not a provider of this organization`);
  if (new Set(ids).size !== ids.length) errors.push('sms_provider_ids: an id is listed twice');
  const missing = current.filter((p) => !(ids as string[]).includes(p.id));
  if (missing.length) errors.push(`sms_provider_ids must list every provider; missing ${missing.map((p) => p.id).join(', ')}`);
  if (errors.length) throw invalid(...errors);
  const now = clock.now();
  await db.transaction().execute(async (trx) => {
    for (const [i, id] of (ids as string[]).entries()) await store.setPosition(trx, orgId, id, i + 1, now);
  });
  return store.listProviders(db, orgId);
}

export interface ProviderHealth {
  successes: number;
  failures: number;
  lastSuccessAt: number | null;
  lastFailureAt: number | null;
  lastFailureReason: string | null;
  status: 'healthy' | 'degraded' | 'failing' | 'unknown';
}

/** Each provider's tries over the last day. */
export async function providerHealth(db: Db, orgId: string, now: number): Promise<Map<string, ProviderHealth>> {
  const [rows, undelivered] = await Promise.all([store.healthSince(db, orgId, now - HEALTH_WINDOW_MS), store.failedReceiptsSince(db, orgId, now - HEALTH_WINDOW_MS)]);
  const out = new Map<string, ProviderHealth>();
  for (const r of rows) {
    const h = out.get(r.provider_id) ?? { successes: 0, failures: 0, lastSuccessAt: null, lastFailureAt: null, lastFailureReason: null, status: 'unknown' as const };
    if (r.status === 'sent') Object.assign(h, { successes: r.n, lastSuccessAt: r.last_at });
    if (r.status === 'failed') Object.assign(h, { failures: r.n, lastFailureAt: r.last_at, lastFailureReason: r.last_reason });
    out.set(r.provider_id, h);
  }
  // A try the carrier took but whose receipt says the phone never got it is a failure, not a success.
  for (const u of undelivered) {
    const h = out.get(u.provider_id);
    if (!h) continue;
    h.successes = Math.max(0, h.successes - u.n);
    h.failures += u.n;
    if (u.last_at >= (h.lastFailureAt ?? 0)) Object.assign(h, { lastFailureAt: u.last_at, lastFailureReason: `undelivered: ${u.last_detail ?? 'failed'}` });
  }
  for (const h of out.values()) {
    if (!h.successes && !h.failures) h.status = 'unknown';
    else if (!h.failures) h.status = 'healthy';
    else if (!h.successes || (h.lastFailureAt ?? 0) > (h.lastSuccessAt ?? 0)) h.status = h.successes ? 'degraded' : 'failing';
    else h.status = 'degraded';
  }
  return out;
}

export interface SpendView {
  month: string;
  capMicros: number | null;
  spentMicros: number;
  warned: boolean;
}

export async function spendView(db: Db, orgId: string, now: number): Promise<SpendView> {
  const month = monthOf(now);
  const [row, spent] = await Promise.all([store.getSpend(db, orgId), store.spentSince(db, orgId, month.start)]);
  return { month: month.key, capMicros: row?.monthly_cap_micros ?? null, spentMicros: spent, warned: row?.warned_month === month.key };
}

export async function setSpendCap(db: Db, clock: Clock, orgId: string, input: Record<string, unknown>): Promise<SpendView> {
  const errors: string[] = [];
  for (const k of Object.keys(input)) if (k !== 'monthly_cap' && !['month', 'spent', 'percent_used', 'warned_at_80_percent', 'low_urgency_sms_paused'].includes(k)) errors.push(`sms_spend.${k}: unknown field`);
  const cap = input.monthly_cap;
  if (cap === undefined) errors.push('sms_spend.monthly_cap is required (a number, or null for no cap)');
  else if (cap !== null && (typeof cap !== 'number' || !Number.isFinite(cap) || cap < 0 || cap > 1_000_000)) errors.push('sms_spend.monthly_cap must be a number from 0 to 1000000, or null');
  if (errors.length) throw invalid(...errors);
  await store.putSpendCap(db, orgId, cap === null ? null : Math.round((cap as number) * 1_000_000), clock.now());
  return spendView(db, orgId, clock.now());
}

/** A Twilio-compatible provider by its id (the voice routes' path segment; it names the organization), or undefined. */
export async function getTwilioProvider(db: Db, id: string): Promise<SmsProviderTable | undefined> {
  const p = await store.getProviderById(db, id);
  return p?.type === 'twilio' ? p : undefined;
}

/** Where a provider sends replies to pages: VIGIL_PUBLIC_URL + this path. */
export const inboundPath = (id: string): string => `/v1/sms_providers/${encodeURIComponent(id)}/inbound`;

/**
 * An inbound request to a provider's webhook: the provider (naming the organization), the
 * SMS it carries and the delivery receipt it carries (each null for other events). A request not signed with the provider's secret,
 * or for a provider whose inbound secret is not set, is refused before its body is read.
 */
export async function authenticateInbound(db: Db, id: string, req: Omit<InboundRequest, 'url'>, publicUrl: string): Promise<{ provider: SmsProviderTable; sms: { from: string; text: string } | null; receipt: SmsReceipt | null }> {
  const provider = await store.getProviderById(db, id);
  const creds = provider ? (JSON.parse(provider.credentials) as Record<string, string>) : {};
  if (!provider || !verifyInbound(provider.type, creds, { ...req, url: `${publicUrl.replace(/\/+$/, '')}${inboundPath(id)}` })) {
    throw new VigilError('unauthenticated', ['the request is not signed with this SMS provider\'s secret']);
  }
  return { provider, sms: readInbound(provider.type, req.raw), receipt: readReceipt(provider.type, req.raw) };
}
