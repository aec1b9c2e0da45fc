/**
 * Web Push delivery latency: a real Vigil process (`node dist/cli/main.js serve`, SQLite)
 * pages its owner's device, registered through the API like the web app does; a local
 * push service (test/channels/fake-push.ts: verifies the VAPID JWT, decrypts the payload)
 * records when each page arrives. The figure is trigger (POST /v2/enqueue sent) → push
 * request received, per incident, at a steady rate of probes.
 *
 *   npm run bench:build && node dist/bench/bench/push.js [probes] [perSecond]
 * `npm run bench` runs it as the `push` phase.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { startFakePushService } from '../test/channels/fake-push.js';
import { freePort, REPO } from './lib/proc.js';

const wall = () => performance.timeOrigin + performance.now();

export interface PushLatency {
  n: number;
  missing: number;
  p50: number;
  p99: number;
  max: number;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function benchPushLatency(probes = 100, perSecond = 10): Promise<PushLatency> {
  const push = await startFakePushService();
  const arrivals = new Map<string, number>();
  const seen = push.delivered.length;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-push-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = { ...process.env, VIGIL_DATA_DIR: dir, PORT: String(port), HOST: '127.0.0.1', VIGIL_PUBLIC_URL: url, LOG_LEVEL: 'warn', DATABASE_URL: '', VIGIL_INGEST_RATE: '0', VIGIL_OUTBOUND_ALLOW: '127.0.0.1' };
  const cli = path.join(REPO, 'dist/cli/main.js');
  const init = JSON.parse(execFileSync(process.execPath, [cli, 'init', '--org', 'Bench', '--email', 'o@bench.example', '--name', 'Olive', '--password', 'bench password 42', '--json'], { env, encoding: 'utf8' })) as { user: { id: string }; token: string };
  const child: ChildProcess = spawn(process.execPath, [cli, 'serve'], { env, stdio: 'ignore' });
  try {
    for (let i = 0; ; i++) {
      if (i > 600) throw new Error('vigil did not start');
      if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const api = async (method: string, p: string, body?: unknown) => {
      const r = await fetch(url + p, { method, headers: { authorization: `Bearer ${init.token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${await r.text()}`);
      return r.status === 204 ? null : ((await r.json()) as any);
    };
    const waitFor = async (n: number) => {
      for (let i = 0; push.delivered.length < n; i++) {
        if (i > 300) throw new Error('no push arrived');
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    // The device subscribes and registers itself, then verifies with the code its push carries.
    const key = (await api('GET', '/api/v1/push/vapid_key')).vapid_key.public_key as string;
    const sub = push.subscribe(key);
    const me = init.user.id;
    const cm = (await api('POST', `/api/v1/users/${me}/contact_methods`, { contact_method: { type: 'push_notification', label: 'bench phone', subscription: sub.json } })).contact_method;
    await api('POST', `/api/v1/users/${me}/contact_methods/${cm.id}/send_verification`);
    await waitFor(seen + 1);
    const code = /(\d{6})/.exec(push.delivered[seen]!.payload.body)![1]!;
    await api('POST', `/api/v1/users/${me}/contact_methods/${cm.id}/verify`, { code });
    const policy = (await api('POST', '/api/v1/escalation_policies', { escalation_policy: { name: 'bench', escalation_rules: [{ escalation_delay_in_minutes: 30, targets: [{ id: me, type: 'user_reference' }] }] } })).escalation_policy;
    const service = (await api('POST', '/api/v1/services', { service: { name: 'bench', escalation_policy: { id: policy.id, type: 'escalation_policy_reference' } } })).service;
    const routingKey = (await api('POST', `/api/v1/services/${service.id}/integrations`, { integration: { type: 'events_v2' } })).integration.integration_key as string;

    const before = push.delivered.length;
    const sent = new Map<string, number>();
    const started = wall();
    for (let i = 0; i < probes; i++) {
      const due = started + (i * 1000) / perSecond;
      if (due > wall()) await new Promise((r) => setTimeout(r, due - wall()));
      const title = `probe-${i}`;
      sent.set(title, wall());
      void fetch(`${url}/v2/enqueue`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ routing_key: routingKey, event_action: 'trigger', dedup_key: title, payload: { summary: title, source: 'bench', severity: 'critical' } }) });
    }
    const deadline = wall() + 15_000;
    while (wall() < deadline && push.delivered.length - before < probes) await new Promise((r) => setTimeout(r, 50));
    for (const d of push.delivered.slice(before)) {
      // Pages to one device claimed together arrive as one bundled notification listing each incident.
      for (const m of `${d.payload.title}\n${d.payload.body}`.matchAll(/probe-\d+/g)) if (!arrivals.has(m[0])) arrivals.set(m[0], d.receivedAt);
    }
    const lat = [...sent].flatMap(([k, at]) => (arrivals.has(k) ? [arrivals.get(k)! - at] : [])).sort((a, b) => a - b);
    if (!lat.length) throw new Error('no page arrived');
    return { n: lat.length, missing: probes - lat.length, p50: pct(lat, 50), p99: pct(lat, 99), max: lat.at(-1)! };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    await push.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await benchPushLatency(Number(process.argv[2] ?? 100), Number(process.argv[3] ?? 10));
  console.log(`trigger → push request: p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(1)} ms (n ${r.n}, missing ${r.missing})`);
}
