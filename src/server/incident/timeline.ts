/**
 * The timeline: every incident and service event is an append-only log entry, written in
 * the caller's transaction (`Tx`), so ingest can put many events in one commit and the
 * REST API one change in its own. Changes to publish are collected on the Tx and sent on
 * the bus after commit. Entries that webhook subscriptions hear about queue their webhook
 * events in the same transaction.
 */
import type { Kysely } from 'kysely';
import type { IncidentChange } from '../lib/bus.js';
import { newId } from '../lib/ids.js';
import type { Database, LogEntryTable } from '../storage/schema.js';
import type { IncidentEventType } from '../notify/channel.js';
import { queueSubscriptionEvents } from '../notify/notify.service.js';
import type { AgentRef, Channel } from './incident.js';
import * as store from './incident.store.js';
import type { IngestBatch } from './trigger.service.js';

export interface Tx {
  trx: Kysely<Database>;
  now: number;
  changes: IncidentChange[];
  /** Set by ingest when several events share one transaction (trigger.service.ts). */
  batch?: IngestBatch;
}

export async function appendLog(tx: Tx, orgId: string, serviceId: string, incidentId: string | null, type: string, summary: string, agent: AgentRef | null, channel: Channel, details?: unknown): Promise<string> {
  const id = newId(tx.now);
  const row: LogEntryTable = {
    org_id: orgId,
    id,
    incident_id: incidentId,
    service_id: serviceId,
    type,
    created_at: tx.now,
    agent: agent ? JSON.stringify(agent) : null,
    channel: JSON.stringify(channel),
    summary,
    details: details === undefined ? null : JSON.stringify(details),
  };
  const eventType = WEBHOOK_EVENT[type];
  if (tx.batch && !eventType) {
    tx.batch.pendingLogs.push(row);
    return id;
  }
  await store.insertLogEntry(tx.trx, row);
  // Webhook subscriptions hear of it in the same transaction: a committed change is never missing its webhook.
  if (eventType && incidentId) await queueSubscriptionEvents(tx.trx, tx.now, { orgId, serviceId, incidentId, logEntryId: id, eventType });
  return id;
}

/** Timeline entries that webhook subscriptions hear about, as webhooks v3 event types. */
const WEBHOOK_EVENT: Record<string, IncidentEventType> = {
  trigger_log_entry: 'incident.triggered',
  acknowledge_log_entry: 'incident.acknowledged',
  unacknowledge_log_entry: 'incident.unacknowledged',
  resolve_log_entry: 'incident.resolved',
  escalate_log_entry: 'incident.escalated',
  assign_log_entry: 'incident.reassigned',
  annotate_log_entry: 'incident.annotated',
  priority_change_log_entry: 'incident.priority_updated',
};

export function channelName(c: Channel): string {
  switch (c.type) {
    case 'events_api_v2':
      return 'the Events API';
    case 'alertmanager':
      return 'Alertmanager';
    case 'opsgenie':
      return 'the Opsgenie API';
    case 'api':
      return 'the API';
    case 'web_ui':
      return 'the website';
    case 'telegram':
      return 'Telegram';
    case 'voice':
      return 'a phone call';
    case 'matrix':
      return 'Matrix';
    default:
      return c.type;
  }
}

