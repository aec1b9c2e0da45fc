/**
 * Never silent (DESIGN.md §4.2), as a property: for random small escalation
 * policies over people with random mixes of verified, unverified and deleted
 * contact methods, notification rules of either urgency, and empty schedules, every
 * escalation step that fires either puts a notification in the outbox or writes on
 * the timeline that nobody could be reached ("Nobody reachable" and, when even the
 * owners and admins have no verified method, "No owner or admin"). And nobody who
 * is targeted and not paged is dropped without a word: each is "skipped" on the
 * timeline with the reason.
 *
 * SQLite only (the logic is the same on both dialects; the stories cover PostgreSQL).
 * Each run gets its own organization in one database; channels always succeed, since
 * the property is about who is paged, not how delivery goes.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import { loadConfig } from '../../src/server/config/config.js';
import { makeDeps } from '../../src/server/main.js';
import { buildEngine } from '../../src/server/engine/build.js';
import { ChannelRegistry } from '../../src/server/notify/channels/registry.js';
import type { Engine } from '../../src/server/engine/engine.js';
import type { ChannelAdapter } from '../../src/server/notify/channel.js';
import { createManualIncident } from '../../src/server/incident/incident.service.js';
import { initOrganization } from '../../src/server/org/org.service.js';
import { createService } from '../../src/server/service/service.service.js';
import { newId } from '../../src/server/lib/ids.js';
import type { ContactMethodType } from '../../src/server/storage/schema.js';
import { createIsolatedDb, notificationsOf, quietLog, seedContact, seedPolicy, seedRule, seedUser, timelineOf, type IsolatedDb, type Seed } from './fixtures2.js';

const MAX_DELAY_MIN = 10;

const methodArb = fc.record({
  type: fc.constantFrom<ContactMethodType>('webhook', 'email', 'sms', 'slack'),
  verified: fc.integer({ min: 0, max: 2 }).map((n) => n > 0),
  deleted: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
  rule: fc.option(fc.record({ delay: fc.integer({ min: 0, max: 3 }), urgency: fc.constantFrom<'high' | 'low'>('high', 'low') }), { nil: null }),
});
const personArb = fc.record({
  role: fc.constantFrom<'responder' | 'admin'>('responder', 'responder', 'admin'),
  deleted: fc.integer({ min: 0, max: 5 }).map((n) => n === 0),
  methods: fc.array(methodArb, { maxLength: 3 }),
});
const targetArb = fc.oneof(fc.record({ person: fc.nat({ max: 9 }) }), fc.constant({ schedule: true as const }));
const scenarioArb = fc.record({
  people: fc.array(personArb, { maxLength: 3 }),
  ownerMethods: fc.array(methodArb, { maxLength: 2 }),
  levels: fc.array(fc.record({ delay: fc.integer({ min: 1, max: MAX_DELAY_MIN }), targets: fc.array(targetArb, { minLength: 1, maxLength: 3 }) }), { minLength: 1, maxLength: 3 }),
  numLoops: fc.integer({ min: 0, max: 1 }),
  urgency: fc.constantFrom<'high' | 'low'>('high', 'low'),
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

const sentAlways: ChannelAdapter['send'] = async () => ({ kind: 'sent' });
const channels: Partial<Record<string, ChannelAdapter>> = Object.fromEntries((['webhook', 'email', 'sms', 'voice', 'slack'] as const).map((type) => [type, { type, send: sentAlways }]));

describe('never silent (property, sqlite)', () => {
  let db: IsolatedDb;
  let clock: ManualClock;
  let engine: Engine;
  let run = 0;
  /** Which way each fired step went, to show the runs covered every branch. */
  const outcomes = { paged: 0, admins: 0, nobody: 0, skipped: 0 };

  beforeAll(async () => {
    clock = manualClock('2026-03-02T09:00:00Z');
    db = await createIsolatedDb('sqlite');
    engine = buildEngine(makeDeps(db.handle, loadConfig({ PORT: '0', VIGIL_PUBLIC_URL: 'http://vigil.test' }), clock), new ChannelRegistry(Object.values(channels).filter((c): c is ChannelAdapter => !!c)), quietLog, { deliver: { random: () => 0.5 } });
  });
  afterAll(async () => db?.drop());

  async function addMethods(s: Seed, userId: string, methods: Scenario['ownerMethods']): Promise<void> {
    for (const [i, m] of methods.entries()) {
      const address = m.type === 'email' ? `p${i}.${userId.toLowerCase()}@harbor.example` : m.type === 'sms' ? `+1555${String(1_000_000 + i).slice(-7)}` : `http://127.0.0.1:9/${userId}/${i}`;
      const id = await seedContact(s, userId, m.type, address, m.verified);
      if (m.rule) await seedRule(s, userId, id, m.rule.delay, m.rule.urgency);
      if (m.deleted) await s.db.updateTable('contact_methods').set({ deleted_at: clock.now() }).where('id', '=', id).execute();
    }
  }

  async function check(sc: Scenario): Promise<void> {
    run++;
    clock.advanceMinutes(24 * 60);
    const org = await initOrganization(db.handle.db, clock, { orgName: `Org ${run}`, email: `owner${run}@harbor.example`, userName: `Owner ${run}` });
    const s: Seed = { db: db.handle.db, orgId: org.org.id, clock };
    await addMethods(s, org.user.id, sc.ownerMethods);
    const people: { id: string; name: string; deleted: boolean }[] = [];
    for (const [i, p] of sc.people.entries()) {
      const name = `R${run}P${i}`;
      const id = await seedUser(s, name, p.role, p.deleted);
      await addMethods(s, id, p.methods);
      people.push({ id, name, deleted: p.deleted });
    }
    const scheduleId = newId(clock.now());
    await db.handle.db.insertInto('schedules').values({ org_id: org.org.id, id: scheduleId, name: `Empty ${run}`, description: null, time_zone: 'UTC', layers: '[]', created_at: clock.now(), updated_at: clock.now(), deleted_at: null }).execute();
    const levels = sc.levels.map((l) => ({
      delay: l.delay,
      targets: l.targets.map((t) => ('person' in t && people.length ? { id: people[t.person % people.length]!.id, type: 'user_reference' as const } : { id: scheduleId, type: 'schedule_reference' as const })),
    }));
    const policy = await seedPolicy(s, levels, sc.numLoops, `Policy ${run}`);
    const service = await createService(db.handle.db, clock, org.org.id, { name: `Service ${run}`, escalation_policy: { id: policy }, incident_urgency_rule: { type: 'constant', urgency: sc.urgency } });
    const inc = await db.handle.db.transaction().execute((trx) =>
      createManualIncident({ trx, dialect: 'sqlite', now: clock.now(), changes: [] }, org.org.id, service, { title: `Run ${run}`, urgency: sc.urgency }, { id: org.user.id, type: 'user_reference', summary: 'Owner' }, { type: 'api' }),
    );

    // Fire every step: all levels, every loop.
    const expectedSteps = levels.length * (sc.numLoops + 1);
    await engine.runUntilIdle(clock.now());
    for (let i = 0; i < expectedSteps; i++) {
      clock.advanceMinutes(MAX_DELAY_MIN);
      await engine.runUntilIdle(clock.now());
    }

    const steps = await db.handle.db.selectFrom('escalation_steps').selectAll().where('incident_id', '=', inc.id).orderBy('fired_at').execute();
    expect(steps, 'every step fires').toHaveLength(expectedSteps);
    const notifications = await notificationsOf(db.handle.db, inc.id);
    const timeline = await timelineOf(db.handle.db, inc.id);
    for (const st of steps) {
      const stepKey = `${inc.id}:${st.epoch}:${st.loop}:${st.level}`;
      const at = Number(st.fired_at);
      const paged = notifications.filter((n) => n.step_key === stepKey);
      const said = timeline.filter((e) => e.created_at === at).map((e) => e.summary);
      const where = `step loop ${st.loop} level ${Number(st.level) + 1}: ${JSON.stringify(said)}`;
      outcomes.skipped += said.filter((x) => x.endsWith(': skipped')).length;
      if (paged.length === 0) outcomes.nobody++;
      else if (paged.every((n) => n.idempotency_key.startsWith('admin:'))) outcomes.admins++;
      else outcomes.paged++;
      if (paged.length === 0) {
        // Nobody at all: the timeline says so, and says that even the admins could not be paged.
        expect(said.some((x) => x.startsWith(`Nobody reachable at level ${Number(st.level) + 1}`)), where).toBe(true);
        expect(said.some((x) => x.startsWith('No owner or admin has a verified contact method')), where).toBe(true);
      }
      // Every targeted member who got no notification in this step is flagged by name.
      const rule = levels[Number(st.level)]!;
      for (const target of rule.targets.filter((t) => t.type === 'user_reference')) {
        const person = people.find((p) => p.id === target.id)!;
        if (person.deleted || paged.some((n) => n.user_id === person.id)) continue;
        expect(said.some((x) => x.startsWith(`${person.name} has no`) && x.endsWith(': skipped')), `${person.name} silently dropped at ${where}`).toBe(true);
      }
    }
    // Something to show for the incident: a page in the outbox, or the words "nobody can be paged".
    expect(notifications.length > 0 || timeline.some((e) => /No owner or admin/.test(e.summary))).toBe(true);
  }

  it('every fired step pages someone or says on the timeline that nobody could be reached', async () => {
    await fc.assert(fc.asyncProperty(scenarioArb, check), { numRuns: 30, endOnFailure: true });
    console.info(`never-silent: ${run} runs; steps that paged targets ${outcomes.paged}, paged the admins ${outcomes.admins}, reached nobody (said so) ${outcomes.nobody}; people flagged as skipped ${outcomes.skipped}`);
  }, 120_000);
});
