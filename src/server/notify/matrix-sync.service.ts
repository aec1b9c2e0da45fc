/**
 * Matrix replies, configured per organization: the homeserver, the bot account's access
 * token (sealed at rest, write-only: a hint at most) and the bot's user id. Once set, the
 * engine's matrix-sync module reads the bot's rooms through /sync and acts on "ack <number>"
 * from the Matrix user linked to a matrix contact method of that room (`matrix_user_id`).
 */
import type { Kysely } from 'kysely';
import { invalid, notFound } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { BLOCKED_MESSAGE, type OutboundPolicy } from '../lib/outbound-policy.js';
import type { Database, MatrixSyncTable } from '../storage/schema.js';
import { MATRIX_USER_ID, matrixAccessTokenOf } from './contact-channels.js';
import * as store from './matrix-sync.store.js';

type Db = Kysely<Database>;

export interface MatrixSyncInput {
  homeserver?: string;
  access_token?: string;
  bot_user_id?: string;
  [k: string]: unknown;
}

/** What GET answers: sent back unchanged on PUT, these are read-only and left as they are. */
const READ_ONLY = ['type', 'access_token_hint', 'last_sync_at', 'last_error', 'created_at', 'updated_at'];

/** `syt_••••wxyz`: enough to tell two tokens apart, never the token. */
export const accessTokenHint = (token: string) => `${token.slice(0, 4)}••••${token.slice(-4)}`;

export async function getMatrixSync(db: Db, orgId: string): Promise<MatrixSyncTable | undefined> {
  return store.getSync(db, orgId);
}

function homeserverOf(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return null;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || url.search || url.hash) return null;
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * Create or change the organization's Matrix sync. Every field is required the first time.
 * A new homeserver, token or bot starts reading afresh: the next sync only takes the
 * position, so nothing written before the change is acted on.
 */
export async function configureMatrixSync(db: Db, clock: Clock, policy: OutboundPolicy, orgId: string, input: MatrixSyncInput): Promise<MatrixSyncTable> {
  const errors: string[] = [];
  for (const k of Object.keys(input)) if (k !== 'homeserver' && k !== 'access_token' && k !== 'bot_user_id' && !READ_ONLY.includes(k)) errors.push(`matrix_sync.${k}: unknown field`);
  const homeserver = input.homeserver === undefined ? undefined : homeserverOf(String(input.homeserver));
  if (homeserver === null) errors.push('matrix_sync.homeserver must be the homeserver URL, such as https://matrix.example.org (no credentials, query or fragment)');
  let token: string | undefined;
  if (input.access_token !== undefined) {
    const t = matrixAccessTokenOf(String(input.access_token));
    if (t === null) errors.push('matrix_sync.access_token must be 8 to 256 printable characters without spaces (the bot account access token, such as syt_...)');
    else token = t;
  }
  const bot = input.bot_user_id === undefined ? undefined : String(input.bot_user_id).trim();
  if (bot !== undefined && !MATRIX_USER_ID.test(bot)) errors.push('matrix_sync.bot_user_id must be a Matrix user id such as @vigil:example.org');
  if (errors.length) throw invalid(...errors);
  if (homeserver && (await policy.refusesUrl(`${homeserver}/`))) throw invalid(`matrix_sync.homeserver: ${BLOCKED_MESSAGE}`);
  const now = clock.now();
  const current = await store.getSync(db, orgId);
  if (!current) {
    const missing = (['homeserver', 'access_token', 'bot_user_id'] as const).filter((k) => input[k] === undefined).map((k) => `matrix_sync.${k} is required`);
    if (missing.length) throw invalid(...missing);
    const row: MatrixSyncTable = { org_id: orgId, homeserver: homeserver!, access_token: token!, bot_user_id: bot!, since: null, next_sync_at: now, claimed_until: null, last_sync_at: null, last_error: null, created_at: now, updated_at: now };
    await store.insertSync(db, row);
    return row;
  }
  const patch: Partial<MatrixSyncTable> = { updated_at: now };
  if (homeserver && homeserver !== current.homeserver) patch.homeserver = homeserver;
  if (token !== undefined && token !== current.access_token) patch.access_token = token;
  if (bot !== undefined && bot !== current.bot_user_id) patch.bot_user_id = bot;
  // Another account or server: its position means nothing here; a running poll's result is dropped (its claim is cleared).
  if (Object.keys(patch).length > 1) Object.assign(patch, { since: null, next_sync_at: now, claimed_until: null, last_error: null });
  await store.updateSync(db, orgId, patch);
  return { ...current, ...patch };
}

export async function removeMatrixSync(db: Db, orgId: string): Promise<void> {
  if (!(await store.getSync(db, orgId))) throw notFound('matrix sync');
  await store.deleteSync(db, orgId);
}
