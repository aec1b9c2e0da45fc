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

export type IntegrationType = 'events_v2' | 'alertmanager';

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
}

export type Unused = Generated<number>;
