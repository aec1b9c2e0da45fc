import { describe, expect, it } from 'vitest';
import type { ContactMethodTable } from '../storage/schema.js';
import type { PolicySnapshot, Target } from './policy.js';
import { planLastResort, planPages, planStep, type Person, type StepFacts } from './step.js';
import { TargetRegistry, type LevelResolution, type TargetResolver } from './targets.js';
import { say, word, type Wording } from '../lib/i18n/translate.js';

const NOW = Date.parse('2026-03-02T09:00:00Z');
const MIN = 60_000;

const method = (id: string, type: ContactMethodTable['type'] = 'email'): ContactMethodTable =>
  ({ id, type, user_id: 'x', org_id: 'o', verified_at: 1, deleted_at: null }) as unknown as ContactMethodTable;

const reachable = (id: string, name: string, delays: number[] = [0]): Person => ({
  id,
  name,
  contact: { plan: delays.map((d, i) => ({ contactMethod: method(`${id}-m${i}`), delayMinutes: d, ruleId: null })), reason: null },
});
const unreachable = (id: string, name: string, reason = 'has no verified contact method'): Person => ({ id, name, contact: { plan: [], reason, code: reason === 'has no contact method' ? 'no_contact_method' : 'no_verified_method' } });

const user = (id: string): Target => ({ id, type: 'user_reference' });
const pool = (id: string): Target => ({ id, type: 'volunteer_pool_reference' });

function policy(levels: { delay: number; targets: Target[] }[], numLoops = 0): PolicySnapshot {
  return { policyId: 'pol', name: 'Night desk', numLoops, rules: levels.map((l, i) => ({ id: `r${i}`, escalation_delay_in_minutes: l.delay, targets: l.targets })), frozenAt: NOW };
}

/** Every target resolves to the person of the same id, unless told otherwise. */
function resolution(targets: Target[], over: Partial<Record<string, { users?: string[]; problems?: string[]; handsBack?: boolean }>> = {}): LevelResolution {
  const outcomes = targets.map((target) => {
    const o = over[target.id] ?? {};
    return { target, users: (o.users ?? [target.id]).map((userId) => ({ userId, via: say('timeline.reached.direct') })), problems: o.problems ?? [], handsBack: o.handsBack ?? target.type === 'volunteer_pool_reference' };
  });
  return { users: outcomes.flatMap((o) => o.users), outcomes };
}

function facts(snapshot: PolicySnapshot | null, at: { level: number; loop: number }, people: Person[], res?: LevelResolution): StepFacts {
  const rule = snapshot?.rules[at.level];
  return {
    incident: { id: 'inc', escalation_level: at.level, escalation_loop: at.loop, escalation_epoch: 2 },
    snapshot,
    now: NOW,
    ...(rule ? { resolution: res ?? resolution(rule.targets) } : {}),
    people: new Map(people.map((p) => [p.id, p])),
  };
}

describe('planStep: one escalation step, decided without I/O', () => {
  const twoLevels = policy([
    { delay: 10, targets: [user('ada')] },
    { delay: 30, targets: [user('bo')] },
  ]);

  const cases: { name: string; f: StepFacts; expect: { next: { level: number; loop: number; at: number } | null; reached: string[]; lastResort: boolean; updated: boolean; timeline: [string, RegExp][]; pages?: [string, number][] } }[] = [
    {
      name: 'no policy: the owners and admins are paged, and the timeline says why',
      f: facts(null, { level: 0, loop: 0 }, []),
      expect: { next: null, reached: [], lastResort: true, updated: false, timeline: [['notify_log_entry', /no escalation policy/]] },
    },
    {
      name: 'level 1 reaches its person: assigned, paged on each planned method after its delay, level 2 due after the delay',
      f: facts(twoLevels, { level: 0, loop: 0 }, [reachable('ada', 'Ada', [0, 5])]),
      expect: { next: { level: 1, loop: 0, at: NOW + 10 * MIN }, reached: ['ada'], lastResort: false, updated: false, timeline: [['assign_log_entry', /^Assigned to Ada by Night desk \(level 1\)$/]], pages: [['ada', 0], ['ada', 5]] },
    },
    {
      name: 'a later level escalates, and live views hear of it',
      f: facts(twoLevels, { level: 1, loop: 0 }, [reachable('bo', 'Bo')]),
      expect: { next: null, reached: ['bo'], lastResort: false, updated: true, timeline: [['escalate_log_entry', /^Escalated to level 2: Bo$/]], pages: [['bo', 0]] },
    },
    {
      name: 'the last level of a looping policy starts the next loop at level 1',
      f: facts(policy([{ delay: 10, targets: [user('ada')] }, { delay: 15, targets: [user('bo')] }], 2), { level: 1, loop: 0 }, [reachable('bo', 'Bo')]),
      expect: { next: { level: 0, loop: 1, at: NOW + 15 * MIN }, reached: ['bo'], lastResort: false, updated: true, timeline: [['escalate_log_entry', /level 2: Bo/]] },
    },
    {
      name: 'a repeat names its loop',
      f: facts(policy([{ delay: 10, targets: [user('ada')] }], 2), { level: 0, loop: 1 }, [reachable('ada', 'Ada')]),
      expect: { next: { level: 0, loop: 2, at: NOW + 10 * MIN }, reached: ['ada'], lastResort: false, updated: true, timeline: [['escalate_log_entry', /^Escalated to level 1 \(repeat 1\): Ada$/]] },
    },
    {
      name: 'the policy exhausted after its last loop: nothing more is due',
      f: facts(policy([{ delay: 10, targets: [user('ada')] }], 1), { level: 0, loop: 1 }, [reachable('ada', 'Ada')]),
      expect: { next: null, reached: ['ada'], lastResort: false, updated: true, timeline: [['escalate_log_entry', /repeat 1/]] },
    },
    {
      name: 'a level with no targets pages the owners and admins (never silent)',
      f: facts(policy([{ delay: 10, targets: [] }]), { level: 0, loop: 0 }, []),
      expect: { next: null, reached: [], lastResort: true, updated: false, timeline: [['notify_log_entry', /Nobody reachable at level 1 \(the level has no targets\)/]] },
    },
    {
      name: 'an unreachable person is flagged on the timeline; with nobody else the owners and admins are paged',
      f: facts(twoLevels, { level: 0, loop: 0 }, [unreachable('ada', 'Ada')]),
      expect: {
        next: { level: 1, loop: 0, at: NOW + 10 * MIN },
        reached: [],
        lastResort: true,
        updated: false,
        timeline: [
          ['notify_log_entry', /^Ada has no verified contact method: skipped$/],
          ['notify_log_entry', /Nobody reachable at level 1 \(Ada has no verified contact method\)/],
        ],
      },
    },
    {
      name: 'one reachable person among two is enough: the other is flagged, nobody else is paged',
      f: facts(policy([{ delay: 10, targets: [user('ada'), user('bo')] }]), { level: 0, loop: 0 }, [unreachable('ada', 'Ada', 'has no contact method'), reachable('bo', 'Bo')]),
      expect: { next: null, reached: ['bo'], lastResort: false, updated: false, timeline: [['notify_log_entry', /Ada has no contact method: skipped/], ['assign_log_entry', /Assigned to Bo/]] },
    },
    {
      name: 'a member who left is a reason, not a timeline entry of their own',
      f: facts(policy([{ delay: 10, targets: [user('gone')] }]), { level: 0, loop: 0 }, []),
      expect: { next: null, reached: [], lastResort: true, updated: false, timeline: [['notify_log_entry', /Nobody reachable at level 1 \(user gone is no longer a member\)/]] },
    },
    {
      name: 'a volunteer pool with nobody qualifying hands its level back: the next level fires now, no last resort',
      f: facts(
        policy([
          { delay: 10, targets: [pool('weekend')] },
          { delay: 30, targets: [user('bo')] },
        ]),
        { level: 0, loop: 0 },
        [],
        resolution([pool('weekend')], { weekend: { users: [], problems: ['nobody in volunteer pool Weekend qualifies now'] } }),
      ),
      expect: { next: { level: 1, loop: 0, at: NOW }, reached: [], lastResort: false, updated: false, timeline: [['notify_log_entry', /^Skipped level 1 \(nobody in volunteer pool Weekend qualifies now\): the next level fires now$/]] },
    },
    {
      name: 'a level handed back with no level after it still pages the owners and admins (never silent)',
      f: facts(policy([{ delay: 10, targets: [pool('weekend')] }]), { level: 0, loop: 0 }, [], resolution([pool('weekend')], { weekend: { users: [] } })),
      expect: { next: null, reached: [], lastResort: true, updated: false, timeline: [['notify_log_entry', /Nobody reachable at level 1/]] },
    },
    {
      name: 'a pool beside a user who cannot be reached does not hand the level back',
      f: facts(policy([{ delay: 10, targets: [pool('weekend'), user('ada')] }, { delay: 5, targets: [user('bo')] }]), { level: 0, loop: 0 }, [unreachable('ada', 'Ada')], resolution([pool('weekend'), user('ada')], { weekend: { users: [] } })),
      expect: { next: { level: 1, loop: 0, at: NOW + 10 * MIN }, reached: [], lastResort: true, updated: false, timeline: [['notify_log_entry', /skipped/], ['notify_log_entry', /Nobody reachable/]] },
    },
    {
      name: 'a volunteer on call held back by their care limits hands the level back like a pool',
      f: facts(
        policy([
          { delay: 10, targets: [{ id: 'nights', type: 'schedule_reference' }] },
          { delay: 30, targets: [user('bo')] },
        ]),
        { level: 0, loop: 0 },
        [],
        resolution([{ id: 'nights', type: 'schedule_reference' }], { nights: { users: [], problems: ['Vera, the volunteer on call in schedule Nights, is paused'], handsBack: true } }),
      ),
      expect: { next: { level: 1, loop: 0, at: NOW }, reached: [], lastResort: false, updated: false, timeline: [['notify_log_entry', /Skipped level 1 \(Vera, the volunteer on call in schedule Nights, is paused\)/]] },
    },
    {
      name: 'a position past the last level fires nothing and schedules nothing',
      f: facts(policy([{ delay: 10, targets: [user('ada')] }]), { level: 3, loop: 0 }, []),
      expect: { next: null, reached: [], lastResort: false, updated: false, timeline: [] },
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const plan = planStep(c.f);
      expect(plan.stepKey).toBe(`inc:2:${c.f.incident.escalation_loop}:${c.f.incident.escalation_level}`);
      expect(plan.next).toEqual(c.expect.next);
      expect(plan.reached).toEqual(c.expect.reached);
      expect(plan.lastResort).toBe(c.expect.lastResort);
      expect(plan.updated).toBe(c.expect.updated);
      expect(plan.timeline.map((e) => e.type)).toEqual(c.expect.timeline.map(([t]) => t));
      plan.timeline.forEach((e, i) => expect(word('en', e.summary)).toMatch(c.expect.timeline[i]![1]));
      if (c.expect.pages) expect(plan.pages.map((p) => [p.userId, p.delayMinutes])).toEqual(c.expect.pages);
      if (!c.expect.reached.length) expect(plan.pages).toEqual([]);
    });
  }
});

describe('planPages', () => {
  it('pages each reachable person on every planned method, in order, and explains the others', () => {
    const people = new Map([reachable('ada', 'Ada', [0, 2]), unreachable('bo', 'Bo')].map((p) => [p.id, p]));
    const out = planPages(['ada', 'bo', 'cy'], people);
    expect(out.reached).toEqual(['ada']);
    expect(out.pages.map((p) => [p.userId, p.contactMethod.id, p.delayMinutes])).toEqual([
      ['ada', 'ada-m0', 0],
      ['ada', 'ada-m1', 2],
    ]);
    expect(out.reasons.map((r) => (typeof r === 'string' ? r : word('en', r)))).toEqual(['Bo has no verified contact method', 'user cy is no longer a member']);
    expect(out.timeline.map((e) => ({ ...e, summary: word('en', e.summary) }))).toEqual([{ type: 'notify_log_entry', summary: 'Bo has no verified contact method: skipped', details: { user_id: 'bo', reason: 'unreachable' } }]);
    // Worded when read: the same entry for a French reader.
    expect(word('fr-FR', out.timeline[0]!.summary)).toBe('Bo n’a aucun moyen de contact vérifié : ignoré');
  });
});

describe('planLastResort', () => {
  it('pages every owner and admin on every verified method at once, marked as a last resort', () => {
    const out = planLastResort([
      { id: 'olive', methods: [method('o1'), method('o2', 'sms')] },
      { id: 'abe', methods: [method('a1')] },
    ]);
    expect(out.pages.map((p) => [p.userId, p.contactMethod.id, p.delayMinutes, p.lastResort])).toEqual([
      ['olive', 'o1', 0, true],
      ['olive', 'o2', 0, true],
      ['abe', 'a1', 0, true],
    ]);
    expect(out.timeline).toEqual([]);
  });
  it('says so when no owner or admin can be paged either', () => {
    const out = planLastResort([{ id: 'olive', methods: [] }]);
    expect(out.pages).toEqual([]);
    expect(out.timeline.map((e) => e.details['reason'])).toEqual(['admins_unreachable']);
  });
});

describe('TargetRegistry', () => {
  const db = {} as never;
  const ctx = { orgId: 'o', now: NOW, incidentId: 'inc' };
  const fixed = (type: Target['type'], users: { userId: string; via: Wording; shift?: { start: number; end: number } }[], handsBack = false): TargetResolver => ({
    type,
    aliases: [type.replace(/_reference$/, '')],
    noun: type,
    resolve: async () => ({ users, problems: [], handsBack }),
    existing: async (_db, _org, ids) => new Set(ids),
  });

  it('knows each type by its names and pages a person reached through two targets once', async () => {
    const nights = say('timeline.reached.schedule', { schedule: 'Nights' });
    const reg = new TargetRegistry([fixed('user_reference', [{ userId: 'ada', via: say('timeline.reached.direct') }]), fixed('schedule_reference', [{ userId: 'ada', via: nights }, { userId: 'bo', via: nights }])]);
    expect(reg.typeOf('user')).toBe('user_reference');
    expect(reg.typeOf('schedule_reference')).toBe('schedule_reference');
    expect(reg.typeOf('team')).toBeUndefined();
    const r = await reg.resolve(db, ctx, [user('ada'), { id: 's', type: 'schedule_reference' }]);
    expect(r.users.map((u) => u.userId)).toEqual(['ada', 'bo']);
  });

  it('a gate holds back a person on a shift: a problem that hands the level back; people without a shift pass', async () => {
    const reg = new TargetRegistry(
      [fixed('schedule_reference', [{ userId: 'vera', via: say('timeline.reached.schedule', { schedule: 'Nights' }), shift: { start: 0, end: 1 } }]), fixed('user_reference', [{ userId: 'vera', via: say('timeline.reached.direct') }])],
      [async (_db, _ctx, p) => (p.userId === 'vera' ? { name: 'Vera', reason: say('volunteer.reason.paused') } : null)],
    );
    const held = await reg.resolve(db, ctx, [{ id: 's', type: 'schedule_reference' }]);
    expect(held.users).toEqual([]);
    expect(held.outcomes[0]).toMatchObject({ handsBack: true });
    expect(held.outcomes[0]!.problems.map((p) => (typeof p === 'string' ? p : word('en', p)))).toEqual(['Vera, the volunteer on call in schedule Nights, is paused']);
    expect(held.outcomes[0]!.problems.map((p) => (typeof p === 'string' ? p : word('fr', p)))).toEqual(['Vera, bénévole de garde dans le planning Nights, est en pause']);
    const direct = await reg.resolve(db, ctx, [user('vera')]);
    expect(direct.users.map((u) => u.userId)).toEqual(['vera']);
  });

  it('a target type nobody registered is a problem, never a crash', async () => {
    const r = await new TargetRegistry([]).resolve(db, ctx, [pool('p')]);
    expect(r.outcomes[0]).toMatchObject({ users: [], handsBack: false });
    expect(r.outcomes[0]!.problems.map((p) => (typeof p === 'string' ? p : word('en', p)))).toEqual(['volunteer_pool_reference targets are not supported']);
  });
});
