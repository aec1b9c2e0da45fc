/**
 * The status subscriptions module looks only when there is something to look at, on both
 * dialects, through the real engine (wired to the bus as main.ts wires it) and the manual
 * clock: with nothing pending and nothing written, engine passes every 10 seconds run none
 * of its queries (it used to look every 10 s); a write (an incident on a component) is
 * looked at in the next pass; the throttled notice it opens is reported to the engine as the
 * module's next deadline and is sent at that time, not later.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { LOOK_AGAIN_MS, StatusSubscriptionsModule } from '../../src/server/engine/status-subscriptions/module.js';
import { QUIET_MS } from '../../src/server/status-page/subscriptions.js';
import { createApp, req } from '../api/helpers.js';
import { engineFor, realChannels, startReceiver, type Receiver } from './fixtures.js';

describe.each(DIALECTS)('status subscriptions wait for writes and deadlines on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let hook: Receiver;
  let engine: Engine;
  let unsubscribe: () => void;

  beforeEach(async () => {
    clock = manualClock('2026-03-02T10:00:00Z');
    t = await createApp(dialect, { clock });
    hook = await startReceiver();
    engine = engineFor(t, realChannels(null));
    // As main.ts: every commit the bus hears wakes the engine.
    unsubscribe = t.deps.bus.onWork(() => engine.wake());
  });
  afterEach(async () => {
    unsubscribe();
    await t.close();
    await hook.close();
  });

  const changed = () => hook.requests.filter((r) => r.json?.event?.event_type === 'status_page.component_changed');

  it('no look while nothing is pending; a trigger is looked at at once; its notice goes out when due', async () => {
    const mod = engine.moduleOf(StatusSubscriptionsModule)!;
    const svc = await serviceWithKey(t, 'events_v2', 'Crisis chat');
    expect((await req(t, 'PUT', '/api/v1/status_page', { status_page: { enabled: true, slug: 'harbor', components: [{ service_id: svc.serviceId, name: 'Chat line', group: 'Lines' }] } })).statusCode).toBe(200);
    expect((await req(t, 'POST', '/api/v1/status_page/subscribers', { subscriber: { type: 'webhook', url: hook.url } })).statusCode).toBe(201);

    // The first pass looks (the baseline); then nothing is due before the periodic look.
    await engine.runUntilIdle(clock.now());
    expect(mod.looks).toBe(1);
    expect(mod.nextDeadline()).toBe(clock.now() + LOOK_AGAIN_MS);

    // Almost five minutes of engine passes every 10 s with nothing written: no look (the old module: 29).
    for (let i = 0; i < 29; i++) {
      clock.advance(10_000);
      await engine.runOnce(clock.now());
    }
    expect(mod.looks).toBe(1);
    clock.advance(10_000);
    await engine.runOnce(clock.now());
    expect(mod.looks).toBe(2); // the periodic look, five minutes after the last

    // A trigger on the component: the bus wakes the engine, the module looks in the next pass.
    clock.advance(30_000);
    expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(svc.key, { dedup_key: 'chat' }) })).statusCode).toBe(202);
    const triggeredAt = clock.now();
    await engine.runUntilIdle(clock.now());
    expect(mod.looks).toBe(3);
    const due = triggeredAt + QUIET_MS;
    expect(mod.nextDeadline()).toBe(due);
    expect(changed()).toHaveLength(0);

    // Until it is due: passes look at nothing and send nothing.
    while (clock.now() + 10_000 < due) {
      clock.advance(10_000);
      await engine.runOnce(clock.now());
    }
    expect(mod.looks).toBe(3);
    expect(changed()).toHaveLength(0);

    // Due: told in that pass.
    clock.set(due);
    await engine.runUntilIdle(clock.now());
    expect(mod.looks).toBe(4);
    expect(changed().map((r) => [r.json.event.data.component.name, r.json.event.data.state, r.json.event.data.previous_state])).toEqual([['Chat line', 'outage', 'operational']]);
    const row = await t.db.handle.db.selectFrom('notifications').select(['created_at']).where('kind', '=', 'status').executeTakeFirstOrThrow();
    expect(Number(row.created_at)).toBe(due);
    expect(mod.nextDeadline()).toBe(due + LOOK_AGAIN_MS);
  });
});
