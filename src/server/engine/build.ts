import type { AppDeps } from '../http/deps.js';
import type { ChannelAdapter } from '../notify/channel.js';
import { Engine, type EngineModule } from './engine.js';
import { CleanupModule } from './modules/cleanup.js';
import { DeliverModule, type DeliverOptions } from './modules/deliver.js';
import { EscalateModule } from './modules/escalate.js';
import { HeartbeatModule } from './modules/heartbeat.js';
import { ImpactDetectModule } from './modules/impact-detect.js';
import { AckTimeoutModule, AutoResolveModule } from './modules/timeouts.js';
import { CoverageDigestModule } from '../volunteer/digest.js';
import type { Logger } from 'pino';

/**
 * Order matters within one pass. Escalate and deliver come first: a wake is nearly
 * always a new or re-triggered incident, and its page should not wait behind every
 * timer module's query (on PostgreSQL each is a round trip). Timer modules that change
 * state report work, so the engine runs another pass at once, which pages for them.
 */
export function buildEngine(deps: AppDeps, channels: Partial<Record<string, ChannelAdapter>>, log: Pick<Logger, 'error' | 'warn' | 'info'>, opts: { deliver?: Partial<DeliverOptions>; extraModules?: EngineModule[]; backstopMs?: number } = {}): Engine {
  const publish = (c: Parameters<typeof deps.bus.publish>[0]) => deps.bus.publish(c);
  const modules: EngineModule[] = [
    new EscalateModule(deps.db, deps.dialect, publish),
    ...(opts.extraModules ?? []),
    new DeliverModule(deps.db, deps.dialect, channels, publish, deps.metrics, { baseUrl: deps.config.publicUrl, sync: deps.sync, ...opts.deliver }),
    new HeartbeatModule(deps.db, deps.dialect, publish),
    new ImpactDetectModule(deps.db, deps.dialect, publish),
    new AckTimeoutModule(deps.db, deps.dialect, publish),
    new AutoResolveModule(deps.db, deps.dialect, publish),
    new CoverageDigestModule(deps.db, deps.dialect, { baseUrl: deps.config.publicUrl }),
    new CleanupModule(deps.db),
  ];
  const engine = new Engine(modules, deps.clock, log, {
    backstopMs: opts.backstopMs ?? 1_000,
    maxCyclesPerWake: 50,
    // Engine writes are at-least-once (a page lost to a power cut is sent again); flush them soon, off the event loop, without waiting.
    afterWork: () => void deps.sync().catch(() => {}),
    nextDue: () => nextDeadline(deps.db),
  });
  deps.metrics.attachEngine(engine);
  return engine;
}

/** The earliest escalation step or notification attempt waiting in the rows (both indexed). */
export async function nextDeadline(db: AppDeps['db']): Promise<number | null> {
  const step = await db.selectFrom('incidents').select((eb) => eb.fn.min('next_step_at').as('t')).where('next_step_at', 'is not', null).executeTakeFirst();
  const send = await db.selectFrom('notifications').select((eb) => eb.fn.min('next_attempt_at').as('t')).where('status', '=', 'pending').executeTakeFirst();
  const times = [step?.t, send?.t].filter((t): t is number => t !== null && t !== undefined).map(Number);
  return times.length ? Math.min(...times) : null;
}
