import { iso, isoOrNull } from '../../lib/clock.js';
import { wireType } from '../../notify/contact.service.js';
import { maskAddress, maskNational, showsAddress } from '../../notify/mask.js';
import type { ContactMethodTable, NotificationRuleTable } from '../../storage/schema.js';
import type { BasePresenter } from './common.js';
import { splitE164 } from './pd-enums.js';

/**
 * The address as this viewer may see it. Phone numbers as PagerDuty shows them:
 * country_code and the national number (for others, the national number masked to its
 * last digits, so the answer keeps PagerDuty's shape).
 */
function phoneOrAddress(cm: ContactMethodTable, visible: boolean): { address: string; country_code?: number } {
  const split = cm.type === 'sms' || cm.type === 'phone' ? splitE164(cm.address) : null;
  if (visible) return split ?? { address: cm.address };
  if (split) return { country_code: split.country_code, address: maskNational(split.address) };
  return { address: maskAddress(cm.type, cm.address) };
}

/**
 * A contact method at `now` (a code sent and not expired is `verification_pending`) as
 * `viewerId` may see it: their own in full, anyone else's (and every Slack URL) as a
 * masked hint. `created`: the answer that created it, which echoes what was sent and
 * carries a webhook method's signing secret, once.
 */
export function presentContactMethod(p: BasePresenter, cm: ContactMethodTable, userName: string, now: number, viewerId: string | null, created?: { secret: string | null }) {
  return {
    id: cm.id,
    type: wireType(cm.type),
    summary: cm.label,
    self: `${p.baseUrl}/api/v1/users/${cm.user_id}/contact_methods/${cm.id}`,
    html_url: null,
    label: cm.label,
    // Phone numbers as PagerDuty shows them: country_code and the national number; to anyone but their owner, a masked hint.
    ...phoneOrAddress(cm, created !== undefined || showsAddress(cm.type, cm.user_id, viewerId)),
    user: p.ref('user_reference', cm.user_id, userName, 'users'),
    enabled: cm.verified_at !== null,
    verified: cm.verified_at !== null,
    verified_at: isoOrNull(cm.verified_at === null ? null : Number(cm.verified_at)),
    verification_pending: cm.verified_at === null && cm.verification_code_hash !== null && Number(cm.verification_expires_at) > now,
    created_at: iso(Number(cm.created_at)),
    ...(cm.type === 'matrix' ? { matrix_user_id: cm.matrix_user_id ?? null } : {}),
    ...(created?.secret ? { secret: created.secret } : {}),
  };
}

export function presentNotificationRule(p: BasePresenter, r: NotificationRuleTable, cm: ContactMethodTable) {
  return {
    id: r.id,
    type: 'assignment_notification_rule' as const,
    summary: `${r.urgency} urgency: ${cm.label} after ${Number(r.start_delay_in_minutes)} min`,
    self: `${p.baseUrl}/api/v1/users/${r.user_id}/notification_rules/${r.id}`,
    html_url: null,
    start_delay_in_minutes: Number(r.start_delay_in_minutes),
    contact_method: { id: cm.id, type: `${wireType(cm.type)}_reference`, summary: cm.label, self: `${p.baseUrl}/api/v1/users/${cm.user_id}/contact_methods/${cm.id}`, html_url: null },
    urgency: r.urgency,
    created_at: iso(Number(r.created_at)),
  };
}
