import { iso } from '../../lib/clock.js';
import { turnLengthSeconds, type Rendering, type ScheduleFacts, type ScheduleRow } from '../../schedule/schedule.service.js';
import type { FinalEntry, TimeRange } from '../../schedule/schedule.js';
import type { ScheduleOverrideTable } from '../../storage/schema.js';
import type { BasePresenter } from './common.js';

/** Share of [since, until) with someone on call, in percent with two decimals. */
const coverage = (entries: FinalEntry[], r: TimeRange) => Math.round((entries.reduce((n, e) => n + (e.userId ? e.end - e.start : 0), 0) / (r.until - r.since)) * 10_000) / 100;

const userRef = (p: BasePresenter, id: string, names: Map<string, string>) => p.ref('user_reference', id, names.get(id) ?? null, 'users');
const entry = (p: BasePresenter, e: FinalEntry, names: Map<string, string>) => ({ start: iso(e.start), end: iso(e.end), user: e.userId ? userRef(p, e.userId, names) : null });

/** A schedule; with a rendering, its layers, overrides and final schedule carry their entries over the rendered range. */
export function presentSchedule(p: BasePresenter, row: ScheduleRow, facts: ScheduleFacts, r?: Rendering) {
  const n = facts.userNames;
  const sub = (name: string, entries: FinalEntry[] | undefined) => ({
    name,
    rendered_schedule_entries: entries ? entries.map((e) => entry(p, e, n)) : [],
    rendered_coverage_percentage: entries && r ? coverage(entries, r.range) : null,
  });
  return {
    id: row.id,
    type: 'schedule' as const,
    summary: row.name,
    self: `${p.baseUrl}/api/v1/schedules/${row.id}`,
    html_url: `${p.baseUrl}/schedules/${row.id}`,
    name: row.name,
    description: row.description,
    time_zone: row.time_zone,
    schedule_layers: row.layers.map((l, i) => ({
      id: l.id,
      name: l.name,
      start: iso(l.start),
      end: l.end == null ? null : iso(l.end),
      rotation_virtual_start: iso(l.rotationVirtualStart),
      rotation_turn_length_seconds: turnLengthSeconds(l.turnLength),
      rotation_turn_length: l.turnLength,
      users: l.users.map((u) => ({ user: userRef(p, u, n) })),
      restrictions: l.restrictions.map((x) =>
        x.type === 'weekly_restriction'
          ? { type: x.type, start_time_of_day: x.startTimeOfDay, duration_seconds: x.durationSeconds, start_day_of_week: x.startDayOfWeek }
          : { type: x.type, start_time_of_day: x.startTimeOfDay, duration_seconds: x.durationSeconds },
      ),
      ...(l.open ? { open_shifts: true } : {}),
      ...(r ? { rendered_schedule_entries: r.layers[i]!.map((e) => entry(p, e, n)), rendered_coverage_percentage: coverage(r.layers[i]!, r.range) } : {}),
    })),
    final_schedule: sub('Final Schedule', r?.final),
    overrides_subschedule: sub('Overrides', r?.overrides),
    users: [...new Set(row.layers.flatMap((l) => l.users))].map((u) => userRef(p, u, n)),
    escalation_policies: (facts.policies.get(row.id) ?? []).map((pol) => p.ref('escalation_policy_reference', pol.id, pol.name, 'escalation_policies')),
    teams: [],
  };
}

/** The final schedule alone over a range (gaps have user null). */
export function presentFinalSchedule(p: BasePresenter, row: ScheduleRow, range: TimeRange, final: FinalEntry[], names: Map<string, string>) {
  return {
    schedule: p.ref('schedule_reference', row.id, row.name, 'schedules'),
    time_zone: row.time_zone,
    since: iso(range.since),
    until: iso(range.until),
    final_schedule: { name: 'Final Schedule', rendered_schedule_entries: final.map((e) => entry(p, e, names)), rendered_coverage_percentage: coverage(final, range) },
  };
}

export function presentOverride(p: BasePresenter, o: ScheduleOverrideTable, names: Map<string, string>) {
  return { id: o.id, start: iso(o.start), end: iso(o.end), user: userRef(p, o.user_id, names) };
}
