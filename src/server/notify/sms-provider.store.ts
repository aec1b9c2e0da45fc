/**
 * Queries for the SMS provider tables (migration 0025): an organization's ordered
 * providers (credentials sealed here, opened on read), each outbox row's attempt history
 * through them, and the monthly spend cap. Every query is scoped by organization.
 */
import type { Kysely } from 'kysely';
import { needsReseal, openSecret, sealSecret } from '../lib/secret-box.js';
import type { Database, SmsAttemptTable, SmsProviderTable, SmsSpendTable } from '../storage/schema.js';

type Db = Kysely<Database>;

const openRow = (r: SmsProviderTable): SmsProviderTable => ({ ...r, credentials: openSecret(r.credentials), position: Number(r.position), cost_micros: Number(r.cost_micros), timeout_ms: Number(r.timeout_ms), created_at: Number(r.created_at), updated_at: Number(r.updated_at) });

export async function listProviders(db: Db, orgId: string): Promise<SmsProviderTable[]> {
  const rows = await db.selectFrom('sms_providers').selectAll().where('org_id', '=', orgId).orderBy('position').orderBy('id').execute();
  return rows.map(openRow);
}

export async function getProvider(db: Db, orgId: string, id: string): Promise<SmsProviderTable | undefined> {
  const r = await db.selectFrom('sms_providers').selectAll().where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return r ? openRow(r) : undefined;
}

/** By the inbound webhook's path segment: the only unscoped lookup, and it yields the organization. */
export async function getProviderById(db: Db, id: string): Promise<SmsProviderTable | undefined> {
  const r = await db.selectFrom('sms_providers').selectAll().where('id', '=', id).executeTakeFirst();
  return r ? openRow(r) : undefined;
}

export async function insertProvider(db: Db, row: SmsProviderTable): Promise<void> {
  await db.insertInto('sms_providers').values({ ...row, credentials: sealSecret(row.credentials) }).execute();
}

export async function updateProvider(db: Db, orgId: string, id: string, patch: Partial<Omit<SmsProviderTable, 'org_id' | 'id' | 'type' | 'created_at'>>): Promise<void> {
  const sealed = { ...patch };
  if (patch.credentials !== undefined) sealed.credentials = sealSecret(patch.credentials);
  await db.updateTable('sms_providers').set(sealed).where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function deleteProvider(db: Db, orgId: string, id: string): Promise<void> {
  await db.deleteFrom('sms_providers').where('org_id', '=', orgId).where('id', '=', id).execute();
}

export async function setPosition(db: Db, orgId: string, id: string, position: number, now: number): Promise<void> {
  await db.updateTable('sms_providers').set({ position, updated_at: now }).where('org_id', '=', orgId).where('id', '=', id).execute();
}

/** Seal what is plaintext or sealed with an old key (start-up, like the Telegram bots'). */
export async function resealSmsProviders(db: Db): Promise<number> {
  const rows = await db.selectFrom('sms_providers').select(['org_id', 'id', 'credentials']).execute();
  let n = 0;
  for (const r of rows) {
    if (!needsReseal(r.credentials)) continue;
    await db.updateTable('sms_providers').set({ credentials: sealSecret(openSecret(r.credentials)) }).where('org_id', '=', r.org_id).where('id', '=', r.id).execute();
    n++;
  }
  return n;
}

// ---- attempts ---------------------------------------------------------------------------

const attemptRow = (r: SmsAttemptTable): SmsAttemptTable => ({
  ...r,
  seq: Number(r.seq),
  cost_micros: Number(r.cost_micros),
  started_at: Number(r.started_at),
  finished_at: r.finished_at === null ? null : Number(r.finished_at),
  receipt_at: r.receipt_at === null || r.receipt_at === undefined ? null : Number(r.receipt_at),
});

export async function attemptsOf(db: Db, orgId: string, notificationId: string): Promise<SmsAttemptTable[]> {
  const rows = await db.selectFrom('sms_attempts').selectAll().where('org_id', '=', orgId).where('notification_id', '=', notificationId).orderBy('seq').execute();
  return rows.map(attemptRow);
}

/**
 * Records a try before its request leaves. The (notification, seq) pair is unique: two
 * nodes racing for the same try cannot both record it, so at most one of them sends.
 * False when the try was already recorded.
 */
export async function beginAttempt(db: Db, row: SmsAttemptTable): Promise<boolean> {
  const r = await db
    .insertInto('sms_attempts')
    .values(row)
    .onConflict((oc) => oc.columns(['org_id', 'notification_id', 'seq']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function finishAttempt(db: Db, orgId: string, id: string, patch: Pick<SmsAttemptTable, 'status' | 'reason' | 'detail' | 'carrier_id' | 'cost_micros' | 'finished_at'>): Promise<void> {
  await db.updateTable('sms_attempts').set(patch).where('org_id', '=', orgId).where('id', '=', id).execute();
}

/** The sent try that a provider's message id names (a delivery receipt is about it). */
export async function sentAttemptByCarrierId(db: Db, orgId: string, providerId: string, carrierId: string): Promise<SmsAttemptTable | undefined> {
  const r = await db.selectFrom('sms_attempts').selectAll().where('org_id', '=', orgId).where('provider_id', '=', providerId).where('carrier_id', '=', carrierId).where('status', '=', 'sent').executeTakeFirst();
  return r && attemptRow(r);
}

/** Records a try's delivery receipt; false when it already had one (a repeated or late receipt changes nothing). */
export async function setReceipt(db: Db, orgId: string, id: string, receipt: 'delivered' | 'failed', detail: string, at: number): Promise<boolean> {
  const r = await db.updateTable('sms_attempts').set({ receipt, receipt_detail: detail, receipt_at: at }).where('org_id', '=', orgId).where('id', '=', id).where('receipt', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Per provider, the sent tries since `since` whose receipt said the phone never got them, and the latest such. */
export async function failedReceiptsSince(db: Db, orgId: string, since: number): Promise<{ provider_id: string; n: number; last_at: number; last_detail: string | null }[]> {
  const rows = await db
    .selectFrom('sms_attempts')
    .select(['provider_id', 'receipt_at', 'receipt_detail'])
    .where('org_id', '=', orgId)
    .where('status', '=', 'sent')
    .where('receipt', '=', 'failed')
    .where('started_at', '>=', since)
    .orderBy('receipt_at')
    .execute();
  const out = new Map<string, { provider_id: string; n: number; last_at: number; last_detail: string | null }>();
  for (const r of rows) {
    const o = out.get(r.provider_id) ?? { provider_id: r.provider_id, n: 0, last_at: 0, last_detail: null };
    o.n += 1;
    o.last_at = Number(r.receipt_at);
    o.last_detail = r.receipt_detail ?? null;
    out.set(r.provider_id, o);
  }
  return [...out.values()];
}

/** The estimated cost of what was sent since `since` (the month so far). */
export async function spentSince(db: Db, orgId: string, since: number): Promise<number> {
  const r = await db
    .selectFrom('sms_attempts')
    .select((eb) => eb.fn.sum<number | string | null>('cost_micros').as('total'))
    .where('org_id', '=', orgId)
    .where('status', '=', 'sent')
    .where('started_at', '>=', since)
    .executeTakeFirst();
  return Number(r?.total ?? 0);
}

/** Per provider, successes and failures of tries started since `since`, and the latest of each. */
export async function healthSince(db: Db, orgId: string, since: number): Promise<{ provider_id: string; status: string; n: number; last_at: number; last_reason: string | null }[]> {
  const counts = await db
    .selectFrom('sms_attempts')
    .select(['provider_id', 'status', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.max('started_at').as('last_at')])
    .where('org_id', '=', orgId)
    .where('started_at', '>=', since)
    .groupBy(['provider_id', 'status'])
    .execute();
  const out = [];
  for (const c of counts) {
    let last_reason: string | null = null;
    if (c.status === 'failed') {
      const r = await db.selectFrom('sms_attempts').select('reason').where('org_id', '=', orgId).where('provider_id', '=', c.provider_id).where('status', '=', 'failed').orderBy('started_at', 'desc').limit(1).executeTakeFirst();
      last_reason = r?.reason ?? null;
    }
    out.push({ provider_id: c.provider_id, status: c.status, n: Number(c.n), last_at: Number(c.last_at), last_reason });
  }
  return out;
}

export async function deleteAttemptsBefore(db: Db, before: number): Promise<void> {
  await db.deleteFrom('sms_attempts').where('started_at', '<', before).execute();
}

// ---- spend cap --------------------------------------------------------------------------

export async function getSpend(db: Db, orgId: string): Promise<SmsSpendTable | undefined> {
  const r = await db.selectFrom('sms_spend').selectAll().where('org_id', '=', orgId).executeTakeFirst();
  return r && { ...r, monthly_cap_micros: r.monthly_cap_micros === null ? null : Number(r.monthly_cap_micros), updated_at: Number(r.updated_at) };
}

export async function putSpendCap(db: Db, orgId: string, capMicros: number | null, now: number): Promise<void> {
  await db
    .insertInto('sms_spend')
    .values({ org_id: orgId, monthly_cap_micros: capMicros, warned_month: null, updated_at: now })
    .onConflict((oc) => oc.column('org_id').doUpdateSet({ monthly_cap_micros: capMicros, updated_at: now }))
    .execute();
}

/** Claims this month's 80% warning; false when it was already claimed (by this node or another). */
export async function claimWarning(db: Db, orgId: string, month: string): Promise<boolean> {
  const r = await db
    .updateTable('sms_spend')
    .set({ warned_month: month })
    .where('org_id', '=', orgId)
    .where((eb) => eb.or([eb('warned_month', 'is', null), eb('warned_month', '<>', month)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
