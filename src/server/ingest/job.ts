/**
 * What the ingest paths hand to the group committer: one event, with the integration and
 * service (or router) its key resolved to. Plain structured-cloneable data: a batch may run
 * on the writer thread (writer-thread.ts).
 */
import type { IntegrationTable, ServiceTable } from '../storage/schema.js';
import type { Channel } from '../incident/incident.js';
import type { RuleDecision } from './rules-stage.js';
import type { ForwardCopy } from '../notify/forward.js';
import type { AlertInput } from '../incident/trigger.service.js';

export interface ResolvedIntegration {
  integration: IntegrationTable;
  service: ServiceTable;
  router?: undefined;
}

/**
 * An organization-wide key: an event orchestration's integration. Events are routed to a
 * service by the router's rules; alerts are deduplicated by this key like a service's.
 */
export interface RouterKey {
  router: { orchestrationId: string };
  /** The orchestration's integration, as the alert's integration (dedup scope, agent). */
  integration: IntegrationTable;
  service: null;
}

export type KeyTarget = ResolvedIntegration | RouterKey;

/**
 * A request the sender will ask about later (Opsgenie's request id): recorded in the batch's
 * transaction, so every accepted request has a status (ingest/opsgenie/request.store.ts).
 */
export interface RequestTag {
  id: string;
  action: string;
}

/**
 * `forward`: the event as received, when its integration forwards to another tool
 * (notify/forward.ts); its copy is queued in the batch's transaction, whatever the rules decide.
 */
export type IngestJob = { forward?: ForwardCopy } & (
  // A trigger: the event's own fields are the alert's (trigger.service.ts AlertInput), as received.
  | ({
      kind: 'trigger';
      target: KeyTarget;
      decision?: RuleDecision;
      /** The sender's priority (Opsgenie P1–P5, resolved to the organization's priority); an event rule's priority wins. */
      priorityId?: string | null;
      note?: string;
      request?: RequestTag;
    } & Pick<AlertInput, 'channel' | 'dedupKey' | 'summary' | 'severity' | 'source' | 'details'>)
  | { kind: 'acknowledge' | 'resolve'; target: KeyTarget; channel: Channel; dedupKey: string; note?: string; request?: RequestTag }
  | { kind: 'change'; target: ResolvedIntegration; summary: string; source: string | null; timestamp: number; details: unknown }
  /** A generic webhook payload its mapping failed on: kept raw with the error, for admins (ingest/generic-webhook/). */
  | { kind: 'mapping_error'; target: ResolvedIntegration; error: string; payload: string }
);
