/**
 * Clock steps mid-escalation (issue 21, docs/reliability.md row "clock steps"): the
 * injected clock jumps forward an hour, then back an hour, while a three-level policy
 * (10 minutes between levels) is escalating. Each person has a webhook to a real local
 * receiver of their own.
 *
 * Shown: every level fires exactly once and in order (escalation_steps holds one row
 * per level, each receiver gets one page); the step forward fires the level now due at
 * once and logs how late it was; the step back fires nothing again, and the next level
 * fires when the clock reaches its time; both steps are logged by the engine.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildEngine } from '../../src/server/engine/build.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { ChannelRegistry } from '../../src/server/notify/channels/registry.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import { DIALECTS, createTestApp, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import { addContact, addPolicy, addUser, attachPolicy, realChannels, startReceiver, timeline, type Receiver } from './fixtures.js';

describe.each(DIALECTS)('clock steps mid-escalation on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let hooks: Receiver[];
  let engine: Engine;
  const warnings: { obj: Record<string, unknown>; msg: string }[] = [];

  beforeEach(async () => {
    clock = manualClock('2026-03-02T09:00:00Z');
    t = await createTestApp(dialect, { clock });
    hooks = [await startReceiver(), await startReceiver(), await startReceiver()];
    const channels = new ChannelRegistry(Object.values(realChannels(null)).filter((c) => !!c));
    engine = buildEngine(t.deps, channels, { error: () => {}, info: () => {}, warn: (obj: Record<string, unknown>, msg: string) => void warnings.push({ obj, msg }) } as never, { deliver: { random: () => 0.5 } });
  });
  afterEach(async () => {
    await t.close();
    for (const h of hooks) await h.close();
    warnings.length = 0;
  });

  it('an hour forward and an hour back: each level once, in order, none skipped; steps and lateness logged', async () => {
    const people = [];
    for (const [i, name] of ['Ada', 'Bo', 'Cy'].entries()) {
      const id = await addUser(t, name);
      await addContact(t, id, 'webhook', hooks[i]!.url, true, `${name}-secret`);
      people.push(id);
    }
    const { key, serviceId } = await serviceWithKey(t);
    await attachPolicy(t, serviceId, await addPolicy(t, people.map((id) => ({ delay: 10, targets: [{ id, type: 'user_reference' as const }] }))));
    const run = () => engine.runUntilIdle(clock.now());
    const pages = () => hooks.map((h) => h.requests.length);

    expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, { dedup_key: 'clock' }) })).statusCode).toBe(202);
    await run();
    expect(pages()).toEqual([1, 0, 0]); // 09:00 Ada
    clock.advanceMinutes(5);
    await run();
    expect(pages()).toEqual([1, 0, 0]); // 09:05: Bo is due at 09:10

    // NTP steps the clock forward an hour: 10:05. Bo's level (due 09:10) fires now, once, 55 minutes late.
    clock.advanceMinutes(60);
    await run();
    await run();
    expect(pages()).toEqual([1, 1, 0]);
    const late = warnings.find((w) => /escalation step fired \d+ s late/.test(w.msg));
    expect(late?.obj).toMatchObject({ level: 1, loop: 0, lateMs: 55 * 60_000 });

    // ...and back an hour: 09:05 again. Nothing fires a second time; Cy (due 10:15, set when Bo fired) waits for 10:15.
    clock.advanceMinutes(-60);
    await run();
    expect(pages()).toEqual([1, 1, 0]);
    clock.advanceMinutes(60);
    await run();
    expect(pages()).toEqual([1, 1, 0]); // 10:05
    clock.advanceMinutes(10);
    await run();
    expect(pages()).toEqual([1, 1, 1]); // 10:15 Cy
    clock.advanceMinutes(60);
    await run();
    expect(pages()).toEqual([1, 1, 1]); // no loops: nothing more

    const steps = await t.db.handle.db.selectFrom('escalation_steps').select(['level', 'loop', 'due_at', 'fired_at']).where('org_id', '=', t.org.org.id).orderBy('level').execute();
    expect(steps.map((s) => [s.loop, s.level])).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
    ]);
    expect(Number(steps[1]!.fired_at) - Number(steps[1]!.due_at)).toBe(55 * 60_000);
    const stepped = engine.clockSteps.filter((ms) => Math.abs(ms) >= 59 * 60_000);
    expect(stepped.length).toBeGreaterThanOrEqual(2);
    expect(stepped.some((ms) => ms > 0) && stepped.some((ms) => ms < 0)).toBe(true);
    expect(warnings.some((w) => /clock stepped back by \d+ s/.test(w.msg))).toBe(true);
    const summaries = await timeline(t);
    expect(summaries.filter((s) => /Escalated|escalat/i.test(s)).length).toBeGreaterThanOrEqual(2);
  });
});
