import { renderFinal, whoIsOnCall } from '../src/server/schedule/on-call.js';
import type { Override, Schedule } from '../src/server/schedule/schedule.js';

/**
 * Schedule math is pure, so this bench times it alone: no server, no database.
 * Instants are fixed (never Date.now()) so every run renders the same work.
 * Each figure is the median of 5 runs; the first run also fills the per-zone
 * offset memo, which the median leaves out.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SINCE = Date.UTC(2025, 0, 1);
const TEN_YEARS = 3653 * DAY;
const RUNS = 5;

function overrides(count: number): Override[] {
  // Spread over the ten years, each 4 to 30 hours, one a week or so.
  return Array.from({ length: count }, (_, i) => {
    const start = SINCE + Math.floor((i * TEN_YEARS) / count) + (i % 24) * HOUR;
    return { id: `o${i}`, userId: `sub${i % 3}`, start, end: start + (4 + (i % 27)) * HOUR };
  });
}

const dailyWithRestriction: Schedule = {
  timeZone: 'America/New_York',
  layers: [
    {
      id: 'nights',
      start: SINCE - 30 * DAY,
      end: null,
      rotationVirtualStart: Date.UTC(2024, 11, 30, 14),
      turnLength: { unit: 'days', count: 1 },
      users: ['u1', 'u2', 'u3', 'u4', 'u5'],
      restrictions: [{ type: 'daily_restriction', startTimeOfDay: '22:00:00', durationSeconds: 10 * 3600 }],
    },
  ],
  overrides: overrides(520),
};

const threeLayers: Schedule = {
  ...dailyWithRestriction,
  timeZone: 'Europe/Berlin',
  layers: [
    { ...dailyWithRestriction.layers[0]!, id: 'base', restrictions: [], turnLength: { unit: 'weeks', count: 1 } },
    {
      ...dailyWithRestriction.layers[0]!,
      id: 'business',
      turnLength: { unit: 'days', count: 1 },
      restrictions: [{ type: 'weekly_restriction', startDayOfWeek: 1, startTimeOfDay: '09:00:00', durationSeconds: 104 * 3600 }],
    },
    { ...dailyWithRestriction.layers[0]!, id: 'follow-the-sun', turnLength: { unit: 'hours', count: 8 } },
  ],
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function time(work: () => unknown): number {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    work();
    samples.push(performance.now() - started);
  }
  return median(samples);
}

export async function benchScheduleRender(): Promise<{ name: string; ms: number }[]> {
  return [
    {
      name: 'schedule: renderFinal 10 years, daily rotation of 5 with a nightly restriction, 520 overrides',
      ms: time(() => renderFinal(dailyWithRestriction, { since: SINCE, until: SINCE + TEN_YEARS })),
    },
    {
      name: 'schedule: renderFinal 10 years, 3 layers (weekly, weekday business hours, 8-hour) + 520 overrides',
      ms: time(() => renderFinal(threeLayers, { since: SINCE, until: SINCE + TEN_YEARS })),
    },
    {
      name: 'schedule: 1,000 whoIsOnCall lookups (±90 days each), daily rotation with restriction',
      ms: time(() => {
        for (let i = 0; i < 1000; i++) whoIsOnCall(dailyWithRestriction, SINCE + i * 7 * HOUR);
      }),
    },
  ];
}
