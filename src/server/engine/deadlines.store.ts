/**
 * Every deadline the engine's timer modules act on, read in one query: one scalar subquery
 * per table, each owned by its store and each no later than the earliest row that module's
 * claim would take. A pass skips a module whose deadline is still ahead (or that has none),
 * so a pass with nothing due costs one round trip per module that is not gated rather than
 * a transaction per module (on PostgreSQL, three round trips each; docs/architecture.md).
 */
import type { CompiledQuery, Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import { nameOnPostgres } from '../storage/named-statements.js';
import { snoozeEndQuery, stepDueQuery } from '../incident/incident.store.js';
import { attemptDueQuery } from '../notify/outbox.store.js';
import { handoffCheckedQuery } from '../notify/handoff.store.js';
import { transitionDueQuery } from '../maintenance/maintenance.store.js';
import { reminderDueQuery } from '../postmortem/postmortem.store.js';
import { heartbeatDueQuery, urgencyChangeDueQuery } from '../service/service.store.js';
import { metricDueQuery } from '../impact/impact.store.js';
import { followUpDueQuery } from '../volunteer/volunteer.store.js';
import { CHECK_EVERY_MS } from './handoff-notices/module.js';

export interface Deadlines {
  /** By module name: when that module next has work in the rows (epoch ms), or null for none. Modules not named always run. */
  byModule: ReadonlyMap<string, number | null>;
  /** The earliest deadline of all, the outbox's next attempt included: the engine wakes for it. */
  earliest: number | null;
}

function deadlinesQuery(db: Kysely<Database>) {
  return db.selectNoFrom([
    stepDueQuery(db).as('escalate'),
    attemptDueQuery(db).as('deliver'),
    followUpDueQuery(db).as('followUp'),
    transitionDueQuery(db).as('maintenance'),
    heartbeatDueQuery(db).as('heartbeat'),
    metricDueQuery(db).as('impact'),
    handoffCheckedQuery(db).as('handoff'),
    snoozeEndQuery(db).as('snooze'),
    urgencyChangeDueQuery(db).as('urgency'),
    reminderDueQuery(db).as('reminders'),
  ]);
}

/** A min() of epoch-millisecond columns as a number: PostgreSQL returns bigint as text, and null where no row matched. */
function epochOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

type Row = Awaited<ReturnType<ReturnType<typeof deadlinesQuery>['executeTakeFirstOrThrow']>>;

/** Compiled once per database (its text never changes) and, on PostgreSQL, planned once per connection: it runs on every pass. */
const compiled = new WeakMap<Kysely<Database>, CompiledQuery<Row>>();

export async function readDeadlines(db: Kysely<Database>): Promise<Deadlines> {
  let query = compiled.get(db);
  if (!query) {
    query = deadlinesQuery(db).compile();
    nameOnPostgres(query.sql);
    compiled.set(db, query);
  }
  const r = (await db.executeQuery(query)).rows[0]!;
  const handoff = epochOrNull(r.handoff);
  const byModule = new Map<string, number | null>([
    ['escalate', epochOrNull(r.escalate)],
    ['round-robin', epochOrNull(r.followUp)],
    ['maintenance', epochOrNull(r.maintenance)],
    ['heartbeat', epochOrNull(r.heartbeat)],
    ['impact-detect', epochOrNull(r.impact)],
    // claimDueHandoffRules(now - CHECK_EVERY_MS) takes a rule checked until no later than that.
    ['handoff-notices', handoff === null ? null : handoff + CHECK_EVERY_MS],
    ['snooze', epochOrNull(r.snooze)],
    ['urgency-change', epochOrNull(r.urgency)],
    ['action-item-reminders', epochOrNull(r.reminders)],
  ]);
  // What nextDeadline woke for before (steps, attempts, windows, snoozes, urgency changes,
  // reminders); heartbeats, evaluations and hand-off checks are left to the backstop tick
  // as before: a second late is not felt there, and waking for them would not help.
  const wakeFor = [r.escalate, r.deliver, r.maintenance, r.snooze, r.urgency, r.reminders].map(epochOrNull).filter((t): t is number => t !== null);
  return { byModule, earliest: wakeFor.length ? Math.min(...wakeFor) : null };
}
