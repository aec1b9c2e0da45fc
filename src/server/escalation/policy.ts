/**
 * Escalation policies as pure data, and the one rule of what happens after a level
 * fires. No I/O; time comes in as arguments.
 */
export type TargetType = 'user_reference' | 'schedule_reference' | 'volunteer_pool_reference';

export interface Target {
  id: string;
  type: TargetType;
}

export interface EscalationRule {
  id: string;
  /** Minutes to wait after this level fires before the next one does. */
  escalation_delay_in_minutes: number;
  targets: Target[];
}

/** What an incident will do, frozen when it triggers (STYLE.md habit 3): later edits apply to new incidents only. */
export interface PolicySnapshot {
  policyId: string;
  name: string;
  /** How many times the whole policy repeats after its first pass (PagerDuty's num_loops). */
  numLoops: number;
  rules: EscalationRule[];
  frozenAt: number;
}

export interface EscalationPosition {
  level: number;
  loop: number;
}

export const MAX_RULES = 20;
export const MAX_TARGETS = 20;
export const MAX_LOOPS = 9;

export function snapshotOf(policy: { id: string; name: string; num_loops: number; rules: EscalationRule[] }, now: number): PolicySnapshot {
  return { policyId: policy.id, name: policy.name, numLoops: policy.num_loops, rules: policy.rules.map((r) => ({ ...r, targets: r.targets.map((t) => ({ ...t })) })), frozenAt: now };
}

/**
 * After level `pos.level` of loop `pos.loop` fired at `firedAt`: the next step and
 * when it is due, or null when the policy is exhausted (the incident then stays
 * triggered and assigned to the last level's people).
 */
export function nextStep(snapshot: PolicySnapshot, pos: EscalationPosition, firedAt: number): (EscalationPosition & { at: number }) | null {
  const rule = snapshot.rules[pos.level];
  if (!rule) return null;
  const at = firedAt + rule.escalation_delay_in_minutes * 60_000;
  if (pos.level + 1 < snapshot.rules.length) return { level: pos.level + 1, loop: pos.loop, at };
  if (pos.loop < snapshot.numLoops) return { level: 0, loop: pos.loop + 1, at };
  return null;
}

/** Validate a policy body (PagerDuty's shape); each problem names its field. */
export function validateRules(rules: unknown, numLoops: unknown): string[] {
  const errors: string[] = [];
  if (!Number.isInteger(numLoops) || (numLoops as number) < 0 || (numLoops as number) > MAX_LOOPS) errors.push(`escalation_policy.num_loops must be an integer from 0 to ${MAX_LOOPS}`);
  if (!Array.isArray(rules) || rules.length === 0) {
    errors.push('escalation_policy.escalation_rules must have at least one rule');
    return errors;
  }
  if (rules.length > MAX_RULES) errors.push(`escalation_policy.escalation_rules has more than ${MAX_RULES} rules`);
  rules.forEach((r: any, i) => {
    const p = `escalation_policy.escalation_rules[${i}]`;
    if (!Number.isInteger(r?.escalation_delay_in_minutes) || r.escalation_delay_in_minutes < 1 || r.escalation_delay_in_minutes > 1440) errors.push(`${p}.escalation_delay_in_minutes must be an integer from 1 to 1440`);
    if (!Array.isArray(r?.targets) || r.targets.length === 0) errors.push(`${p}.targets must have at least one target`);
    else if (r.targets.length > MAX_TARGETS) errors.push(`${p}.targets has more than ${MAX_TARGETS} targets`);
  });
  return errors;
}
