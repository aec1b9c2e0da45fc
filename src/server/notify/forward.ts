/**
 * Running both during a move (issue 16 item 4): an integration with a forward sends a copy of
 * every event it accepts to the tool being left. The copy is an outbox row (channel
 * `forward`) written in the event's own transaction, keyed by the event, so it is neither
 * lost (the 202 waits for the commit that holds it) nor queued twice (a batch run again
 * inserts the same key, which the outbox keeps once). The deliver module sends it with the
 * outbox's retries and backoff; failures show in the integration's `forward` health and
 * never touch ingest.
 *
 * The body goes out as it came in: for the Events API v2, with the forward's own
 * `routing_key` in place of the Vigil key; for Opsgenie, the same alert body, the path it
 * arrived on (`/v2/alerts`, `/v2/alerts/{id}/close?identifierType=alias`) and
 * `Authorization: GenieKey <api_key>`. Every request passes the outbound address policy
 * (channels/http.ts postHttp).
 */
import type { Kysely } from 'kysely';
import type { Database, NotificationTable } from '../storage/schema.js';
import type { ForwardSetting } from '../service/service.store.js';
import { permanent, type DeliveryResult } from './channel.js';
import { classifyStatus, postHttp, withDetail, type HttpOptions } from './channels/http.js';
import { outboxRow } from './outbox.js';
import * as outbox from './outbox.store.js';

type Db = Kysely<Database>;
export type ForwardStats = outbox.ForwardStats;

/** What a forward row carries: the path the event arrived on and its body as received. */
export interface ForwardCopy {
  /** Unique per accepted event (its request id): the outbox key. */
  eventId: string;
  /** `/v2/enqueue`, `/v2/change/enqueue`, `/v2/alerts`, `/v2/alerts/{id}/close?identifierType=…`. */
  path: string;
  body: unknown;
}

const keyOf = (integrationId: string, eventId: string) => `forward:${integrationId}:${eventId}`;

/** When the copies of earlier events of the same integration, not among `rows`, are still unsent: the time to wait until; else null. */
export async function forwardWaitsUntil(db: Db, rows: readonly NotificationTable[]): Promise<number | null> {
  const first = rows[0]!;
  const integrationId = first.forward_integration_id ?? forwardIntegrationOf(first);
  if (!integrationId) return null;
  return outbox.earlierUnsent(db, first.org_id, integrationId, first.id, rows.map((r) => r.id));
}

/** Queue the copy of one accepted event, in the caller's (the event's) transaction. */
export async function queueForward(db: Db, now: number, orgId: string, integrationId: string, copy: ForwardCopy): Promise<void> {
  await outbox.insertNotification(db, outboxRow({ orgId, key: keyOf(integrationId, copy.eventId), forwardIntegrationId: integrationId, kind: 'status', channel: 'forward', eventType: 'event.forward', payload: { integration_id: integrationId, path: copy.path, body: copy.body } }, now));
}

/** The integration a forward row copies an event of (its forward setting is read by the caller, a layer above). */
export function forwardIntegrationOf(row: NotificationTable): string | null {
  const p = JSON.parse(row.payload ?? '{}') as { integration_id?: string };
  return typeof p.integration_id === 'string' ? p.integration_id : null;
}

/**
 * Send one forward row with the integration's forward setting as it is now (`f`: null when it
 * no longer forwards). Never throws for a delivery problem; a forward removed since is a
 * permanent failure.
 */
export async function sendForward(f: ForwardSetting | null, http: HttpOptions, row: NotificationTable, signal?: AbortSignal): Promise<{ result: DeliveryResult; label: string }> {
  const p = JSON.parse(row.payload ?? '{}') as { path?: string; body?: unknown };
  if (!f || typeof p.path !== 'string') return { result: withDetail(permanent('forward_removed'), 'the integration no longer forwards its events'), label: 'forward' };
  const url = new URL(f.url + p.path);
  const headers = new Headers({ 'content-type': 'application/json', 'user-agent': 'Vigil forward' });
  let body = p.body;
  if (f.kind === 'events_v2' && body && typeof body === 'object' && !Array.isArray(body)) body = { ...(body as Record<string, unknown>), routing_key: f.key };
  if (f.kind === 'opsgenie') headers.set('authorization', `GenieKey ${f.key}`);
  const attempt = await postHttp(url, headers, JSON.stringify(body), http, signal);
  const label = `forward to ${url.origin}`;
  if ('failure' in attempt) return { result: attempt.failure, label };
  const result = classifyStatus(attempt.reply, (http.now ?? Date.now)());
  return { result: withDetail(result, attempt.reply.body.slice(0, 300)), label };
}

/** An integration's forward health: copies waiting (pending or being sent), copies given up, and the latest error. */
export async function forwardHealth(db: Db, orgId: string, integrationId: string): Promise<ForwardStats> {
  return outbox.forwardStats(db, orgId, integrationId);
}
