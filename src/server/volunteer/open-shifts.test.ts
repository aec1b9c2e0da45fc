import { describe, expect, it } from 'vitest';
import { renderFinal } from '../schedule/on-call.js';
import type { Layer, Schedule } from '../schedule/schedule.js';
import { validateSchedule } from '../schedule/schedule.js';
import { DEFAULT_CAPS } from './caps.js';
import { claimProblem, coverageGapsOf, openSlots, parseSlotId, slotId, takeRefusal, unclaimed, type TakeInput } from './open-shifts.js';

const H = 3_600_000;
const t = (iso: string) => Date.parse(iso);

const layer = (o: Partial<Layer> & { id: string }): Layer => ({
  start: t('2026-01-05T00:00:00Z'),
  end: null,
  rotationVirtualStart: t('2026-01-05T00:00:00Z'),
  turnLength: { unit: 'days', count: 1 },
  users: [],
  restrictions: [],
  ...o,
});

describe('openSlots', () => {
  // Daily turns hand off at noon local, so each overnight window is one slot.
  const NOON = { 'America/Los_Angeles': '2026-01-05T20:00:00Z', 'Europe/Berlin': '2026-01-05T11:00:00Z' } as const;
  it.each([
    // zone, night, slot length in hours: 22:00 for 10 h is a wall-clock window (22:00 → 08:00)
    ['America/Los_Angeles', '2026-03-07', 9, 'spring forward on 8 March'],
    ['America/Los_Angeles', '2026-03-09', 10, 'an ordinary night'],
    ['America/Los_Angeles', '2026-10-31', 11, 'fall back on 1 November'],
    ['Europe/Berlin', '2026-03-28', 9, 'spring forward on 29 March'],
    ['Europe/Berlin', '2026-10-24', 11, 'fall back on 25 October'],
    ['Europe/Berlin', '2026-10-25', 10, 'the night after'],
  ] as const)('%s, the night of %s: the overnight slot lasts %i h (%s)', (zone, night, hours) => {
    const s: Schedule = {
      timeZone: zone,
      layers: [layer({ id: 'OPEN', rotationVirtualStart: t(NOON[zone]), open: true, restrictions: [{ type: 'daily_restriction', startTimeOfDay: '22:00:00', durationSeconds: 36_000 }] })],
      overrides: [],
    };
    const from = t(`${night}T00:00:00Z`);
    const slots = openSlots(s, { since: from - 2 * 24 * H, until: from + 3 * 24 * H });
    const fmt = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    const mine = slots.find((x) => fmt.format(x.start).startsWith(night));
    expect(mine, JSON.stringify(slots.map((x) => fmt.format(x.start)))).toBeDefined();
    expect(fmt.format(mine!.start)).toContain('22:00');
    expect(fmt.format(mine!.end)).toContain('08:00');
    expect((mine!.end - mine!.start) / H).toBe(hours);
  });

  it('a slot is only where no later layer covers: a staff layer above cuts it; a layer below does not', () => {
    const s: Schedule = {
      timeZone: 'UTC',
      layers: [
        layer({ id: 'BELOW', users: ['ann'], turnLength: { unit: 'weeks', count: 1 } }),
        layer({ id: 'OPEN', open: true, restrictions: [{ type: 'daily_restriction', startTimeOfDay: '18:00:00', durationSeconds: 4 * 3600 }] }),
        layer({ id: 'ABOVE', users: ['bob'], restrictions: [{ type: 'weekly_restriction', startDayOfWeek: 2, startTimeOfDay: '20:00:00', durationSeconds: 3600 }] }),
      ],
      overrides: [],
    };
    const slots = openSlots(s, { since: t('2026-03-02T00:00:00Z'), until: t('2026-03-04T00:00:00Z') });
    expect(slots.map((x) => [new Date(x.start).toISOString(), new Date(x.end).toISOString()])).toEqual([
      ['2026-03-02T18:00:00.000Z', '2026-03-02T22:00:00.000Z'],
      ['2026-03-03T18:00:00.000Z', '2026-03-03T20:00:00.000Z'],
      ['2026-03-03T21:00:00.000Z', '2026-03-03T22:00:00.000Z'],
    ]);
    // Unclaimed, the open layer hides nothing: Ann (below) is on call in the slot.
    expect(renderFinal(s, { since: t('2026-03-02T18:00:00Z'), until: t('2026-03-02T19:00:00Z') })).toEqual([{ start: t('2026-03-02T18:00:00Z'), end: t('2026-03-02T19:00:00Z'), userId: 'ann' }]);
  });

  it('an open-shift layer with users is refused by validation, naming the field', () => {
    const issues = validateSchedule({ timeZone: 'UTC', layers: [layer({ id: 'L', open: true, users: ['ann'] })], overrides: [] });
    expect(issues).toEqual([{ field: 'layers[0].users', message: 'must be empty in an open-shift layer (its turns are claimed by volunteers)' }]);
  });

  it('slot ids round-trip', () => {
    expect(parseSlotId(slotId({ layerId: '01HX.Y', start: 1_772_000_000_000 }))).toEqual({ layerId: '01HX.Y', start: 1_772_000_000_000 });
    expect(parseSlotId('nonsense')).toBeNull();
  });
});

describe('claimProblem', () => {
  const slot = { start: 10 * H, end: 12 * H };
  it.each([
    ['the whole slot, nothing claimed', [], slot, 0, null],
    ['a part of it', [], { start: 11 * H, end: 12 * H }, 0, null],
    ['the free part next to a claim', [{ start: 10 * H, end: 11 * H }], { start: 11 * H, end: 12 * H }, 0, null],
    ['starting before the slot', [], { start: 9 * H, end: 11 * H }, 0, 'outside_slot'],
    ['ending after the slot', [], { start: 11 * H, end: 13 * H }, 0, 'outside_slot'],
    ['empty', [], { start: 11 * H, end: 11 * H }, 0, 'outside_slot'],
    ['already over', [], slot, 12 * H, 'slot_over'],
    ['under way (allowed: the rest is still useful)', [], slot, 11 * H, null],
    ['overlapping a claim', [{ start: 11 * H, end: 12 * H }], slot, 0, 'already_claimed'],
  ] as const)('%s', (_, claims, wanted, now, code) => {
    expect(claimProblem(slot, claims, wanted, now)?.code ?? null).toBe(code);
  });

  it('unclaimed is the slot minus its claims', () => {
    expect(unclaimed(slot, [{ start: 10.5 * H, end: 11 * H }])).toEqual([
      { start: 10 * H, end: 10.5 * H },
      { start: 11 * H, end: 12 * H },
    ]);
  });
});

describe('takeRefusal', () => {
  const monday = t('2026-03-04T18:00:00Z'); // a Wednesday evening
  const proposed = { start: monday, end: monday + 2 * H };
  const ok: NonNullable<TakeInput['volunteer']> = { status: 'active', consentCurrent: true, reachable: true, available: [{ start: monday - H, end: monday + 4 * H }], worked: [], timeZone: 'Europe/Berlin', caps: DEFAULT_CAPS };
  it.each([
    ['staff: no volunteer rules', { member: true, volunteer: null }, null],
    ['not a member', { member: false, volunteer: null }, 'not_a_member'],
    ['an eligible volunteer', { member: true, volunteer: ok }, null],
    ['paused', { member: true, volunteer: { ...ok, status: 'paused' } }, 'paused'],
    ['no consent to the current terms', { member: true, volunteer: { ...ok, consentCurrent: false } }, 'no_consent'],
    ['no verified contact method', { member: true, volunteer: { ...ok, reachable: false } }, 'no_contact_method'],
    ['available for only part of it', { member: true, volunteer: { ...ok, available: [{ start: monday, end: monday + H }] } }, 'outside_availability'],
    ['available in two touching windows', { member: true, volunteer: { ...ok, available: [{ start: monday, end: monday + H }, { start: monday + H, end: monday + 2 * H }] } }, null],
    ['11 h already this week: 13 h past the 12 h cap', { member: true, volunteer: { ...ok, worked: [{ start: monday - 40 * H, end: monday - 29 * H }] } }, 'weekly_cap'],
    ['10 h already this week: exactly 12 h is within the cap', { member: true, volunteer: { ...ok, worked: [{ start: monday - 40 * H, end: monday - 30 * H }] } }, null],
    ['a shift ending 3 h before: rest below 8 h', { member: true, volunteer: { ...ok, worked: [{ start: monday - 5 * H, end: monday - 3 * H }] } }, 'rest'],
    ['its own stretch is not counted twice', { member: true, volunteer: { ...ok, worked: [proposed] } }, null],
    ['last week does not count (weeks are her Berlin weeks)', { member: true, volunteer: { ...ok, worked: [{ start: t('2026-02-28T00:00:00Z'), end: t('2026-02-28T20:00:00Z') }] } }, null],
  ] as const)('%s', (_, input, reason) => {
    expect(takeRefusal({ proposed, ...(input as Omit<TakeInput, 'proposed'>) })?.reason ?? null).toBe(reason);
  });
});

describe('coverageGapsOf', () => {
  it('lists unclaimed parts of slots and stretches with nobody on call, clipped to the range', () => {
    const range = { since: 0, until: 24 * H };
    const final = [
      { start: 0, end: 6 * H, userId: null },
      { start: 6 * H, end: 20 * H, userId: 'ann' },
      { start: 20 * H, end: 24 * H, userId: null },
    ];
    const slots = [
      { layerId: 'L', start: 18 * H, end: 22 * H },
      { layerId: 'L', start: 23 * H, end: 27 * H },
    ];
    const claims = [{ layerId: 'L', start: 18 * H, end: 20 * H }];
    expect(coverageGapsOf(final, slots, claims, range).map((g) => [g.kind, g.start / H, g.end / H])).toEqual([
      ['nobody_on_call', 0, 6],
      ['nobody_on_call', 20, 24],
      ['unclaimed_open_shift', 20, 22],
      ['unclaimed_open_shift', 23, 24],
    ]);
  });

  it('a claim on another layer does not fill this layer’s slot', () => {
    const gaps = coverageGapsOf([], [{ layerId: 'A', start: 0, end: H }], [{ layerId: 'B', start: 0, end: H }], { since: 0, until: H });
    expect(gaps).toHaveLength(1);
  });
});
