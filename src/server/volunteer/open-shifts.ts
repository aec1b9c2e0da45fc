/**
 * Open shifts (DESIGN §9): the pure part.
 *
 * A schedule layer flagged `open` (wire: `open_shifts: true`) has no users; each of
 * its turns, clipped to its restrictions, is an open SLOT, minus the stretches a
 * LATER layer covers (a later layer wins there anyway, so nobody is needed). A slot
 * covers nothing by itself: while unclaimed the layers below show through, and the
 * slot is a coverage gap for the coordinator. A volunteer claims a slot (or a part
 * of it); the claim is written as a schedule override for the claimer over exactly
 * that stretch, so the final schedule, on-calls, escalation and the hours ledger
 * see the claimer with no change to the schedule math.
 *
 * Also here: whether a person may take on a stretch of on-call (claims, accepted
 * offers and swaps share it), and the coverage gaps of a schedule. Pure: instants
 * are epoch ms, intervals half-open.
 */
import { renderLayer } from '../schedule/on-call.js';
import type { FinalEntry, Schedule, TimeRange } from '../schedule/schedule.js';
import { clip, subtract, union, type Interval } from './availability.js';
import { shiftWarnings, type Caps } from './caps.js';

export interface Slot {
  layerId: string;
  start: number;
  end: number;
}

/** Stands in for "somebody" while rendering an open layer's turns. */
const PLACEHOLDER = '\u0000open';

/** Slot ids are `<layer id>.<start ms>`: stable while the layer keeps its rotation. */
export const slotId = (s: Pick<Slot, 'layerId' | 'start'>): string => `${s.layerId}.${s.start}`;

export function parseSlotId(id: string): { layerId: string; start: number } | null {
  const m = /^(.+)\.(-?\d{1,16})$/.exec(id);
  if (!m) return null;
  const start = Number(m[2]);
  return Number.isSafeInteger(start) ? { layerId: m[1]!, start } : null;
}

/**
 * The open slots overlapping `range`, sorted by start. Render over a range wider than
 * the one you show (a slot cut by the range's edge starts at the edge).
 */
export function openSlots(schedule: Schedule, range: TimeRange): Slot[] {
  const out: Slot[] = [];
  schedule.layers.forEach((layer, i) => {
    if (!layer.open) return;
    const filled: Schedule = { ...schedule, layers: schedule.layers.map((l, j) => (j === i ? { ...l, users: [PLACEHOLDER] } : l)) };
    const turns = renderLayer(filled, i, range);
    const later: Interval[] = [];
    for (let j = i + 1; j < schedule.layers.length; j++) later.push(...renderLayer(schedule, j, range));
    const covered = union(later);
    for (const t of turns) for (const piece of subtract([t], covered)) out.push({ layerId: layer.id, start: piece.start, end: piece.end });
  });
  return out.sort((a, b) => a.start - b.start || a.layerId.localeCompare(b.layerId));
}

/** What is still unclaimed of a slot, given the live claims of its layer. */
export function unclaimed(slot: Interval, claims: readonly Interval[]): Interval[] {
  return subtract([slot], claims);
}

export interface ClaimProblem {
  status: 400 | 409;
  code: 'outside_slot' | 'slot_over' | 'already_claimed';
  message: string;
}

/**
 * Whether `wanted` (the whole slot when the claimer names no times) may be claimed:
 * inside the slot, not over yet, and not overlapping a live claim. The first problem
 * found, or null.
 */
export function claimProblem(slot: Interval, claims: readonly Interval[], wanted: Interval, now: number): ClaimProblem | null {
  if (!(wanted.start < wanted.end) || wanted.start < slot.start || wanted.end > slot.end) {
    return { status: 400, code: 'outside_slot', message: 'claim: start and end must lie inside the open shift' };
  }
  if (wanted.end <= now) return { status: 409, code: 'slot_over', message: 'claim: this open shift is already over' };
  const taken = claims.filter((c) => c.start < wanted.end && wanted.start < c.end);
  if (taken.length) return { status: 409, code: 'already_claimed', message: 'claim: someone has already claimed this open shift (or part of it)' };
  return null;
}

export type TakeReason = 'not_a_member' | 'paused' | 'no_consent' | 'no_contact_method' | 'outside_availability' | 'weekly_cap' | 'rest';

export interface TakeRefusal {
  reason: TakeReason;
  message: string;
}

/** What decides whether a volunteer may take on a stretch of on-call. */
export interface TakeInput {
  /** The stretch to take on. */
  proposed: Interval;
  /** null: a staff member (no volunteer rules apply); otherwise the volunteer's state. */
  volunteer: null | {
    status: 'active' | 'paused';
    /** Consented to the organization's current terms. */
    consentCurrent: boolean;
    /** Has a verified contact method (whoever is on call must be reachable). */
    reachable: boolean;
    /** Their availability windows (unavailability cut out) over the proposed stretch. */
    available: readonly Interval[];
    /** What they already work (scheduled shifts, responses) around it; the stretch itself excluded. */
    worked: readonly Interval[];
    timeZone: string;
    caps: Caps;
  };
  /** false when the person is not a live member of the organization. */
  member: boolean;
}

/**
 * Why this person may not take on the stretch, or null when they may. The same rule
 * for claiming an open shift and accepting an offer or a swap: a live member; for a
 * volunteer also active (not paused), consenting to the current terms, reachable (a
 * verified contact method), available for
 * the WHOLE stretch, and within the weekly hour cap and rest gap once it is added.
 */
export function takeRefusal(t: TakeInput): TakeRefusal | null {
  if (!t.member) return { reason: 'not_a_member', message: 'is not a member of this organization' };
  const v = t.volunteer;
  if (!v) return null;
  if (v.status === 'paused') return { reason: 'paused', message: 'is paused' };
  if (!v.consentCurrent) return { reason: 'no_consent', message: 'has not consented to the current volunteer terms' };
  if (!v.reachable) return { reason: 'no_contact_method', message: 'has no verified contact method to be paged on' };
  const missing = subtract([t.proposed], v.available);
  if (missing.length) return { reason: 'outside_availability', message: 'is not available for the whole shift (outside their availability windows or marked unavailable)' };
  const worked = subtract(v.worked, [t.proposed]);
  const warnings = shiftWarnings(t.proposed, worked, v.timeZone, v.caps);
  const cap = warnings.find((w) => w.cap === 'weekly_cap') ?? warnings[0];
  if (cap) return { reason: cap.cap, message: `${cap.cap === 'weekly_cap' ? 'would be over their weekly cap' : 'would not rest enough'}: ${cap.message}` };
  return null;
}

export type GapKind = 'unclaimed_open_shift' | 'nobody_on_call';

export interface Gap {
  kind: GapKind;
  start: number;
  end: number;
  /** For unclaimed open shifts: the slot (its id is slotId). */
  slot?: Slot;
}

/**
 * The coverage gaps of one schedule over `range`: the unclaimed parts of its open
 * slots, and the stretches of its final schedule where nobody is on call. A stretch
 * can be both (an unclaimed slot with nobody below it); each kind is listed on its own.
 */
export function coverageGapsOf(final: readonly FinalEntry[], slots: readonly Slot[], claims: readonly (Interval & { layerId: string })[], range: TimeRange): Gap[] {
  const out: Gap[] = [];
  for (const slot of slots) {
    const mine = claims.filter((c) => c.layerId === slot.layerId);
    for (const piece of clip(unclaimed(slot, mine), range.since, range.until)) out.push({ kind: 'unclaimed_open_shift', start: piece.start, end: piece.end, slot });
  }
  for (const e of final) {
    if (e.userId !== null) continue;
    const s = Math.max(e.start, range.since);
    const en = Math.min(e.end, range.until);
    if (s < en) out.push({ kind: 'nobody_on_call', start: s, end: en });
  }
  return out.sort((a, b) => a.start - b.start || a.kind.localeCompare(b.kind));
}
