/** Row types of the audit records and handoff notification rules (0030), kept beside schema.ts, which lists them in Database. */

export type AuditRootType = 'service' | 'escalation_policy' | 'schedule' | 'user' | 'team';
export type AuditMethod = 'browser' | 'api_token' | 'other';

/** One change to a service, escalation policy, schedule, user or team (PagerDuty's audit record). */
export interface AuditRecordTable {
  org_id: string;
  id: string;
  at: number;
  root_type: AuditRootType;
  root_id: string;
  root_name: string | null;
  action: 'create' | 'update' | 'delete';
  method: AuditMethod;
  actor_user_id: string | null;
  actor_name: string | null;
  /** JSON: [{name, value?, before_value?}], secrets never. */
  fields: string;
}

export type HandoffType = 'oncall' | 'offcall' | 'both';

/** A member's on-call handoff notification rule (PagerDuty's oncall_handoff_notification_rule). */
export interface HandoffRuleTable {
  org_id: string;
  id: string;
  user_id: string;
  contact_method_id: string;
  handoff_type: HandoffType;
  notify_advance_in_minutes: number;
  /** Handoffs at or before checked_until + the advance have been noticed. */
  checked_until: number;
  created_at: number;
}

export interface AuditDatabase {
  audit_records: AuditRecordTable;
  handoff_rules: HandoffRuleTable;
}
