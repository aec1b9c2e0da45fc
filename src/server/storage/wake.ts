/**
 * Cross-node wake-ups on PostgreSQL: a node that committed work sends
 * NOTIFY vigil_work; engine nodes LISTEN and wake at once instead of waiting for
 * their backstop tick. Coalesced: many commits in one turn send one NOTIFY.
 * It carries no state; losing a notification only costs up to one backstop tick. Its payload
 * names the node that sent it, which ignores its own: that node's bus woke it already.
 */
import type pg from 'pg';
import { pgDriver } from './dialect.js';
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

const CHANNEL = 'vigil_work';

export function notifier(db: Kysely<Database>, node: string): () => void {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    setImmediate(() => {
      pending = false;
      sql`SELECT pg_notify(${CHANNEL}, ${node})`.execute(db).catch(() => {});
    });
  };
}

/** Listen until stopped; reconnects after errors (PostgreSQL restarts). */
export function listen(url: string, onWake: () => void, log: { warn: (o: object, m: string) => void }, node: string): () => Promise<void> {
  let client: pg.Client | null = null;
  let stopped = false;
  let retry: NodeJS.Timeout | null = null;
  const connect = async () => {
    if (stopped) return;
    const c = new (pgDriver().Client)({ connectionString: url });
    client = c;
    c.on('notification', (n) => {
      if (n.payload !== node) onWake();
    });
    c.on('error', (err) => {
      log.warn({ err: err.message }, 'LISTEN connection lost; reconnecting');
      c.end().catch(() => {});
      schedule();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'LISTEN failed; retrying');
      c.end().catch(() => {});
      schedule();
    }
  };
  const schedule = () => {
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = null;
      void connect();
    }, 2_000);
    retry.unref?.();
  };
  void connect();
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    await client?.end().catch(() => {});
  };
}
