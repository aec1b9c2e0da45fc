/**
 * Theory of operation (after GoAlert's engine). Every deadline is a row; each
 * module is an idempotent `tick(now)` that reconciles rows against the clock and
 * returns how much work it did. The engine runs the modules in order whenever
 * work is committed (a signal on the in-process bus; PostgreSQL NOTIFY from other
 * nodes) and on a periodic backstop tick, and keeps cycling while any module
 * reports work, so a trigger is paged in the same cycle that saw it. A module that
 * throws is logged and counted; the others still run. Nothing is held in memory
 * that a restart could lose: a killed engine resumes from the rows.
 */
import type { Logger } from 'pino';
import type { Clock } from '../lib/clock.js';

/** A difference this large between the Clock's progress and the monotonic clock's is a clock step. */
const CLOCK_STEP_MS = 60_000;

export interface EngineModule {
  readonly name: string;
  /** Idempotent: running it twice at the same `now` does nothing the second time. Returns units of work done. */
  tick(now: number): Promise<number>;
  /** Work started by a tick that may outlive it (a slow send): resolves when it has ended. */
  settle?(): Promise<void>;
  /** The engine stops: cut short work that only waits (a long poll), so settle() ends soon. */
  stop?(): void;
  /**
   * Work was committed (the bus on this node, PostgreSQL NOTIFY from another): a module that
   * watches derived state rather than rows with deadlines looks again at its next tick.
   */
  written?(): void;
  /**
   * The next time the module has work it knows of without any write (epoch ms), or null,
   * read after each drain: the engine wakes for it as for the deadlines in the rows.
   */
  nextDeadline?(): number | null;
  /**
   * Runs again within a pass when work is committed during it (escalate, deliver): a new
   * incident's page does not wait for the timer modules left in the pass (on PostgreSQL
   * each is a few round trips). Every module still runs once per pass.
   */
  readonly eager?: boolean;
  /**
   * Has work whenever an incident was triggered on this node (escalate: a new incident's first
   * step is due at once). Such modules at the head of the list run at the start of the pass
   * that follows, while the deadlines are read, not after that read; and if they did work, the
   * eager modules run in that pass whatever the read said (it may predate that work).
   */
  readonly dueOnTrigger?: boolean;
}

export interface ModuleStats {
  runs: number;
  failures: number;
  work: number;
  lastDurationMs: number;
  /** How late the module last ran relative to the wake that asked for it. */
  lastLagMs: number;
}

export class Engine {
  private running = false;
  private cycling: Promise<void> | null = null;
  private again = false;
  /** When work was first committed since the eager modules last ran in this pass (Date.now()), or null. */
  private writtenAt: number | null = null;
  private wakeAt = 0;
  /** An incident was triggered on this node since the last pass began. */
  private triggered = false;
  /** How many modules at the head of the list are due on a trigger (dueOnTrigger). */
  private readonly leadOnTrigger: number;
  private timer: NodeJS.Timeout | null = null;
  private dueTimer: NodeJS.Timeout | null = null;
  readonly stats = new Map<string, ModuleStats>();
  /** The Clock and the monotonic clock at the last pass: a difference between their progress is a clock step. */
  private lastPass: { now: number; mono: number } | null = null;
  /** Clock steps seen (ms; negative: back), most recent last, at most 20. */
  readonly clockSteps: number[] = [];

  constructor(
    private readonly modules: EngineModule[],
    private readonly clock: Clock,
    private readonly log: Pick<Logger, 'error' | 'warn' | 'info'>,
    private readonly opts: {
      backstopMs: number;
      maxCyclesPerWake: number;
      afterWork?: () => void;
      /** The earliest deadline held in the rows (epoch ms), or null: the engine wakes for it instead of waiting for the backstop tick. */
      nextDue?: () => Promise<number | null>;
      /**
       * Read at the start of each pass (one query): by module name, when that module next has
       * work in the rows, or null for none. A named module whose time is still ahead is skipped
       * in that pass; its time is no later than anything its tick would take, and a row written
       * after the read wakes the engine for another pass (or the backstop tick finds it).
       */
      dueByModule?: () => Promise<ReadonlyMap<string, number | null>>;
    } = { backstopMs: 1_000, maxCyclesPerWake: 50 },
  ) {
    for (const m of modules) this.stats.set(m.name, { runs: 0, failures: 0, work: 0, lastDurationMs: 0, lastLagMs: 0 });
    const rest = modules.findIndex((m) => !m.dueOnTrigger);
    this.leadOnTrigger = rest === -1 ? modules.length : rest;
  }

  /** The module of this class the engine runs, if any (what it last did, for health and tests). */
  moduleOf<M extends EngineModule>(kind: abstract new (...args: never[]) => M): M | undefined {
    return this.modules.find((m): m is M => m instanceof kind);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const loop = () => {
      if (!this.running) return;
      this.kick();
      this.timer = setTimeout(loop, this.opts.backstopMs);
      this.timer.unref?.();
    };
    loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.dueTimer) clearTimeout(this.dueTimer);
    await this.cycling;
    for (const m of this.modules) m.stop?.();
    for (const m of this.modules) await m.settle?.();
  }

  /**
   * Work was committed (the bus, NOTIFY): the modules are told, and a cycle runs soon. Cheap to
   * call often. `triggered`: an incident was triggered (the bus on this node says so).
   */
  wake(what: { triggered?: boolean } = {}): void {
    if (what.triggered) this.triggered = true;
    for (const m of this.modules) m.written?.();
    this.writtenAt ??= Date.now();
    this.kick();
  }

  /** Ask for a cycle soon (the backstop tick, a deadline). Wakes during a cycle fold into one more cycle. */
  private kick(): void {
    if (!this.running) return;
    if (this.cycling) {
      this.again = true;
      return;
    }
    this.wakeAt = Date.now();
    this.cycling = this.drain()
      .then(() => this.armNextDue())
      .finally(() => {
        this.cycling = null;
        if (this.again && this.running) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Wake exactly when the next deadline (the rows', or a module's) comes due, if that is sooner than the backstop tick. */
  private async armNextDue(): Promise<void> {
    if (!this.running) return;
    let due: number | null = null;
    try {
      due = this.opts.nextDue ? await this.opts.nextDue() : null;
    } catch (err) {
      this.log.warn({ err }, 'engine could not read its next deadline; the backstop tick covers it');
    }
    for (const m of this.modules) {
      const at = m.nextDeadline?.() ?? null;
      if (at !== null && (due === null || at < due)) due = at;
    }
    if (due === null || !this.running) return;
    // Already due after a full drain: held by another node, or failing. Look again soon, never spin.
    const delay = due > this.clock.now() ? due - this.clock.now() : 100;
    if (delay >= this.opts.backstopMs) return;
    if (this.dueTimer) clearTimeout(this.dueTimer);
    this.dueTimer = setTimeout(() => {
      this.dueTimer = null;
      this.kick();
    }, delay + 1);
    this.dueTimer.unref?.();
  }

  private async drain(): Promise<void> {
    for (let i = 0; i < this.opts.maxCyclesPerWake && this.running; i++) {
      // Between passes, let I/O in. On SQLite every statement completes synchronously, so
      // a pass's awaits are microtasks and passes chained by `await` alone never return to
      // the event loop: a drain of 50 backfill passes (incident facts after an upgrade)
      // kept a node from listening, and answering ingest, for 6 s.
      if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const work = await this.pass(this.clock.now(), true);
      if (work > 0) this.opts.afterWork?.();
      if (work === 0 && !this.again) return;
      this.again = false;
    }
  }

  /**
   * A clock stepped by NTP or by hand (more than a minute off the monotonic clock since the
   * last pass) is logged. Timers are absolute times in the rows, so nothing fires twice
   * (escalation_steps keys each step) and nothing is skipped: after a step forward every
   * step now due fires at once, late, and the escalate module logs its lateness; after a
   * step back, a pending step waits until the clock reaches its time again
   * (docs/reliability.md, "clock steps").
   */
  private noteClock(now: number): void {
    const mono = performance.now();
    const last = this.lastPass;
    this.lastPass = { now, mono };
    if (!last) return;
    const step = now - last.now - (mono - last.mono);
    if (Math.abs(step) < CLOCK_STEP_MS) return;
    this.clockSteps.push(Math.round(step));
    if (this.clockSteps.length > 20) this.clockSteps.shift();
    this.log.warn({ stepMs: Math.round(step), now: new Date(now).toISOString() }, `clock stepped ${step > 0 ? 'forward' : 'back'} by ${Math.round(Math.abs(step) / 1000)} s`);
  }

  /** One pass over every module at `now`, as its own wake (lag counts from here). Tests drive the engine with this and a manual clock. */
  async runOnce(now: number): Promise<number> {
    this.wakeAt = Date.now();
    return this.pass(now, false);
  }

  /** `eager`: a running engine's drain, which runs the eager modules again for a write committed mid-pass; tests' runOnce() does not. */
  private async pass(now: number, eager: boolean): Promise<number> {
    this.noteClock(now);
    this.writtenAt = null;
    // After a trigger on this node, the modules due on it run while the deadlines are read
    // (on PostgreSQL, two connections: a new incident's page does not wait for that round trip).
    const lead = eager && this.triggered ? this.leadOnTrigger : 0;
    this.triggered = false;
    const dueRead = this.readDue();
    let total = 0;
    for (const m of this.modules.slice(0, lead)) total += await this.tick(m, now, this.wakeAt);
    const led = total > 0;
    const due = await dueRead;
    for (const [i, m] of this.modules.entries()) {
      if (i < lead) continue;
      // What the leading modules did (a page queued) may be newer than the deadlines read.
      if (isDue(due, m, now) || (led && m.eager)) total += await this.tick(m, now, this.wakeAt);
      else this.stats.get(m.name)!.lastLagMs = Date.now() - this.wakeAt;
      // Work committed while this pass ran (a new incident): page for it now, not after the rest
      // of the pass. Only the eager modules whose turn in this pass is over (one still ahead runs
      // at its turn anyway), and only in a running engine's drain: runOnce() runs one plain pass.
      const writtenAt = this.writtenAt;
      if (writtenAt !== null && eager && this.running && !m.eager) {
        this.writtenAt = null;
        const fresh = Math.max(now, this.clock.now());
        const dueNow = await this.readDue();
        for (const e of this.modules.slice(0, i)) if (e.eager && isDue(dueNow, e, fresh)) total += await this.tick(e, fresh, writtenAt);
      }
    }
    return total;
  }

  /** The modules' deadlines for this pass, or null (every module runs) when there is no reader or the read failed. */
  private async readDue(): Promise<ReadonlyMap<string, number | null> | null> {
    if (!this.opts.dueByModule) return null;
    try {
      return await this.opts.dueByModule();
    } catch (err) {
      this.log.warn({ err }, 'engine could not read its modules’ deadlines; every module runs this pass');
      return null;
    }
  }

  private async tick(m: EngineModule, now: number, wakeAt: number): Promise<number> {
    const s = this.stats.get(m.name)!;
    const started = Date.now();
    s.lastLagMs = started - wakeAt;
    try {
      const n = await m.tick(now);
      s.work += n;
      return n;
    } catch (err) {
      s.failures++;
      this.log.error({ err, module: m.name }, 'engine module failed');
      return 0;
    } finally {
      s.runs++;
      s.lastDurationMs = Date.now() - started;
    }
  }

  /** Run passes at `now` until no module has work (bounded). */
  async runUntilIdle(now: number, maxPasses = 100): Promise<number> {
    let total = 0;
    for (let i = 0; i < maxPasses; i++) {
      const n = await this.runOnce(now);
      // Deterministic for tests: work that outlived its pass (a slow send) ends before the next.
      for (const m of this.modules) await m.settle?.();
      total += n;
      if (n === 0) return total;
    }
    throw new Error(`engine still busy after ${maxPasses} passes`);
  }
}

/** A module runs unless the deadlines read names it with a time still ahead of `now`, or with none. */
function isDue(due: ReadonlyMap<string, number | null> | null, m: EngineModule, now: number): boolean {
  const at = due?.get(m.name);
  return at === undefined || (at !== null && at <= now);
}
