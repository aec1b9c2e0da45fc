import { iso, isoOrNull } from '../../lib/clock.js';
import type { OnCall, ReadinessItem, UnconfirmedMethod } from '../../oncall/oncall.service.js';
import type { BasePresenter } from './common.js';

/** The names the references of on-call answers carry. */
export interface OnCallNames {
  users: { id: string; name: string }[];
  policies: { id: string; name: string }[];
  schedules: { id: string; name: string }[];
}

const byId = (rows: { id: string; name: string }[]) => new Map(rows.map((r) => [r.id, r.name]));

/** PagerDuty Oncall objects. */
export function presentOncalls(p: BasePresenter, oncalls: OnCall[], names: OnCallNames) {
  const userName = byId(names.users);
  const policyName = byId(names.policies);
  const scheduleName = byId(names.schedules);
  return oncalls.map((o) => ({
    user: p.ref('user_reference', o.userId, userName.get(o.userId) ?? null, 'users'),
    schedule: o.scheduleId ? p.ref('schedule_reference', o.scheduleId, scheduleName.get(o.scheduleId) ?? null, 'schedules') : null,
    escalation_policy: o.policyId ? p.ref('escalation_policy_reference', o.policyId, policyName.get(o.policyId) ?? null, 'escalation_policies') : null,
    escalation_level: o.level,
    start: isoOrNull(o.start),
    end: isoOrNull(o.end),
  }));
}

/** On-call readiness: who is (about to be) on call and could not be paged, and through what. */
export function presentReadiness(p: BasePresenter, r: { since: number; until: number; items: ReadinessItem[]; unconfirmed: UnconfirmedMethod[] } & Omit<OnCallNames, 'users'>, days: number) {
  const sName = byId(r.schedules);
  const pName = byId(r.policies);
  return {
    since: iso(r.since),
    until: iso(r.until),
    days,
    users: r.items.map((i) => ({
      user: p.ref('user_reference', i.user.id, i.user.name, 'users'),
      on_call_now: i.onCallNow,
      first_shift_start: iso(i.firstShiftStart),
      first_shift_end: isoOrNull(i.firstShiftEnd),
      reason: i.reason,
      detail: i.detail,
      via: i.via.map((v) => ({
        schedule: v.scheduleId ? p.ref('schedule_reference', v.scheduleId, sName.get(v.scheduleId) ?? null, 'schedules') : null,
        escalation_policy: v.policyId ? p.ref('escalation_policy_reference', v.policyId, pName.get(v.policyId) ?? null, 'escalation_policies') : null,
        escalation_level: v.level,
      })),
      contact_methods: i.methods,
    })),
    unconfirmed_contact_methods: r.unconfirmed.map((u) => ({
      user: p.ref('user_reference', u.user.id, u.user.name, 'users'),
      contact_method: { id: u.method.id, type: u.method.type, label: u.method.label },
      status: u.standing.status,
      last_test_sent_at: isoOrNull(u.standing.lastSentAt),
      last_confirmed_at: isoOrNull(u.standing.lastConfirmedAt),
    })),
  };
}
