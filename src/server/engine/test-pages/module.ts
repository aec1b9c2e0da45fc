/**
 * Scheduled test pages (issue 18): each verified contact method of a person gets a test
 * page, with a one-tap confirm link, (a) the organization's lead time (default 24 hours)
 * before their first shift in a rotation (a schedule layer) they have not been tested for,
 * and (b) 30 days after the last test was confirmed (or, unconfirmed, sent). Off when the
 * organization turns it off (`/api/v1/test_page_settings`).
 *
 * An idempotent tick(now) against the injected clock. The claim is a row
 * (`contact_method_tests`, unique per method and claim key: `first:<schedule>:<layer>` or
 * `monthly:<previous test>`) inserted in the same transaction as the test's outbox row, so
 * a test is queued once whatever the number of engines or restarts; the deliver module
 * sends it like any test page (the normal notify path, retries included).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../storage/schema.js';
import { listOrganizations, getUsers } from '../../org/org.store.js';
import { listContactMethods } from '../../notify/contact.store.js';
import { monthlyDue, queueScheduledTest, testedUserIds, testPageSettings, testsOf } from '../../notify/test-page.service.js';
import { allSchedules } from '../../schedule/schedule.store.js';
import { renderLayer } from '../../schedule/on-call.js';
import type { EngineModule } from '../engine.js';

type Db = Kysely<Database>;
const HOUR = 3_600_000;

/** Who starts a shift in which rotation within the lead time: claim key per person. */
function firstShifts(schedules: Awaited<ReturnType<typeof allSchedules>>, now: number, leadMs: number): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const s of schedules) {
    const pure = { timeZone: s.time_zone, layers: s.layers, overrides: [] };
    s.layers.forEach((layer, i) => {
      for (const e of renderLayer(pure, i, { since: now, until: now + leadMs })) {
        if (!e.userId) continue;
        const keys = out.get(e.userId) ?? new Set<string>();
        keys.add(`first:${s.id}:${layer.id}`);
        out.set(e.userId, keys);
      }
    });
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
    const first = firstShifts(await allSchedules(this.db, orgId), now, settings.leadHours * HOUR);
    const userIds = [...new Set([...first.keys(), ...(await testedUserIds(this.db, orgId))])];
    if (!userIds.length) return 0;
    const live = new Set((await getUsers(this.db, orgId, userIds)).filter((u) => u.deleted_at === null).map((u) => u.id));
    const methods = (await listContactMethods(this.db, orgId, [...live])).filter((m) => m.verified_at !== null && m.deleted_at === null);
    const tests = await testsOf(this.db, orgId, methods.map((m) => m.id));
    const claimed = new Set(tests.map((t) => `${t.contact_method_id}/${t.claim_key}`));
    let work = 0;
    for (const m of methods) {
      const due: { reason: 'first_shift' | 'monthly'; key: string }[] = [...(first.get(m.user_id) ?? [])].filter((k) => !claimed.has(`${m.id}/${k}`)).map((key) => ({ reason: 'first_shift' as const, key }));
      const monthly = monthlyDue(m.id, tests, now);
      // One test per method and pass (a second rotation's waits for the next look); a first-shift test also restarts the monthly round.
      const next = due[0] ?? (monthly ? { reason: 'monthly' as const, key: monthly } : null);
      if (!next) continue;
      if (await this.db.transaction().execute((trx) => queueScheduledTest(trx, now, m, next.reason, next.key))) work++;
    }
    return work;
  }
}
