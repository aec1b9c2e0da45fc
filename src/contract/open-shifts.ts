/**
 * Open shifts, claims, shift offers and swaps, coverage gaps, cap warnings and
 * intense incidents (volunteers) on the wire. Times are answered
 * in the organization's zone (or `time_zone=`), with their offset.
 */
import { Type } from 'typebox';
import { ErrorBody, Nullable, Reference, RefIn } from './common.js';

const At = (description?: string) => Type.String({ maxLength: 64, ...(description ? { description } : {}) });

export const Stretch = Type.Object({ start: Type.String(), end: Type.String(), label: Type.String() });

export const OpenShiftClaim = Type.Object({
  id: Type.String(),
  type: Type.Literal('open_shift_claim'),
  schedule: Reference('schedule_reference'),
  open_shift_id: Type.String(),
  user: Reference('user_reference'),
  start: Type.String(),
  end: Type.String(),
  override: Type.Object({ id: Type.String() }),
  status: Type.String({ description: 'active or released' }),
  created_at: Type.String(),
});

export const OpenShift = Type.Object({
  id: Type.String({ description: '<layer id>.<start in epoch ms>; stable while the layer keeps its rotation' }),
  type: Type.Literal('open_shift'),
  schedule: Reference('schedule_reference'),
  layer: Type.Object({ id: Type.String(), name: Type.String() }),
  start: Type.String(),
  end: Type.String(),
  label: Type.String(),
  status: Type.String({ description: 'open, partly_claimed or claimed' }),
  open: Type.Array(Stretch, { description: 'What is still unclaimed.' }),
  claims: Type.Array(OpenShiftClaim),
});

export const OpenShiftsQuery = Type.Object({
  since: Type.Optional(At()),
  until: Type.Optional(At()),
  time_zone: Type.Optional(Type.String({ maxLength: 64 })),
});

export const ClaimBody = Type.Object({
  claim: Type.Optional(
    Type.Object({
      start: Type.Optional(At('Claim only part of the open shift: from here (default: its start).')),
      end: Type.Optional(At('…to here (default: its end).')),
      user: Type.Optional(RefIn),
    }),
  ),
});

export const ShiftTrade = Type.Object({
  id: Type.String(),
  type: Type.String({ description: 'shift_offer or shift_swap' }),
  status: Type.String({ description: 'pending, accepted, declined, withdrawn or expired' }),
  schedule: Reference('schedule_reference'),
  holder: Reference('user_reference'),
  start: Type.String(),
  end: Type.String(),
  to: Nullable(Reference('user_reference')),
  with: Nullable(Type.Object({ user: Reference('user_reference'), schedule: Reference('schedule_reference'), start: Type.String(), end: Type.String() })),
  note: Nullable(Type.String()),
  created_at: Type.String(),
  decided_at: Nullable(Type.String()),
  decided_by: Nullable(Reference('user_reference')),
  overrides: Type.Array(Type.Object({ id: Type.String() })),
});

export const OfferCreate = Type.Object({
  shift_offer: Type.Object({
    schedule: RefIn,
    start: At(),
    end: At(),
    to: Type.Optional(Nullable(RefIn)),
    note: Type.Optional(Nullable(Type.String({ maxLength: 1024 }))),
  }),
});

export const SwapCreate = Type.Object({
  shift_swap: Type.Object({
    schedule: RefIn,
    start: At(),
    end: At(),
    with: Type.Object({ user: RefIn, schedule: Type.Optional(RefIn), start: At(), end: At() }),
    note: Type.Optional(Nullable(Type.String({ maxLength: 1024 }))),
  }),
});

export const CoverageGap = Type.Object({
  type: Type.Literal('coverage_gap'),
  kind: Type.String({ description: 'unclaimed_open_shift or nobody_on_call' }),
  schedule: Reference('schedule_reference'),
  start: Type.String(),
  end: Type.String(),
  label: Type.String(),
  hours: Type.Number(),
  open_shift_id: Nullable(Type.String()),
});

/** The coverage gaps of a range, in time_zone, with the hours they add up to. */
export const CoverageGaps = Type.Object({ coverage_gaps: Type.Array(CoverageGap), time_zone: Type.String(), since: Type.String(), until: Type.String(), total_hours: Type.Number() });

/** A schedule with an open-shift layer: where a volunteer looks for open shifts to claim (its name and zone, nothing more). */
export const OpenShiftSchedule = Type.Object({ id: Type.String(), type: Type.Literal('schedule_reference'), summary: Type.String(), time_zone: Type.String() });

export const CapWarning = Type.Object({
  type: Type.Literal('volunteer_cap_warning'),
  volunteer: Reference('user_reference'),
  cap: Type.String({ description: 'weekly_cap or rest' }),
  at: Type.String(),
  figure_hours: Type.Number({ description: 'Hours on call that week, or hours of rest.' }),
  limit_hours: Type.Number({ description: 'The weekly cap, or the minimum rest.' }),
  message: Type.String(),
});

export const IntenseMark = Type.Object({
  intense: Type.Object({
    incident: Reference('incident_reference'),
    marked_by: Reference('user_reference'),
    marked_at: Type.String(),
    note: Nullable(Type.String()),
  }),
});

export const conflictResponses = { 409: ErrorBody, 422: ErrorBody };
