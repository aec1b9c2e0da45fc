/**
 * One-click acknowledge/resolve links for email and chat. The link carries a
 * random 256-bit token; only its SHA-256 is stored, with the incident, person,
 * action and expiry. It is single use. Opening the link (GET) only shows a page
 * with a button — link-preview bots and mail scanners fetch with GET, so nothing
 * happens until a person presses the button (POST).
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { hashSecret } from '../lib/secrets.js';
import { newId } from '../lib/ids.js';
import type { ActionTokenTable, Database } from '../storage/schema.js';
import * as store from './action-token.store.js';

export const ACTION_TOKEN_TTL_MS = 24 * 3_600_000;

export async function createActionToken(db: Kysely<Database>, now: number, o: { orgId: string; incidentId: string; userId: string; action: ActionTokenTable['action']; channel: ActionTokenTable['channel'] }): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await store.insertActionToken(db, { org_id: o.orgId, id: newId(now), token_hash: hashSecret(token), incident_id: o.incidentId, user_id: o.userId, action: o.action, channel: o.channel, expires_at: now + ACTION_TOKEN_TTL_MS, used_at: null, created_at: now });
  return token;
}

/** A link or button token: acknowledge or resolve. */
export type LinkTokenRow = ActionTokenTable & { action: 'acknowledge' | 'resolve' };
/** A used or expired token still says whose it was (`owner`), so the answer can be in their language. */
export type TokenLookup<R extends ActionTokenTable = LinkTokenRow> = { ok: true; row: R } | { ok: false; reason: 'unknown' | 'expired' | 'used'; owner?: { org_id: string; user_id: string } };

/** A link's or button's token. A call's keypress token is no link: it is unknown here. */
export async function lookupActionToken(db: Kysely<Database>, token: string, now: number): Promise<TokenLookup> {
  const t = await lookupAnyToken(db, token, now);
  if (t.ok && t.row.action === 'keypress') return { ok: false, reason: 'unknown' };
  return t as TokenLookup;
}

/** A voice call's keypress token (see incident/voice.service.ts); any other token is unknown here. */
export async function lookupKeypressToken(db: Kysely<Database>, token: string, now: number): Promise<TokenLookup<ActionTokenTable>> {
  const t = await lookupAnyToken(db, token, now);
  return t.ok && (t.row.action !== 'keypress' || t.row.channel !== 'voice') ? { ok: false, reason: 'unknown' } : t;
}

async function lookupAnyToken(db: Kysely<Database>, token: string, now: number): Promise<TokenLookup<ActionTokenTable>> {
  const row = await store.findActionToken(db, hashSecret(token));
  if (!row) return { ok: false, reason: 'unknown' };
  const owner = { org_id: row.org_id, user_id: row.user_id };
  if (row.used_at !== null) return { ok: false, reason: 'used', owner };
  if (Number(row.expires_at) <= now) return { ok: false, reason: 'expired', owner };
  return { ok: true, row };
}

/** Whose call a keypress token is from, whatever its state (spent or expired too): to answer in that person's language. */
export async function keypressTokenOwner(db: Kysely<Database>, token: string): Promise<{ org_id: string; user_id: string } | null> {
  const row = token ? await store.findActionToken(db, hashSecret(token)) : undefined;
  return row && row.action === 'keypress' ? { org_id: row.org_id, user_id: row.user_id } : null;
}

/** Spend the token; false when another request spent it first. */
export async function spendActionToken(db: Kysely<Database>, row: ActionTokenTable, now: number): Promise<boolean> {
  return store.spendActionToken(db, row.org_id, row.id, now);
}
