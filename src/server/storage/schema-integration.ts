/** Row type of the integrations table (service/), kept beside schema.ts, which lists it in Database. */

export type IntegrationType = 'events_v2' | 'alertmanager' | 'heartbeat' | 'impact' | 'opsgenie' | 'generic_webhook' | 'email';

export interface IntegrationTable {
  org_id: string;
  id: string;
  service_id: string;
  type: IntegrationType;
  name: string;
  key_hash: string;
  key_hint: string;
  created_at: number;
  deleted_at: number | null;
  /** Heartbeat integrations: expected ping interval (seconds), when the next ping is due, and 'up' | 'down'. */
  heartbeat_interval: number | null;
  heartbeat_next_due: number | null;
  heartbeat_state: string | null;
  /** Running both during a move (0027): where every accepted event is also sent, unchanged (the other service's base URL); all three NULL when nothing is forwarded. */
  forward_url: string | null;
  forward_kind: 'events_v2' | 'opsgenie' | null;
  /** The other service's routing key (Events API v2) or API key (Opsgenie), sealed (lib/secret-box.ts); never answered. */
  forward_key: string | null;
  /** Generic webhook integrations (0041): `{preset, mapping}` as JSON (service/webhook-mapping.ts); NULL for other types. */
  webhook_mapping: string | null;
  /** Email integrations (0042): JSON EmailConfig (ingest/email/email-config.ts), the Mailgun signing key sealed; NULL for other types. */
  email_config: string | null;
}
