/**
 * The figures aggregated in SQL (facts-aggregate.service.ts) against the pure definitions of
 * metrics.ts over the same stored facts, on every dialect: 400 pseudo-random incidents from
 * 2026-02-20 to 2026-04-10 (New York's and Lord Howe's half-hour DST changes inside, Kolkata's
 * +05:30), with tied durations, every bucket unit, per service and per policy; busiest hours,
 * services and repeat groups; and raw pages walked by cursor both ways in both orders.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupedSummaries, insightFigures, rawComparator, rawFactsPage } from '../../src/server/analytics/facts-aggregate.service.js';
import { readFacts } from '../../src/server/analytics/facts.service.js';
import { busiestHours, byBucket, groupBy, repeatGroups, servicesBreakingMost, summarize, type AggregateUnit, type IncidentFact } from '../../src/server/analytics/metrics.js';
import type { IncidentFactTable } from '../../src/server/storage/schema.js';
import { DIALECTS, createTestDb, type TestDb } from '../harness.js';

const SINCE = Date.parse('2026-02-20T00:00:00Z');
const UNTIL = Date.parse('2026-04-10T00:00:00Z');
const ORG = 'ORGAGG';

function facts(n: number): IncidentFactTable[] {
  let seed = 17;
  const rnd = (k: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed % k;
  };
  const titles = ['Disk full', 'disk  FULL', 'Queue stuck', 'Latency high'];
  return Array.from({ length: n }, (_, i) => {
    const created = SINCE + rnd(UNTIL - SINCE - 86_400_000);
    const escalations = rnd(3);
    return {
      org_id: ORG,
      incident_id: `INC${String(i).padStart(5, '0')}`,
      number: i + 1,
      service_id: `SVC${rnd(3)}`,
      escalation_policy_id: [null, 'EP1', 'EP2'][rnd(3)] ?? null,
      title: titles[rnd(4)]!,
      urgency: rnd(4) ? 'high' : 'low',
      priority_id: null,
      created_at: created,
      // Durations in steps of 30 s (ties), some of them halfway between two seconds.
      resolved_at: created + rnd(200) * 30_000 + (rnd(2) ? 500 : 0),
      first_ack_at: rnd(5) ? created + rnd(60) * 30_000 + (rnd(2) ? 1500 : 0) : null,
      first_escalation_at: escalations ? created + rnd(40) * 30_000 : null,
      escalations,
      manual_escalations: rnd(escalations + 1),
      alerts: rnd(4),
      repeat: rnd(3) ? 0 : 1,
    };
  });
}

describe.each(DIALECTS)('analytics aggregated in SQL on %s', (dialect) => {
  let t: TestDb;
  let all: IncidentFact[];
  let repeats: Set<string>;
  const range = { orgId: ORG, since: SINCE, until: UNTIL };

  beforeAll(async () => {
    t = await createTestDb(dialect);
    await t.handle.db.insertInto('incident_facts').values(facts(400)).execute();
    ({ facts: all, repeats } = await readFacts(t.handle.db, range, true));
    expect(all).toHaveLength(400);
  });
  afterAll(async () => t.drop());

  it('gives every summary metrics.ts gives, per bucket of each unit in each zone, per service and per policy', async () => {
    for (const zone of ['America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe']) {
      for (const unit of ['day', 'week', 'month', null] as (AggregateUnit | null)[]) {
        for (const key of [undefined, 'service_id', 'escalation_policy_id'] as const) {
          const list = key === 'escalation_policy_id' ? all.filter((f) => f.escalationPolicyId) : all;
          const buckets = unit ? byBucket(list, unit, zone) : [{ start: null, facts: list }];
          const keyOf = (f: IncidentFact) => (key === 'service_id' ? f.serviceId : key ? f.escalationPolicyId! : '');
          const expected = buckets.flatMap((b) =>
            [...groupBy(b.facts, keyOf).entries()].sort((x, y) => x[0].localeCompare(y[0])).map(([k, l]) => ({ start: b.start, key: k, summary: summarize(l, 'Asia/Kolkata', repeats) })),
          );
          const got = await groupedSummaries(t.handle.db, { range, unit, timeZone: zone, orgZone: 'Asia/Kolkata', ...(key ? { key } : {}), ...(key === 'escalation_policy_id' ? { policyOnly: true } : {}) });
          expect(got, `${zone} ${unit} ${key}`).toEqual(expected);
        }
      }
    }
  });

  it('counts busiest hours, services and repeat groups as metrics.ts does', async () => {
    for (const zone of ['America/New_York', 'Australia/Lord_Howe']) {
      const got = await insightFigures(t.handle.db, range, zone);
      expect(got).toEqual({ ...busiestHours(all, zone), services: servicesBreakingMost(all, repeats), repeatGroups: repeatGroups(all, repeats) });
    }
  });

  it('pages raw incidents in the order of the whole sorted range, both ways', async () => {
    for (const orderBy of ['created_at', 'seconds_to_resolve'] as const) {
      for (const dir of ['asc', 'desc'] as const) {
        const sorted = [...all].sort(rawComparator(orderBy, dir)).map((f) => f.id);
        const seen: string[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await rawFactsPage(t.handle.db, range, orderBy, dir, 37, after ? { after } : {});
          seen.push(...page.page.map((f) => f.id));
          if (!page.more) break;
          after = seen.at(-1);
        }
        expect(seen).toEqual(sorted);
        const back = await rawFactsPage(t.handle.db, range, orderBy, dir, 37, { before: sorted[200]! });
        expect(back.page.map((f) => f.id)).toEqual(sorted.slice(163, 200));
      }
    }
  });
});
