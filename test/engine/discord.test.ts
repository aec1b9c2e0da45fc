/**
 * Discord end to end on both dialects: a member adds a Discord webhook as a contact method
 * through the API (the URL is a credential: sealed at rest, answered only as a hint),
 * verifies it with the code that arrives in the channel, is paged with an embed whose
 * Acknowledge link acknowledges the incident (GET shows the page, the page's button POSTs).
 * A 429 is retried no sooner than Discord's `retry_after`; a deleted webhook (10015) removes
 * the method and the page moves on to the person's next one.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { buildChannels } from '../../src/server/notify/channels/registry.js';
import { localPolicy } from '../outbound-allow.js';
import { addContact, addPolicy, addRule, addUser, attachPolicy, engineFor, incident } from './fixtures.js';
import { createIsolatedApp, incidentByNumber, notificationsOf, timelineOf } from './fixtures2.js';
import { startFakeDiscord, type FakeDiscord } from '../channels/fake-discord.js';

describe.each(DIALECTS)('Discord on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let discord: FakeDiscord;
  let engine: Engine;

  beforeEach(async () => {
    clock = manualClock('2026-03-02T09:00:00Z');
    discord = await startFakeDiscord();
    t = await createIsolatedApp(dialect, { clock });
    const channels = buildChannels({ policy: localPolicy, httpTimeoutMs: 2_000 });
    expect(channels.types()).toContain('discord');
    engine = engineFor(t, channels);
  });
  afterEach(async () => {
    await t.close();
    await discord.close();
  });

  const run = () => engine.runUntilIdle(clock.now());
  const api = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) => t.app.inject({ method, url, headers: t.auth, ...(payload === undefined ? {} : { payload: payload as object }) });
  const page = async (svcKey: string, dedup: string) => expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(svcKey, { dedup_key: dedup }) })).statusCode).toBe(202);

  it('Ada adds a Discord webhook, verifies it, is paged, honours a 429, and acknowledges from the link', async () => {
    const ada = await addUser(t, 'Ada');
    const hook = discord.addWebhook();
    const token = hook.slice(hook.lastIndexOf('/') + 1);
    const created = await api('POST', `/api/v1/users/${ada}/contact_methods`, { contact_method: { type: 'discord_contact_method', address: hook } });
    expect(created.statusCode).toBe(201);
    const cm = created.json().contact_method;
    expect(cm.type).toBe('discord_contact_method');
    // Write-only: read back, the URL is a hint without its token, for its owner too; sealed at rest.
    const read = (await api('GET', `/api/v1/users/${ada}/contact_methods/${cm.id}`)).json().contact_method;
    expect(read.address).toBe(`${discord.url}/•••`);
    const stored = await t.db.handle.db.selectFrom('contact_methods').select('address').where('id', '=', cm.id).executeTakeFirstOrThrow();
    expect(stored.address).not.toContain(token);

    expect((await api('POST', `/api/v1/users/${ada}/contact_methods/${cm.id}/send_verification`)).statusCode).toBe(202);
    await run();
    const code = /(\d{6})/.exec(discord.posts[0]!.content!)![1]!;
    expect((await api('POST', `/api/v1/users/${ada}/contact_methods/${cm.id}/verify`, { code })).json().contact_method.verified).toBe(true);

    const svc = await serviceWithKey(t, 'events_v2', 'Crisis chat');
    await attachPolicy(t, svc.serviceId, await addPolicy(t, [{ delay: 30, targets: [{ id: ada, type: 'user_reference' }] }]));
    discord.rateLimitNext(40);
    await page(svc.key, 'chat');
    await run();
    const inc = await incidentByNumber(t.db.handle.db, t.org.org.id, 1);
    // Rate limited: retried no sooner than Discord's retry_after (40 s), then delivered.
    expect(discord.posts).toHaveLength(1);
    const [waiting] = await notificationsOf(t.db.handle.db, inc.id);
    expect(waiting).toMatchObject({ channel: 'discord', status: 'pending', last_error: 'http_429' });
    expect(waiting!.next_attempt_at).toBeGreaterThanOrEqual(clock.now() + 40_000);
    clock.advance(30_000);
    await run();
    expect(discord.posts).toHaveLength(1);
    clock.advance(11_000);
    await run();
    expect(discord.posts).toHaveLength(2);

    const post = discord.posts[1]!;
    expect(post.content).toMatch(/^🚨 Vigil #1 TRIGGERED: /);
    expect(post.allowed_mentions).toEqual({ parse: [] });
    const [embed] = post.embeds;
    expect(embed!.url).toBe(`http://vigil.test/incidents/${inc.id}`);
    expect(embed!.fields!.find((f) => f.name === 'Service')!.value).toBe('Crisis chat');
    const ackUrl = /\[Acknowledge\]\((http:\/\/vigil\.test\/a\/[\w-]{43})\)/.exec(embed!.description!)![1]!;
    expect(embed!.description).toMatch(/\[Resolve\]\(http:\/\/vigil\.test\/a\/[\w-]{43}\)/);
    expect((await notificationsOf(t.db.handle.db, inc.id))[0]).toMatchObject({ status: 'sent', provider_id: post.id });

    // Following the link shows a page and changes nothing (link previews fetch it); its button acknowledges.
    const shown = await t.app.inject({ method: 'GET', url: new URL(ackUrl).pathname });
    expect(shown.statusCode).toBe(200);
    expect(shown.body).toContain('<form method="post">');
    expect((await incident(t)).status).toBe('triggered');
    expect((await t.app.inject({ method: 'POST', url: new URL(ackUrl).pathname })).statusCode).toBe(200);
    expect((await incident(t)).status).toBe('acknowledged');
    expect((await timelineOf(t.db.handle.db, inc.id)).find((e) => e.type === 'acknowledge_log_entry')!.agent).toMatchObject({ id: ada });
    expect((await t.app.inject({ method: 'POST', url: new URL(ackUrl).pathname })).statusCode).toBe(410);
  });

  it('a deleted webhook (10015) removes the method and the page moves on to the next one (a method without a rule of its own)', async () => {
    const ada = await addUser(t, 'Ada');
    const gone = discord.addWebhook();
    const spare = discord.addWebhook();
    const first = await addContact(t, ada, 'discord', gone);
    const second = await addContact(t, ada, 'discord', spare);
    await addRule(t, ada, first, 0);
    discord.deleteWebhook(gone);
    const svc = await serviceWithKey(t, 'events_v2', 'Crisis chat');
    await attachPolicy(t, svc.serviceId, await addPolicy(t, [{ delay: 30, targets: [{ id: ada, type: 'user_reference' }] }]));
    await page(svc.key, 'x');
    await run();
    const inc = await incidentByNumber(t.db.handle.db, t.org.org.id, 1);
    const rows = await notificationsOf(t.db.handle.db, inc.id);
    expect(rows.find((r) => r.contact_method_id === first)).toMatchObject({ status: 'failed', last_error: 'discord_10015' });
    expect(rows.find((r) => r.contact_method_id === second)).toMatchObject({ status: 'sent' });
    expect(discord.posts).toHaveLength(1);
    expect(discord.posts[0]!.webhookId).toBe(/webhooks\/(\d+)\//.exec(spare)![1]);
    const summaries = (await timelineOf(t.db.handle.db, inc.id)).map((e) => e.summary);
    expect(summaries).toContain('Delivery to Ada by Discord (discord) failed: discord_10015 (the contact method was removed)');
    const left = (await api('GET', `/api/v1/users/${ada}/contact_methods`)).json().contact_methods.map((m: { id: string }) => m.id);
    expect(left).toEqual([second]);
  });

  it('a URL that is not a Discord webhook is a 400 naming the field; nothing is stored', async () => {
    const ada = await addUser(t, 'Ada');
    const post = (contact_method: Record<string, unknown>) => api('POST', `/api/v1/users/${ada}/contact_methods`, { contact_method });
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ type: 'discord', address: 'https://example.org/api/webhooks/123456789012345678/abc' }, /contact_method\.address: host example\.org is not Discord's/],
      [{ type: 'discord', address: 'https://discord.com/api/webhooks/123/abc' }, /contact_method\.address: must be a Discord webhook URL/],
      [{ type: 'discord', address: 'discord.com/api/webhooks/1/2' }, /contact_method\.address: must be a Discord webhook URL/],
      [{ type: 'discord' }, /contact_method\.address is required/],
      [{ type: 'discord', address: discord.addWebhook(), access_token: 'x' }, /contact_method\.access_token is only for ntfy and matrix methods/],
    ];
    for (const [body, message] of cases) {
      const r = await post(body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.json().error.errors.join(' ')).toMatch(message);
    }
    expect((await api('GET', `/api/v1/users/${ada}/contact_methods`)).json().contact_methods).toEqual([]);
  });
});
