/**
 * A storm on one integration (DESIGN.md §4 invariant 6): 50,000 events
 * with distinct dedup keys, sent as fast as 32 connections allow, at a Vigil child
 * on SQLite.
 *
 * The rate limit is set to 100/s (burst 1,000) here, not the default 500/s (burst
 * 5,000): on a shared 2-core machine Vigil commits only ~400–900 events/s durably,
 * so at the default the bucket refills faster than the flood can drain it and the
 * limiter may never engage (measured: 11,610 events in 32 s, all 202, no 429). The
 * flood then simply queues and every sender waits. That is reported in
 * docs/benchmarks.md; this test checks the limiter's behaviour, deterministically.
 * It takes ~20 s on an idle 2-core machine, ~37 s on a shared one; the limit is 60 s.
 *
 * Shown, with the server's JavaScript heap limited to 96 MiB (memory pressure): the
 * excess is answered 429 with Retry-After and a JSON body, nothing is answered 5xx,
 * the process does not crash, its resident memory stays bounded (< 300 MB at its
 * peak), and the storm's first incident is still paged: a webhook receiver gets
 * the page for the first event.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/server/lib/clock.js';
import { Keyring, installKeyring, parseKeys } from '../../src/server/lib/secret-box.js';
import { TEST_SECRET_KEY } from '../outbound-allow.js';
import { newId } from '../../src/server/lib/ids.js';
import { openDatabase } from '../../src/server/storage/dialect.js';
import { initOrganization } from '../../src/server/org/org.service.js';
import { insertUser } from '../../src/server/org/org.store.js';
import { insertContactMethod } from '../../src/server/notify/contact.store.js';
import { insertPolicy } from '../../src/server/escalation/policy.store.js';
import { createIntegration, createService } from '../../src/server/service/service.service.js';
import { updateService } from '../../src/server/service/service.store.js';

// The rows this test writes are read by the `vigil serve` it starts, which opens them with the test key.
installKeyring(new Keyring(parseKeys(TEST_SECRET_KEY)));
import { CLI, REPO, distBuilt, memoryOf, postJson, sleep, startVigil, tempDir, trigger, type VigilProcess } from './helpers.js';

const built = distBuilt();
const EVENTS = 50_000;

describe.skipIf(!built)('fault: a flood of 50,000 events on one integration, in a 96 MiB heap', () => {
  const dir = tempDir('vigil-flood-');
  let vigil: VigilProcess | null = null;
  let receiver: http.Server | null = null;

  afterAll(async () => {
    await vigil?.stop();
    if (receiver) await new Promise<void>((r) => receiver!.close(() => r()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers 429 with Retry-After, keeps memory bounded, and still pages the first incident', async () => {
    // A receiver for the responder's webhook: the incident key of every page, and when it came.
    const pages = new Map<string, number>();
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          const key = JSON.parse(Buffer.concat(chunks).toString('utf8'))?.event?.data?.incident_key;
          if (typeof key === 'string' && !pages.has(key)) pages.set(key, Date.now());
        } catch {}
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => receiver!.listen(0, '127.0.0.1', r));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

    // The database, migrated by the same CLI that serves it, then people and a policy through the stores.
    const env = { VIGIL_DATA_DIR: dir };
    const migrated = spawnSync(process.execPath, [CLI, 'migrate'], { cwd: REPO, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 });
    expect(migrated.status, migrated.stderr).toBe(0);
    const h = openDatabase({ sqliteFile: path.join(dir, 'vigil.db') });
    let key = '';
    try {
      const now = Date.now();
      const { org } = await initOrganization(h.db, systemClock, { orgName: 'Flood Line', email: 'owner@flood.example' });
      const userId = newId(now);
      await insertUser(h.db, { org_id: org.id, id: userId, name: 'Rae Responder', email: 'rae@flood.example', role: 'responder', time_zone: 'UTC', created_at: now, deleted_at: null });
      await insertContactMethod(h.db, { org_id: org.id, id: newId(now), user_id: userId, type: 'webhook', address: hook, label: 'hook', verified_at: now, verification_code_hash: null, verification_expires_at: null, verification_attempts: 0, secret: 's3cret', created_at: now, deleted_at: null });
      const policyId = newId(now);
      await insertPolicy(h.db, { org_id: org.id, id: policyId, name: 'On call', description: null, num_loops: 0, rules: [{ id: newId(now), escalation_delay_in_minutes: 5, targets: [{ id: userId, type: 'user_reference' }] }], created_at: now, updated_at: now, deleted_at: null });
      const service = await createService(h.db, systemClock, org.id, { name: 'Crisis chat' });
      await updateService(h.db, org.id, service.id, { escalation_policy_id: policyId });
      key = (await createIntegration(h.db, systemClock, org.id, { ...service, escalation_policy_id: policyId }, { type: 'events_v2' })).key;
    } finally {
      await h.close();
    }

    // Under memory pressure too: a JavaScript heap of 96 MiB (at idle Vigil uses about 50).
    vigil = await startVigil({ ...env, VIGIL_INGEST_RATE: '100', VIGIL_INGEST_BURST: '1000', NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=96`.trim() });
    const base = vigil.url;
    const first = await postJson(base, '/v2/enqueue', trigger(key, 'storm-first'));
    expect(first.status).toBe(202);
    const firstAt = Date.now();

    // Beside the flood, a slow sampler keeps one 429 to look at its headers and body.
    let sample: Awaited<ReturnType<typeof postJson>> | null = null;
    let flooding = true;
    const sampler = (async () => {
      while (flooding && !sample) {
        const r = await postJson(base, '/v2/enqueue', trigger(key, `sample-${Date.now()}`)).catch(() => null);
        if (r?.status === 429) sample = r;
        await sleep(100);
      }
    })();

    // 2,000 distinct events, cycled: cheaper for the sender (which shares the machine) than a fresh id per request.
    const requests = Array.from({ length: 2_000 }, (_, i) => ({ method: 'POST', body: JSON.stringify(trigger(key, `storm-${i}`)) }));
    const instance = autocannon({ url: `${base}/v2/enqueue`, method: 'POST', headers: { 'content-type': 'application/json' }, requests, connections: 32, amount: EVENTS, timeout: 10 });
    const watchdog = setTimeout(() => instance.stop(), 48_000);
    let peak = 0;
    const memWatch = setInterval(() => {
      try {
        if (vigil?.alive()) peak = Math.max(peak, memoryOf(vigil.pid).peakMiB);
      } catch {
        // the process is going away; the final reading below decides
      }
    }, 250);
    const result = await instance;
    clearTimeout(watchdog);
    clearInterval(memWatch);
    flooding = false;
    await sampler;

    const answered = result['2xx'] + result.non2xx;
    const codes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([k, v]) => [k, v.count]));
    console.info(`flood: ${answered} answered in ${((result.finish.getTime() - result.start.getTime()) / 1000).toFixed(1)} s, status codes ${JSON.stringify(codes)}, peak RSS ${peak.toFixed(0)} MiB`);
    expect(vigil.alive()).toBe(true);
    expect(answered, 'the whole flood was answered within the time limit').toBe(EVENTS);
    expect(result.errors + result.timeouts).toBe(0);
    expect(Object.keys(codes).sort()).toEqual(['202', '429']);
    expect(codes['429']).toBeGreaterThan(EVENTS / 2);

    expect(sample).not.toBeNull();
    const s = sample!;
    expect(Number(s.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(s.json).toMatchObject({ status: 'throttle event', errors: [expect.any(String)] });

    peak = Math.max(peak, memoryOf(vigil.pid).peakMiB);
    expect(peak).toBeLessThan(300);

    // The first incident of the storm was paged.
    const deadline = firstAt + 20_000;
    while (!pages.has('storm-first') && Date.now() < deadline) await sleep(100);
    expect(pages.has('storm-first'), 'the first event of the storm reached the webhook receiver').toBe(true);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  }, 60_000);
});
