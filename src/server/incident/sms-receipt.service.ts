/**
 * An SMS carrier's delivery receipt for a page sent through one of the organization's
 * providers (notify/sms-inbound.ts reads and verifies it). The receipt is kept on the try
 * it is about (`sms_attempts`, by the provider and its message id: the provider's own
 * organization only), once: a repeated or late receipt changes nothing.
 *
 * Delivered: the timeline of each incident the SMS was about says so. Failed (Vonage
 * `rejected` / `undeliverable`, Plivo `failed` / `undelivered`, the gateway's `sms:failed`):
 * nobody got the page, as for an unanswered call. The notification keeps the carrier's
 * status as its last error and is marked failed, the timeline says why, the person's next
 * verified method is paged while the incident is still triggered, and the failure counts
 * in the provider's health.
 */
import type { SmsReceipt } from '../notify/sms-inbound.js';
import { SMS_TYPES } from '../notify/sms-provider.js';
import * as smsStore from '../notify/sms-provider.store.js';
import * as outbox from '../notify/outbox.store.js';
import { getContactMethod } from '../notify/contact.store.js';
import { getUser } from '../org/org.store.js';
import type { SmsProviderTable } from '../storage/schema.js';
import { inTransaction, type UnitOfWork } from './incident.service.js';
import { getIncidentsByIds } from './incident.store.js';
import { appendLog } from './timeline.js';
import { callee, fallBack } from './voice.service.js';
import { say } from '../lib/i18n/translate.js';

/** What became of a receipt, for the webhook's answer. */
export type ReceiptOutcome = 'recorded' | 'repeated' | 'unknown_message';

export async function recordSmsReceipt(u: UnitOfWork, provider: SmsProviderTable, receipt: SmsReceipt): Promise<ReceiptOutcome> {
  const orgId = provider.org_id;
  const attempt = await smsStore.sentAttemptByCarrierId(u.db, orgId, provider.id, receipt.carrierId);
  if (!attempt) return 'unknown_message';
  const rows = (await outbox.findByProviderId(u.db, receipt.carrierId)).filter((r) => r.org_id === orgId && r.channel === 'sms');
  return inTransaction(u, async (tx) => {
    if (!(await smsStore.setReceipt(tx.trx, orgId, attempt.id, receipt.outcome, receipt.detail, tx.now))) return 'repeated';
    const first = rows[0];
    if (!first) return 'recorded';
    const failed = receipt.outcome === 'failed';
    const error = `carrier reported ${receipt.detail}`;
    const failedNow = failed && (await outbox.failSent(tx.trx, orgId, rows.map((r) => r.id), error));
    const [user, method] = await Promise.all([first.user_id ? getUser(tx.trx, orgId, first.user_id) : undefined, first.contact_method_id ? getContactMethod(tx.trx, orgId, first.contact_method_id) : undefined]);
    const target = callee(user?.name, method);
    const via = `${provider.name} (${SMS_TYPES[provider.type].label})`;
    const incidents = await getIncidentsByIds(tx.trx, orgId, [...new Set(rows.map((r) => r.incident_id).filter((x): x is string => !!x))]);
    for (const inc of incidents) {
      const summary = failed ? say('timeline.sms.notDelivered', { target, provider: via, detail: receipt.detail ?? '' }) : say('timeline.sms.delivered', { target, provider: via });
      await appendLog(tx, orgId, inc.service_id, inc.id, 'notify_log_entry', summary, null, { type: 'auto', channel: 'sms' }, { notification_id: first.id, sms_receipt: receipt.outcome, detail: receipt.detail, ...(failed ? { failed: true } : {}) });
    }
    if (failedNow) for (const r of rows) await fallBack(tx, r, incidents.find((i) => i.id === r.incident_id));
    return 'recorded';
  });
}
