/** The REST shapes the pages use (a subset of what the API answers; see /api/v1/openapi.json). */
export interface Ref {
  id: string;
  type?: string;
  summary?: string | null;
}

export type IncidentStatus = 'triggered' | 'acknowledged' | 'resolved';
export type Urgency = 'high' | 'low';

export interface Incident {
  id: string;
  incident_number: number;
  title: string;
  status: IncidentStatus;
  urgency: Urgency;
  created_at: string;
  updated_at: string;
  resolved_at: string | null;
  service: Ref;
  escalation_policy: Ref | null;
  assignments: { at: string; assignee: Ref }[];
  acknowledgements: { at: string; acknowledger: Ref }[];
  alert_counts: { all: number; triggered: number; resolved: number };
  incident_key: string | null;
  body?: { details: string };
  /** People affected (issue 5), on services with an impact metric; GET /incidents/:id only. */
  impact?: {
    label: string;
    unit_label: string;
    shortfall: { estimate: number; low: number; high: number };
    net: { estimate: number; low: number; high: number };
    window_start: string;
    window_end: string;
    frozen: boolean;
  } | null;
}

export interface LogEntry {
  id: string;
  type: string;
  summary: string;
  created_at: string;
  agent: Ref | null;
  channel: { type: string };
  note?: string;
}

export interface Alert {
  id: string;
  summary: string;
  status: string;
  severity: string;
  alert_key: string;
  count: number;
  created_at: string;
  last_seen_at: string;
  body: { details: unknown };
}

export interface PublicUpdate {
  id: string;
  status: string;
  message: string;
  created_at: string;
  author: { id: string; name: string | null } | null;
}

export interface Service {
  id: string;
  name: string;
  description: string | null;
  status: string;
  escalation_policy: Ref | null;
  integrations: Ref[];
  last_incident_timestamp: string | null;
}

export interface Integration {
  id: string;
  name: string;
  vigil_type: 'events_v2' | 'alertmanager' | 'heartbeat';
  integration_key?: string;
  integration_key_hint: string;
  ingest_url: string;
  created_at: string;
  heartbeat?: { interval_seconds: number; state: string; next_due_at: string | null };
}

export interface User {
  id: string;
  name: string;
  email: string;
  role: string;
  time_zone: string | null;
}

export interface Session {
  user: User;
  organization: { id: string; name: string; time_zone: string };
  csrf_token: string;
  expires_at: string | null;
  has_password: boolean;
  email_configured: boolean;
}

export interface Oncall {
  user: Ref;
  schedule: Ref | null;
  escalation_policy: Ref | null;
  escalation_level: number | null;
  start: string | null;
  end: string | null;
}

export interface ReadinessItem {
  user: Ref;
  on_call_now: boolean;
  first_shift_start: string;
  reason: string;
  detail: string;
}

export interface ContactMethod {
  id: string;
  type: string;
  label: string;
  address: string;
  verified: boolean;
  verification_pending: boolean;
}

export interface NotificationRule {
  id: string;
  start_delay_in_minutes: number;
  urgency: Urgency;
  contact_method: Ref;
}

export interface StatusSettings {
  slug: string;
  title: string;
  enabled: boolean;
  components: { service_id: string; name: string; group: string }[];
  public_url: string;
}

export interface PublicStatus {
  title: string;
  state: 'operational' | 'degraded' | 'outage' | 'maintenance';
  updated_at: string;
  groups: { name: string; components: { id: string; name: string; state: string }[] }[];
  incidents: { id: string; status: string; impact: string; components: string[]; started_at: string; resolved_at: string | null; updates: { status: string; message: string; created_at: string }[] }[];
}

export interface RenderedEntry {
  start: string;
  end: string;
  user: Ref | null;
}

export interface Restriction {
  type: string;
  start_time_of_day: string;
  duration_seconds: number;
  start_day_of_week?: number | null;
}

export interface ScheduleLayer {
  id: string;
  name: string;
  start: string;
  end: string | null;
  rotation_virtual_start: string;
  rotation_turn_length: { unit: string; count: number };
  users: { user: Ref }[];
  restrictions: Restriction[];
  open_shifts?: boolean;
  rendered_schedule_entries?: RenderedEntry[];
}

export interface Schedule {
  id: string;
  name: string;
  description: string | null;
  time_zone: string;
  schedule_layers: ScheduleLayer[];
  final_schedule: { rendered_schedule_entries: RenderedEntry[]; rendered_coverage_percentage: number | null };
  overrides_subschedule?: { rendered_schedule_entries: RenderedEntry[] };
}

export interface EscalationPolicy {
  id: string;
  name: string;
  description: string | null;
  num_loops: number;
  escalation_rules: { id?: string; escalation_delay_in_minutes: number; targets: Ref[] }[];
}
