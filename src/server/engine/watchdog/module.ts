/**
 * Watch the watcher: every period, while the engine runs, tell something outside that
 * Vigil is alive — a healthchecks.io-style URL, an uptime service, or another Vigil's
 * heartbeat integration (`/v1/heartbeat/<key>`), which pages its own people when the
 * pings stop. The ping rides the engine's own loop, so it stops when the engine stops,
 * stalls or cannot read its database; it carries the engine's lag and the outbox depth.
 * The request runs beside the engine (a bounded timeout), never holding a tick.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../storage/schema.js';
import { outboxDepth } from '../../notify/outbox.store.js';
import type { EngineModule, ModuleStats } from '../engine.js';

export interface WatchdogOptions {
  url: string;
  everyMs: number;
  timeoutMs?: number;
}

export interface WatchdogPing {
  status: 'ok';
  at: string;
  engine_lag_ms: number;
  outbox: { pending: number; sending: number };
}

export class WatchdogModule implements EngineModule {
  readonly name = 'outbound_heartbeat';
  private nextAt = 0;
  /** The last ping's request, for tests and shutdown: resolves to the HTTP status, or the error's message. */
  lastSend: Promise<number | string> | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly opts: WatchdogOptions,
    private readonly stats: () => ReadonlyMap<string, ModuleStats>,
    private readonly log: { warn(o: object, msg: string): void },
    private readonly send: typeof fetch = fetch,
  ) {}

  async tick(now: number): Promise<number> {
    if (now < this.nextAt) return 0;
    this.nextAt = now + this.opts.everyMs;
    const depth = await outboxDepth(this.db);
    const ping: WatchdogPing = {
      status: 'ok',
      at: new Date(now).toISOString(),
      engine_lag_ms: Math.max(0, ...[...this.stats().values()].map((s) => s.lastLagMs)),
      outbox: { pending: depth.find((d) => d.status === 'pending')?.n ?? 0, sending: depth.find((d) => d.status === 'sending')?.n ?? 0 },
    };
    this.lastSend = this.send(this.opts.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Vigil watchdog' },
      body: JSON.stringify(ping),
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
    }).then(
      async (r) => {
        await r.arrayBuffer().catch(() => undefined);
        if (!r.ok) this.log.warn({ url: redact(this.opts.url), status: r.status }, 'outbound heartbeat refused');
        return r.status;
      },
      (err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        this.log.warn({ url: redact(this.opts.url), err: message }, 'outbound heartbeat failed');
        return message;
      },
    );
    return 0;
  }
}

/** The URL without its path: a heartbeat URL's path is usually its secret. */
function redact(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}/…`;
}
