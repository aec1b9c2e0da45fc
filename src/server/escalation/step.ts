/**
 * One escalation step, decided without I/O. The engine gathers the facts (the frozen
 * policy, where the incident stands, who the level's targets resolve to and how each of
 * them would be reached), this module decides everything (whom to page on which method,
 * whom to assign, what the timeline says, when the next step is due, whether the owners
 * and admins must be paged as a last resort), and the engine applies the plan in one
 * transaction (engine/escalate/).
 *
 * Never silent: a level that reaches nobody says why on the timeline and pages the owners
 * and admins, unless every one of its targets hands the level back (volunteer pools, a
 * volunteer held back by their care limits), in which case the next level fires at once.
 */
import type { PolicySnapshot } from './policy.js';
import { nextStep, type EscalationPosition } from './policy.js';
import type { LevelResolution } from './targets.js';
import { unreachableWording, type ContactPlan } from '../notify/plan.js';
import { say, type Wording } from '../lib/i18n/translate.js';
import type { ContactMethodTable } from '../storage/schema.js';
import type { PageOrder } from '../notify/notify.service.js';

/** A member of the organization a step may page, with how they would be reached at the incident's urgency. */
export interface Person {
  id: string;
  name: string;
  contact: ContactPlan;
}

export interface TimelineEntry {
  type: 'assign_log_entry' | 'escalate_log_entry' | 'notify_log_entry';
  summary: Wording;
  details: Record<string, unknown>;
}

export interface IncidentPosition {
  id: string;
  escalation_level: number;
  escalation_loop: number;
  escalation_epoch: number;
}

export interface StepFacts {
  incident: IncidentPosition;
  snapshot: PolicySnapshot | null;
  now: number;
  /** The firing level's targets, resolved (absent when there is no policy or no such level). */
  resolution?: LevelResolution;
  /** The live members among the resolved people (a missing id has left the organization). */
  people: ReadonlyMap<string, Person>;
}

export interface StepPlan {
  /** incident:epoch:loop:level — names the step in escalation_steps and in the pages' keys. */
  stepKey: string;
  /** The level that fired (0-based) and its loop. */
  position: EscalationPosition;
  /** Where the escalation goes next and when; null when the policy is exhausted (or absent). */
  next: (EscalationPosition & { at: number }) | null;
  pages: PageOrder[];
  /** Who was reached: the incident is assigned to them (unless empty). */
  reached: string[];
  timeline: TimelineEntry[];
  /** Page every owner and admin on every verified method (planLastResort). */
  lastResort: boolean;
  /** Whether the incident changed in a way live views show (escalated to a later level). */
  updated: boolean;
}

export const stepKeyOf = (i: IncidentPosition): string => `${i.id}:${i.escalation_epoch}:${i.escalation_loop}:${i.escalation_level}`;

export const levelName = (pos: EscalationPosition): Wording => say('timeline.level', { level: pos.level + 1, loop: pos.loop });


/**
 * Page each person on the methods their rules ask for; a person who cannot be paged gets a
 * timeline entry and a reason. Used by a step and by a round-robin hand-over.
 */
export function planPages(userIds: readonly string[], people: ReadonlyMap<string, Person>): { pages: PageOrder[]; reached: string[]; reasons: (Wording | string)[]; timeline: TimelineEntry[] } {
  const out = { pages: [] as PageOrder[], reached: [] as string[], reasons: [] as (Wording | string)[], timeline: [] as TimelineEntry[] };
  for (const userId of userIds) {
    const person = people.get(userId);
    if (!person) {
      out.reasons.push(say('timeline.person.notMember', { id: userId }));
      continue;
    }
    if (person.contact.reason) {
      const why = unreachableWording(person.name, person.contact);
      out.reasons.push(why);
      out.timeline.push({ type: 'notify_log_entry', summary: say('timeline.personSkipped', { person: why }), details: { user_id: person.id, reason: 'unreachable' } });
      continue;
    }
    out.reached.push(person.id);
    for (const p of person.contact.plan) out.pages.push({ userId: person.id, contactMethod: p.contactMethod, delayMinutes: p.delayMinutes });
  }
  return out;
}

/** The step due now for this incident. */
export function planStep(f: StepFacts): StepPlan {
  const position = { level: f.incident.escalation_level, loop: f.incident.escalation_loop };
  const plan: StepPlan = {
    stepKey: stepKeyOf(f.incident),
    position,
    next: f.snapshot ? nextStep(f.snapshot, position, f.now) : null,
    pages: [],
    reached: [],
    timeline: [],
    lastResort: false,
    updated: false,
  };
  if (!f.snapshot) {
    plan.timeline.push({ type: 'notify_log_entry', summary: say('timeline.noPolicy'), details: { reason: 'no_policy' } });
    plan.lastResort = true;
    return plan;
  }
  const rule = f.snapshot.rules[position.level];
  if (!rule || !f.resolution) return plan;

  const paged = planPages(
    f.resolution.users.map((u) => u.userId),
    f.people,
  );
  plan.pages = paged.pages;
  plan.reached = paged.reached;
  plan.timeline.push(...paged.timeline);
  const reasons = [...f.resolution.outcomes.flatMap((o) => o.problems), ...paged.reasons];
  const level = levelName(position);
  if (paged.reached.length) {
    const names = paged.reached.map((id) => f.people.get(id)!.name).join(', ');
    if (position.level > 0 || position.loop > 0) {
      plan.timeline.push({ type: 'escalate_log_entry', summary: say('timeline.escalatedTo', { level, names }), details: { level: position.level + 1, loop: position.loop, user_ids: paged.reached } });
      plan.updated = true;
    } else {
      plan.timeline.push({ type: 'assign_log_entry', summary: say('timeline.assignedByPolicy', { names, policy: f.snapshot.name, level }), details: { level: 1, user_ids: paged.reached } });
    }
  } else if (plan.next && rule.targets.length > 0 && f.resolution.outcomes.every((o) => o.handsBack)) {
    plan.timeline.push({ type: 'notify_log_entry', summary: say('timeline.levelSkipped', { level, reasons: reasons.length ? reasons : say('timeline.nobodyQualifies') }), details: { reason: 'volunteer_pool_skipped', level: position.level + 1 } });
    plan.next = { ...plan.next, at: f.now };
  } else {
    const why = reasons.length ? reasons : say('timeline.levelHasNoTargets');
    plan.timeline.push({ type: 'notify_log_entry', summary: say('timeline.nobodyReachable', { level, why }), details: { reason: 'nobody_reachable', level: position.level + 1 } });
    plan.lastResort = true;
  }
  return plan;
}

/**
 * The last resort: every owner and admin on every verified method, now. When none of them
 * can be paged either, the timeline says so.
 */
export function planLastResort(admins: readonly { id: string; methods: readonly Pick<ContactMethodTable, 'id' | 'type'>[] }[]): { pages: PageOrder[]; timeline: TimelineEntry[] } {
  const pages: PageOrder[] = admins.flatMap((a) => a.methods.map((m) => ({ userId: a.id, contactMethod: m, delayMinutes: 0, lastResort: true })));
  return {
    pages,
    timeline: pages.length
      ? []
      : [{ type: 'notify_log_entry', summary: say('timeline.adminsUnreachable'), details: { reason: 'admins_unreachable' } }],
  };
}
