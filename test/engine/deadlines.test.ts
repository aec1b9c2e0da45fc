/**
 * The engine's one read of every timer's deadline per pass (engine/deadlines.store.ts), on each
 * dialect: what a module would act on shows as its deadline, nothing else does, and a module
 * skipped for a deadline still ahead acts once the clock reaches it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, createTestApp, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { readDeadlines } from '../../src/server/engine/deadlines.store.js';
import { engineFor, realChannels } from './fixtures.js';

describe.each(DIALECTS)('the engine’s deadlines on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let engine: Engine;
  const start = Date.parse('2026-03-02T09:00:00Z');

  beforeEach(async () => {
    clock = manualClock('2026-03-02T09:00:00Z');
    t = await createTestApp(dialect, { clock });
    engine = engineFor(t, realChannels(null));
  });
  afterEach(() => t.close());

  const deadlines = async () => Object.fromEntries((await readDeadlines(t.db.handle.db)).byModule);

  it('an empty database has no deadline for any gated module', async () => {
    const d = await readDeadlines(t.db.handle.db);
    expect(Object.values(Object.fromEntries(d.byModule))).toEqual(Array(9).fill(null));
    expect(d.earliest).toBeNull();
  });

  it('a heartbeat is due at its interval, skipped before it, acted on at it, and not due again while down', async () => {
    await serviceWithKey(t, 'heartbeat', 'Phone line');
    const due = (await deadlines())['heartbeat'];
    // Created at 09:00 with the default interval, five minutes.
    expect(due).toBe(start + 300_000);
    // Before it: the heartbeat module is skipped and nothing opens.
    clock.set(due! - 1);
    await engine.runUntilIdle(clock.now());
    expect(engine.stats.get('heartbeat')!.runs).toBe(0);
    // At it: the module runs, the heartbeat goes down, an alert opens and its first step is due.
    clock.set(due!);
    await engine.runOnce(clock.now());
    expect(engine.stats.get('heartbeat')!.work).toBe(1);
    const after = await deadlines();
    expect(after['heartbeat']).toBeNull();
    expect(after['escalate']).toBe(due);
  });

  it('a trigger’s first step is due when it is stored, and nothing is due once the engine has fired it (a service without a policy pages its owners once)', async () => {
    const { key } = await serviceWithKey(t);
    expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key) })).statusCode).toBe(202);
    const before = await readDeadlines(t.db.handle.db);
    expect(before.byModule.get('escalate')).toBe(start);
    expect(before.earliest).toBe(start);
    await engine.runUntilIdle(clock.now());
    expect(engine.stats.get('escalate')!.work).toBe(1);
    expect((await deadlines())['escalate']).toBeNull();
  });
});
