/** Row types of the analytics tables (0031), kept beside schema.ts, which lists them in Database. */

/**
 * The figures of one resolved incident, computed once by the analytics-facts engine module
 * (analytics/facts.service.ts) from the incident, its timeline and its alerts. A resolved
 * incident no longer changes in anything counted here (priority, urgency, alerts and
 * timeline acknowledgements and escalations are refused or absent once it is resolved), so
 * a row is written once and never updated. An incident without a row (open, or resolved
 * since the module's last pass) is read from the incident tables as before.
 */
export interface IncidentFactTable {
  org_id: string;
  incident_id: string;
  number: number;
  service_id: string;
  escalation_policy_id: string | null;
  title: string;
  urgency: 'high' | 'low';
  priority_id: string | null;
  created_at: number;
  resolved_at: number;
  /** The first acknowledgement on the timeline, even if later withdrawn; null: never acknowledged. */
  first_ack_at: number | null;
  first_escalation_at: number | null;
  escalations: number;
  manual_escalations: number;
  alerts: number;
  /** 1: an earlier incident of the same service and title (ignoring case and runs of spaces) was created at most 7 days before. */
  repeat: number;
}

export interface AnalyticsDatabase {
  incident_facts: IncidentFactTable;
}
