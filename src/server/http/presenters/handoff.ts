import { wireType } from '../../notify/contact.service.js';
import type { HandoffRuleView } from '../../notify/handoff.service.js';
import type { BasePresenter } from './common.js';

/** A handoff rule as PagerDuty's HandoffNotificationRule; its contact method as a reference. */
export function handoffRule(p: BasePresenter, v: HandoffRuleView) {
  const { rule, method } = v;
  return {
    id: rule.id,
    notify_advance_in_minutes: rule.notify_advance_in_minutes,
    handoff_type: rule.handoff_type,
    contact_method: { id: rule.contact_method_id, type: `${method ? wireType(method.type) : 'contact_method'}_reference`, summary: method?.label ?? null, self: `${p.baseUrl}/api/v1/users/${rule.user_id}/contact_methods/${rule.contact_method_id}`, html_url: null },
  };
}
