import { iso } from '../../lib/clock.js';
import type { OrganizationTable, UserTable } from '../../storage/schema.js';
import type { BasePresenter } from './common.js';

export function presentOrganization(o: OrganizationTable) {
  return { id: o.id, type: 'organization' as const, name: o.name, time_zone: o.time_zone, created_at: iso(o.created_at) };
}

/** A member. Contact methods and notification rules have endpoints of their own; here they are always empty. */
export function presentUser(p: BasePresenter, u: UserTable) {
  return {
    id: u.id,
    type: 'user' as const,
    summary: u.name,
    self: `${p.baseUrl}/api/v1/users/${u.id}`,
    html_url: `${p.baseUrl}/users/${u.id}`,
    name: u.name,
    email: u.email,
    role: u.role,
    time_zone: u.time_zone,
    created_at: iso(u.created_at),
    teams: [],
    contact_methods: [],
    notification_rules: [],
  };
}
