/**
 * Row types for every table. Instants are epoch milliseconds (BIGINT on PostgreSQL,
 * INTEGER on SQLite); JSON is stored as TEXT on both dialects so one query layer
 * serves both. Every table leads with `org_id`.
 */
import type { Generated } from 'kysely';

export interface OrganizationTable {
  id: string;
  org_id: string;
  name: string;
  time_zone: string;
  incident_seq: number;
  created_at: number;
}

export type Role = 'owner' | 'admin' | 'responder' | 'volunteer' | 'observer';

export interface UserTable {
  org_id: string;
  id: string;
  name: string;
  email: string;
  role: Role;
  time_zone: string | null;
  created_at: number;
  deleted_at: number | null;
}

export interface ApiTokenTable {
  org_id: string;
  id: string;
  user_id: string;
  token_hash: string;
  description: string;
  created_at: number;
  revoked_at: number | null;
}

export interface ServiceTable {
  org_id: string;
  id: string;
  name: string;
  description: string | null;
  status: 'active' | 'disabled' | 'maintenance';
  escalation_policy_id: string | null;
  urgency_rule: 'high' | 'low' | 'severity_based';
  acknowledgement_timeout: number | null;
  auto_resolve_timeout: number | null;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

export type IntegrationType = 'events_v2' | 'alertmanager' | 'heartbeat';

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
}

export type AlertStatus = 'triggered' | 'acknowledged' | 'resolved';

export interface AlertTable {
  org_id: string;
  id: string;
  integration_id: string;
  service_id: string;
  incident_id: string;
  dedup_key: string;
  /** 1 while the alert is open, NULL once resolved: the unique index (org, integration, key, open) then admits one open alert per key. */
  open: number | null;
  status: AlertStatus;
  severity: string;
  summary: string;
  source: string | null;
  details: string;
  count: number;
  first_seen_at: number;
  last_seen_at: number;
  resolved_at: number | null;
}

export type IncidentStatus = 'triggered' | 'acknowledged' | 'resolved';

export interface IncidentTable {
  org_id: string;
  id: string;
  number: number;
  service_id: string;
  title: string;
  status: IncidentStatus;
  urgency: 'high' | 'low';
  incident_key: string | null;
  /** 'alerts' while an alert-grouping incident is open, NULL otherwise: one open grouping incident per service. */
  open_group: string | null;
  body: string | null;
  created_at: number;
  updated_at: number;
  last_status_change_at: number;
  last_status_change_by: string | null;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  resolved_at: number | null;
  resolved_by: string | null;
  assigned_via: 'escalation_policy' | 'direct_assignment';
  escalation_policy_id: string | null;
  /** JSON PolicySnapshot frozen when the incident triggered (escalation/snapshot.ts). */
  escalation_snapshot: string | null;
  /** Index of the level that fires next (or last fired, once exhausted). */
  escalation_level: number;
  escalation_loop: number;
  /** When the escalate module must act next; NULL when nothing is due (acknowledged, resolved, exhausted). */
  next_step_at: number | null;
  escalation_epoch: number;
}

export interface ScheduleTable {
  org_id: string;
  id: string;
  name: string;
  description: string | null;
  time_zone: string;
  /** JSON Layer[] (schedule/schedule.ts). */
  layers: string;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

export interface ScheduleOverrideTable {
  org_id: string;
  id: string;
  schedule_id: string;
  user_id: string;
  start: number;
  end: number;
  created_at: number;
}

export interface EscalationPolicyTable {
  org_id: string;
  id: string;
  name: string;
  description: string | null;
  num_loops: number;
  /** JSON EscalationRule[] (escalation/policy.ts). */
  rules: string;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

export type ContactMethodType = 'email' | 'sms' | 'phone' | 'webhook' | 'slack';

export interface ContactMethodTable {
  org_id: string;
  id: string;
  user_id: string;
  type: ContactMethodType;
  address: string;
  label: string;
  verified_at: number | null;
  verification_code_hash: string | null;
  verification_expires_at: number | null;
  verification_attempts: number;
  secret: string | null;
  created_at: number;
  deleted_at: number | null;
}

export interface NotificationRuleTable {
  org_id: string;
  id: string;
  user_id: string;
  contact_method_id: string;
  start_delay_in_minutes: number;
  urgency: 'high' | 'low';
  created_at: number;
}

export interface CalendarFeedTable {
  org_id: string;
  id: string;
  kind: 'user' | 'schedule';
  target_id: string;
  token_hash: string;
  created_at: number;
  revoked_at: number | null;
}

export interface AssignmentTable {
  org_id: string;
  incident_id: string;
  user_id: string;
  at: number;
}

export interface LogEntryTable {
  org_id: string;
  id: string;
  incident_id: string | null;
  service_id: string;
  type: string;
  created_at: number;
  agent: string | null;
  channel: string;
  summary: string;
  details: string | null;
}

export interface ChangeEventTable {
  org_id: string;
  id: string;
  service_id: string;
  integration_id: string;
  summary: string;
  source: string | null;
  timestamp: number;
  details: string;
  created_at: number;
}

export type NotificationStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'cancelled';
export type ChannelName = 'webhook' | 'email' | 'slack' | 'sms' | 'voice';

export interface NotificationTable {
  org_id: string;
  id: string;
  incident_id: string | null;
  user_id: string | null;
  contact_method_id: string | null;
  subscription_id: string | null;
  channel: ChannelName;
  kind: 'page' | 'status' | 'verification' | 'test';
  event_type: string;
  status: NotificationStatus;
  attempts: number;
  next_attempt_at: number;
  /** While 'sending': the claim expires here; a row still 'sending' after it was claimed by a node that died. */
  claimed_until: number | null;
  idempotency_key: string;
  /** incident:epoch:loop:level of the escalation step that created it (to find the person's next method). */
  step_key: string | null;
  payload: string | null;
  last_error: string | null;
  provider_id: string | null;
  created_at: number;
  sent_at: number | null;
}

export interface EscalationStepTable {
  org_id: string;
  incident_id: string;
  epoch: number;
  loop: number;
  level: number;
  fired_at: number;
  due_at: number;
}

export interface WebhookSubscriptionTable {
  org_id: string;
  id: string;
  url: string;
  secret: string;
  description: string | null;
  events: string;
  filter_type: 'account_reference' | 'service_reference';
  filter_id: string | null;
  active: number;
  custom_headers: string;
  consecutive_failures: number;
  disabled_until: number | null;
  created_at: number;
  deleted_at: number | null;
}

export interface ActionTokenTable {
  org_id: string;
  id: string;
  token_hash: string;
  incident_id: string;
  user_id: string;
  action: 'acknowledge' | 'resolve';
  channel: 'email' | 'slack' | 'sms';
  expires_at: number;
  used_at: number | null;
  created_at: number;
}

export interface Database {
  organizations: OrganizationTable;
  users: UserTable;
  api_tokens: ApiTokenTable;
  services: ServiceTable;
  integrations: IntegrationTable;
  alerts: AlertTable;
  incidents: IncidentTable;
  incident_assignments: AssignmentTable;
  log_entries: LogEntryTable;
  change_events: ChangeEventTable;
  schedules: ScheduleTable;
  schedule_overrides: ScheduleOverrideTable;
  escalation_policies: EscalationPolicyTable;
  contact_methods: ContactMethodTable;
  notification_rules: NotificationRuleTable;
  calendar_feeds: CalendarFeedTable;
  notifications: NotificationTable;
  escalation_steps: EscalationStepTable;
  webhook_subscriptions: WebhookSubscriptionTable;
  action_tokens: ActionTokenTable;
}

export type Unused = Generated<number>;
