import { iso } from '../../lib/clock.js';
import type { ApiTokenTable, OrganizationTable, UserTable } from '../../storage/schema.js';
import { PD_ROLE } from './pd-enums.js';
import type { BasePresenter } from './common.js';
import { loadGrouping, wireGrouping } from '../../service/alert-grouping.js';

export function presentOrganization(o: OrganizationTable) {
  return { id: o.id, type: 'organization' as const, name: o.name, time_zone: o.time_zone, default_locale: o.default_locale ?? 'en-US', created_at: iso(o.created_at), default_alert_grouping_parameters: wireGrouping(loadGrouping(o.default_alert_grouping)) };
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
    role: PD_ROLE[u.role],
    vigil_role: u.role,
    time_zone: u.time_zone,
    locale: u.locale ?? null,
    created_at: iso(u.created_at),
    teams: [],
    contact_methods: [],
    notification_rules: [],
  };
}

/** An API token; the token itself only in the answer that created it. */
export function presentApiToken(t: Pick<ApiTokenTable, 'id' | 'description' | 'user_id' | 'created_at' | 'scope' | 'expires_at' | 'last_used_at'>, token?: string) {
  return {
    id: t.id,
    type: 'api_token' as const,
    description: t.description,
    user: { id: t.user_id, type: 'user_reference' },
    created_at: iso(t.created_at),
    scope: t.scope,
    expires_at: t.expires_at === null ? null : iso(Number(t.expires_at)),
    last_used_at: t.last_used_at === null ? null : iso(Number(t.last_used_at)),
    ...(token ? { token } : {}),
  };
}
