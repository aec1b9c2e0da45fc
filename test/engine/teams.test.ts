/**
 * Teams end to end on both dialects: a member adds a Power Automate workflow URL as a contact
 * method through the API (the URL's `sig` is a credential: sealed at rest, answered only as a
 * hint), verifies it with the code the card shows in the channel, is paged with an Adaptive
 * Card whose Acknowledge button (Action.OpenUrl) acknowledges the incident. A 429 is retried no
 * sooner than its Retry-After; a deleted workflow removes the method and the page moves on.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { buildChannels } from '../../src/server/notify/channels/registry.js';
import { localPolicy } from '../outbound-allow.js';
import { addContact, addPolicy, addRule, addUser, attachPolicy, engineFor, incident } from './fixtures.js';
import { createIsolatedApp, incidentByNumber, notificationsOf, timelineOf } from './fixtures2.js';
import { startFakeTeams, type FakeTeams } from '../channels/fake-teams.js';

describe.each(DIALECTS)('Teams on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let teams: FakeTeams;
  let engine: Engine;

  beforeEach(async () => {
    clock = manualClock('2026-03-02T09:00:00Z');
    teams = await startFakeTeams();
    t = await createIsolatedApp(dialect, { clock });
    const channels = buildChannels({ policy: localPolicy, httpTimeoutMs: 2_000 });
    expect(channels.types()).toContain('teams');
    engine = engineFor(t, channels);
  });
  afterEach(async () => {
    await t.close();
    await teams.close();
  });

  const run = () => engine.runUntilIdle(clock.now());
  const api = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) => t.app.inject({ method, url, headers: t.auth, ...(payload === undefined ? {} : { payload: payload as object }) });
  const page = async (svcKey: string, dedup: string) => expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(svcKey, { dedup_key: dedup }) })).statusCode).toBe(202);

  const texts = (card: { body: { type: string; text?: string }[] }) => card.body.filter((e) => e.type === 'TextBlock').map((e) => e.text ?? '');

  it('Ada adds a Teams workflow, verifies it, is paged, honours a 429, and acknowledges from the card', async () => {
    const ada = await addUser(t, 'Ada');
    const flow = teams.addWorkflow();
    const sig = new URL(flow).searchParams.get('sig')!;
    const created = await api('POST', `/api/v1/users/${ada}/contact_methods`, { contact_method: { type: 'teams_contact_method', address: flow } });
    expect(created.statusCode).toBe(201);
    const cm = created.json().contact_method;
    expect(cm.type).toBe('teams_contact_method');
    const read = (await api('GET', `/api/v1/users/${ada}/contact_methods/${cm.id}`)).json().contact_method;
    expect(read.address).toBe(`${teams.url}/•••`);
    const stored = await t.db.handle.db.selectFrom('contact_methods').select('address').where('id', '=', cm.id).executeTakeFirstOrThrow();
    expect(stored.address).not.toContain(sig);

    expect((await api('POST', `/api/v1/users/${ada}/contact_methods/${cm.id}/send_verification`)).statusCode).toBe(202);
    await run();
    const code = /(\d{6})/.exec(texts(teams.posted()[0]!).join(' '))![1]!;
    expect((await api('POST', `/api/v1/users/${ada}/contact_methods/${cm.id}/verify`, { code })).json().contact_method.verified).toBe(true);

    const svc = await serviceWithKey(t, 'events_v2', 'Crisis chat');
    await attachPolicy(t, svc.serviceId, await addPolicy(t, [{ delay: 30, targets: [{ id: ada, type: 'user_reference' }] }]));
    teams.throttleNext(40);
    await page(svc.key, 'chat');
    await run();
    const inc = await incidentByNumber(t.db.handle.db, t.org.org.id, 1);
    expect(teams.posted()).toHaveLength(1);
    const [waiting] = await notificationsOf(t.db.handle.db, inc.id);
    expect(waiting).toMatchObject({ channel: 'teams', status: 'pending', last_error: 'teams_WorkflowRequestsThrottled' });
    expect(waiting!.next_attempt_at).toBeGreaterThanOrEqual(clock.now() + 40_000);
    clock.advance(30_000);
    await run();
    expect(teams.posted()).toHaveLength(1);
    clock.advance(11_000);
    await run();
    expect(teams.runs.map((r) => r.status)).toEqual(['Succeeded', 'Succeeded']);

    const card = teams.posted()[1]!;
    expect(card.version).toBe('1.4');
    expect(texts(card)[0]).toMatch(/^#1 TRIGGERED: /);
    expect(texts(card)[1]).toBe('Crisis chat · high urgency · triggered');
    const [ack, resolve, open] = card.actions!;
    expect(ack).toMatchObject({ type: 'Action.OpenUrl', title: 'Acknowledge' });
    expect(ack!.url).toMatch(/^http:\/\/vigil\.test\/a\/[\w-]{43}$/);
    expect(resolve).toMatchObject({ type: 'Action.OpenUrl', title: 'Resolve' });
    expect(open).toMatchObject({ title: 'Open #1', url: `http://vigil.test/incidents/${inc.id}` });
    expect((await notificationsOf(t.db.handle.db, inc.id))[0]).toMatchObject({ status: 'sent' });

    // The button opens the page in a browser: GET shows it, its button acknowledges.
    const shown = await t.app.inject({ method: 'GET', url: new URL(ack!.url!).pathname });
    expect(shown.statusCode).toBe(200);
    expect((await incident(t)).status).toBe('triggered');
    expect((await t.app.inject({ method: 'POST', url: new URL(ack!.url!).pathname })).statusCode).toBe(200);
    expect((await incident(t)).status).toBe('acknowledged');
    expect((await timelineOf(t.db.handle.db, inc.id)).find((e) => e.type === 'acknowledge_log_entry')!.agent).toMatchObject({ id: ada });
  });

  it('a deleted workflow removes the method and the page moves on to the next one (a method without a rule of its own)', async () => {
    const ada = await addUser(t, 'Ada');
    const gone = teams.addWorkflow();
    const spare = teams.addWorkflow();
    const first = await addContact(t, ada, 'teams', gone);
    const second = await addContact(t, ada, 'teams', spare);
    await addRule(t, ada, first, 0);
    teams.deleteWorkflow(gone);
    const svc = await serviceWithKey(t, 'events_v2', 'Crisis chat');
    await attachPolicy(t, svc.serviceId, await addPolicy(t, [{ delay: 30, targets: [{ id: ada, type: 'user_reference' }] }]));
    await page(svc.key, 'x');
    await run();
    const inc = await incidentByNumber(t.db.handle.db, t.org.org.id, 1);
    const rows = await notificationsOf(t.db.handle.db, inc.id);
    expect(rows.find((r) => r.contact_method_id === first)).toMatchObject({ status: 'failed', last_error: 'teams_WorkflowNotFound' });
    expect(rows.find((r) => r.contact_method_id === second)).toMatchObject({ status: 'sent' });
    expect(teams.runs.map((r) => r.workflowId)).toEqual([/workflows\/([0-9a-f]+)\//.exec(spare)![1]]);
    const summaries = (await timelineOf(t.db.handle.db, inc.id)).map((e) => e.summary);
    expect(summaries).toContain('Delivery to Ada by Teams (teams) failed: teams_WorkflowNotFound (the contact method was removed)');
    expect((await api('GET', `/api/v1/users/${ada}/contact_methods`)).json().contact_methods.map((m: { id: string }) => m.id)).toEqual([second]);
  });

  it('a URL that is not a Teams workflow is a 400 naming the field; nothing is stored', async () => {
    const ada = await addUser(t, 'Ada');
    const post = (contact_method: Record<string, unknown>) => api('POST', `/api/v1/users/${ada}/contact_methods`, { contact_method });
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ type: 'teams', address: 'https://contoso.webhook.office.com/webhookb2/a/IncomingWebhook/b/c' }, /contact_method\.address: Office 365 connector URLs are retired/],
      [{ type: 'teams', address: 'https://prod-1.westus.logic.azure.com/workflows/0123456789abcdef0123456789abcdef/triggers/manual/paths/invoke?api-version=1' }, /contact_method\.address: the sig query parameter/],
      [{ type: 'teams' }, /contact_method\.address is required/],
      [{ type: 'teams', address: teams.addWorkflow(), country_code: 1 }, /contact_method\.country_code is only for sms and phone methods/],
    ];
    for (const [body, message] of cases) {
      const r = await post(body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.json().error.errors.join(' ')).toMatch(message);
    }
    expect((await api('GET', `/api/v1/users/${ada}/contact_methods`)).json().contact_methods).toEqual([]);
  });
});
