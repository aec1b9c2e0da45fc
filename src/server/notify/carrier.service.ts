/**
 * Delivery reports from an SMS and voice carrier (Twilio's status callback). A message
 * or call the carrier could not deliver keeps the carrier's status as its notification's
 * last error; every other status changes nothing.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import { recordProviderError } from './outbox.store.js';

const FAILED = ['failed', 'undelivered', 'busy', 'no-answer'];

export async function recordCarrierStatus(db: Kysely<Database>, providerId: string, status: string): Promise<void> {
  if (providerId && FAILED.includes(status)) await recordProviderError(db, providerId, `carrier reported ${status}`);
}
