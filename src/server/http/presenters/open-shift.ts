/**
 * Open shifts, their claims, shift trades (offers and swaps), coverage gaps, someone's
 * shifts and intense-incident marks on the wire. Times are shown in a zone (the
 * organization's, or the one asked for), with a label such as "Mon 2 Mar 19:00–21:00".
 * The services (volunteer/shifts.service.ts, trades.service.ts, intense.service.ts)
 * load what these show.
 */
import { iso, isoOrNull } from '../../lib/clock.js';
import type { ScheduleRow } from '../../schedule/schedule.store.js';
import { isoIn, showIn, type Interval } from '../../volunteer/availability.js';
import type { IntenseMark } from '../../volunteer/intense.service.js';
import { hours } from '../../volunteer/ledger.js';
import { slotId } from '../../volunteer/open-shifts.js';
import type { LiveClaim, OpenShiftView, ScheduleGap } from '../../volunteer/shifts.service.js';
import type { TradeViews } from '../../volunteer/trades.service.js';
import type { Presenter } from './index.js';

const userRef = (p: Presenter, id: string, names: Map<string, string>) => p.ref('user_reference', id, names.get(id) ?? null, 'users');

/** A stretch of time in `zone`: start, end and label. */
export function stretch(i: Interval, zone: string) {
  const [z] = showIn([i], zone);
  return { start: z!.start, end: z!.end, label: z!.label };
}

export function openShiftClaim(p: Presenter, c: LiveClaim, scheduleName: string, names: Map<string, string>, zone: string) {
  return {
    id: c.id,
    type: 'open_shift_claim' as const,
    schedule: p.ref('schedule_reference', c.schedule_id, scheduleName, 'schedules'),
    open_shift_id: slotId({ layerId: c.layer_id, start: c.slot_start }),
    user: userRef(p, c.user_id, names),
    start: isoIn(c.start, zone),
    end: isoIn(c.end, zone),
    override: { id: c.override_id },
    status: c.status,
    created_at: iso(c.created_at),
  };
}

export function openShift(p: Presenter, row: ScheduleRow, v: OpenShiftView, names: Map<string, string>, zone: string) {
  const layer = row.layers.find((l) => l.id === v.slot.layerId)!;
  return {
    id: slotId(v.slot),
    type: 'open_shift' as const,
    schedule: p.ref('schedule_reference', row.id, row.name, 'schedules'),
    layer: { id: layer.id, name: layer.name },
    ...stretch(v.slot, zone),
    status: v.open.length === 0 ? 'claimed' : v.claims.length ? 'partly_claimed' : 'open',
    open: v.open.map((i) => stretch(i, zone)),
    claims: v.claims.map((c) => openShiftClaim(p, c, row.name, names, zone)),
  };
}

export function shiftTrades(p: Presenter, v: TradeViews) {
  const { zone, names } = v;
  const scheduleRef = (id: string) => p.ref('schedule_reference', id, v.scheduleNames.get(id) ?? null, 'schedules');
  return v.trades.map(({ trade: t, status }) => ({
    id: t.id,
    type: t.kind === 'offer' ? 'shift_offer' : 'shift_swap',
    status,
    schedule: scheduleRef(t.schedule_id),
    holder: userRef(p, t.holder_id, names),
    start: isoIn(t.start, zone),
    end: isoIn(t.end, zone),
    to: t.to_user_id ? userRef(p, t.to_user_id, names) : null,
    with: t.kind === 'swap' ? { user: userRef(p, t.to_user_id!, names), schedule: scheduleRef(t.counter_schedule_id!), start: isoIn(t.counter_start!, zone), end: isoIn(t.counter_end!, zone) } : null,
    note: t.note,
    created_at: iso(t.created_at),
    decided_at: isoOrNull(t.decided_at),
    decided_by: t.decided_by ? userRef(p, t.decided_by, names) : null,
    overrides: (JSON.parse(t.override_ids) as string[]).map((id) => ({ id })),
  }));
}

/** Coverage gaps over [since, until), shown in `zone`, with their total in hours. */
export function coverageGaps(p: Presenter, gaps: ScheduleGap[], zone: string, since: number, until: number) {
  return {
    coverage_gaps: gaps.map((g) => ({
      type: 'coverage_gap' as const,
      kind: g.kind,
      schedule: p.ref('schedule_reference', g.schedule.id, g.schedule.name, 'schedules'),
      ...stretch(g, zone),
      hours: hours(g.end - g.start),
      open_shift_id: g.slot ? slotId(g.slot) : null,
    })),
    time_zone: zone,
    since: isoIn(since, zone),
    until: isoIn(until, zone),
    total_hours: hours(gaps.reduce((s, g) => s + g.end - g.start, 0)),
  };
}

export function userShift(x: { schedule: ScheduleRow; start: number; end: number }, zone: string) {
  return { schedule: { id: x.schedule.id, type: 'schedule_reference', summary: x.schedule.name }, ...stretch(x, zone) };
}

export function intenseMark(p: Presenter, m: IntenseMark) {
  return { incident: p.ref('incident_reference', m.incident.id, m.incident.title, 'incidents'), marked_by: p.ref('user_reference', m.markedBy.id, m.markedBy.name, 'users'), marked_at: iso(m.markedAt), note: m.note };
}
