/**
 * Sending one SMS through the organization's providers, in order, with failover and the
 * monthly spend cap. Theory of operation:
 *
 * Each outbox row (the lead row of a bundle: the smallest id, the same whenever the same
 * rows are resent) has an attempt history in `sms_attempts`, one row per try, numbered.
 * A try is recorded as `sending` before its request leaves and finished as `sent` or
 * `failed` after. Providers are tried from the top of the list; a try that fails for a
 * provider's reason (5xx, timeout, auth, rate limit: `failsOver`) moves the message to
 * the next provider, and the timeline says why. A refused number stops at once.
 *
 * A process killed mid-try leaves that try `sending`; when the outbox row is claimed
 * again, the same try is resent to the same provider with the same idempotency key (the
 * carrier's client reference / message id), never to another provider: it may have
 * arrived. Only once that try is finished can the next provider be tried. The unique
 * (notification, seq) index keeps two nodes from recording the same try. A try already
 * `sent` (the node died before the outbox row was marked) is not sent again.
 *
 * Spend: sent tries carry the provider's estimated cost; the month's total (UTC months)
 * is compared with the cap before sending. At or over the cap, a low-urgency message is
 * not sent (a permanent `sms_spend_cap` failure: the deliver module puts it on the
 * timeline and pages the person's next method); a high-urgency one goes out and the
 * timeline says the cap is exceeded. Crossing 80% emails the admins, once a month.
 *
 * Returns null when the organization has no providers: the instance-wide carrier
 * (channel registry) sends, as before.
 */
import type { Kysely } from 'kysely';
import { newId } from '../lib/ids.js';
import type { Database, NotificationTable, SmsAttemptTable, SmsProviderTable } from '../storage/schema.js';
import { listAdmins } from '../org/org.store.js';
import { permanent, retryable, type DeliveryResult, type Message } from './channel.js';
import { withDetail, type HttpOptions } from './channels/http.js';
import { smsText } from './channels/sms/twilio.js';
import { queueNotice } from './notify.service.js';
import { buildSender, capVerdict, failsOver, isLowUrgency, money, monthOf, SMS_TYPES, warningDue } from './sms-provider.js';
import * as store from './sms-provider.store.js';
import { inboundPath } from './sms-provider.service.js';
import { say, type Wording } from '../lib/i18n/translate.js';

type Db = Kysely<Database>;

export interface SmsRouteOutcome {
  result: DeliveryResult;
  /** The provider that sent it, for the "Notified" line. */
  via: string | null;
}

/** Puts a line about the route taken (a failover, the cap) on the incidents' timelines, as it happens. */
export type RouteNote = (text: Wording) => Promise<void>;

export const SPEND_CAP_REASON = 'sms_spend_cap';

const label = (p: SmsProviderTable): string => `${p.name} (${SMS_TYPES[p.type].label})`;

export async function sendSmsThroughProviders(db: Db, now: number, http: HttpOptions & { publicUrl?: string }, rows: readonly NotificationTable[], to: string, msg: Message, note: RouteNote, signal?: AbortSignal): Promise<SmsRouteOutcome | null> {
  const orgId = rows[0]!.org_id;
  const providers = await store.listProviders(db, orgId);
  if (!providers.length) return null;
  const lead = [...rows].sort((a, b) => (a.id < b.id ? -1 : 1))[0]!;
  const history = await store.attemptsOf(db, orgId, lead.id);
  let seq = history.reduce((m, a) => Math.max(m, a.seq), 0);
  const body = smsText(msg);
  const results: DeliveryResult[] = [];
  const tried = new Set<string>();

  // Sent, and the node died before the outbox recorded it: done, through that provider; sending again could only duplicate.
  const done = history.find((a) => a.status === 'sent');
  const doneBy = done && providers.find((x) => x.id === done.provider_id);
  if (done) {
    await note(say('timeline.sms.alreadySent', { provider: doneBy ? label(doneBy) : say('timeline.sms.providerRemoved') }));
    return { result: done.carrier_id ? { kind: 'sent', providerId: done.carrier_id } : { kind: 'sent' }, via: doneBy ? label(doneBy) : null };
  }

  const open = history.find((a) => a.status === 'sending');
  if (open) {
    const p = providers.find((x) => x.id === open.provider_id);
    if (!p) await store.finishAttempt(db, orgId, open.id, { status: 'failed', reason: 'provider_removed', detail: 'the provider was removed before its interrupted try was resent', carrier_id: null, cost_micros: 0, finished_at: now });
    else {
      await note(say('timeline.sms.resending', { provider: label(p) }));
      const r = await sendOne(db, now, http, p, open, to, body, signal);
      if (r.kind === 'sent') return sent(db, now, orgId, p, r, false);
      results.push(r);
      tried.add(p.id);
      if (!failsOver(r)) return { result: r, via: null };
    }
  }

  const month = monthOf(now);
  const [spend, spent] = await Promise.all([store.getSpend(db, orgId), store.spentSince(db, orgId, month.start)]);
  const cap = spend?.monthly_cap_micros ?? null;
  const verdict = capVerdict(cap, spent, isLowUrgency(msg));
  if (verdict.block) {
    return { result: withDetail(permanent(SPEND_CAP_REASON), `the monthly SMS spend cap is reached (${money(spent)} of ${money(cap!)}): low-urgency SMS are not sent`), via: null };
  }
  if (verdict.exceeded) await note(say('timeline.sms.capExceeded', { spent: money(spent), cap: money(cap!) }));

  const queue = providers.filter((p) => !tried.has(p.id));
  for (const [i, p] of queue.entries()) {
    seq += 1;
    const attempt: SmsAttemptTable = { org_id: orgId, id: newId(now), notification_id: lead.id, seq, provider_id: p.id, idempotency_key: msg.idempotencyKey, status: 'sending', reason: null, detail: null, carrier_id: null, cost_micros: 0, started_at: now, finished_at: null, receipt: null, receipt_detail: null, receipt_at: null };
    if (!(await store.beginAttempt(db, attempt))) return { result: retryable('sms_attempt_taken'), via: null };
    const r = await sendOne(db, now, http, p, attempt, to, body, signal);
    if (r.kind === 'sent') return sent(db, now, orgId, p, r, verdict.exceeded);
    results.push(r);
    if (!failsOver(r)) return { result: r, via: null };
    const next = queue[i + 1];
    await note(say('timeline.sms.failed', { provider: label(p), reason: r.detail ? `${r.reason}: ${r.detail}` : r.reason, hasNext: next ? 'yes' : 'no', next: next ? label(next) : '' }));
  }
  // Every provider failed: worth another round later if any failure was transient.
  const why = results.map((r) => (r.kind === 'sent' ? '' : r.reason)).join(', ');
  const again = results.find((r): r is Extract<DeliveryResult, { kind: 'retryable' }> => r.kind === 'retryable');
  return { result: withDetail(again ? retryable('all_sms_providers_failed', again.retryAfterMs) : permanent('all_sms_providers_failed'), why), via: null };
}

async function sendOne(db: Db, now: number, http: HttpOptions & { publicUrl?: string }, p: SmsProviderTable, attempt: SmsAttemptTable, to: string, body: string, signal?: AbortSignal): Promise<DeliveryResult> {
  let r: DeliveryResult;
  try {
    const { publicUrl, ...options } = http;
    r = await buildSender(p, options, publicUrl ? `${publicUrl.replace(/\/+$/, '')}${inboundPath(p.id)}` : undefined).sendSms(to, body, signal, attempt.idempotency_key);
  } catch (err) {
    r = withDetail(retryable('adapter_error'), err instanceof Error ? err.message : String(err));
  }
  await store.finishAttempt(db, attempt.org_id, attempt.id, {
    status: r.kind === 'sent' ? 'sent' : 'failed',
    reason: r.kind === 'sent' ? null : r.reason,
    detail: r.kind === 'sent' ? null : (r.detail ?? null),
    carrier_id: r.kind === 'sent' ? (r.providerId ?? null) : null,
    cost_micros: r.kind === 'sent' ? p.cost_micros : 0,
    finished_at: now,
  });
  return r;
}

/** After a send: the 80% warning to admins, once a month. */
async function sent(db: Db, now: number, orgId: string, p: SmsProviderTable, r: DeliveryResult, exceeded: boolean): Promise<SmsRouteOutcome> {
  const month = monthOf(now);
  const [spend, spent] = await Promise.all([store.getSpend(db, orgId), store.spentSince(db, orgId, month.start)]);
  const cap = spend?.monthly_cap_micros ?? null;
  if (warningDue(cap, spent) && (await store.claimWarning(db, orgId, month.key))) {
    const admins = await listAdmins(db, orgId);
    const text = `SMS sent through Vigil's providers this month are estimated at ${money(spent)}, ${Math.floor((spent / cap!) * 100)}% of the monthly cap of ${money(cap!)}. At the cap, low-urgency SMS stop (people's next contact methods are used) and high-urgency pages still go out. Raise the cap or review the providers' costs in Settings → SMS providers.`;
    await queueNotice(db, orgId, admins.map((u) => u.id), { key: `sms-spend-80:${month.key}`, eventType: 'sms.spend_warning', subject: `SMS spend at ${Math.floor((spent / cap!) * 100)}% of the monthly cap`, text, now });
  }
  return { result: r, via: exceeded ? `${label(p)}, over the monthly spend cap` : label(p) };
}
