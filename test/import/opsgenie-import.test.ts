/**
 * `vigil import opsgenie` against a local Opsgenie (fake-opsgenie.ts) on both dialects:
 * paged users with a 429 half-way through the pages, a 500 half-way through the import
 * (after users and schedules were written; the next run resumes without duplicates), a
 * dry run that writes nothing, an imported API key that keeps working against Vigil's
 * Opsgenie-compatible Alert API and pages the imported on-call person, and the 8-week
 * comparison of each imported schedule with Opsgenie's own final timeline.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, countRows, createTestApp, manualClock, type TestApp } from '../harness.js';
import { OpsgenieClient, SourceError } from '../../src/server/import/opsgenie-client.js';
import { OutboundPolicy } from '../../src/server/lib/outbound-policy.js';
import { runOpsgenieImport, formatReport, inviteImportedMembers, type ImportDeps } from '../../src/server/import/import.service.js';
import { mailerFromConfig } from '../../src/server/account/mailer.js';
import { startFakeOpsgenie, type FakeOpsgenie, type OpsgenieData } from './fake-opsgenie.js';
import { incidentsOf, req } from '../api/helpers.js';
import { engineFor, realChannels, startSmtp } from '../engine/fixtures.js';

const PROM_KEY = 'a3f5c1e2-7b4d-4e8f-9a6b-2c1d0e9f8a7b';
const FORM_KEY = 'b9e8d7c6-5a4b-4c3d-8e2f-1a0b9c8d7e6f';

/** Monday 2026-02-23 09:00 in Asia/Kolkata (UTC+05:30, no DST). */
const WEEK_START = '2026-02-23T03:30:00Z';

function fixture(): OpsgenieData {
  const u = (id: string, username: string, fullName: string, role: string, contacts: { method: string; to: string }[] = []) => ({ id, username, fullName, role: { id: role.toLowerCase(), name: role }, timeZone: 'Asia/Kolkata', contacts });
  return {
    users: [
      u('u-alice', 'alice@example.com', 'Alice Ahn', 'Owner', [
        { method: 'email', to: 'alice@example.com' },
        { method: 'sms', to: '1-5555550101' },
      ]),
      u('u-bob', 'bob@example.com', 'Bob Berg', 'Admin', [
        { method: 'voice', to: '44-7700900123' },
        { method: 'email', to: 'bob.pager@example.com' },
      ]),
      u('u-carol', 'carol@example.com', 'Carol Chen', 'User', [{ method: 'mobile', to: 'Pixel 8' }]),
      u('u-dave', 'dave@example.com', 'Dave Diaz', 'Observer'),
      u('u-erin', 'erin@example.com', 'Erin Eze', 'User', [{ method: 'email', to: 'erin.pager@example.com' }]),
      // The Vigil owner (vigil init) is in Opsgenie too: matched by e-mail, kept as owner.
      u('u-olive', 'owner@harbor.example', 'Olive Owner', 'Admin'),
    ],
    teams: [
      {
        id: 't-sre',
        name: 'SRE',
        members: [{ user: { id: 'u-alice', username: 'alice@example.com' }, role: 'admin' }],
        routingRules: [
          { id: 'rr-1', name: 'P1 to primary', order: 0, isDefault: false, criteria: { type: 'match-any-condition' }, notify: { type: 'schedule', id: 's-sre', name: 'SRE Primary' } },
          { id: 'rr-2', name: 'Default', order: 1, isDefault: true, criteria: { type: 'match-all' }, notify: { type: 'escalation', id: 'e-sre', name: 'SRE escalation' } },
        ],
      },
      {
        id: 't-support',
        name: 'Support',
        description: 'Customer support',
        members: [
          { user: { id: 'u-bob', username: 'bob@example.com' }, role: 'admin' },
          { user: { id: 'u-erin', username: 'erin@example.com' }, role: 'user' },
          { user: { id: 'u-gone', username: 'gone@example.com' }, role: 'user' },
        ],
        routingRules: [{ id: 'rr-3', name: 'Default', order: 0, isDefault: true, criteria: { type: 'match-all' }, notify: { type: 'schedule', id: 's-support', name: 'Support hours' } }] },
    ],
    schedules: [
      {
        id: 's-sre',
        name: 'SRE Primary',
        timezone: 'Asia/Kolkata',
        enabled: true,
        rotations: [
          {
            id: 'r-weekly',
            name: 'Weekly',
            startDate: WEEK_START,
            type: 'weekly',
            length: 1,
            participants: [
              { type: 'user', id: 'u-alice', username: 'alice@example.com' },
              { type: 'user', id: 'u-bob', username: 'bob@example.com' },
              { type: 'user', id: 'u-carol', username: 'carol@example.com' },
            ],
          },
        ],
        overrides: [{ alias: 'ov-erin', user: { type: 'user', id: 'u-erin', username: 'erin@example.com' }, startDate: '2026-03-04T00:00:00Z', endDate: '2026-03-05T00:00:00Z', rotations: [] }],
      },
      {
        id: 's-support',
        ownerTeam: { id: 't-support', name: 'Support' },
        name: 'Support hours',
        timezone: 'Asia/Kolkata',
        enabled: true,
        rotations: [
          {
            id: 'r-days',
            name: 'Weekdays',
            startDate: '2026-03-01T03:30:00Z',
            type: 'daily',
            participants: [
              { type: 'user', id: 'u-erin' },
              { type: 'user', id: 'u-carol' },
            ],
            timeRestriction: { type: 'weekday-and-time-of-day', restrictions: [{ startDay: 'monday', startHour: 9, startMin: 0, endDay: 'friday', endHour: 18, endMin: 0 }] },
          },
          {
            id: 'r-evenings',
            name: 'Evenings',
            startDate: '2026-03-01T12:30:00Z',
            type: 'hourly',
            length: 4,
            participants: [
              { type: 'user', id: 'u-bob' },
              { type: 'team', id: 't-sre', name: 'SRE' },
            ],
            timeRestriction: { type: 'time-of-day', restriction: { startHour: 18, startMin: 0, endHour: 9, endMin: 0 } },
          },
        ],
        overrides: [],
      },
    ],
    escalations: [
      {
        id: 'e-sre',
        name: 'SRE escalation',
        rules: [
          { condition: 'if-not-acked', notifyType: 'default', delay: { timeAmount: 0, timeUnit: 'minutes' }, recipient: { type: 'schedule', id: 's-sre', name: 'SRE Primary' } },
          { condition: 'if-not-acked', notifyType: 'default', delay: { timeAmount: 10, timeUnit: 'minutes' }, recipient: { type: 'user', id: 'u-bob', username: 'bob@example.com' } },
          { condition: 'if-not-acked', notifyType: 'default', delay: { timeAmount: 10, timeUnit: 'minutes' }, recipient: { type: 'team', id: 't-sre', name: 'SRE' } },
          { condition: 'if-not-acked', notifyType: 'next', delay: { timeAmount: 20, timeUnit: 'minutes' }, recipient: { type: 'schedule', id: 's-sre', name: 'SRE Primary' } },
          { condition: 'if-not-acked', notifyType: 'default', delay: { timeAmount: 25, timeUnit: 'minutes' }, recipient: { type: 'user', id: 'u-alice' } },
        ],
        repeat: { waitInterval: 5, count: 2 },
        ownerTeam: { id: 't-sre', name: 'SRE' },
      },
    ],
    integrations: [
      { id: 'i-prom', name: 'Prometheus', type: 'API', enabled: true, teamId: 't-sre', apiKey: PROM_KEY },
      { id: 'i-form', name: 'Support form', type: 'API', enabled: true, teamId: 't-support', apiKey: FORM_KEY },
      { id: 'i-mail', name: 'Email', type: 'Email', enabled: true, teamId: 't-sre' },
    ],
  };
}

describe.each(DIALECTS)('vigil import opsgenie on %s', (dialect) => {
  let t: TestApp;
  let og: FakeOpsgenie;
  const clock = manualClock('2026-03-02T09:00:00Z');
  const waits: number[] = [];
  const lines: string[] = [];
  const deps = (): ImportDeps => ({ db: t.db.handle.db, clock, targets: t.deps.targets, outbound: t.deps.outbound, log: (l) => lines.push(l) });
  const client = (token = og.key) => new OpsgenieClient({ apiUrl: og.url, token, pageSize: 2, policy: t.deps.outbound, sleep: async (ms) => void waits.push(ms) });
  const rows = async () => ({
    users: await countRows(t, 'users'),
    services: await countRows(t, 'services'),
    integrations: await countRows(t, 'integrations'),
    schedules: Number((await t.db.handle.db.selectFrom('schedules').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n),
    policies: Number((await t.db.handle.db.selectFrom('escalation_policies').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n),
    overrides: Number((await t.db.handle.db.selectFrom('schedule_overrides').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n),
    contacts: Number((await t.db.handle.db.selectFrom('contact_methods').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n),
    teams: Number((await t.db.handle.db.selectFrom('teams').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n),
    teamMembers: Number((await t.db.handle.db.selectFrom('team_members').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n),
    teamLinks: Number((await t.db.handle.db.selectFrom('team_links').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n),
    mappings: Number((await t.db.handle.db.selectFrom('import_mappings').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n),
  });

  beforeAll(async () => {
    t = await createTestApp(dialect, { clock });
    og = await startFakeOpsgenie(fixture());
  });
  afterAll(async () => {
    await og.close();
    await t.close();
  });

  it('reads through the outbound address policy: an Opsgenie on a loopback address is refused unless VIGIL_OUTBOUND_ALLOW opens it', async () => {
    const before = await rows();
    const asked = og.received.length;
    const strict = new OpsgenieClient({ apiUrl: og.url, token: og.key, policy: new OutboundPolicy([]) });
    await expect(runOpsgenieImport(deps(), strict, t.org.org.id, { dryRun: true })).rejects.toThrow('GET /v2/users: 127.0.0.1 is blocked by the outbound policy (allow it with VIGIL_OUTBOUND_ALLOW)');
    expect(og.received.length).toBe(asked);
    expect(await rows()).toEqual(before);
  });

  it('refuses a wrong GenieKey with the source error and writes nothing', async () => {
    const before = await rows();
    await expect(runOpsgenieImport(deps(), client('not-the-key'), t.org.org.id, { dryRun: false })).rejects.toThrow(/GET \/v2\/users answered 403/);
    expect(await rows()).toEqual(before);
  });

  it('gives up after a bounded number of 429s, naming the path and status', async () => {
    waits.length = 0;
    for (let i = 0; i < 4; i++) og.rateLimitOnce('/v2/users', 1, 0);
    const c = new OpsgenieClient({ apiUrl: og.url, token: og.key, policy: t.deps.outbound, maxRetries: 3, sleep: async (ms) => void waits.push(ms) });
    await expect(c.list('/v2/users')).rejects.toThrow(/GET \/v2\/users answered 429: Rate limit exceeded/);
    expect(waits).toEqual([1000, 1000, 1000]);
    // The fourth 429 was the last queued: the next read goes through and follows every page.
    expect((await c.list('/v2/users')).map((u: { username: string }) => u.username)).toHaveLength(6);
  });

  it('a dry run prints the plan and what cannot be mapped, and writes nothing', async () => {
    const before = await rows();
    const r = await runOpsgenieImport(deps(), client(), t.org.org.id, { dryRun: true });
    expect(await rows()).toEqual(before);
    expect(r.plan.users.map((u) => [u.email, u.role])).toEqual([
      ['alice@example.com', 'admin'],
      ['bob@example.com', 'admin'],
      ['carol@example.com', 'responder'],
      ['dave@example.com', 'observer'],
      ['erin@example.com', 'responder'],
      ['owner@harbor.example', 'admin'],
    ]);
    expect(r.plan.schedules.map((s) => s.name)).toEqual(['SRE Primary', 'Support hours / Weekdays', 'Support hours / Evenings']);
    expect(r.plan.schedules[1]!.layer.restrictions).toEqual([{ type: 'weekly_restriction', start_day_of_week: 1, start_time_of_day: '09:00:00', duration_seconds: (4 * 24 + 9) * 3600 }]);
    expect(r.plan.schedules[2]!.layer.restrictions).toEqual([{ type: 'daily_restriction', start_time_of_day: '18:00:00', duration_seconds: 15 * 3600 }]);
    const sre = r.plan.policies.find((p) => p.sourceId === 'e-sre')!;
    expect(sre.numLoops).toBe(2);
    expect(sre.rules).toEqual([
      { delayMinutes: 10, targets: [{ type: 'schedule', sourceId: 's-sre' }] },
      { delayMinutes: 15, targets: [{ type: 'user', sourceId: 'u-bob' }] },
      { delayMinutes: 5, targets: [{ type: 'user', sourceId: 'u-alice' }] },
    ]);
    expect(r.plan.services.map((s) => [s.name, s.apiKey !== null])).toEqual([
      ['Prometheus', true],
      ['Support form', true],
    ]);
    const notes = r.plan.notMapped.join('\n');
    for (const expected of [
      'team Support: member gone@example.com is not an imported user, not added',
      'user alice@example.com: Opsgenie Owner imported as admin',
      'user carol@example.com: mobile contact not mapped',
      'schedule Support hours rotation Evenings: participant team SRE not mapped',
      'escalation SRE escalation rule 3: recipient team SRE not mapped',
      'escalation SRE escalation rule 4: notify next of schedule not mapped',
      'team SRE routing rule P1 to primary: conditional routing not mapped',
      'integration Email: type Email not mapped',
    ])
      expect(notes).toContain(expected);
    expect(r.counts.users).toEqual({ created: 5, updated: 1 });
    expect(r.counts.schedules).toEqual({ created: 3, updated: 0 });
    expect(r.counts.teams).toEqual({ created: 2, updated: 0 });
    expect(r.plan.teams).toEqual([
      { sourceId: 't-sre', name: 'SRE', description: null, members: [{ userSourceId: 'u-alice', role: 'manager' }] },
      { sourceId: 't-support', name: 'Support', description: 'Customer support', members: [{ userSourceId: 'u-bob', role: 'manager' }, { userSourceId: 'u-erin', role: 'responder' }] },
    ]);
    expect(formatReport(r)).toContain('Plan (dry run, nothing written)');
    expect(formatReport(r)).toContain('users: would create 5, update 1');
  });

  it('follows paging.next through a 429 (Retry-After honoured), stops on a 500 half-way, and the next run resumes without duplicates', async () => {
    const before = await rows();
    waits.length = 0;
    og.rateLimitOnce('/v2/users', 3, 2);
    og.failOnce('/v2/escalations');
    await expect(runOpsgenieImport(deps(), client(), t.org.org.id, { dryRun: false })).rejects.toThrow(SourceError);
    expect(waits).toEqual([3000]);
    const half = await rows();
    // Users (and their contact methods) and schedules were written before the failure.
    expect(half.users - before.users).toBe(5);
    expect(half.contacts - before.contacts).toBe(5);
    expect(half.schedules - before.schedules).toBe(3);
    expect(half.overrides - before.overrides).toBe(1);
    // Teams come before schedules: both written, with their members; the Support schedules are the team's.
    expect(half.teams - before.teams).toBe(2);
    expect(half.teamMembers - before.teamMembers).toBe(3);
    expect(half.teamLinks - before.teamLinks).toBe(2);
    expect(half.policies).toBe(before.policies);
    expect(half.services).toBe(before.services);

    const r = await runOpsgenieImport(deps(), client(), t.org.org.id, { dryRun: false });
    const after = await rows();
    expect(after.users - before.users).toBe(5);
    expect(after.contacts - before.contacts).toBe(5);
    expect(after.schedules - before.schedules).toBe(3);
    expect(after.overrides - before.overrides).toBe(1);
    expect(after.policies - before.policies).toBe(2);
    expect(after.services - before.services).toBe(2);
    expect(after.integrations - before.integrations).toBe(2);
    expect(r.counts.users).toEqual({ created: 0, updated: 6 });
    expect(r.plan.notMapped).toContain('user owner@harbor.example: a member as owner in Vigil; role kept (Opsgenie role maps to admin)');
    expect(r.counts.schedules).toEqual({ created: 0, updated: 3 });
    expect(r.counts.policies).toEqual({ created: 2, updated: 0 });
    expect(r.counts.teams).toEqual({ created: 0, updated: 2 });
    expect(after.teams - before.teams).toBe(2);
    expect(after.teamMembers - before.teamMembers).toBe(3);

    // Teams, members with Opsgenie team roles, and what each team owns, through the REST API.
    const teams = (await req(t, 'GET', '/api/v1/teams?limit=100')).json().teams as { id: string; name: string; description: string | null }[];
    const support = teams.find((x) => x.name === 'Support')!;
    const sreTeam = teams.find((x) => x.name === 'SRE')!;
    expect(support.description).toBe('Customer support');
    const members = (await req(t, 'GET', `/api/v1/teams/${support.id}/members?limit=100`)).json().members as { user: { id: string; summary?: string }; role: string }[];
    const emailById = new Map(((await req(t, 'GET', '/api/v1/users?limit=100')).json().users as { id: string; email: string }[]).map((u) => [u.id, u.email]));
    expect(members.map((m) => [emailById.get(m.user.id), m.role]).sort()).toEqual([
      ['bob@example.com', 'manager'],
      ['erin@example.com', 'responder'],
    ]);
    const linksOf = async (teamId: string) => (await t.db.handle.db.selectFrom('team_links').select(['object_type', 'object_id']).where('team_id', '=', teamId).execute()).map((l) => l.object_type).sort();
    // Support owns its two rotation schedules, its routed policy and the Support form service.
    expect(await linksOf(support.id)).toEqual(['escalation_policy', 'schedule', 'schedule', 'service']);
    // SRE owns its escalation (ownerTeam) and the Prometheus service (the integration's team).
    expect(await linksOf(sreTeam.id)).toEqual(['escalation_policy', 'service']);

    // Imported members have no password yet (pending invitation); contact methods are unverified.
    const users = await req(t, 'GET', '/api/v1/users?limit=100');
    const bob = (users.json().users as { id: string; email: string; role: string }[]).find((u) => u.email === 'bob@example.com')!;
    expect(bob.role).toBe('admin');
    const methods = await t.db.handle.db.selectFrom('contact_methods').select(['type', 'address', 'verified_at']).where('user_id', '=', bob.id).orderBy('type').execute();
    expect(methods).toEqual([
      { type: 'email', address: 'bob.pager@example.com', verified_at: null },
      { type: 'phone', address: '+447700900123', verified_at: null },
    ]);

    // The 8-week check: the rotations Vigil can represent match; the one with a team participant is reported.
    expect(r.verification.map((v) => [v.schedule, v.ok])).toEqual([
      ['SRE Primary', true],
      ['Support hours / Weekdays', true],
      ['Support hours / Evenings', false],
    ]);
    expect(r.verification[2]!.detail).toMatch(/Opsgenie shifts missing in Vigil/);

    // A third run changes nothing, and writes no team audit record (members already have their roles).
    const teamAudits = async () => Number((await t.db.handle.db.selectFrom('audit_records').select((eb) => eb.fn.countAll<number>().as('n')).where('root_type', '=', 'team').executeTakeFirstOrThrow()).n);
    const auditsBefore = await teamAudits();
    const again = await runOpsgenieImport(deps(), client(), t.org.org.id, { dryRun: false, verify: false });
    expect(await rows()).toEqual(after);
    expect(await teamAudits()).toBe(auditsBefore);
    expect(again.counts.services).toEqual({ created: 0, updated: 2 });

    // A dry run now says everything would be updated, and still writes nothing.
    const dry = await runOpsgenieImport(deps(), client(), t.org.org.id, { dryRun: true });
    expect(dry.counts).toMatchObject({ teams: { created: 0, updated: 2 }, users: { created: 0, updated: 6 }, schedules: { created: 0, updated: 3 }, overrides: { created: 0, updated: 0 }, policies: { created: 0, updated: 2 }, services: { created: 0, updated: 2 } });
    expect(await rows()).toEqual(after);
  });

  it('a kept key that already routes to another integration is refused, not shared', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/api/v1/services', headers: t.auth, payload: { service: { name: 'Other' } } });
    const { createIntegration, requireService } = await import('../../src/server/service/service.service.js');
    const svc = await requireService(t.db.handle.db, t.org.org.id, r.json().service.id);
    await expect(createIntegration(t.db.handle.db, clock, t.org.org.id, svc, { type: 'opsgenie' }, PROM_KEY)).rejects.toMatchObject({ errors: ['integration key: this key already routes to another integration'] });
  });

  it('an imported Opsgenie API key keeps working: Bob confirms his imported e-mail, then POST /v2/alerts pages him as the imported on-call person', async () => {
    const smtp = await startSmtp();
    try {
      const engine = engineFor(t, realChannels(smtp.port));
      const users = await req(t, 'GET', '/api/v1/users?limit=100');
      const bob = (users.json().users as { id: string; email: string }[]).find((u) => u.email === 'bob@example.com')!;
      const methods = (await req(t, 'GET', `/api/v1/users/${bob.id}/contact_methods`)).json().contact_methods as { id: string; type: string; verified: boolean }[];
      const email = methods.find((m) => m.type === 'email_contact_method')!;
      expect(email.verified).toBe(false);
      expect((await req(t, 'POST', `/api/v1/users/${bob.id}/contact_methods/${email.id}/send_verification`)).statusCode).toBe(202);
      await engine.runUntilIdle(clock.now());
      const code = /(\d{6})/.exec((await smtp.waitFor('bob.pager@example.com', /\d{6}/)).text ?? '')![1]!;
      expect((await req(t, 'POST', `/api/v1/users/${bob.id}/contact_methods/${email.id}/verify`, { code })).json().contact_method.verified).toBe(true);

      const r = await t.app.inject({ method: 'POST', url: '/v2/alerts', headers: { authorization: `GenieKey ${PROM_KEY}`, 'content-type': 'application/json' }, payload: { message: 'API latency high', alias: 'latency-1', priority: 'P2' } });
      expect(r.statusCode, r.body).toBe(202);
      const services = await req(t, 'GET', '/api/v1/services?limit=100');
      const prom = (services.json().services as { id: string; name: string; escalation_policy: { id: string } | null }[]).find((s) => s.name === 'Prometheus')!;
      expect(prom.escalation_policy).not.toBeNull();
      await engine.runUntilIdle(clock.now());
      const [inc] = await incidentsOf(t, prom.id);
      expect(inc?.title).toBe('API latency high');
      // 2026-03-02 09:00Z: the weekly rotation handed over from Alice to Bob at 03:30Z; Bob is paged.
      const page = await smtp.waitFor('bob.pager@example.com', /API latency high/);
      expect(page.subject).toMatch(/API latency high/);
      // The key is stored hashed like any other.
      const stored = await t.db.handle.db.selectFrom('integrations').select(['key_hash', 'key_hint']).where('service_id', '=', prom.id).executeTakeFirstOrThrow();
      expect(stored.key_hash).not.toContain(PROM_KEY);
      expect(stored.key_hint).toBe(PROM_KEY.slice(0, 4));
    } finally {
      await smtp.close();
    }
  });

  it('--invite emails each imported member without a password one invitation that works, and a second run emails nobody', async () => {
    const smtp = await startSmtp();
    try {
      const mailer = mailerFromConfig({ host: '127.0.0.1', port: smtp.port, secure: false, user: null, pass: null, from: 'vigil@example.org' });
      const imported = (await t.db.handle.db.selectFrom('import_mappings').select('vigil_id').where('org_id', '=', t.org.org.id).where('source', '=', 'opsgenie').where('kind', '=', 'user').execute()).map((m) => m.vigil_id);
      // One imported member already set a password (e.g. through "forgot password"): not invited.
      const { setPassword, inspectLink } = await import('../../src/server/account/account.service.js');
      await setPassword(t.db.handle.db, clock, t.org.org.id, imported[0]!, 'a long enough passphrase 1', t.deps.config.passwordCost);
      const first = await inviteImportedMembers(t.db.handle.db, clock, mailer, 'https://vigil.example.org', t.org.org.id, 'opsgenie');
      expect(first.notSent).toEqual([]);
      expect(first.sent).toHaveLength(imported.length - 1);
      expect(smtp.messages).toHaveLength(imported.length - 1);
      const mail = await smtp.waitFor('bob@example.com', /invited you|You are invited/);
      const token = /\/invite\/([A-Za-z0-9_-]+)/.exec(mail.text ?? '')?.[1] ?? /[#?&]token=([A-Za-z0-9_-]+)/.exec(mail.text ?? '')?.[1];
      expect(token, mail.text).toBeTruthy();
      expect((await inspectLink(t.db.handle.db, clock, token!)).email).toBe('bob@example.com');
      const again = await inviteImportedMembers(t.db.handle.db, clock, mailer, 'https://vigil.example.org', t.org.org.id, 'opsgenie');
      expect(again).toEqual({ sent: [], notSent: [] });
      expect(smtp.messages).toHaveLength(imported.length - 1);
    } finally {
      await smtp.close();
    }
  });
});
