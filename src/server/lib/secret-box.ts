/**
 * Secrets at rest (issue 14 item 7): webhook signing secrets, custom header values and
 * Slack URLs are stored sealed with AES-256-GCM (node:crypto). A sealed value reads
 * `vsec1.<key id>.<iv>.<tag>.<ciphertext>` (base64url parts): the key id travels with the
 * ciphertext, so after a rotation old values still open with the old key until they are
 * sealed again with the new one.
 *
 * Keys: `VIGIL_SECRET_KEY` (comma-separated base64 keys of 32 bytes, the first seals, all
 * open), or else `secret.key` in the data directory, created once with mode 0600. Several
 * nodes on one PostgreSQL must share `VIGIL_SECRET_KEY`.
 *
 * The keyring is installed once per process (`installKeyring`, by main.ts); the stores
 * that own these columns seal on write and open on read, so no other code sees the
 * sealed form. A value without the prefix is a plaintext row from before: it opens as
 * itself, and `resealAll` (run at start-up) seals it.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const PREFIX = 'vsec1.';

export interface Key {
  id: string;
  key: Buffer;
}

export class Keyring {
  readonly current: Key;
  readonly #byId: Map<string, Key>;

  constructor(keys: Buffer[]) {
    if (!keys.length) throw new Error('a keyring needs at least one key');
    const all = keys.map((key) => {
      if (key.length !== 32) throw new Error('secret keys must be 32 bytes (base64 of 32 random bytes)');
      return { id: keyId(key), key };
    });
    this.current = all[0]!;
    this.#byId = new Map(all.map((k) => [k.id, k]));
  }

  /** Every key, the current one first: what `new Keyring(keys)` takes (another thread installs the same keyring). */
  get keys(): Buffer[] {
    return [this.current.key, ...[...this.#byId.values()].filter((k) => k !== this.current).map((k) => k.key)];
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${PREFIX}${this.current.id}.${iv.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}.${ct.toString('base64url')}`;
  }

  open(stored: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    const [id, iv, tag, ct] = stored.slice(PREFIX.length).split('.');
    const k = this.#byId.get(id ?? '');
    if (!k || iv === undefined || tag === undefined || ct === undefined) throw new Error(`a secret is sealed with key ${id}, which is not configured (VIGIL_SECRET_KEY)`);
    const decipher = createDecipheriv('aes-256-gcm', k.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** Plaintext, or sealed with a key other than the current one. */
  needsReseal(stored: string): boolean {
    return !stored.startsWith(`${PREFIX}${this.current.id}.`);
  }
}

export const keyId = (key: Buffer): string => createHash('sha256').update(key).digest('hex').slice(0, 12);

export function parseKeys(list: string): Buffer[] {
  return list
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((b64) => Buffer.from(b64, 'base64'));
}

/** The keyring from VIGIL_SECRET_KEY, or from `<dataDir>/secret.key` (created once). */
export function loadKeyring(envKeys: string | null, dataDir: string): Keyring {
  if (envKeys) return new Keyring(parseKeys(envKeys));
  const file = path.join(dataDir, 'secret.key');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true });
    try {
      fs.writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return new Keyring(parseKeys(fs.readFileSync(file, 'utf8')));
}

let installed: Keyring | null = null;

export function installKeyring(k: Keyring): void {
  installed = k;
}

/** The installed keyring, or null before start-up installed one. */
export function installedKeyring(): Keyring | null {
  return installed;
}

function keyring(): Keyring {
  if (!installed) throw new Error('no secret keyring installed (main.ts installs it at start-up)');
  return installed;
}

export const sealSecret = (plain: string): string => keyring().seal(plain);
export const openSecret = (stored: string): string => keyring().open(stored);
export const needsReseal = (stored: string): boolean => keyring().needsReseal(stored);
