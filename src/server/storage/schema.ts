/**
 * Row types for every table. Instants are epoch milliseconds (BIGINT on PostgreSQL, INTEGER on SQLite); JSON is stored as TEXT on both
 * dialects so one query layer serves both. Every table leads with `org_id`. Tables of one area are in schema-<area>.ts beside this file
 * (account, status page, impact, volunteers, SMS providers, integrations, ...); Database lists them all.
 */
import type { Generated } from 'kysely';
import type { SmsDatabase } from './schema-sms.js';
import type { CollabDatabase } from './schema-collab.js';
import type { AnalyticsDatabase } from './schema-analytics.js';
export type * from './schema-analytics.js';
export type * from './schema-sms.js';
export type * from './schema-collab.js';
import type { AuditDatabase } from './schema-audit.js';
export type * from './schema-audit.js';
import type { IntegrationTable } from './schema-integration.js';
export type * from './schema-integration.js';
import type { TestPageDatabase } from './schema-test-pages.js';
export type * from './schema-test-pages.js';
import type { TeamDatabase } from './schema-teams.js';
export type * from './schema-teams.js';
import type { VolunteerDatabase } from './schema-volunteer.js';
export type * from './schema-volunteer.js';
import type { ImpactDatabase } from './schema-impact.js';
export type * from './schema-impact.js';
import type { StatusPageDatabase } from './schema-status-page.js';
export type * from './schema-status-page.js';
import type { AccountDatabase } from './schema-account.js';
export type * from './schema-account.js';

export interface OrganizationTable {
  id: string;
  org_id: string;
  name: string;
  time_zone: string;
  incident_seq: number;
  created_at: number;
  /** JSON AlertGrouping (incident/grouping.ts) new services start with; NULL: none (each alert its own incident). */
  default_alert_grouping: string | null;
  /** Hands out maintenance windows' sequence numbers. */
  maintenance_seq: number;
  /** The language of members who chose none (BCP 47, e.g. `en-US`; lib/i18n). */
  default_locale?: string;
}

export type Role = 'owner' | 'admin' | 'responder' | 'volunteer' | 'observer';

export interface UserTable {
  org_id: string;
  id: string;
  name: string;
  email: string;
  role: Role;
  time_zone: string | null;
  /** The member's language (BCP 47, e.g. `fr-FR`; lib/i18n); NULL (or absent on insert): the organization's default_locale. */
  locale?: string | null;
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
  /** What the token may do, within its member's role: read, incidents_write (read and act on incidents), full. */
  scope: TokenScope;
  expires_at: number | null;
  /** When it was last used (to the minute: written at most once a minute). */
  last_used_at: number | null;
}

export type TokenScope = 'read' | 'incidents_write' | 'full';

export interface ServiceTable {
  org_id: string;
  id: string;
  name: string;
  description: string | null;
  status: 'active' | 'disabled' | 'maintenance';
  escalation_policy_id: string | null;
  /** 'use_support_hours': urgency_during inside support_hours, urgency_outside outside them. */
  urgency_rule: 'high' | 'low' | 'severity_based' | 'use_support_hours';
  urgency_during: 'high' | 'low' | 'severity_based' | null;
  urgency_outside: 'high' | 'low' | 'severity_based' | null;
  /** JSON SupportHours (service/support-hours.ts), or NULL. */
  support_hours: string | null;
  /** JSON ScheduledAction[], or NULL. */
  scheduled_actions: string | null;
  /** When the next scheduled urgency change is due (the engine's timer row). */
  urgency_change_at: number | null;
  /** JSON {enabled, timeout} (PagerDuty's auto_pause_notifications_parameters), or NULL. */
  auto_pause: string | null;
  /** JSON AlertGrouping (incident/grouping.ts); NULL: each alert opens its own incident. */
  alert_grouping: string | null;
  acknowledgement_timeout: number | null;
  auto_resolve_timeout: number | null;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
  built_in: 'vigil_health' | null; // what Vigil made for itself ('vigil_health': the self-checks' service); NULL for services people create
}

/** `suppressed`: stored and shown, in no incident, nobody paged (an event rule or a maintenance window). */
export type AlertStatus = 'triggered' | 'acknowledged' | 'resolved' | 'suppressed';

export interface AlertTable {
  org_id: string;
  id: string;
  integration_id: string;
  /** NULL for an event an organization's router sent nowhere (suppressed, unrouted). */
  service_id: string | null;
  /** NULL for a suppressed alert. */
  incident_id: string | null;
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
  suppressed_by: 'rule' | 'maintenance' | null;
  /** JSON RuleMatch[]: the event rules that matched its latest trigger. */
  rule_match: string | null;
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
  /** The alert group this incident accepts alerts for (incident/grouping.ts), NULL when it takes no more: unique per service. */
  open_group: string | null;
  /** The group's window closes here (NULL: until resolved). */
  group_until: number | null;
  /** JSON of the grouped field values (content-based grouping). */
  group_fields: string | null;
  priority_id: string | null;
  /** Snoozed: acknowledged until this instant, then triggered again. */
  snoozed_until: number | null;
  /** Notifications paused (an event rule or the service's auto-pause): nobody is paged before this instant. */
  paused_until: number | null;
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

export type ContactMethodType = 'email' | 'sms' | 'phone' | 'webhook' | 'slack' | 'ntfy' | 'push_notification' | 'telegram' | ChatOpsType;
/** Discord and Teams webhook URLs, Matrix rooms (issue 15 item 4). */
export type ChatOpsType = 'discord' | 'teams' | 'matrix';

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
  matrix_user_id?: string | null; // matrix: the Matrix user whose replies act as the owner (0026)
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
  /** JSON `Wording` (lib/i18n/translate.ts): the summary as a catalog message, worded in the reader's language; NULL for a person's own words. */
  wording: string | null;
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
/** `forward`: an accepted event's copy to another Events API or Opsgenie endpoint (notify/forward.ts). */
export type ChannelName = 'forward' | 'webhook' | 'email' | 'slack' | 'sms' | 'voice' | 'ntfy' | 'push' | 'telegram' | ChatOpsType;

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
  /** A forward row (channel `forward`): the integration whose accepted event it copies; else null. */
  forward_integration_id: string | null;
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
  /** PagerDuty's `oauth_client_id`: the OAuth client the subscription belongs to (stored and shown). */
  oauth_client_id: string | null;
}

export interface ActionTokenTable {
  org_id: string;
  id: string;
  token_hash: string;
  incident_id: string;
  user_id: string;
  action: 'acknowledge' | 'resolve' | 'keypress'; // keypress: a call's <Gather>, the key decides
  channel: 'email' | 'slack' | 'sms' | 'voice' | 'ntfy' | 'push' | 'telegram' | ChatOpsType;
  expires_at: number;
  used_at: number | null;
  created_at: number;
}

/** Web Push: an organization's VAPID key pairs (base64url; the private key is never answered). */
export interface VapidKeyTable {
  org_id: string;
  id: string;
  public_key: string;
  private_key: string;
  created_at: number;
  retired_at: number | null;
}

/** Matrix replies (0026): the organization's bot read through /sync (token sealed by matrix-sync.store.ts), its position, timer and claim. */
export interface MatrixSyncTable { org_id: string; homeserver: string; access_token: string; bot_user_id: string; since: string | null; next_sync_at: number; claimed_until: number | null; last_sync_at: number | null; last_error: string | null; created_at: number; updated_at: number }

/** Telegram: an organization's bot (token and webhook secret sealed at rest by telegram.store.ts). */
export interface TelegramBotTable {
  org_id: string;
  /** The inbound webhook's path segment: names the organization, not a secret. */
  id: string;
  bot_token: string;
  api_base_url: string;
  webhook_secret: string;
  bot_username: string | null;
  webhook_set_at: number | null;
  created_at: number;
  updated_at: number;
}

/** Telegram: a one-time `/start` code that links a chat to a person (only its hash). */
export interface TelegramLinkCodeTable {
  org_id: string;
  id: string;
  user_id: string;
  code_hash: string;
  expires_at: number;
  used_at: number | null;
  created_at: number;
}

/** An organization's global event orchestration (migration 0009): an org-wide routing key and a router. */
export interface EventOrchestrationTable {
  org_id: string;
  id: string;
  name: string;
  description: string;
  version: number;
  created_at: number;
  created_by: string | null;
  updated_at: number;
  updated_by: string | null;
}

/** A routing key of an event orchestration; only its SHA-256 is kept, the key is shown once. */
export interface EventOrchestrationIntegrationTable {
  org_id: string;
  id: string;
  orchestration_id: string;
  label: string;
  key_hash: string;
  key_hint: string;
  created_at: number;
}

/** Rules: an orchestration's router or unrouted path, or a service's path (JSON OrchestrationPathDef, rules/rules.ts). */
export interface EventOrchestrationPathTable {
  org_id: string;
  kind: 'router' | 'unrouted' | 'service';
  /** The orchestration (router, unrouted) or the service (service). */
  parent_id: string;
  path: string;
  version: number;
  active: number;
  created_at: number;
  created_by: string | null;
  updated_at: number;
  updated_by: string | null;
}

export interface Database extends AccountDatabase, StatusPageDatabase, ImpactDatabase, VolunteerDatabase, SmsDatabase, CollabDatabase, TestPageDatabase, AnalyticsDatabase, AuditDatabase, TeamDatabase {
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
  vapid_keys: VapidKeyTable;
  telegram_bots: TelegramBotTable;
  telegram_link_codes: TelegramLinkCodeTable;
  matrix_syncs: MatrixSyncTable;
  priorities: PriorityTable;
  postmortems: PostmortemTable;
  postmortem_action_items: ActionItemTable;
  maintenance_windows: MaintenanceWindowTable;
  maintenance_window_services: MaintenanceWindowServiceTable;
  event_orchestrations: EventOrchestrationTable;
  event_orchestration_integrations: EventOrchestrationIntegrationTable;
  event_orchestration_paths: EventOrchestrationPathTable;
  opsgenie_requests: OpsgenieRequestTable;
  webhook_mapping_errors: WebhookMappingErrorTable;
  import_mappings: ImportMappingTable;
}

/** A generic webhook payload its integration's mapping failed on (ingest/generic-webhook/): kept raw with the error, for admins. */
export interface WebhookMappingErrorTable {
  org_id: string;
  id: string;
  integration_id: string;
  error: string;
  /** The body as received (JSON text, or the form fields as a JSON object). */
  payload: string;
  created_at: number;
}

/** An Opsgenie Alert API request (ingest/opsgenie/): what `GET /v2/alerts/requests/{id}` reports. */
export interface OpsgenieRequestTable {
  org_id: string;
  id: string;
  integration_id: string;
  /** Opsgenie's action name: Create, Acknowledge, Close, AddNote. */
  action: string;
  dedup_key: string | null;
  alert_id: string | null;
  /** 1 or 0 when known at write time; NULL: read from the alert the key named at created_at. */
  success: number | null;
  status: string | null;
  created_at: number;
}

/** PagerDuty's incident priorities, per organization; rank 1 is the most severe. */
export interface PriorityTable {
  org_id: string;
  id: string;
  name: string;
  description: string | null;
  rank: number;
  color: string | null;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

export interface MaintenanceWindowTable {
  org_id: string;
  id: string;
  sequence_number: number;
  description: string | null;
  start_time: number;
  /** For a recurring window, the end of its first occurrence. */
  end_time: number;
  /** RFC 5545 RRULE read in time_zone, or NULL for a one-off window. */
  recurrence: string | null;
  time_zone: string | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
  /** The engine's timer row: the next start or end of an occurrence it has to act on. */
  next_transition_at: number | null;
  /** Start of the occurrence in progress as the engine last set it; NULL outside one. */
  active_since: number | null;
  /** Ended early (DELETE of a window that had begun): nothing of it after this instant. */
  ended_at: number | null;
}

export interface MaintenanceWindowServiceTable {
  org_id: string;
  window_id: string;
  service_id: string;
}

export type Unused = Generated<number>;

export type PostmortemStatus = 'draft' | 'in_review' | 'published';

/** A review of a resolved incident (one per incident), Markdown. */
export interface PostmortemTable {
  org_id: string;
  id: string;
  incident_id: string;
  title: string;
  status: PostmortemStatus;
  body: string;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  published_at: number | null;
}

export type ActionItemStatus = 'open' | 'in_progress' | 'done' | 'wont_do';

/** Something to do after an incident: an owner, a due date (a day in the organization's zone) and a status. */
export interface ActionItemTable {
  org_id: string;
  id: string;
  postmortem_id: string;
  incident_id: string;
  summary: string;
  owner_id: string;
  /** YYYY-MM-DD in the organization's zone. */
  due_date: string;
  /** The first instant after the due date (midnight that ends it, in the organization's zone): overdue from here. */
  due_at: number;
  status: ActionItemStatus;
  /** When the overdue reminder fires next; NULL once done or dropped. */
  next_reminder_at: number | null;
  reminders_sent: number;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
}

/** `vigil import`: source object → the Vigil object made from it (0019). */
export interface ImportMappingTable { org_id: string; source: string; kind: string; source_id: string; vigil_id: string; created_at: number }
