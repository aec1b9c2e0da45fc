/**
 * The weekly coverage digest, as data: which week is due when, in the organization's zone,
 * and what the email says. Sent by the engine's coverage-digest module.
 */
import { Temporal } from 'temporal-polyfill';
import { showIn } from './availability.js';
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

/** The digest's subject and text. Pure. */
/** A contact method whose scheduled test page was not confirmed within 31 days (or never), for the digest. */
export interface DigestUnconfirmed {
  person: string;
  label: string;
  type: string;
  status: string;
  lastConfirmedAt: number | null;
}

export function digestText(input: { orgName: string; week: string; zone: string; since: number; until: number; gaps: readonly ScheduleGap[]; baseUrl: string; unconfirmed?: readonly DigestUnconfirmed[] }): { subject: string; text: string } {
  const { gaps, zone } = input;
  const hours = (ms: number) => Math.round((ms / 3_600_000) * 10) / 10;
  const open = gaps.filter((g) => g.kind === 'unclaimed_open_shift');
  const nobody = gaps.filter((g) => g.kind === 'nobody_on_call');
  const sum = (xs: readonly ScheduleGap[]) => hours(xs.reduce((s, g) => s + g.end - g.start, 0));
  const [range] = showIn([{ start: input.since, end: input.until }], zone);
  const lines = [`Coverage for ${input.orgName}, ${range!.label} (${zone}).`, ''];
  if (!gaps.length) lines.push('No gaps: every open shift is claimed and someone is on call throughout.');
  else {
    lines.push(`Unclaimed open shifts: ${open.length} (${sum(open)} h). Nobody on call: ${nobody.length} stretch${nobody.length === 1 ? '' : 'es'} (${sum(nobody)} h).`);
    const schedules = [...new Map(gaps.map((g) => [g.schedule.id, g.schedule])).values()];
    for (const s of schedules) {
      const mine = gaps.filter((g) => g.schedule.id === s.id);
      lines.push('', `${s.name}:`);
      for (const g of mine) lines.push(`  - ${showIn([g], zone)[0]!.label}  ${g.kind === 'unclaimed_open_shift' ? 'open shift, unclaimed' : 'nobody on call'} (${hours(g.end - g.start)} h)`);
      lines.push(`  Open shifts: ${input.baseUrl}/api/v1/schedules/${s.id}/open_shifts`);
    }
  }
  lines.push('', `All gaps: ${input.baseUrl}/api/v1/coverage_gaps`);
  const unconfirmed = input.unconfirmed ?? [];
  if (unconfirmed.length) {
    lines.push('', `Contact methods of people on call this week not confirmed by a test page in 31 days: ${unconfirmed.length}`);
    for (const u of unconfirmed) lines.push(`  - ${u.person}: ${u.label}${u.label === u.type ? '' : ` (${u.type})`}, ${u.lastConfirmedAt === null ? (u.status === 'never' ? 'never tested' : 'never confirmed') : `last confirmed ${Temporal.Instant.fromEpochMilliseconds(u.lastConfirmedAt).toZonedDateTimeISO(zone).toPlainDate().toString()}`}`);
    lines.push(`  Readiness: ${input.baseUrl}/api/v1/oncall-readiness`);
  }
  return { subject: `Coverage gaps for the week of ${input.week}: ${gaps.length ? `${gaps.length} gap${gaps.length === 1 ? '' : 's'}` : 'none'}`, text: lines.join('\n') };
}
