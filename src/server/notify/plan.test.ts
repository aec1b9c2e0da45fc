import { describe, expect, it } from 'vitest';
import { planAvoiding } from './plan.js';
import type { ContactMethodTable, NotificationRuleTable } from '../storage/schema.js';

const method = (id: string, type: ContactMethodTable['type'], verified = true): ContactMethodTable =>
  ({ org_id: 'o', id, user_id: 'u', type, address: `${type}-address`, label: type, verified_at: verified ? 1 : null, deleted_at: null }) as unknown as ContactMethodTable;
const rule = (id: string, contactMethodId: string, delay: number, urgency: 'high' | 'low' = 'high'): NotificationRuleTable =>
  ({ org_id: 'o', id, user_id: 'u', contact_method_id: contactMethodId, start_delay_in_minutes: delay, urgency }) as unknown as NotificationRuleTable;
const plannedIds = (p: { plan: { contactMethod: { id: string }; delayMinutes: number }[] }) => p.plan.map((x) => `${x.contactMethod.id}@${x.delayMinutes}`);

describe('planAvoiding: the notification plan around channels a self-check finds failing', () => {
  const email = method('e', 'email');
  const sms = method('s', 'sms');
  const hook = method('w', 'webhook');

  it('nothing failing: the person’s own plan, nothing avoided', () => {
    const p = planAvoiding([email, sms], [rule('r1', 'e', 0), rule('r2', 's', 5)], 'high', new Set());
    expect(plannedIds(p)).toEqual(['e@0', 's@5']);
    expect(p.avoided).toEqual([]);
  });

  it('their rules keep their delays over the working methods; the failing one is left out and named', () => {
    const p = planAvoiding([email, sms], [rule('r1', 'e', 0), rule('r2', 's', 5)], 'high', new Set(['email']));
    expect(plannedIds(p)).toEqual(['s@5']);
    expect(p.avoided).toEqual(['email']);
  });

  it('rules that use only the failing channel: every working verified method at once (never silent)', () => {
    const p = planAvoiding([email, hook], [rule('r1', 'e', 0)], 'high', new Set(['email']));
    expect(plannedIds(p)).toEqual(['w@0']);
    expect(p.reason).toBeNull();
    expect(p.avoided).toEqual(['email']);
  });

  it('only failing channels: the plan as it was (a failing channel may still deliver)', () => {
    const p = planAvoiding([email], [rule('r1', 'e', 2)], 'high', new Set(['email']));
    expect(plannedIds(p)).toEqual(['e@2']);
    expect(p.avoided).toEqual([]);
  });

  it('an unverified working method is not used instead', () => {
    const p = planAvoiding([email, method('s2', 'sms', false)], [rule('r1', 'e', 0)], 'high', new Set(['email']));
    expect(plannedIds(p)).toEqual(['e@0']);
    expect(p.avoided).toEqual([]);
  });
});
