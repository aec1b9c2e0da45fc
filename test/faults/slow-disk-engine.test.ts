/**
 * A slow disk and the engine (docs/reliability.md, "slow disk"): SQLite's WAL flush stalls
 * for a second at every fsync. The engine's timers are not starved: an escalation that
 * falls due during the stall still fires, and its page still goes out, each send waiting
 * only for the flush that puts its claim on disk (a send never leaves before the row that
 * says it is being sent is durable: otherwise a crash could send it twice under two keys).
 * What the stall costs is measured: the pass takes a few flushes, not an unbounded wait.
 * SQLite only: PostgreSQL's commit is its own flush.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import type { WalSync } from '../../src/server/storage/wal-sync.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { addContact, addPolicy, addRule, addUser, attachPolicy, engineFor, realChannels } from '../engine/fixtures.js';
import { createIsolatedApp, incidentByNumber, startScriptedReceiver, timelineOf, type ScriptedReceiver } from '../engine/fixtures2.js';

const STALL_MS = 1_000;

describe('fault: a slow disk under the engine (SQLite fsync stalls)', () => {
  let t: TestApp;
  let clock: ManualClock;
  let wal: WalSync;
  let engine: Engine;
  let ada: ScriptedReceiver;
  let bob: ScriptedReceiver;
  let key: string;
  let fast: WalSync['fsyncFile'];
  let flushes = 0;

  beforeAll(async () => {
    clock = manualClock('2026-03-02T02:00:00Z');
    t = await createIsolatedApp('sqlite', { clock });
    wal = t.db.handle.wal!;
    fast = wal.fsyncFile;
    ada = await startScriptedReceiver();
    bob = await startScriptedReceiver();
    engine = engineFor(t, realChannels(null));
    const svc = await serviceWithKey(t);
    key = svc.key;
    const adaId = await addUser(t, 'Ada');
    const bobId = await addUser(t, 'Bob');
    await addRule(t, adaId, await addContact(t, adaId, 'webhook', ada.url, true, 'ada-secret'), 0);
    await addRule(t, bobId, await addContact(t, bobId, 'webhook', bob.url, true, 'bob-secret'), 0);
    await attachPolicy(t, svc.serviceId, await addPolicy(t, [{ delay: 5, targets: [{ id: adaId, type: 'user_reference' }] }, { delay: 5, targets: [{ id: bobId, type: 'user_reference' }] }]));
  });
  afterAll(async () => {
    wal.fsyncFile = fast;
    await t.close();
    await ada.close();
    await bob.close();
  });

  it('an escalation due during the stall fires and pages; each send waits only for its flush', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, { dedup_key: 'chat-queue' }) })).statusCode).toBe(202);
    await engine.runUntilIdle(clock.now());
    expect(ada.requests).toHaveLength(1);

    // From now on every flush takes a second.
    wal.fsyncFile = async (fd) => {
      flushes++;
      await new Promise((r) => setTimeout(r, STALL_MS));
      await fast(fd);
    };
    clock.advanceMinutes(5);
    const started = Date.now();
    await engine.runUntilIdle(clock.now());
    const took = Date.now() - started;

    // Level 2 fired at its due time and Bob was paged, while the disk was slow.
    expect(bob.requests).toHaveLength(1);
    const inc = await incidentByNumber(t.db.handle.db, t.org.org.id, 1);
    const escalated = (await timelineOf(t.db.handle.db, inc.id)).find((e) => e.type === 'escalate_log_entry' && e.created_at === clock.now());
    expect(escalated, 'the escalation is stamped at its due time').toBeTruthy();
    // The pass waited for flushes, a few at most, and nothing else: not starved, not unbounded.
    expect(flushes).toBeGreaterThanOrEqual(1);
    expect(flushes).toBeLessThanOrEqual(4);
    expect(took).toBeGreaterThanOrEqual(STALL_MS * 0.9);
    expect(took).toBeLessThan(STALL_MS * (flushes + 2));
  });
});
