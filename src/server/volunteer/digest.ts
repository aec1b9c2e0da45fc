/**
 * The weekly coverage digest, as data: which week is due when, in the organization's zone,
 * and what the email says. Sent by the engine's coverage-digest module.
 */
import { Temporal } from 'temporal-polyfill';
import { format, formatCalendarDate, formatNumber, formatTimeRange } from '../lib/i18n/translate.js';
import type { ScheduleGap } from './shifts.service.js';

/** Local time on Monday from which the week's digest is due. */
export const DIGEST_HOUR = 8;

/** The Monday (YYYY-MM-DD, in `zone`) of the week containing `now`, and when that week's digest is due. */
export function digestWeek(now: number, zone: string): { week: string; dueAt: number; nextDueAt: number } {
  const z = Temporal.Instant.fromEpochMilliseconds(now).toZonedDateTimeISO(zone);
  let monday = z.toPlainDate().subtract({ days: z.dayOfWeek - 1 });
  const due = (d: Temporal.PlainDate) => d.toZonedDateTime({ timeZone: zone, plainTime: new Temporal.PlainTime(DIGEST_HOUR) }).epochMilliseconds;
  // Before Monday 08:00 the week is still the previous one's digest week.
  if (now < due(monday)) monday = monday.subtract({ days: 7 });
  return { week: monday.toString(), dueAt: due(monday), nextDueAt: due(monday.add({ days: 7 })) };
}

/** A contact method whose scheduled test page was not confirmed within 31 days (or never), for the digest. */
export interface DigestUnconfirmed {
  person: string;
  label: string;
  type: string;
  status: string;
  lastConfirmedAt: number | null;
}

/**
 * The digest's subject and text in `locale`'s language (lib/i18n), every date and hour in the
 * organization's `zone` written the locale's way. Pure.
 */
export function digestText(locale: string, input: { orgName: string; week: string; zone: string; since: number; until: number; gaps: readonly ScheduleGap[]; baseUrl: string; unconfirmed?: readonly DigestUnconfirmed[] }): { subject: string; text: string } {
  const { gaps, zone } = input;
  const hours = (ms: number) => formatNumber(locale, Math.round((ms / 3_600_000) * 10) / 10);
  const open = gaps.filter((g) => g.kind === 'unclaimed_open_shift');
  const nobody = gaps.filter((g) => g.kind === 'nobody_on_call');
  const sum = (xs: readonly ScheduleGap[]) => hours(xs.reduce((s, g) => s + g.end - g.start, 0));
  const lines = [format(locale, 'digest.heading', { org: input.orgName, range: formatTimeRange(locale, input.since, input.until, zone), zone }), ''];
  if (!gaps.length) lines.push(format(locale, 'digest.noGaps'));
  else {
    lines.push(format(locale, 'digest.summary', { open: open.length, openHours: sum(open), nobody: nobody.length, nobodyHours: sum(nobody) }));
    const schedules = [...new Map(gaps.map((g) => [g.schedule.id, g.schedule])).values()];
    for (const s of schedules) {
      const mine = gaps.filter((g) => g.schedule.id === s.id);
      lines.push('', format(locale, 'digest.schedule', { schedule: s.name }));
      for (const g of mine) lines.push(format(locale, 'digest.gapLine', { range: formatTimeRange(locale, g.start, g.end, zone), what: format(locale, g.kind === 'unclaimed_open_shift' ? 'digest.gap.unclaimed' : 'digest.gap.nobody'), hours: hours(g.end - g.start) }));
      lines.push(format(locale, 'digest.openShifts', { url: `${input.baseUrl}/api/v1/schedules/${s.id}/open_shifts` }));
    }
  }
  lines.push('', format(locale, 'digest.allGaps', { url: `${input.baseUrl}/api/v1/coverage_gaps` }));
  const unconfirmed = input.unconfirmed ?? [];
  if (unconfirmed.length) {
    lines.push('', format(locale, 'digest.unconfirmed', { count: unconfirmed.length }));
    for (const u of unconfirmed) {
      const standing = u.lastConfirmedAt === null ? format(locale, u.status === 'never' ? 'digest.unconfirmed.neverTested' : 'digest.unconfirmed.neverConfirmed') : format(locale, 'digest.unconfirmed.lastConfirmed', { date: formatCalendarDate(locale, Temporal.Instant.fromEpochMilliseconds(u.lastConfirmedAt).toZonedDateTimeISO(zone).toPlainDate().toString()) });
      lines.push(format(locale, 'digest.unconfirmed.line', { person: u.person, method: u.label === u.type ? u.label : `${u.label} (${u.type})`, standing }));
    }
    lines.push(format(locale, 'digest.readiness', { url: `${input.baseUrl}/api/v1/oncall-readiness` }));
  }
  return { subject: format(locale, 'digest.subject', { week: formatCalendarDate(locale, input.week), count: gaps.length }), text: lines.join('\n') };
}
