/**
 * An organization's VAPID key pair (RFC 8292): the application server key browsers
 * subscribe with, and the private key that signs each push's JWT. Created on first use,
 * under the organization's lock so two first requests make one key; rotatable (the old key
 * is kept, retired, for the subscriptions made with it). The private key never leaves the
 * server: only the public key is answered.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { Kysely } from 'kysely';
import { newId } from '../lib/ids.js';
import { lockOrganization } from '../storage/dialect.js';
import type { Database, VapidKeyTable } from '../storage/schema.js';
import * as store from './vapid.store.js';

type Db = Kysely<Database>;

/** A fresh P-256 key pair as web-push expects it: the uncompressed public point and the private scalar, base64url. */
export function generateVapidKeyPair(): { publicKey: string; privateKey: string } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  const pub = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
  return { publicKey: pub.toString('base64url'), privateKey: jwk.d! };
}

async function create(trx: Db, orgId: string, now: number): Promise<VapidKeyTable> {
  const pair = generateVapidKeyPair();
  const row: VapidKeyTable = { org_id: orgId, id: newId(now), public_key: pair.publicKey, private_key: pair.privateKey, created_at: now, retired_at: null };
  await store.insertKey(trx, row);
  return row;
}

/** The organization's current key, created once on first use. */
export async function currentVapidKey(db: Db, orgId: string, now: number): Promise<VapidKeyTable> {
  const existing = await store.currentKey(db, orgId);
  if (existing) return existing;
  return db.transaction().execute(async (trx) => {
    await lockOrganization(trx, orgId);
    return (await store.currentKey(trx, orgId)) ?? create(trx, orgId, now);
  });
}

/** Retire the current key and make a new one; devices subscribe again with it on their next app open. */
export async function rotateVapidKey(db: Db, orgId: string, now: number): Promise<VapidKeyTable> {
  return db.transaction().execute(async (trx) => {
    await lockOrganization(trx, orgId);
    await store.retireKeys(trx, orgId, now);
    return create(trx, orgId, now);
  });
}

/** The key pair a subscription was made with (current or retired), for sending. */
export async function vapidKeyFor(db: Db, orgId: string, publicKey: string): Promise<VapidKeyTable | undefined> {
  return store.keyByPublic(db, orgId, publicKey);
}
