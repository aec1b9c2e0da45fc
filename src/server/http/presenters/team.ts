import { iso } from '../../lib/clock.js';
import type { NamedTeam } from '../../org/team.service.js';
import type { TeamRole, TeamTable, UserTable } from '../../storage/schema.js';
import type { BasePresenter } from './common.js';

export function teamRef(p: BasePresenter, t: NamedTeam) {
  return p.ref('team_reference', t.id, t.name, 'teams');
}

/** The `teams` field of a service, escalation policy, schedule or user: references by name. */
export function teamRefs(p: BasePresenter, teams: readonly NamedTeam[] | undefined) {
  return (teams ?? []).map((t) => teamRef(p, t));
}

export function presentTeam(p: BasePresenter, t: TeamTable) {
  return {
    id: t.id,
    type: 'team' as const,
    summary: t.name,
    self: `${p.baseUrl}/api/v1/teams/${t.id}`,
    html_url: `${p.baseUrl}/teams/${t.id}`,
    name: t.name,
    description: t.description,
    default_role: 'manager',
    parent: null,
    created_at: iso(t.created_at),
    updated_at: iso(t.updated_at),
  };
}

export function presentTeamMember(p: BasePresenter, m: { user: UserTable; role: TeamRole }) {
  return { user: p.ref('user_reference', m.user.id, m.user.name, 'users'), role: m.role };
}
