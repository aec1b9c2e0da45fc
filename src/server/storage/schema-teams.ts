/** Row types of the teams tables (0040), kept beside schema.ts, which lists them in Database. */

/** PagerDuty's team roles. */
export type TeamRole = 'observer' | 'responder' | 'manager';

/** What a team may own: PagerDuty's `teams` field on each. */
export type TeamObjectType = 'escalation_policy' | 'service' | 'schedule';

export interface TeamTable {
  org_id: string;
  id: string;
  name: string;
  description: string | null;
  /** PagerDuty's parent team; Vigil has no team hierarchy, so always NULL. */
  parent_id: string | null;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

export interface TeamMemberTable {
  org_id: string;
  team_id: string;
  user_id: string;
  role: TeamRole;
  created_at: number;
}

export interface TeamLinkTable {
  org_id: string;
  team_id: string;
  object_type: TeamObjectType;
  object_id: string;
}

export interface TeamDatabase {
  teams: TeamTable;
  team_members: TeamMemberTable;
  team_links: TeamLinkTable;
}
