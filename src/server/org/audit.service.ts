/**
 * The audit trail of services, escalation policies, schedules and users (PagerDuty's audit
 * records): every create, update and delete of one of them writes a record in the change's
 * own transaction (`audited`), naming who (the member and how they were signed in: a browser
 * session or an API token) and which fields changed, before and after. Secrets and internal
 * columns are never recorded (SKIPPED).
 */
import type { Kysely } from 'kysely';
import { invalid } from '../errors.js';
import { newId } from '../lib/ids.js';
import type { AuditMethod, AuditRecordTable, AuditRootType, Database } from '../storage/schema.js';
import * as store from './audit.store.js';

type Db = Kysely<Database>;

/** Who made a change: a member through a browser session or an API token. Absent: no member (an import run from the command line). */
export interface AuditActor {
  userId: string;
  name: string;
  method: AuditMethod;
}

/** The actor of a request's principal (a `session:` token id is a browser sign-in). */
export function actorOf(p: { userId: string; name: string; tokenId: string }): AuditActor {
  return { userId: p.userId, name: p.name, method: p.tokenId.startsWith('session:') ? 'browser' : 'api_token' };
}

export interface AuditedChange {
  root: { type: AuditRootType; id: string; name: string | null };
  action: 'create' | 'update' | 'delete';
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

/** Columns never recorded: keys, internal bookkeeping, and anything secret. */
const SKIPPED = new Set(['org_id', 'id', 'created_at', 'updated_at', 'deleted_at', 'built_in', 'urgency_change_at', 'forward_key', 'token_hash', 'password_hash']);
const SECRET = /secret|token|password|key_hash|credential/i;

/** Recorded as changed, without the values: an email address is personal, and the record says enough. */
const REDACTED = new Set(['email']);

function text(v: unknown, name: string): string | null {
  if (v === null || v === undefined || REDACTED.has(name)) return null;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** PagerDuty's details.fields: on create each set field's value, on delete its before_value, on update each changed field's both. */
export function changedFields(before: Record<string, unknown> | null, after: Record<string, unknown> | null): { name: string; value?: string | null; before_value?: string | null }[] {
  const names = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])].filter((n) => !SKIPPED.has(n) && !SECRET.test(n)).sort();
  const out: { name: string; value?: string | null; before_value?: string | null }[] = [];
  for (const name of names) {
    const b = before ? text(before[name], name) : null;
    const a = after ? text(after[name], name) : null;
    if (before && after && JSON.stringify(before[name]) === JSON.stringify(after[name])) continue;
    if (!before && (after![name] ?? null) === null) continue;
    if (!after && (before![name] ?? null) === null) continue;
    out.push({ name, ...(after ? { value: a } : {}), ...(before ? { before_value: b } : {}) });
  }
  return out;
}

async function inTransaction(db: Db, fn: (trx: Db) => Promise<void>): Promise<void> {
  if (db.isTransaction) return fn(db);
  await db.transaction().execute(fn);
}

/** Make a change and record it in one transaction; an update that changes nothing recorded is not recorded. */
export async function audited(db: Db, now: number, orgId: string, actor: AuditActor | undefined, change: AuditedChange, write: (trx: Db) => Promise<void>): Promise<void> {
  await inTransaction(db, async (trx) => {
    await write(trx);
    const fields = changedFields(change.before, change.after);
    if (change.action === 'update' && fields.length === 0) return;
    const row: AuditRecordTable = {
      org_id: orgId,
      id: newId(now),
      at: now,
      root_type: change.root.type,
      root_id: change.root.id,
      root_name: change.root.name,
      action: change.action,
      method: actor?.method ?? 'other',
      actor_user_id: actor?.userId ?? null,
      actor_name: actor?.name ?? null,
      fields: JSON.stringify(fields),
    };
    await store.insertAuditRecord(trx, row);
  });
}

const DAY_MS = 86_400_000;

function decodeCursor(cursor: string): { at: number; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split(':');
  if (!at || !id || !/^\d+$/.test(at)) throw invalid('cursor is not one this API gave');
  return { at: Number(at), id };
}

/** A resource's records, newest first, PagerDuty's way: since defaults to 24 hours before until (default now); a cursor continues. */
export async function auditRecords(
  db: Db,
  now: number,
  orgId: string,
  root: { type: AuditRootType; id: string },
  q: { since?: number; until?: number; cursor?: string; limit?: number },
): Promise<{ records: AuditRecordTable[]; nextCursor: string | null; limit: number }> {
  const limit = q.limit ?? 100;
  if (limit < 1 || limit > 1000) throw invalid('limit must be between 1 and 1000');
  const until = q.until ?? now + 1; // Changes made at this very millisecond included.
  const since = q.since ?? until - DAY_MS;
  if (until <= since) throw invalid('until must be after since');
  const after = q.cursor ? decodeCursor(q.cursor) : undefined;
  const rows = await store.auditRecordsOf(db, orgId, root, { since, until, ...(after ? { after } : {}), limit: limit + 1 });
  const records = rows.slice(0, limit);
  const last = records[records.length - 1];
  const nextCursor = rows.length > limit && last ? Buffer.from(`${last.at}:${last.id}`).toString('base64url') : null;
  return { records, nextCursor, limit };
}

export async function hasAuditTrail(db: Db, orgId: string, root: { type: AuditRootType; id: string }): Promise<boolean> {
  return store.hasAuditRecords(db, orgId, root);
}
