/**
 * The story that opened the alert-operations work, told with the manual clock on both
 * dialects: "SMS gateway down" is acknowledged at 02:10; at 02:20 a different critical
 * alert arrives on the same service ("Chat queue not answering"). Whatever the service's
 * grouping, someone is paged: with no grouping it opens its own incident; grouped (by time
 * or by content) it re-triggers the acknowledged one. Every page goes through the real
 * webhook channel to a real local receiver.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, createTestApp, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { addContact, addPolicy, addRule, addUser, attachPolicy, engineFor, incident, realChannels, startReceiver, timeline, type Receiver } from './fixtures.js';

const GROUPINGS = {
  none: { type: null },
  time: { type: 'time', config: { timeout: 0 } },
  timeWindow: { type: 'time', config: { timeout: 15 } },
  bySource: { type: 'content_based', config: { aggregate: 'all', fields: ['source'], time_window: 3600 } },
} as const;

describe.each(DIALECTS)('a second, different alert on a service with an acknowledged incident (%s)', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let hook: Receiver;
  let engine: Engine;
  let ada: string;

  beforeEach(async () => {
    clock = manualClock('2026-03-03T02:00:00Z');
    t = await createTestApp(dialect, { clock });
    hook = await startReceiver();
    engine = engineFor(t, realChannels(null));
    ada = await addUser(t, 'Ada');
    await addContact(t, ada, 'webhook', hook.url, true, 'ada-secret');
  });
  afterEach(async () => {
    await t.close();
    await hook.close();
  });

  const run = () => engine.runUntilIdle(clock.now());
  /** A service paging Ada at level 1, grouping as given. */
  async function service(grouping: unknown, name = 'SMS gateway') {
    const s = await serviceWithKey(t, 'events_v2', name, t.auth, { alert_grouping_parameters: grouping });
    await attachPolicy(t, s.serviceId, await addPolicy(t, [{ delay: 15, targets: [{ id: ada, type: 'user_reference' }] }]));
    return s;
  }
  const send = (key: string, dedup: string, summary: string, payload: Record<string, unknown> = {}) =>
    t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, { dedup_key: dedup }, { summary, ...payload }) });
  const acknowledge = (n: string) => t.app.inject({ method: 'PUT', url: `/api/v1/incidents/${n}`, headers: t.auth, payload: { incident: { type: 'incident_reference', status: 'acknowledged' } } });
  const pagesFor = (n: number) => hook.requests.filter((r) => r.json.event.data.number === n);

  /** 02:00 "SMS gateway down" pages Ada; she acknowledges at 02:10. */
  async function acknowledgedAt0210(key: string) {
    expect((await send(key, 'sms-down', 'SMS gateway down')).statusCode).toBe(202);
    await run();
    expect(pagesFor(1)).toHaveLength(1);
    clock.set('2026-03-03T02:10:00Z');
    expect((await acknowledge('1')).statusCode).toBe(200);
    await run();
    expect((await incident(t, '1')).status).toBe('acknowledged');
    clock.set('2026-03-03T02:20:00Z');
  }

  it('no grouping: the new alert opens incident #2 and Ada is paged for it; #1 stays acknowledged', async () => {
    const { key } = await service(GROUPINGS.none);
    await acknowledgedAt0210(key);
    expect((await send(key, 'chat-queue', 'Chat queue not answering')).statusCode).toBe(202);
    await run();
    expect((await incident(t, '2')).title).toBe('Chat queue not answering');
    expect(pagesFor(2)).toHaveLength(1);
    expect(pagesFor(2)[0]!.json.event.event_type).toBe('incident.triggered');
    expect((await incident(t, '1')).status).toBe('acknowledged');
  });

  it('time grouping until resolved: the alert joins #1, which is re-triggered, and Ada is paged again, told why', async () => {
    const { key } = await service(GROUPINGS.time);
    await acknowledgedAt0210(key);
    expect((await send(key, 'chat-queue', 'Chat queue not answering')).statusCode).toBe(202);
    await run();
    const inc = await incident(t, '1');
    expect(inc.status).toBe('triggered');
    expect(inc.urgency).toBe('high');
    expect(inc.alert_counts).toEqual({ all: 2, triggered: 2, resolved: 0 });
    expect(pagesFor(1)).toHaveLength(2);
    expect(pagesFor(1)[1]!.json.event.event_type).toBe('incident.triggered');
    const tl = await timeline(t, '1');
    expect(tl).toContain('Alert added: Chat queue not answering (grouped into the open incident (time grouping, until resolved))');
    expect(tl.find((s) => s.startsWith('Re-triggered by a new alert'))).toBe('Re-triggered by a new alert: Chat queue not answering (critical). The acknowledgement is withdrawn and level 1 of Chat on-call is paged again');
    // Only one incident: the alert did not open another.
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/incidents', headers: t.auth })).json().incidents).toHaveLength(1);
  });

  it('time grouping with a window: within it the alert joins; after it, it opens a new incident', async () => {
    const { key } = await service(GROUPINGS.timeWindow);
    await acknowledgedAt0210(key);
    // 02:20 is past #1's 15-minute window (it opened at 02:00): a new incident, paged.
    expect((await send(key, 'chat-queue', 'Chat queue not answering')).statusCode).toBe(202);
    await run();
    expect((await incident(t, '1')).status).toBe('acknowledged');
    expect(pagesFor(2)).toHaveLength(1);
    // #1's group is closed (it takes no more alerts), #2's is open: read once, by the batch's look.
    const groups = await t.db.handle.db.selectFrom('incidents').select(['number', 'open_group']).orderBy('number').execute();
    expect(groups.map((g) => [Number(g.number), g.open_group !== null])).toEqual([[1, false], [2, true]]);
    // 02:25, inside #2's window: joins #2 (triggered, same urgency) and Ada is told through her low-urgency rules.
    clock.set('2026-03-03T02:25:00Z');
    expect((await send(key, 'chat-queue-2', 'Chat replies slow')).statusCode).toBe(202);
    await run();
    expect((await incident(t, '2')).alert_counts.all).toBe(2);
    expect(pagesFor(2)).toHaveLength(2);
  });

  it('content grouping on source: the same source joins and re-triggers; another source opens its own incident', async () => {
    const { key } = await service(GROUPINGS.bySource);
    await acknowledgedAt0210(key);
    expect((await send(key, 'chat-queue', 'Chat queue not answering', { source: 'chat-gw-2' })).statusCode).toBe(202);
    await run();
    expect((await incident(t, '2')).title).toBe('Chat queue not answering');
    expect(pagesFor(2)).toHaveLength(1);
    expect((await incident(t, '1')).status).toBe('acknowledged');
    // The harness's trigger sends source chat-gw-1, like "SMS gateway down" did.
    expect((await send(key, 'sms-slow', 'SMS replies delayed')).statusCode).toBe(202);
    await run();
    expect((await incident(t, '1')).status).toBe('triggered');
    expect(pagesFor(1)).toHaveLength(2);
    expect(await timeline(t, '1')).toContain('Alert added: SMS replies delayed (grouped by all of source = chat-gw-1)');
  });

  it('joining a triggered incident tells the assignees on their low-urgency rules, one notice per five minutes, none lost', async () => {
    const { key } = await service(GROUPINGS.time);
    // Ada pages by webhook on high urgency at once; on low urgency she wants it too (her only method).
    const cm = await addContact(t, ada, 'webhook', `${hook.url}/low`, true, 'ada-secret');
    await addRule(t, ada, cm, 0, 'high');
    await addRule(t, ada, cm, 0, 'low');
    expect((await send(key, 'a', 'SMS gateway down')).statusCode).toBe(202);
    await run();
    expect(pagesFor(1)).toHaveLength(1);
    clock.set('2026-03-03T02:01:00Z');
    expect((await send(key, 'b', 'Chat queue not answering', { severity: 'warning' })).statusCode).toBe(202);
    await run();
    // Told at once (the incident is triggered and at high urgency already: no re-trigger).
    expect(pagesFor(1)).toHaveLength(2);
    clock.set('2026-03-03T02:02:00Z');
    expect((await send(key, 'c', 'Texts delayed', { severity: 'warning' })).statusCode).toBe(202);
    await run();
    // Not a third message within the same five minutes, however many more join (each its own
    // batch: from the second, this node remembers the window's notices are both queued)...
    for (const k of ['d', 'e', 'f']) expect((await send(key, k, `Queue ${k} slow`, { severity: 'warning' })).statusCode).toBe(202);
    await run();
    expect(pagesFor(1)).toHaveLength(2);
    // ...but the next window's notice carries them.
    clock.set('2026-03-03T02:05:00Z');
    await run();
    expect(pagesFor(1)).toHaveLength(3);
    // A join in that next window (whose notice went out) is told in the one after: nothing remembered across windows.
    clock.set('2026-03-03T02:06:00Z');
    expect((await send(key, 'g', 'Voice line down', { severity: 'warning' })).statusCode).toBe(202);
    await run();
    expect(pagesFor(1)).toHaveLength(3);
    clock.set('2026-03-03T02:10:00Z');
    await run();
    expect(pagesFor(1)).toHaveLength(4);
    const tl = await timeline(t, '1');
    expect(tl.filter((s) => s.startsWith('Alert added:'))).toHaveLength(7);
    expect(tl.some((s) => s.startsWith('Re-triggered'))).toBe(false);
  });
});
