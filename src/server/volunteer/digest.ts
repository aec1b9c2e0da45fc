/**
 * The weekly coverage digest (issue 8 item 5): every Monday from 08:00 in the
 * organization's zone, the coordinators (owners and admins, on their verified email
 * methods) of an organization that has volunteers or open shifts get an email listing the
 * coming seven days' coverage gaps: unclaimed open shifts and stretches where nobody
 * is on call, per schedule.
 *
 * An engine module like the others (DESIGN §5): an idempotent tick(now) against the
 * injected clock. The week's digest is a row (`coverage_digests`, primary key
 * organization + week) inserted in the same transaction as its outbox rows, so it is
 * sent once per organization and week whatever the number of engines or restarts;
 * the deliver module sends the emails with retries like any notification.
 */
import type { Kysely } from 'kysely';
import { Temporal } from 'temporal-polyfill';
import type { EngineModule } from '../engine/engine.js';
import { lockOrganization, type DialectName } from '../storage/dialect.js';
import type { Database } from '../storage/schema.js';
import { showIn } from './availability.js';
import { enqueueNotice } from './notices.js';
import { coverageGaps, type ScheduleGap } from './shifts.service.js';

type Db = Kysely<Database>;

/** Local time on Monday from which the week's digest is due. */
export const DIGEST_HOUR = 8;
const DAY = 86_400_000;

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
export function digestText(input: { orgName: string; week: string; zone: string; since: number; until: number; gaps: readonly ScheduleGap[]; baseUrl: string }): { subject: string; text: string } {
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
  return { subject: `Coverage gaps for the week of ${input.week}: ${gaps.length ? `${gaps.length} gap${gaps.length === 1 ? '' : 's'}` : 'none'}`, text: lines.join('\n') };
}

export class CoverageDigestModule implements EngineModule {
  readonly name = 'coverage-digest';
  /** Per organization, not before this instant (a cache only: the row decides). */
  private readonly notBefore = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly dialect: DialectName,
    private readonly opts: { baseUrl: string },
  ) {}

  /** The digest is weekly: look at most once a minute (the engine ticks on every wake). */
  private lastScan = -Infinity;

  async tick(now: number): Promise<number> {
    if (now >= this.lastScan && now - this.lastScan < 60_000) return 0;
    this.lastScan = now;
    const orgs = await this.db.selectFrom('organizations').select(['id', 'name', 'time_zone']).execute();
    const due = orgs.filter((o) => (this.notBefore.get(o.id) ?? -Infinity) <= now);
    if (!due.length) return 0;
    // Only organizations that coordinate volunteers or open shifts get a digest.
    const [withVolunteers, withOpenShifts] = await Promise.all([
      this.db.selectFrom('volunteers').select('org_id').distinct().execute(),
      this.db.selectFrom('schedules').select('org_id').distinct().where('deleted_at', 'is', null).where('layers', 'like', '%"open":true%').execute(),
    ]);
    const coordinating = new Set([...withVolunteers, ...withOpenShifts].map((r) => r.org_id));
    let work = 0;
    for (const org of due) {
      if (!coordinating.has(org.id)) continue;
      const { week, dueAt, nextDueAt } = digestWeek(now, org.time_zone);
      // A week with less than a day left (an engine that was down, a new organization) waits for the next.
      if (now < dueAt || nextDueAt - now < DAY) {
        this.notBefore.set(org.id, nextDueAt);
        continue;
      }
      const done = await this.db.selectFrom('coverage_digests').select('week').where('org_id', '=', org.id).where('week', '=', week).executeTakeFirst();
      if (!done) work += await this.send(org, week, dueAt, now);
      this.notBefore.set(org.id, nextDueAt);
    }
    return work;
  }

  private async send(org: { id: string; name: string; time_zone: string }, week: string, dueAt: number, now: number): Promise<number> {
    const since = dueAt;
    const until = dueAt + 7 * DAY;
    const gaps = await coverageGaps(this.db, org.id, Math.max(since, now), until);
    const { subject, text } = digestText({ orgName: org.name, week, zone: org.time_zone, since: Math.max(since, now), until, gaps, baseUrl: this.opts.baseUrl });
    const admins = await this.db.selectFrom('users').select('id').where('org_id', '=', org.id).where('deleted_at', 'is', null).where('role', 'in', ['owner', 'admin']).execute();
    return this.db.transaction().execute(async (trx) => {
      await lockOrganization(trx, this.dialect, org.id);
      const inserted = await trx
        .insertInto('coverage_digests')
        .values({ org_id: org.id, week, sent_at: now, recipients: 0, gaps: gaps.length })
        .onConflict((oc) => oc.columns(['org_id', 'week']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return 0;
      const queued = await enqueueNotice(trx, org.id, admins.map((u) => u.id), { key: `coverage-digest:${week}`, eventType: 'coverage.digest', subject, text, now });
      await trx.updateTable('coverage_digests').set({ recipients: queued }).where('org_id', '=', org.id).where('week', '=', week).execute();
      return 1 + queued;
    });
  }
}
