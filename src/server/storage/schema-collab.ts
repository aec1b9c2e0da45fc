/** Row types of the incident collaboration tables (0029), kept beside schema.ts, which lists them in Database. */

export type ResponderState = 'pending' | 'joined' | 'declined' | 'user_cancelled';

/** One person asked to join an incident (PagerDuty's incidents_responders). */
export interface IncidentResponderTable {
  org_id: string;
  id: string;
  request_id: string;
  incident_id: string;
  user_id: string;
  requester_id: string;
  message: string;
  /** The escalation policy the request went through; NULL: asked directly. */
  policy_id: string | null;
  policy_name: string | null;
  state: ResponderState;
  requested_at: number;
  updated_at: number;
}

/** A message to an incident's stakeholders. */
export interface StatusUpdateTable {
  org_id: string;
  id: string;
  incident_id: string;
  sender_id: string | null;
  message: string;
  subject: string | null;
  html_message: string | null;
  created_at: number;
}

/** Who hears an incident's status updates. */
export interface NotificationSubscriptionTable {
  org_id: string;
  /** A member, or a team (its members at the time an update is sent). */
  subscriber_type: 'user' | 'team';
  subscriber_id: string;
  subscribable_type: 'incident';
  subscribable_id: string;
  created_at: number;
}

/** A contact method a member receives status updates on. */
export interface StatusUpdateRuleTable {
  org_id: string;
  id: string;
  user_id: string;
  contact_method_id: string;
  created_at: number;
}

export interface CollabDatabase {
  incident_responders: IncidentResponderTable;
  status_updates: StatusUpdateTable;
  notification_subscriptions: NotificationSubscriptionTable;
  status_update_rules: StatusUpdateRuleTable;
}
