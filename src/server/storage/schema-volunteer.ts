/** Row types of volunteer responders: profiles, pools, pages, hours, open shifts, trades, digests and intense incidents, and the access audit log; kept beside schema.ts, which lists them in Database. */

/** Volunteer responders: the organization's terms version and the value of a volunteer hour. */
export interface VolunteerSettingsTable {
  org_id: string;
  terms_version: string | null;
  terms_url: string | null;
  value_per_hour: number | null;
  currency: string | null;
  updated_at: number;
}

/** A company whose employees volunteer (e.g. under the 1% time pledge); employee_count sets the pledge target. */
export interface PartnerCompanyTable {
  org_id: string;
  id: string;
  name: string;
  employee_count: number;
  contact_email: string | null;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

/** The volunteer profile of a user with role `volunteer`, per organization (a person volunteering for two organizations has two). */
export interface VolunteerTable {
  org_id: string;
  user_id: string;
  company_id: string | null;
  /** JSON string[]. */
  skills: string;
  time_zone: string;
  /** JSON AvailabilityWindow[] (volunteer/availability.ts), read in time_zone. */
  availability: string;
  status: 'active' | 'paused';
  paused_at: number | null;
  pause_reason: string | null;
  consent_version: string | null;
  consented_at: number | null;
  references_checked: number;
  background_checked: number;
  vetting_note: string | null;
  vetted_by: string | null;
  vetted_at: number | null;
  weekly_hour_cap: number | null;
  min_rest_hours: number | null;
  pages_per_shift: number | null;
  cooldown_hours: number | null;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

export interface VolunteerUnavailabilityTable {
  org_id: string;
  id: string;
  user_id: string;
  start: number;
  end: number;
  reason: string | null;
  created_at: number;
}

export interface VolunteerPoolTable {
  org_id: string;
  id: string;
  name: string;
  description: string | null;
  strategy: 'all' | 'round_robin';
  round_robin_timeout_minutes: number;
  requires_references: number;
  requires_background_check: number;
  /** JSON string[]. */
  required_skills: string;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

export interface VolunteerPoolMemberTable {
  org_id: string;
  pool_id: string;
  user_id: string;
  joined_at: number;
}

/** A page a pool sent to a volunteer (pages per shift, least-recent-page fairness, round-robin hand-over). */
export interface VolunteerPageTable {
  org_id: string;
  id: string;
  user_id: string;
  pool_id: string;
  incident_id: string;
  step_key: string;
  paged_at: number;
  shift_start: number | null;
  shift_end: number | null;
  epoch: number;
  next_level: number;
  next_loop: number;
  follow_up_at: number | null;
  followed_up_at: number | null;
}

/** A coordinator's approval of a volunteer's hours for a month, with the hours approved. */
export interface VolunteerHourApprovalTable {
  org_id: string;
  user_id: string;
  month: string;
  on_call_ms: number;
  response_ms: number;
  total_ms: number;
  note: string | null;
  approved_by: string;
  approved_at: number;
}

/** Who accessed or changed what, and when (volunteer access is audited on every request). */
export interface AuditLogTable {
  org_id: string;
  id: string;
  user_id: string | null;
  action: string;
  resource: string;
  at: number;
}

/** A volunteer's claim of an open shift (migration 0007); the override `override_id` puts them on call. */
export interface OpenShiftClaimTable {
  org_id: string;
  id: string;
  schedule_id: string;
  layer_id: string;
  slot_start: number;
  slot_end: number;
  user_id: string;
  start: number;
  end: number;
  override_id: string;
  status: 'active' | 'released';
  created_by: string;
  created_at: number;
  released_at: number | null;
}

/** A shift offer or swap (migration 0007). The holder stays on call until it is accepted. */
export interface ShiftTradeTable {
  org_id: string;
  id: string;
  kind: 'offer' | 'swap';
  schedule_id: string;
  holder_id: string;
  start: number;
  end: number;
  to_user_id: string | null;
  counter_schedule_id: string | null;
  counter_start: number | null;
  counter_end: number | null;
  status: 'pending' | 'accepted' | 'declined' | 'withdrawn' | 'expired';
  note: string | null;
  created_at: number;
  decided_at: number | null;
  decided_by: string | null;
  /** JSON string[]. */
  override_ids: string;
}

export interface CoverageDigestTable {
  org_id: string;
  week: string;
  sent_at: number;
  recipients: number;
  gaps: number;
}

export interface IntenseIncidentTable {
  org_id: string;
  incident_id: string;
  marked_by: string;
  marked_at: number;
  note: string | null;
}

export interface VolunteerDatabase {
  volunteer_settings: VolunteerSettingsTable;
  partner_companies: PartnerCompanyTable;
  volunteers: VolunteerTable;
  volunteer_unavailability: VolunteerUnavailabilityTable;
  volunteer_pools: VolunteerPoolTable;
  volunteer_pool_members: VolunteerPoolMemberTable;
  volunteer_pages: VolunteerPageTable;
  volunteer_hour_approvals: VolunteerHourApprovalTable;
  audit_log: AuditLogTable;
  open_shift_claims: OpenShiftClaimTable;
  shift_trades: ShiftTradeTable;
  coverage_digests: CoverageDigestTable;
  intense_incidents: IntenseIncidentTable;
}
