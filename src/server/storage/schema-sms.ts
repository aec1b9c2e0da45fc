/** Row types of the SMS provider tables (0025), kept beside schema.ts, which lists them in Database. */

export type SmsProviderType = 'vonage' | 'plivo' | 'android_gateway' | 'twilio';

/** An organization's SMS carrier, in failover order (`position`); `credentials` is sealed JSON, write-only. */
export interface SmsProviderTable {
  org_id: string;
  id: string;
  type: SmsProviderType;
  name: string;
  position: number;
  from_number: string | null;
  base_url: string | null;
  credentials: string;
  /** Estimated cost of one message, millionths of the organization's currency. */
  cost_micros: number;
  timeout_ms: number;
  created_at: number;
  updated_at: number;
}

/** One try of one outbox row through one provider (see migration 0025). */
export interface SmsAttemptTable {
  org_id: string;
  id: string;
  notification_id: string;
  seq: number;
  provider_id: string;
  idempotency_key: string;
  status: 'sending' | 'sent' | 'failed';
  reason: string | null;
  detail: string | null;
  /** The carrier's message id, when sent. */
  carrier_id: string | null;
  cost_micros: number;
  started_at: number;
  finished_at: number | null;
  /** The carrier's delivery receipt for a sent try (migration 0036): NULL until one arrives. */
  receipt?: 'delivered' | 'failed' | null;
  receipt_detail?: string | null;
  receipt_at?: number | null;
}

/** The organization's monthly SMS spend cap and the month its 80% warning went out. */
export interface SmsSpendTable {
  org_id: string;
  monthly_cap_micros: number | null;
  warned_month: string | null;
  updated_at: number;
}

/** The SMS tables, merged into schema.ts's Database. */
export interface SmsDatabase {
  sms_providers: SmsProviderTable;
  sms_attempts: SmsAttemptTable;
  sms_spend: SmsSpendTable;
}
