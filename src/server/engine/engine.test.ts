import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { Engine, type EngineModule } from './engine.js';

const quiet = { error: () => {}, warn: () => {}, info: () => {} };

/** A module whose one deadline is `due`: it does its work once the clock reaches it. */
function deadlineModule(clock: ManualClock, due: { at: number | null }) {
  const ticks: number[] = [];
  const mod: EngineModule = {
    name: 'deadline',
    async tick(now) {
      ticks.push(now);
      if (due.at !== null && now >= due.at) {
        due.at = null;
        return 1;
      }
      return 0;
    },
  };
  return { mod, ticks, nextDue: async () => due.at };
}

describe('engine wakes for the next deadline', () => {
  let clock: ManualClock;
  beforeEach(() => {
    vi.useFakeTimers();
    clock = new ManualClock(Date.parse('2026-03-08T09:00:00Z'));
  });
  afterEach(() => vi.useRealTimers());

  /** Advance both the fake timers and the engine's clock. */
  async function advance(ms: number) {
    for (let i = 0; i < ms; i += 10) {
      clock.advance(10);
      await vi.advanceTimersByTimeAsync(10);
    }
  }

  it('fires a deadline 300 ms away after 300 ms, not at the 1 s backstop', async () => {
    const due = { at: clock.now() + 300 };
    const d = deadlineModule(clock, due);
    const engine = new Engine([d.mod], clock, quiet, { backstopMs: 1_000, maxCyclesPerWake: 5, nextDue: d.nextDue });
    engine.start();
    await advance(290);
    expect(due.at).not.toBeNull();
    await advance(30);
    expect(due.at).toBeNull();
    const firedAt = d.ticks[d.ticks.length - 1]!;
    expect(firedAt - Date.parse('2026-03-08T09:00:00Z')).toBeLessThanOrEqual(320);
    await engine.stop();
  });

  it('a deadline beyond the backstop is left to the backstop; none means no timer', async () => {
    const due = { at: clock.now() + 5_000 };
    const d = deadlineModule(clock, due);
    const engine = new Engine([d.mod], clock, quiet, { backstopMs: 1_000, maxCyclesPerWake: 5, nextDue: d.nextDue });
    engine.start();
    await advance(990);
    // Only the start-up pass ran: no timer was armed for a deadline 5 s away.
    expect(d.ticks).toHaveLength(1);
    await engine.stop();
  });

  it('a deadline still due after a drain (held elsewhere, or failing) is retried after 100 ms, not in a spin', async () => {
    const stuck = { at: clock.now() - 1 };
    const ticks: number[] = [];
    const mod: EngineModule = { name: 'stuck', tick: async (now) => (ticks.push(now), 0) };
    const engine = new Engine([mod], clock, quiet, { backstopMs: 1_000, maxCyclesPerWake: 5, nextDue: async () => stuck.at });
    engine.start();
    await advance(450);
    // Start-up pass plus one look every 100 ms: about five, never hundreds.
    expect(ticks.length).toBeGreaterThanOrEqual(4);
    expect(ticks.length).toBeLessThanOrEqual(6);
    await engine.stop();
  });

  it('a module’s own deadline (nextDeadline) wakes the engine for it; only wake() (a write) tells modules something was written, not the backstop tick', async () => {
    const ticks: number[] = [];
    let due: number | null = clock.now() + 300;
    let written = 0;
    const mod: EngineModule = {
      name: 'derived',
      async tick(now) {
        ticks.push(now);
        if (due !== null && now >= due) {
          due = null;
          return 1;
        }
        return 0;
      },
      written: () => void written++,
      nextDeadline: () => due,
    };
    const engine = new Engine([mod], clock, quiet, { backstopMs: 1_000, maxCyclesPerWake: 5, nextDue: async () => null });
    engine.start();
    await advance(290);
    expect(due).not.toBeNull();
    await advance(30);
    expect(due).toBeNull();
    expect(ticks[ticks.length - 1]! - Date.parse('2026-03-08T09:00:00Z')).toBeLessThanOrEqual(320);
    // Backstop ticks (every second) run passes but are no writes.
    await advance(2_000);
    expect(written).toBe(0);
    engine.wake();
    expect(written).toBe(1);
    await engine.stop();
  });
});

describe('a drain lets I/O in between passes', () => {
  it('a module with work on every pass (a backfill) does not starve callbacks queued meanwhile', async () => {
    const clock = new ManualClock(Date.parse('2026-03-08T09:00:00Z'));
    let passes = 0;
    // Work done with no real await, as better-sqlite3's statements complete: only microtasks.
    const mod: EngineModule = { name: 'backfill', tick: async () => (++passes <= 20 ? 1 : 0) };
    const engine = new Engine([mod], clock, quiet, { backstopMs: 60_000, maxCyclesPerWake: 50, nextDue: async () => null });
    const seenAt: number[] = [];
    // Queued before the drain starts, as a connection or a listen callback would be.
    setImmediate(() => seenAt.push(passes));
    engine.start();
    await new Promise((r) => setTimeout(r, 50));
    await engine.stop();
    expect(passes).toBe(21);
    // Run before the drain ended (it would have seen 21 otherwise).
    expect(seenAt).toHaveLength(1);
    expect(seenAt[0]).toBeLessThan(21);
  });
});

describe('a pass skips a module whose deadline in the rows is ahead', () => {
  const now = Date.parse('2026-03-08T09:00:00Z');
  function counting(name: string) {
    const ticks: number[] = [];
    return { ticks, mod: { name, tick: async (t: number) => (ticks.push(t), 0) } satisfies EngineModule };
  }

  it('runs a module due now or earlier and one the reader does not name; skips one due later or never', async () => {
    const [due, past, later, never, unnamed] = ['due', 'past', 'later', 'never', 'unnamed'].map(counting);
    const deadlines = new Map<string, number | null>([
      ['due', now],
      ['past', now - 60_000],
      ['later', now + 1],
      ['never', null],
    ]);
    const engine = new Engine([due!.mod, past!.mod, later!.mod, never!.mod, unnamed!.mod], new ManualClock(now), quiet, { backstopMs: 1_000, maxCyclesPerWake: 5, dueByModule: async () => deadlines });
    await engine.runOnce(now);
    expect([due, past, later, never, unnamed].map((m) => m!.ticks.length)).toEqual([1, 1, 0, 0, 1]);
    // Once the clock reaches it, the later one runs.
    await engine.runOnce(now + 1);
    expect(later!.ticks).toEqual([now + 1]);
  });

  it('runs every module when the deadlines cannot be read (a lost connection), and says so', async () => {
    const a = counting('a');
    const warned: string[] = [];
    const log = { ...quiet, warn: (_o: object, m: string) => void warned.push(m) };
    const engine = new Engine([a.mod], new ManualClock(now), log, {
      backstopMs: 1_000,
      maxCyclesPerWake: 5,
      dueByModule: async () => {
        throw new Error('connection terminated');
      },
    });
    await engine.runOnce(now);
    expect(a.ticks).toHaveLength(1);
    expect(warned[0]).toMatch(/could not read/);
  });
});

describe('work committed during a pass is paged before the rest of the pass', () => {
  it('an eager module runs again right after the module during which the write woke the engine, then the pass goes on', async () => {
    const clock = new ManualClock(Date.parse('2026-03-08T09:00:00Z'));
    const order: string[] = [];
    let engine!: Engine;
    let release!: () => void;
    const slowStarted = new Promise<void>((started) => {
      const deliver: EngineModule = { name: 'deliver', eager: true, tick: async () => (order.push('deliver'), 0) };
      // A timer module waiting on its round trip while an ingest request commits.
      const slow: EngineModule = {
        name: 'slow',
        tick: async () => {
          order.push('slow');
          if (order.filter((o) => o === 'slow').length > 1) return 0;
          started();
          await new Promise<void>((r) => (release = r));
          return 0;
        },
      };
      const after: EngineModule = { name: 'after', tick: async () => (order.push('after'), 0) };
      engine = new Engine([deliver, slow, after], clock, quiet, { backstopMs: 60_000, maxCyclesPerWake: 5, nextDue: async () => null });
    });
    engine.start();
    await slowStarted;
    engine.wake();
    release();
    await new Promise((r) => setTimeout(r, 20));
    await engine.stop();
    // The wake also asks for one more whole pass afterwards, as before.
    expect(order.slice(0, 4)).toEqual(['deliver', 'slow', 'deliver', 'after']);
    expect(order.slice(4)).toEqual(['deliver', 'slow', 'after']);
  });
});

describe('after a trigger on this node, the first step does not wait for the deadlines read', () => {
  it('runs the modules due on a trigger while the read is out, then the eager ones whatever the older read said', async () => {
    const clock = new ManualClock(Date.parse('2026-03-08T09:00:00Z'));
    const order: string[] = [];
    let answer!: () => void;
    let reads = 0;
    let fired = 0;
    // The read in flight when the step fires predates the page it queues: it says nothing is due.
    const dueByModule = async () => {
      reads++;
      order.push('read');
      if (reads === 1) return new Map<string, number | null>([['escalate', null], ['deliver', null], ['timer', null]]);
      await new Promise<void>((r) => (answer = r));
      order.push('read answered');
      return new Map<string, number | null>([['escalate', null], ['deliver', null], ['timer', null]]);
    };
    const escalate: EngineModule = { name: 'escalate', eager: true, dueOnTrigger: true, tick: async () => (order.push('escalate'), fired++ === 0 ? 1 : 0) };
    const deliver: EngineModule = { name: 'deliver', eager: true, tick: async () => (order.push('deliver'), 0) };
    const timer: EngineModule = { name: 'timer', tick: async () => (order.push('timer'), 0) };
    const engine = new Engine([escalate, deliver, timer], clock, quiet, { backstopMs: 60_000, maxCyclesPerWake: 1, nextDue: async () => null, dueByModule });
    engine.start();
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual(['read']);
    order.length = 0;
    engine.wake({ triggered: true });
    await new Promise((r) => setTimeout(r, 10));
    // The step fired before the read answered; the page it queued is sent in this pass.
    expect(order).toEqual(['read', 'escalate']);
    answer();
    await new Promise((r) => setTimeout(r, 10));
    await engine.stop();
    expect(order).toEqual(['read', 'escalate', 'read answered', 'deliver']);
  });

  it('a wake that triggered nothing waits for the read as before', async () => {
    const clock = new ManualClock(Date.parse('2026-03-08T09:00:00Z'));
    const order: string[] = [];
    const escalate: EngineModule = { name: 'escalate', eager: true, dueOnTrigger: true, tick: async () => (order.push('escalate'), 0) };
    const engine = new Engine([escalate], clock, quiet, { backstopMs: 60_000, maxCyclesPerWake: 1, nextDue: async () => null, dueByModule: async () => (order.push('read'), new Map([['escalate', null]])) });
    engine.start();
    await new Promise((r) => setTimeout(r, 10));
    engine.wake();
    await new Promise((r) => setTimeout(r, 10));
    await engine.stop();
    expect(order).toEqual(['read', 'read']);
  });
});
