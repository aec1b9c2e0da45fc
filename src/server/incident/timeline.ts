/**
 * The timeline: every incident and service event is an append-only log entry, written in
 * the caller's transaction (`Tx`), so ingest can put many events in one commit and the
 * REST API one change in its own. Changes to publish are collected on the Tx and sent on
 * the bus after commit. Entries that webhook subscriptions hear about queue their webhook
 * events in the same transaction.
 */
import type { Kysely } from 'kysely';
import type { IncidentChange } from '../lib/bus.js';
import { say, word, type MessageId, type Wording } from '../lib/i18n/translate.js';
import { newId } from '../lib/ids.js';
import type { Database, LogEntryTable } from '../storage/schema.js';
import type { IncidentEventType } from '../notify/channel.js';
import { queueSubscriptionEvents } from '../notify/notify.service.js';
import type { AgentRef, Channel } from './incident.js';
import * as logStore from './log-entry.store.js';
import type { IngestBatch } from './trigger.service.js';
import { readerBeside } from '../storage/reader-beside.js';

export interface Tx {
  trx: Kysely<Database>;
  now: number;
  changes: IncidentChange[];
  /** Set by ingest when several events share one transaction (trigger.service.ts). */
  batch?: IngestBatch;
  /** The database the transaction belongs to, where a caller lets reads go beside it (`readBeside`). */
  db?: Kysely<Database>;
}

/**
 * Where this transaction reads rows it neither wrote nor locks: beside it on PostgreSQL when
 * the caller gave its database and the pool has room (storage/reader-beside.ts `readerBeside`),
 * otherwise in it. Asked at each read, so the pool's room is judged when the read is made.
 */
export function readBeside(tx: Tx): Kysely<Database> {
  return tx.db ? readerBeside(tx.db, tx.trx) : tx.trx;
}

/**
 * Add an entry. `text` is a Wording when Vigil wrote it (each reader reads it in their
 * language; the English is kept as `summary`), a string when it is a person's own words.
 */
export async function appendLog(tx: Tx, orgId: string, serviceId: string, incidentId: string | null, type: string, text: string | Wording, agent: AgentRef | null, channel: Channel, details?: unknown): Promise<string> {
  const id = newId(tx.now);
  const worded = typeof text !== 'string';
  const row: LogEntryTable = {
    org_id: orgId,
    id,
    incident_id: incidentId,
    service_id: serviceId,
    type,
    created_at: tx.now,
    agent: agent ? JSON.stringify(agent) : null,
    channel: JSON.stringify(channel),
    summary: worded ? word('en', text) : text,
    details: details === undefined ? null : JSON.stringify(details),
    wording: worded ? JSON.stringify(text) : null,
  };
  const eventType = WEBHOOK_EVENT[type];
  if (tx.batch && !eventType) {
    tx.batch.pendingLogs.push(row);
    return id;
  }
  if (!eventType || !incidentId) {
    await logStore.insertLogEntry(tx.trx, row);
    return id;
  }
  // Webhook subscriptions hear of it in the same transaction: a committed change is never missing
  // its webhook. Which subscriptions there are is read beside the entry's insert where it can be.
  await Promise.all([logStore.insertLogEntry(tx.trx, row), queueSubscriptionEvents(tx.trx, tx.now, { orgId, serviceId, incidentId, logEntryId: id, eventType }, readBeside(tx))]);
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

/** Where a change came from, as a phrase (`the website`); a channel without a name of its own by its type. */
export function channelName(c: Channel): Wording | string {
  return Object.hasOwn(CHANNEL_NAME, c.type) ? say(CHANNEL_NAME[c.type]!) : c.type;
}

const CHANNEL_NAME: Record<string, MessageId> = {
  events_api_v2: 'timeline.via.events_api_v2',
  alertmanager: 'timeline.via.alertmanager',
  opsgenie: 'timeline.via.opsgenie',
  api: 'timeline.via.api',
  web_ui: 'timeline.via.web_ui',
  telegram: 'timeline.via.telegram',
  voice: 'timeline.via.voice',
  matrix: 'timeline.via.matrix',
};

