import type { Kysely } from 'kysely';

/**
 * Delivery receipts (issue 15): a carrier's word, after it took an SMS, on whether the
 * phone got it (Vonage's message status webhook, Plivo's status callback, the Android
 * gateway's `sms:delivered` / `sms:failed` events). Kept on the try it is about, in
 * `sms_attempts`: `receipt` is `delivered` or `failed` (NULL: none yet; the first final
 * receipt wins, a repeated one changes nothing), `receipt_detail` the carrier's status and
 * error, `receipt_at` when it arrived. A failed receipt counts as a failure in the
 * provider's health.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sms_attempts').addColumn('receipt', 'text').execute();
  await db.schema.alterTable('sms_attempts').addColumn('receipt_detail', 'text').execute();
  await db.schema.alterTable('sms_attempts').addColumn('receipt_at', 'bigint').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sms_attempts').dropColumn('receipt_at').execute();
  await db.schema.alterTable('sms_attempts').dropColumn('receipt_detail').execute();
  await db.schema.alterTable('sms_attempts').dropColumn('receipt').execute();
}
