/**
 * What goes into the outbox, as data. `outboxRow` is the one place a notification row is
 * built: every message Vigil sends (a page, a webhook event, a verification code, a test,
 * a notice) starts here and is written by notify.service.ts in its caller's transaction.
 *
 * The idempotency key names one logical message: inserting the same key twice keeps the
 * first row (outbox.store.ts), so a step or an event replayed after a crash queues nothing
 * new, and a message resent after a crash carries the same key to the recipient.
 */
import { newId } from '../lib/ids.js';
import type { ChannelName, NotificationTable } from '../storage/schema.js';
import type { IncidentEventType } from './channel.js';

export interface OutboxMessage {
  orgId: string;
  /** Stable for one logical message (see above). */
  key: string;
  kind: NotificationTable['kind'];
  channel: ChannelName;
  eventType: IncidentEventType | 'coverage.digest' | (string & {});
  /** When to send (defaults to now). */
  dueAt?: number;
  incidentId?: string | null;
  userId?: string | null;
  contactMethodId?: string | null;
  subscriptionId?: string | null;
  /** The escalation step (incident:epoch:loop:level) that paged: a permanent failure moves on to the person's next method of the same step. */
  stepKey?: string | null;
  /** Kind-specific content, stored as JSON: a code, a notice, the log entry a webhook event reports. */
  payload?: unknown;
  /** A forward (channel `forward`): the integration whose event it copies (its health and order are read by it). */
  forwardIntegrationId?: string;
}

export function outboxRow(m: OutboxMessage, now: number): NotificationTable {
  return {
    org_id: m.orgId,
    id: newId(now),
    incident_id: m.incidentId ?? null,
    user_id: m.userId ?? null,
    contact_method_id: m.contactMethodId ?? null,
    subscription_id: m.subscriptionId ?? null,
    channel: m.channel,
    kind: m.kind,
    event_type: m.eventType,
    status: 'pending',
    attempts: 0,
    next_attempt_at: m.dueAt ?? now,
    claimed_until: null,
    idempotency_key: m.key,
    step_key: m.stepKey ?? null,
    payload: m.payload === undefined ? null : JSON.stringify(m.payload),
    last_error: null,
    provider_id: null,
    created_at: now,
    sent_at: null,
    forward_integration_id: m.forwardIntegrationId ?? null,
  };
}
