/**
 * The weekly coverage digest: every Monday from 08:00 in the organization's zone, the
 * coordinators (owners and admins, on their verified email methods, each in their language) of an organization
 * that has volunteers or open shifts get an email listing the coming seven days' coverage
 * gaps: unclaimed open shifts and stretches where nobody is on call, per schedule.
 *
 * An idempotent tick(now) against the injected clock. The week's digest is a row
 * (`coverage_digests`, primary key organization + week) inserted in the same transaction
 * as its outbox rows, so it is sent once per organization and week whatever the number of
 * engines or restarts; the deliver module sends the emails with retries like any
 * notification.
 */
import type { Kysely } from 'kysely';
import { lockOrganization } from '../../storage/dialect.js';
import { localeFor } from '../../lib/i18n/translate.js';
import type { Database } from '../../storage/schema.js';
import { listAdmins, listOrganizations } from '../../org/org.store.js';
import { queueNotice } from '../../notify/notify.service.js';
import { orgsWithOpenShifts } from '../../schedule/schedule.store.js';
import { digestText, digestWeek } from '../../volunteer/digest.js';
import { coverageGaps } from '../../volunteer/shifts.service.js';
import { oncallReadiness } from '../../oncall/oncall.service.js';
import { digestSent, orgsWithVolunteers, recordDigest, setDigestRecipients } from '../../volunteer/volunteer.store.js';
import type { EngineModule } from '../engine.js';

type Db = Kysely<Database>;
const DAY = 86_400_000;

export class CoverageDigestModule implements EngineModule {
  readonly name = 'coverage-digest';
  /** Per organization, not before this instant (a cache only: the row decides). */
  private readonly notBefore = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly opts: { baseUrl: string },
  ) {}

  /** The digest is weekly: look at most once a minute (the engine ticks on every wake). */
  private lastScan = -Infinity;

  async tick(now: number): Promise<number> {
    if (now >= this.lastScan && now - this.lastScan < 60_000) return 0;
    this.lastScan = now;
    const orgs = await listOrganizations(this.db);
    const due = orgs.filter((o) => (this.notBefore.get(o.id) ?? -Infinity) <= now);
    if (!due.length) return 0;
    // Only organizations that coordinate volunteers or open shifts get a digest.
    const [withVolunteers, withOpenShifts] = await Promise.all([orgsWithVolunteers(this.db), orgsWithOpenShifts(this.db)]);
    const coordinating = new Set([...withVolunteers, ...withOpenShifts]);
    let work = 0;
    for (const org of due) {
      if (!coordinating.has(org.id)) continue;
      const { week, dueAt, nextDueAt } = digestWeek(now, org.time_zone);
      // A week with less than a day left (an engine that was down, a new organization) waits for the next.
      if (now < dueAt || nextDueAt - now < DAY) {
        this.notBefore.set(org.id, nextDueAt);
        continue;
      }
      if (!(await digestSent(this.db, org.id, week))) work += await this.send(org, week, dueAt, now);
      this.notBefore.set(org.id, nextDueAt);
    }
    return work;
  }

  private async send(org: { id: string; name: string; time_zone: string; default_locale?: string }, week: string, dueAt: number, now: number): Promise<number> {
    const since = dueAt;
    const until = dueAt + 7 * DAY;
    const gaps = await coverageGaps(this.db, org.id, Math.max(since, now), until);
    // People on call in the coming week whose contact methods were not confirmed by a scheduled test page (none while test pages are off).
    const unconfirmed = (await oncallReadiness(this.db, org.id, now, 7)).unconfirmed.map((u) => ({ person: u.user.name, label: u.method.label, type: u.method.type, status: u.standing.status, lastConfirmedAt: u.standing.lastConfirmedAt }));
    // Each coordinator reads it in their language: one text per language spoken among them.
    const byLocale = new Map<string, string[]>();
    for (const u of await listAdmins(this.db, org.id)) {
      const locale = localeFor(u.locale, org.default_locale);
      byLocale.set(locale, [...(byLocale.get(locale) ?? []), u.id]);
    }
    return this.db.transaction().execute(async (trx) => {
      await lockOrganization(trx, org.id);
      if (!(await recordDigest(trx, { org_id: org.id, week, sent_at: now, recipients: 0, gaps: gaps.length }))) return 0;
      let queued = 0;
      for (const [locale, userIds] of byLocale) {
        const { subject, text } = digestText(locale, { orgName: org.name, week, zone: org.time_zone, since: Math.max(since, now), until, gaps, baseUrl: this.opts.baseUrl, unconfirmed });
        queued += await queueNotice(trx, org.id, userIds, { key: `coverage-digest:${week}`, eventType: 'coverage.digest', subject, text, now });
      }
      await setDigestRecipients(trx, org.id, week, queued);
      return 1 + queued;
    });
  }
}
