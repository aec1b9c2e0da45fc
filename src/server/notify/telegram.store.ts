import type { Kysely } from 'kysely';
import { needsReseal, openSecret, sealSecret } from '../lib/secret-box.js';
import type { Database, TelegramBotTable, TelegramLinkCodeTable } from '../storage/schema.js';

type Db = Kysely<Database>;

const openBot = (row: TelegramBotTable): TelegramBotTable => ({ ...row, bot_token: openSecret(row.bot_token), webhook_secret: openSecret(row.webhook_secret) });

export async function getBot(db: Db, orgId: string): Promise<TelegramBotTable | undefined> {
  const row = await db.selectFrom('telegram_bots').selectAll().where('org_id', '=', orgId).executeTakeFirst();
  return row ? openBot(row) : undefined;
}

/** By the inbound webhook's path segment: the only unscoped lookup, and it yields the organization. */
export async function getBotByWebhookId(db: Db, id: string): Promise<TelegramBotTable | undefined> {
  const row = await db.selectFrom('telegram_bots').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? openBot(row) : undefined;
}

export async function insertBot(db: Db, row: TelegramBotTable): Promise<void> {
  await db
    .insertInto('telegram_bots')
    .values({ ...row, bot_token: sealSecret(row.bot_token), webhook_secret: sealSecret(row.webhook_secret) })
    .execute();
}

export async function updateBot(db: Db, orgId: string, patch: Partial<Omit<TelegramBotTable, 'org_id' | 'id'>>): Promise<void> {
  const sealed = { ...patch };
  if (patch.bot_token !== undefined) sealed.bot_token = sealSecret(patch.bot_token);
  if (patch.webhook_secret !== undefined) sealed.webhook_secret = sealSecret(patch.webhook_secret);
  await db.updateTable('telegram_bots').set(sealed).where('org_id', '=', orgId).execute();
}

export async function deleteBot(db: Db, orgId: string): Promise<void> {
  await db.deleteFrom('telegram_bots').where('org_id', '=', orgId).execute();
  await db.deleteFrom('telegram_link_codes').where('org_id', '=', orgId).execute();
}

/** Seal what is plaintext or sealed with an old key (run at start-up, like the contact methods'). */
export async function resealTelegramBots(db: Db): Promise<number> {
  const rows = await db.selectFrom('telegram_bots').select(['org_id', 'bot_token', 'webhook_secret']).execute();
  let n = 0;
  for (const r of rows) {
    if (!needsReseal(r.bot_token) && !needsReseal(r.webhook_secret)) continue;
    await db.updateTable('telegram_bots').set({ bot_token: sealSecret(openSecret(r.bot_token)), webhook_secret: sealSecret(openSecret(r.webhook_secret)) }).where('org_id', '=', r.org_id).execute();
    n++;
  }
  return n;
}

export async function insertLinkCode(db: Db, row: TelegramLinkCodeTable): Promise<void> {
  await db.insertInto('telegram_link_codes').values(row).execute();
}

/** A new code replaces the person's earlier unused ones. */
export async function deleteUnusedLinkCodes(db: Db, orgId: string, userId: string): Promise<void> {
  await db.deleteFrom('telegram_link_codes').where('org_id', '=', orgId).where('user_id', '=', userId).where('used_at', 'is', null).execute();
}

export async function findLinkCode(db: Db, orgId: string, codeHash: string): Promise<TelegramLinkCodeTable | undefined> {
  return db.selectFrom('telegram_link_codes').selectAll().where('org_id', '=', orgId).where('code_hash', '=', codeHash).executeTakeFirst();
}

/** Mark the code used; false when another update used it first. */
export async function spendLinkCode(db: Db, orgId: string, id: string, now: number): Promise<boolean> {
  const r = await db.updateTable('telegram_link_codes').set({ used_at: now }).where('org_id', '=', orgId).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function deleteLinkCodesBefore(db: Db, before: number): Promise<void> {
  await db.deleteFrom('telegram_link_codes').where('expires_at', '<', before).execute();
}
