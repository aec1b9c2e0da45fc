/**
 * The engine as the server runs it: every module, in the order one pass runs them, wired
 * from what the engine needs (EngineDeps: a subset of what main.ts builds for the whole
 * server).
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../lib/clock.js';
import type { IncidentChange } from '../lib/bus.js';
import type { Database } from '../storage/schema.js';
import type { ChannelRegistry } from '../notify/channels/registry.js';
import type { TargetRegistry } from '../escalation/targets.js';
import { readDeadlines } from './deadlines.store.js';
import { Engine, type EngineModule, type ModuleStats } from './engine.js';
import { CleanupModule } from './cleanup/module.js';
import { StatusSubscriptionsModule } from './status-subscriptions/module.js';
import { ActionItemRemindersModule } from './action-item-reminders/module.js';
import { CoverageDigestModule } from './coverage-digest/module.js';
import { TestPagesModule } from './test-pages/module.js';
import { HandoffNoticesModule } from './handoff-notices/module.js';
import { DeliverModule, type DeliveryMetrics, type DeliverOptions } from './deliver/module.js';
import { EscalateModule } from './escalate/module.js';
import { HeartbeatModule } from './heartbeat/module.js';
import { ImpactDetectModule } from './impact-detect/module.js';
import { MaintenanceModule } from './maintenance/module.js';
import { RoundRobinModule } from './round-robin/module.js';
import { AckTimeoutModule, AutoResolveModule } from './timeouts/module.js';
import { SnoozeModule } from './snooze/module.js';
import { AnalyticsFactsModule } from './analytics-facts/module.js';
import { UrgencyChangeModule } from './urgency-change/module.js';
import { WatchdogModule } from './watchdog/module.js';
import { SelfCheckModule, type SelfCheckProbes } from './self-check/module.js';
import type { SelfCheckThresholds } from './self-check/checks.js';
import type { StorageNotice } from './self-check/storage-notice.js';

/** What the self-checks need besides the database: thresholds, this node's probes (the engine supplies its own lag), the storage notice. */
export interface SelfCheckSetup {
  thresholds: SelfCheckThresholds;
  probes: Omit<SelfCheckProbes, 'lagMs'>;
  notice: StorageNotice | null;
}
import { MatrixSyncModule, type MatrixSyncOptions } from './matrix-sync/module.js';
import type { OutboundPolicy } from '../lib/outbound-policy.js';

export interface EngineDeps {
  db: Kysely<Database>;
  clock: Clock;
  bus: { publish(changes: IncidentChange[]): void };
  config: { publicUrl: string; watchdog?: { url: string; everyMs: number } | null };
  /** Resolves once everything committed so far is on disk (DbHandle.sync). */
  sync: () => Promise<void>;
  targets: TargetRegistry;
  metrics: DeliveryMetrics & { attachEngine(engine: Engine): void };
  /** Which addresses the engine's own requests (Matrix /sync) may reach. */
  outbound?: OutboundPolicy;
}

/**
 * Order matters within one pass. Escalate and deliver come first: a wake is nearly
 * always a new or re-triggered incident, and its page should not wait behind every
 * timer module's query (on PostgreSQL each is a round trip). Timer modules that change
 * state report work, so the engine runs another pass at once, which pages for them.
 */
export function buildEngine(deps: EngineDeps, channels: ChannelRegistry, log: Pick<Logger, 'error' | 'warn' | 'info'>, opts: { deliver?: Partial<DeliverOptions>; matrixSync?: Partial<MatrixSyncOptions>; extraModules?: EngineModule[]; backstopMs?: number; selfCheck?: SelfCheckSetup } = {}): Engine {
  const publish = (c: IncidentChange[]) => deps.bus.publish(c);
  const modules: EngineModule[] = [
    new EscalateModule(deps.db, deps.targets, publish, log),
    new RoundRobinModule(deps.db, publish),
    ...(opts.extraModules ?? []),
    new DeliverModule(deps.db, channels, publish, deps.metrics, { baseUrl: deps.config.publicUrl, sync: deps.sync, ...opts.deliver }, log),
    // Before the timer modules that raise alerts: a heartbeat missed as a window starts is suppressed.
    new MaintenanceModule(deps.db),
    new HeartbeatModule(deps.db, publish),
    new ImpactDetectModule(deps.db, publish),
    new AckTimeoutModule(deps.db, publish),
    new AutoResolveModule(deps.db, publish),
    new CoverageDigestModule(deps.db, { baseUrl: deps.config.publicUrl }),
    new ActionItemRemindersModule(deps.db, { baseUrl: deps.config.publicUrl }),
    new TestPagesModule(deps.db),
    new HandoffNoticesModule(deps.db),
    new CleanupModule(deps.db),
    new StatusSubscriptionsModule(deps.db, { baseUrl: deps.config.publicUrl }),
    new SnoozeModule(deps.db, publish),
    new UrgencyChangeModule(deps.db, publish),
    new AnalyticsFactsModule(deps.db),
    new MatrixSyncModule(deps.db, deps.clock, publish, { ...(deps.outbound ? { http: { policy: deps.outbound } } : {}), ...opts.matrixSync }, log),
  ];
  const stats = new Map<string, ModuleStats>();
  const lagMs = () => Math.max(0, ...[...stats.values()].map((s) => s.lastLagMs));
  // After the modules whose lag it reports; it reads the engine's stats once the engine exists.
  if (opts.selfCheck) modules.push(new SelfCheckModule(deps.db, opts.selfCheck.thresholds, { ...opts.selfCheck.probes, lagMs }, opts.selfCheck.notice, publish));
  // Last, so its ping reports the lag of the pass it rides on.
  const watchdog = deps.config.watchdog;
  if (watchdog) modules.push(new WatchdogModule(deps.db, watchdog, () => stats, log));
  const engine = new Engine(modules, deps.clock, log, {
    backstopMs: opts.backstopMs ?? 1_000,
    maxCyclesPerWake: 50,
    // Engine writes are at-least-once (a page lost to a power cut is sent again); flush them soon, off the event loop, without waiting.
    afterWork: () => void deps.sync().catch(() => {}),
    nextDue: () => nextDeadline(deps.db),
    dueByModule: async () => (await readDeadlines(deps.db)).byModule,
  });
  for (const [k, v] of engine.stats) stats.set(k, v);
  deps.metrics.attachEngine(engine);
  return engine;
}

/** The earliest escalation step, notification attempt, maintenance window edge, end of a snooze, start of support hours that raises urgency or action-item reminder waiting in the rows (all indexed). */
export async function nextDeadline(db: Kysely<Database>): Promise<number | null> {
  return (await readDeadlines(db)).earliest;
}
