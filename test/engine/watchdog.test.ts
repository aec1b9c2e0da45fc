/**
 * Watch the watcher (issue 18): Vigil A's engine pings Vigil B's heartbeat integration
 * over real HTTP while it runs. When A's engine stops, the pings stop and B opens
 * "Missed heartbeat" and pages its on-call; when A comes back, its first ping resolves
 * it. The ping carries A's engine lag and outbox depth.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DIALECTS, createTestApp, manualClock, serviceWithKey, type TestApp } from '../harness.js';
import { addContact, addPolicy, addRule, addUser, attachPolicy, engineFor } from './fixtures.js';
import { WatchdogModule, type WatchdogPing } from '../../src/server/engine/watchdog/module.js';
import type { Engine } from '../../src/server/engine/engine.js';

describe.each(DIALECTS)('watch the watcher (%s)', (dialect) => {
  const clockA = manualClock('2026-03-02T09:00:00Z');
  const clockB = manualClock('2026-03-02T09:00:00Z');
  let a: TestApp, b: TestApp;
  let engineA: Engine, engineB: Engine;
  let watchdog: WatchdogModule;
  let hbKey: string, serviceB: string;
  let seen: WatchdogPing[] = [];
  let tap: http.Server;

  beforeAll(async () => {
    b = await createTestApp(dialect, { clock: clockB });
    await b.app.listen({ port: 0, host: '127.0.0.1' });
    const portB = (b.app.server.address() as AddressInfo).port;
    const svc = await serviceWithKey(b, 'events_v2', 'Vigil A (the other instance)');
    serviceB = svc.serviceId;
    const created = await b.app.inject({ method: 'POST', url: `/api/v1/services/${svc.serviceId}/integrations`, headers: b.auth, payload: { integration: { type: 'heartbeat', heartbeat_interval_seconds: 120 } } });
    hbKey = created.json().integration.integration_key;
    const ops = await addUser(b, 'Olu Operator');
    const cm = await addContact(b, ops, 'webhook', 'http://127.0.0.1:9/never-called');
    await addRule(b, ops, cm, 0);
    await attachPolicy(b, svc.serviceId, await addPolicy(b, [{ delay: 30, targets: [{ id: ops, type: 'user_reference' }] }]));
    engineB = engineFor(b, {});
    // A tap in front of B records what A sends, then passes it on unchanged.
    tap = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push(JSON.parse(body) as WatchdogPing);
        const fwd = http.request({ host: '127.0.0.1', port: portB, path: req.url, method: req.method, headers: { 'content-type': 'application/json' } }, (r) => {
          res.writeHead(r.statusCode ?? 502, { 'content-type': 'application/json' });
          r.pipe(res);
        });
        fwd.end(body);
      });
    });
    await new Promise<void>((r) => tap.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(tap.address() as AddressInfo).port}/v1/heartbeat/${hbKey}`;
    a = await createTestApp(dialect, { clock: clockA, config: { watchdog: { url, everyMs: 60_000 } } });
    engineA = engineFor(a, {});
    watchdog = engineA.moduleOf(WatchdogModule)!;
  });
  afterAll(async () => {
    await new Promise<void>((r) => tap?.close(() => r()));
    await a?.close();
    await b?.close();
  });

  const openOnB = async () => (await b.app.inject({ method: 'GET', url: `/api/v1/incidents?service_ids[]=${serviceB}&statuses[]=triggered&statuses[]=acknowledged`, headers: b.auth })).json().incidents as { title: string; incident_number: number }[];
  const tickA = async () => {
    await engineA.runOnce(clockA.now());
    return watchdog.lastSend;
  };

  it('pings every period while the engine runs, with its lag and outbox depth', async () => {
    expect(watchdog).toBeInstanceOf(WatchdogModule);
    expect(await tickA()).toBe(202);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ status: 'ok', at: '2026-03-02T09:00:00.000Z', outbox: { pending: 0, sending: 0 } });
    expect(typeof seen[0]!.engine_lag_ms).toBe('number');
    // Not again within the period.
    clockA.advance(30_000);
    await engineA.runOnce(clockA.now());
    expect(seen).toHaveLength(1);
    clockA.advance(30_000);
    expect(await tickA()).toBe(202);
    expect(seen).toHaveLength(2);
  });

  it('when A stops, B notices the silence and pages its on-call; A’s first ping back resolves it', async () => {
    clockB.advance(100_000);
    await engineB.runUntilIdle(clockB.now());
    expect(await openOnB()).toHaveLength(0);
    // A's engine is stopped: nothing runs on A. B's clock passes the interval.
    clockB.advance(30_000);
    await engineB.runUntilIdle(clockB.now());
    const open = await openOnB();
    expect(open).toHaveLength(1);
    expect(open[0]!.title).toMatch(/^Missed heartbeat/);
    const paged = await b.db.handle.db.selectFrom('notifications').select(['user_id', 'incident_id']).execute();
    expect(paged.length).toBeGreaterThan(0);
    // A is back: its engine's first pass pings, and B resolves the incident.
    clockA.advance(10 * 60_000);
    expect(await tickA()).toBe(202);
    expect(await openOnB()).toHaveLength(0);
  });
});
