/**
 * A real full disk (issue 21, docs/reliability.md row "disk full"): a `vigil serve`
 * child on SQLite with its data directory on a 24 MiB tmpfs that the test mounts, fills
 * with a file, empties and unmounts. Mounting needs root (CAP_SYS_ADMIN); without it the
 * test is skipped with a warning, and test/faults/storage-full.test.ts shows the same
 * behaviour in process with SQLite's max_page_count.
 *
 * What a full disk did before: SQLite rolls the transaction back itself when the WAL
 * write at COMMIT fails, Kysely's ROLLBACK then failed with "cannot rollback - no
 * transaction is active", and that error (not SQLITE_FULL) reached the sender as 500.
 *
 * Shown: while the disk is full, every answer is 202 or 503 (with Retry-After and a JSON
 * body naming disk_full), never 500, and "cannot rollback" is never logged; /readyz
 * answers 503 disk_full; once the filler is removed /readyz and ingest come back without
 * a restart (the recovery time is printed); every 202 is stored exactly once, no 503'd
 * event is stored, and the database passes integrity_check.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { distBuilt, initOrg, postJson, request, serviceWithKey, sleep, startVigil, tempDir, type VigilProcess } from './helpers.js';

const built = distBuilt();

function tryMount(dir: string, size: string): boolean {
  if (process.platform !== 'linux') return false;
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0;
}

const mountPoint = tempDir('vigil-diskfull-');
const mounted = built && tryMount(mountPoint, '24m');
if (built && !mounted) console.warn(`\n\n!!! cannot mount a tmpfs (needs root): the real full-disk test is SKIPPED; storage-full.test.ts covers it in process !!!\n\n`);

/** Fill the filesystem holding `dir` to the last byte; returns the filler's path and size. */
function fill(dir: string): { file: string; bytes: number } {
  const file = path.join(dir, 'filler');
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.alloc(256 * 1024, 1);
  let bytes = 0;
  try {
    for (;;) {
      const n = fs.writeSync(fd, chunk.subarray(0, chunk.length));
      bytes += n;
      if (n < chunk.length) break;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
  // The last few bytes, one small write at a time.
  const small = Buffer.alloc(512, 1);
  try {
    for (;;) bytes += fs.writeSync(fd, small);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
  fs.closeSync(fd);
  return { file, bytes };
}

describe.skipIf(!mounted)('fault: the data directory\u2019s disk is full (tmpfs)', () => {
  let vigil: VigilProcess | null = null;

  afterAll(async () => {
    await vigil?.stop();
    spawnSync('umount', [mountPoint], { timeout: 10_000 });
    fs.rmSync(mountPoint, { recursive: true, force: true });
  }, 20_000);

  it('answers 503 disk_full with Retry-After (never 500), /readyz says so, and recovers without a restart', async () => {
    const dataDir = path.join(mountPoint, 'data');
    const env = { VIGIL_DATA_DIR: dataDir, VIGIL_INGEST_RATE: '0' };
    const token = await initOrg(env);
    vigil = await startVigil(env);
    const { key } = await serviceWithKey(vigil.url, token);
    const event = (k: string) => ({ routing_key: key, event_action: 'trigger', dedup_key: k, payload: { summary: `disk full ${k}`, source: 'db-1', severity: 'critical', custom_details: { filler: 'x'.repeat(4_000) } } });

    const acked = new Set<string>();
    const refused = new Set<string>();
    const statuses: Record<string, number> = {};
    const send = async (k: string) => {
      const r = await postJson(vigil!.url, '/v2/enqueue', event(k), {}, 20_000);
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      if (r.status === 202) acked.add(k);
      else if (r.status === 503) {
        refused.add(k);
        expect(r.headers.get('retry-after')).toBe('30');
        expect(r.json).toMatchObject({ status: 'error', message: 'Storage Unavailable', errors: [expect.stringMatching(/\(disk_full\)/)] });
      }
      return r.status;
    };
    for (let i = 0; i < 5; i++) expect(await send(`before-${i}`)).toBe(202);

    const filler = fill(mountPoint);
    const fullAt = Date.now();
    // A burst while the disk is full: 8 senders, 150 events.
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < 150) await send(`full-${next++}`);
      }),
    );
    const ready = await request(vigil.url, 'GET', '/readyz');
    console.info(`disk full: filler ${(filler.bytes / 1048576).toFixed(1)} MiB; burst answered ${JSON.stringify(statuses)} in ${Date.now() - fullAt} ms; /readyz ${ready.status} ${ready.text}`);
    expect(Object.keys(statuses).filter((s) => s !== '202' && s !== '503')).toEqual([]);
    expect(refused.size).toBeGreaterThan(0);
    expect(ready.status).toBe(503);
    expect(ready.json).toMatchObject({ status: 'unavailable', reason: 'disk_full' });
    expect(vigil.alive()).toBe(true);

    // Space returns: /readyz comes back by its own probe, then ingest, with no restart.
    fs.rmSync(filler.file);
    const freedAt = Date.now();
    let readyAfter = -1;
    while (Date.now() - freedAt < 15_000) {
      if ((await request(vigil.url, 'GET', '/readyz')).status === 200) {
        readyAfter = Date.now() - freedAt;
        break;
      }
      await sleep(50);
    }
    expect(readyAfter, '/readyz came back within 15 s of freeing space').toBeGreaterThanOrEqual(0);
    expect(await send('after-0')).toBe(202);
    const acceptedAfter = Date.now() - freedAt;
    console.info(`disk full: recovered ${readyAfter} ms after space returned (/readyz 200), first 202 after ${acceptedAfter} ms`);

    const output = vigil.output();
    expect(output).not.toMatch(/cannot rollback/);
    // One error says it once: with no SMTP server configured, nobody could be told directly
    // (test/faults/storage-notice.test.ts covers the notice itself); nothing else is an error.
    const errors = vigil.errors().filter((l) => !/engine/.test(l));
    expect(errors.filter((l) => /nobody can be told directly/.test(l))).toHaveLength(1);
    expect(errors.filter((l) => !/nobody can be told directly/.test(l))).toEqual([]);
    await vigil.stop();
    vigil = null;

    const db = new SQLite(path.join(dataDir, 'vigil.db'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const counts = new Map((db.prepare('SELECT dedup_key, count(*) AS n FROM alerts GROUP BY dedup_key').all() as { dedup_key: string; n: number }[]).map((r) => [r.dedup_key, r.n]));
      for (const k of acked) expect(counts.get(k), `202 ${k}`).toBe(1);
      for (const k of refused) expect(counts.has(k), `503 ${k}`).toBe(false);
    } finally {
      db.close();
    }
  }, 150_000);
});
