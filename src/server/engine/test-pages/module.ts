/**
 * Scheduled test pages (issue 18): each verified contact method of a person gets a test
 * page, with a one-tap confirm link, (a) the organization's lead time (default 24 hours)
 * before their first actual on-call time in a schedule's rotation they have not been tested
 * for, and (b) 30 days after the last test was confirmed (or, unconfirmed, sent). Off when
 * the organization turns it off (`/api/v1/test_page_settings`).
 *
 * "On call" is the final schedule (layers painted over by overrides, schedule/on-call.ts
 * renderFinal), in the schedule's zone: a person whose first shift is an override is tested
 * before the override, and a person whose first layer turn an override took is tested
 * before the shift they really have, not the one they lost.
 *
 * An idempotent tick(now) against the injected clock. The claim is a row
 * (`contact_method_tests`, unique per method and claim key: `first:<schedule>` or
 * `monthly:<previous test>`; a `first:<schedule>:<layer>` claim from before also counts
 * as that schedule's) inserted in the same transaction as the test's outbox row, so
 * a test is queued once whatever the number of engines or restarts; the deliver module
 * sends it like any test page (the normal notify path, retries included).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../storage/schema.js';
import { listOrganizations, getUsers } from '../../org/org.store.js';
import { listContactMethods } from '../../notify/contact.store.js';
import { monthlyDue, queueScheduledTest, testedUserIds, testPageSettings, testsOf } from '../../notify/test-page.service.js';
import { allSchedules } from '../../schedule/schedule.store.js';
import { pureSchedule } from '../../schedule/schedule.service.js';
import { renderFinal } from '../../schedule/on-call.js';
import type { EngineModule } from '../engine.js';

type Db = Kysely<Database>;
const HOUR = 3_600_000;

/** The claim key of a first-shift test in a schedule. */
export const firstShiftKey = (scheduleId: string): string => `first:${scheduleId}`;

/** Whether a method already had its first-shift test in this schedule (keys from before named the layer too). */
const testedFor = (claimed: ReadonlySet<string>, methodId: string, key: string): boolean => [...claimed].some((c) => c === `${methodId}/${key}` || c.startsWith(`${methodId}/${key}:`));

/** Who is on call, in the final schedule (layers and overrides), within the lead time: the claim keys per person. */
async function firstShifts(db: Db, orgId: string, schedules: Awaited<ReturnType<typeof allSchedules>>, now: number, leadMs: number): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  // Inclusive of a shift starting exactly the lead time from now.
  const range = { since: now, until: now + leadMs + 1 };
  for (const s of schedules) {
    for (const e of renderFinal(await pureSchedule(db, orgId, s, range), range)) {
      if (!e.userId) continue;
      const keys = out.get(e.userId) ?? new Set<string>();
      keys.add(firstShiftKey(s.id));
      out.set(e.userId, keys);
    }
  }
  return out;
}

export class TestPagesModule implements EngineModule {
  readonly name = 'test-pages';

  constructor(private readonly db: Db) {}

  /** Tests are due by the hour: look at most once a minute, so a page's engine pass never waits on these queries. */
  private lastScan = -Infinity;

  async tick(now: number): Promise<number> {
    if (now >= this.lastScan && now - this.lastScan < 60_000) return 0;
    this.lastScan = now;
    let work = 0;
    for (const org of await listOrganizations(this.db)) work += await this.tickOrg(org.id, now);
    return work;
  }

  private async tickOrg(orgId: string, now: number): Promise<number> {
    const settings = await testPageSettings(this.db, orgId);
    if (!settings.enabled) return 0;
    const first = await firstShifts(this.db, orgId, await allSchedules(this.db, orgId), now, settings.leadHours * HOUR);
    const userIds = [...new Set([...first.keys(), ...(await testedUserIds(this.db, orgId))])];
    if (!userIds.length) return 0;
    const live = new Set((await getUsers(this.db, orgId, userIds)).filter((u) => u.deleted_at === null).map((u) => u.id));
    const methods = (await listContactMethods(this.db, orgId, [...live])).filter((m) => m.verified_at !== null && m.deleted_at === null);
    const tests = await testsOf(this.db, orgId, methods.map((m) => m.id));
    const claimed = new Set(tests.map((t) => `${t.contact_method_id}/${t.claim_key}`));
    let work = 0;
    for (const m of methods) {
      const due: { reason: 'first_shift' | 'monthly'; key: string }[] = [...(first.get(m.user_id) ?? [])].filter((k) => !testedFor(claimed, m.id, k)).map((key) => ({ reason: 'first_shift' as const, key }));
      const monthly = monthlyDue(m.id, tests, now);
      // One test per method and pass (a second rotation's waits for the next look); a first-shift test also restarts the monthly round.
      const next = due[0] ?? (monthly ? { reason: 'monthly' as const, key: monthly } : null);
      if (!next) continue;
      if (await this.db.transaction().execute((trx) => queueScheduledTest(trx, now, m, next.reason, next.key))) work++;
    }
    return work;
  }
}
