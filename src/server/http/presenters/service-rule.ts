import { actionsToLegacy, pclToConditions } from '../../rules/legacy-rules.js';
import type { LegacyRule } from '../../rules/legacy-rules.service.js';
import type { BasePresenter } from './common.js';

/** A start-set rule as PagerDuty shows a legacy service event rule (rules/legacy-rules.ts). */
export function serviceRule(p: BasePresenter, serviceId: string, { rule, position }: LegacyRule) {
  const conditions = rule.conditions.length === 0 ? { operator: 'and', subconditions: [] } : rule.conditions.length === 1 ? pclToConditions(rule.conditions[0]!.expression) : undefined;
  const { actions, vigil } = actionsToLegacy(rule.actions);
  return {
    id: rule.id,
    self: `${p.baseUrl}/api/v1/services/${serviceId}/rules/${rule.id}`,
    position,
    disabled: rule.disabled,
    ...(conditions ? { conditions } : { vigil_conditions: rule.conditions }),
    time_frame: null,
    variables: [],
    actions: { ...actions, extractions: [] },
    ...(vigil ? { vigil_actions: vigil } : {}),
  };
}
