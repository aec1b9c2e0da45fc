/**
 * `vigil import pagerduty` against a local PagerDuty REST API (fake-pagerduty.ts) on both
 * dialects: classic pages of users with a 429 half-way through the pages, a 500 half-way
 * through the import (after users and schedules were written; the next run resumes without
 * duplicates), a dry run that writes nothing, an imported Events API v2 integration key that
 * keeps working as a Vigil routing key and pages the imported on-call person, and the 8-week
 * comparison of each imported schedule with PagerDuty's own final schedule.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, countRows, createTestApp, manualClock, type TestApp } from '../harness.js';
import { PagerDutyClient } from '../../src/server/import/pagerduty-client.js';
import { SourceError } from '../../src/server/import/source-reader.js';
import type { ImportDeps } from '../../src/server/import/import.service.js';
import { formatPagerDutyReport, runPagerDutyImport } from '../../src/server/import/pagerduty-import.service.js';
import type { PdUser } from '../../src/server/import/pagerduty-plan.js';
import { startFakePagerDuty, type FakePagerDuty, type PagerDutyData } from './fake-pagerduty.js';
import { incidentsOf, req } from '../api/helpers.js';
import { engineFor, realChannels, startSmtp } from '../engine/fixtures.js';

const execFileAsync = promisify(execFile);
const CHECKOUT_KEY = 'a3f5c1e27b4d4e8f9a6b2c1d0e9f8a7b';
const ZENDESK_KEY = 'b9e8d7c65a4b4c3d8e2f1a0b9c8d7e6f';

/** Monday 2026-02-23 09:00 in Asia/Kolkata (UTC+05:30, no DST). */
const WEEK_START = '2026-02-23T09:00:00+05:30';

function fixture(): PagerDutyData {
  const u = (id: string, name: string, email: string, role: string, contact_methods: PdUser['contact_methods'] = [], notification_rules: PdUser['notification_rules'] = []): PdUser => ({ id, name, email, role, time_zone: 'Asia/Kolkata', contact_methods, notification_rules });
  const rule = (id: string, cm: string, delay: number, urgency = 'high') => ({ id, start_delay_in_minutes: delay, urgency, contact_method: { id: cm } });
  const user = (id: string) => ({ id, type: 'user_reference' });
  return {
    users: [
      u(
        'PALICE',
        'Alice Ahn',
        'alice@example.com',
        'owner',
        [
          { id: 'PC1', type: 'email_contact_method', label: 'Work', address: 'alice@example.com' },
          { id: 'PC2', type: 'sms_contact_method', label: 'Mobile', address: '5555550101', country_code: 1 },
          { id: 'PC3', type: 'push_notification_contact_method', label: 'Pixel 8', address: 'device-token-1' },
        ],
        [rule('PN1', 'PC1', 0), rule('PN2', 'PC2', 5), rule('PN3', 'PC3', 0)],
      ),
      u(
        'PBOB',
        'Bob Berg',
        'bob@example.com',
        'admin',
        [
          { id: 'PC4', type: 'phone_contact_method', label: 'Mobile', address: '7700900123', country_code: 44 },
          { id: 'PC5', type: 'email_contact_method', label: 'Pager', address: 'bob.pager@example.com' },
        ],
        [rule('PN4', 'PC5', 0), rule('PN5', 'PC4', 10), rule('PN6', 'PC5', 0, 'low')],
      ),
      u('PCAROL', 'Carol Chen', 'carol@example.com', 'user', [{ id: 'PC6', type: 'push_notification_contact_method', label: 'iPhone', address: 'device-token-2' }]),
      u('PDAVE', 'Dave Diaz', 'dave@example.com', 'read_only_user'),
      u('PERIN', 'Erin Eze', 'erin@example.com', 'limited_user', [{ id: 'PC7', type: 'email_contact_method', label: 'Work', address: 'erin.pager@example.com' }], [rule('PN7', 'PC7', 0)]),
      // The Vigil owner (vigil init) is in PagerDuty too: matched by e-mail, kept as owner.
      u('POLIVE', 'Olive Owner', 'owner@harbor.example', 'admin'),
    ],
    teams: [
      { id: 'PTSRE', name: 'SRE', members: [{ user: user('PALICE'), role: 'manager' }, { user: user('PBOB'), role: 'responder' }] },
      { id: 'PTSUP', name: 'Support', description: 'Customer support', members: [{ user: user('PERIN'), role: 'manager' }, { user: user('PCAROL'), role: 'observer' }, { user: user('PBOB') }] },
    ],
    schedules: [
      {
        id: 'PSRE',
        name: 'SRE Primary',
        time_zone: 'Asia/Kolkata',
        description: 'Primary on-call',
        teams: [{ id: 'PTSRE' }],
        // PagerDuty answers the top layer first.
        schedule_layers: [
          {
            id: 'PL2',
            name: 'Weekend cover',
            start: WEEK_START,
            end: null,
            rotation_virtual_start: WEEK_START,
            rotation_turn_length_seconds: 86_400,
            users: [{ user: user('PERIN') }, { user: user('PBOB') }],
            restrictions: [{ type: 'weekly_restriction', start_day_of_week: 6, start_time_of_day: '09:00:00', duration_seconds: 2 * 86_400 }],
          },
          {
            id: 'PL1',
            name: 'Weekly',
            start: WEEK_START,
            end: null,
            rotation_virtual_start: WEEK_START,
            rotation_turn_length_seconds: 7 * 86_400,
            users: [{ user: user('PALICE') }, { user: user('PBOB') }, { user: user('PCAROL') }],
            restrictions: [],
          },
        ],
        overrides: [{ id: 'PO1', start: '2026-03-04T00:00:00Z', end: '2026-03-05T00:00:00Z', user: user('PERIN') }],
      },
      {
        id: 'PSUP',
        name: 'Support hours',
        teams: [{ id: 'PTSUP' }],
        time_zone: 'Asia/Kolkata',
        schedule_layers: [
          {
            id: 'PL4',
            name: 'Lunch swaps',
            start: '2026-03-01T12:00:00+05:30',
            rotation_virtual_start: '2026-03-01T12:00:00+05:30',
            rotation_turn_length_seconds: 1800,
            users: [{ user: user('PBOB') }, { user: user('PERIN') }],
            restrictions: [{ type: 'daily_restriction', start_time_of_day: '12:00:00', duration_seconds: 3600 }],
          },
          {
            id: 'PL3',
            name: 'Weekdays',
            start: '2026-03-01T09:00:00+05:30',
            rotation_virtual_start: '2026-03-01T09:00:00+05:30',
            rotation_turn_length_seconds: 86_400,
            users: [{ user: user('PERIN') }, { user: user('PCAROL') }],
            restrictions: [{ type: 'daily_restriction', start_time_of_day: '09:00:00', duration_seconds: 9 * 3600 }],
          },
        ],
        overrides: [],
      },
    ],
    policies: [
      {
        id: 'PEP1',
        name: 'SRE escalation',
        num_loops: 2,
        teams: [{ id: 'PTSRE' }],
        escalation_rules: [
          { escalation_delay_in_minutes: 10, targets: [{ id: 'PSRE', type: 'schedule_reference', summary: 'SRE Primary' }] },
          {
            escalation_delay_in_minutes: 15,
            targets: [
              { id: 'PBOB', type: 'user_reference', summary: 'Bob Berg' },
              { id: 'PV3', type: 'schedule_v3_reference', summary: 'New shifts' },
            ],
          },
          { escalation_delay_in_minutes: 5, targets: [{ id: 'PALICE', type: 'user_reference', summary: 'Alice Ahn' }] },
        ],
      },
      { id: 'PEP2', name: 'Support escalation', num_loops: 0, teams: [{ id: 'PTSUP' }], escalation_rules: [{ escalation_delay_in_minutes: 30, targets: [{ id: 'PSUP', type: 'schedule_reference' }], escalation_rule_assignment_strategy: { type: 'round_robin' } }] },
      { id: 'PEP3', name: 'Shifts only', num_loops: 0, escalation_rules: [{ escalation_delay_in_minutes: 30, targets: [{ id: 'PV3', type: 'schedule_v3_reference', summary: 'New shifts' }] }] },
    ],
    services: [
      {
        id: 'PSVC1',
        name: 'Checkout API',
        description: 'Payments front door',
        teams: [{ id: 'PTSRE' }],
        escalation_policy: { id: 'PEP1', type: 'escalation_policy_reference' },
        acknowledgement_timeout: 1800,
        auto_resolve_timeout: 14_400,
        incident_urgency_rule: { type: 'constant', urgency: 'high' },
        alert_grouping_parameters: { type: 'time', config: { timeout: 5 } },
        integrations: [
          { id: 'PI1', type: 'events_api_v2_inbound_integration', name: 'Prometheus', integration_key: CHECKOUT_KEY, vendor: null },
          { id: 'PI2', type: 'generic_email_inbound_integration', name: 'Email' },
        ],
      },
      {
        id: 'PSVC2',
        name: 'Support desk',
        teams: [{ id: 'PTSUP' }],
        escalation_policy: { id: 'PEP2', type: 'escalation_policy_reference' },
        incident_urgency_rule: { type: 'use_support_hours', during_support_hours: { type: 'constant', urgency: 'high' }, outside_support_hours: { type: 'constant', urgency: 'low' } },
        support_hours: { type: 'fixed_time_per_day', time_zone: 'Asia/Kolkata', start_time: '09:00:00', end_time: '17:00:00', days_of_week: [1, 2, 3, 4, 5] },
        integrations: [
          { id: 'PI3', type: 'events_api_v2_inbound_integration', name: 'Zendesk', integration_key: ZENDESK_KEY },
          { id: 'PI4', type: 'generic_events_api_inbound_integration', name: 'Nagios' },
        ],
      },
      { id: 'PSVC3', name: 'Legacy batch', status: 'disabled', escalation_policy: { id: 'PEP3', type: 'escalation_policy_reference' }, alert_grouping_parameters: { type: 'intelligent' }, integrations: [] },
    ],
  };
}

describe.each(DIALECTS)('vigil import pagerduty on %s', (dialect) => {
  let t: TestApp;
  let pd: FakePagerDuty;
  const clock = manualClock('2026-03-02T09:00:00Z');
  const waits: number[] = [];
  const lines: string[] = [];
  const deps = (): ImportDeps => ({ db: t.db.handle.db, clock, targets: t.deps.targets, outbound: t.deps.outbound, log: (l) => lines.push(l) });
  const client = (token = pd.key) => new PagerDutyClient({ apiUrl: pd.url, token, pageSize: 2, policy: t.deps.outbound, sleep: async (ms) => void waits.push(ms) });
  const count = async (table: 'teams' | 'team_members' | 'team_links' | 'schedules' | 'escalation_policies' | 'schedule_overrides' | 'contact_methods' | 'notification_rules' | 'import_mappings') => Number((await t.db.handle.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const rows = async () => ({
    users: await countRows(t, 'users'),
    services: await countRows(t, 'services'),
    integrations: await countRows(t, 'integrations'),
    schedules: await count('schedules'),
    policies: await count('escalation_policies'),
    overrides: await count('schedule_overrides'),
    contacts: await count('contact_methods'),
    rules: await count('notification_rules'),
    teams: await count('teams'),
    teamMembers: await count('team_members'),
    teamLinks: await count('team_links'),
    mappings: await count('import_mappings'),
  });

  beforeAll(async () => {
    t = await createTestApp(dialect, { clock });
    pd = await startFakePagerDuty(fixture());
  });
  afterAll(async () => {
    await pd.close();
    await t.close();
  });

  it('refuses a wrong token with the source error and writes nothing', async () => {
    const before = await rows();
    await expect(runPagerDutyImport(deps(), client('not-the-token'), t.org.org.id, { dryRun: false })).rejects.toThrow(/GET \/users answered 401: Unauthorized/);
    expect(await rows()).toEqual(before);
  });

  it('reads through the outbound address policy: a PagerDuty on a loopback address is refused unless VIGIL_OUTBOUND_ALLOW names it', async () => {
    const before = pd.received.length;
    const strict = new PagerDutyClient({ apiUrl: pd.url, token: pd.key });
    await expect(runPagerDutyImport(deps(), strict, t.org.org.id, { dryRun: true })).rejects.toThrow(/GET \/users: 127\.0\.0\.1 is blocked by the outbound policy/);
    expect(pd.received.length).toBe(before);
  });

  it('gives up after a bounded number of 429s, naming the path and status; every request carries the v2 Accept header', async () => {
    waits.length = 0;
    for (let i = 0; i < 4; i++) pd.rateLimitOnce('/users', 1, 0);
    const c = new PagerDutyClient({ apiUrl: pd.url, token: pd.key, maxRetries: 3, pageSize: 2, policy: t.deps.outbound, sleep: async (ms) => void waits.push(ms) });
    await expect(c.list('/users', 'users')).rejects.toThrow(/GET \/users answered 429: Rate Limit Exceeded/);
    expect(waits).toEqual([1000, 1000, 1000]);
    // The fourth 429 was the last queued: the next read goes through and follows every page.
    expect((await c.list('/users', 'users')).map((u: PdUser) => u.email)).toHaveLength(6);
    expect(pd.received.every((r) => r.headers.accept === 'application/vnd.pagerduty+json;version=2')).toBe(true);
    expect(pd.received.filter((r) => r.url.startsWith('/users?')).map((r) => new URL(r.url, 'http://x').searchParams.get('offset'))).toContain('4');
  });

  it('a dry run prints the plan and what cannot be mapped, and writes nothing', async () => {
    const before = await rows();
    const r = await runPagerDutyImport(deps(), client(), t.org.org.id, { dryRun: true });
    expect(await rows()).toEqual(before);
    expect(r.plan.users.map((u) => [u.email, u.role])).toEqual([
      ['alice@example.com', 'admin'],
      ['bob@example.com', 'admin'],
      ['carol@example.com', 'responder'],
      ['dave@example.com', 'observer'],
      ['erin@example.com', 'responder'],
      ['owner@harbor.example', 'admin'],
    ]);
    const alice = r.plan.users[0]!;
    expect(alice.contacts).toEqual([
      { type: 'email', address: 'alice@example.com' },
      { type: 'sms', address: '+15555550101' },
    ]);
    expect(alice.rules).toEqual([
      { type: 'email', address: 'alice@example.com', delayMinutes: 0, urgency: 'high' },
      { type: 'sms', address: '+15555550101', delayMinutes: 5, urgency: 'high' },
    ]);
    const sre = r.plan.schedules.find((s) => s.sourceId === 'PSRE')!;
    // Bottom to top in Vigil: the weekly layer first, the weekend cover (PagerDuty's top layer) last.
    expect(sre.layers.map((l) => [l.name, l.turnSeconds, l.users])).toEqual([
      ['Weekly', 604_800, ['PALICE', 'PBOB', 'PCAROL']],
      ['Weekend cover', 86_400, ['PERIN', 'PBOB']],
    ]);
    expect(sre.layers[1]!.restrictions).toEqual([{ type: 'weekly_restriction', start_day_of_week: 6, start_time_of_day: '09:00:00', duration_seconds: 172_800 }]);
    expect(sre.overrides).toEqual([{ sourceId: 'PSRE/PO1', userSourceId: 'PERIN', start: '2026-03-04T00:00:00Z', end: '2026-03-05T00:00:00Z' }]);
    expect(r.plan.schedules.find((s) => s.sourceId === 'PSUP')!.layers.map((l) => l.name)).toEqual(['Weekdays']);
    expect(r.plan.policies.map((p) => [p.name, p.numLoops, p.rules])).toEqual([
      [
        'SRE escalation',
        2,
        [
          { delayMinutes: 10, targets: [{ type: 'schedule', sourceId: 'PSRE' }] },
          { delayMinutes: 15, targets: [{ type: 'user', sourceId: 'PBOB' }] },
          { delayMinutes: 5, targets: [{ type: 'user', sourceId: 'PALICE' }] },
        ],
      ],
      ['Support escalation', 0, [{ delayMinutes: 30, targets: [{ type: 'schedule', sourceId: 'PSUP' }] }]],
    ]);
    expect(r.plan.services.map((s) => [s.name, s.policySourceId, s.integrations.map((i) => i.name)])).toEqual([
      ['Checkout API', 'PEP1', ['Prometheus']],
      ['Support desk', 'PEP2', ['Zendesk']],
      ['Legacy batch', null, []],
    ]);
    expect(r.plan.services[2]!.settings).toEqual({ status: 'disabled' });
    const notes = r.plan.notMapped.join('\n');
    for (const expected of [
      'user alice@example.com: PagerDuty account owner imported as admin',
      'user alice@example.com: push_notification_contact_method Pixel 8 not mapped (the PagerDuty app',
      'user alice@example.com: notification rule after 0 min to Pixel 8 not mapped',
      'schedule Support hours layer Lunch swaps: a turn of 1800 s is not whole hours',
      'escalation policy SRE escalation rule 2: target schedule_v3 New shifts not mapped (shift-based v3 schedules are not read)',
      'escalation policy Support escalation rule 1: assignment strategy round_robin not mapped',
      'escalation policy Shifts only: no rule could be mapped, not imported',
      'service Checkout API integration Email: type generic_email_inbound_integration not mapped',
      'service Support desk integration Nagios: Events API v1 not mapped',
      'service Legacy batch: intelligent alert grouping not mapped',
      'service Legacy batch: escalation policy Shifts only not imported',
    ])
      expect(notes).toContain(expected);
    expect(r.counts.users).toEqual({ created: 5, updated: 1 });
    expect(r.counts.schedules).toEqual({ created: 2, updated: 0 });
    expect(r.counts.integrations).toEqual({ created: 2, updated: 0 });
    expect(r.counts.teams).toEqual({ created: 2, updated: 0 });
    expect(r.plan.teams.map((x) => [x.name, x.description, x.members.map((m) => `${m.userSourceId}:${m.role}`)])).toEqual([
      ['SRE', null, ['PALICE:manager', 'PBOB:responder']],
      ['Support', 'Customer support', ['PERIN:manager', 'PCAROL:observer', 'PBOB:responder']],
    ]);
    expect(r.plan.schedules.map((x) => x.teamSourceIds)).toEqual([['PTSRE'], ['PTSUP']]);
    const text = formatPagerDutyReport(r);
    expect(text).toContain('Plan (dry run, nothing written) from PagerDuty');
    expect(text).toContain('users: would create 5, update 1');
  });

  it('without include[] honoured, reads each user\'s contact methods and notification rules and plans the same', async () => {
    const bare = await startFakePagerDuty(fixture(), pd.key, { ignoreInclude: true });
    try {
      const c = (url: string) => new PagerDutyClient({ apiUrl: url, token: pd.key, pageSize: 2, policy: t.deps.outbound });
      const [full, fromRefs] = [await runPagerDutyImport(deps(), c(pd.url), t.org.org.id, { dryRun: true }), await runPagerDutyImport(deps(), c(bare.url), t.org.org.id, { dryRun: true })];
      expect(fromRefs.plan).toEqual(full.plan);
      expect(bare.received.some((r) => r.url === '/users/PBOB/contact_methods')).toBe(true);
      expect(bare.received.some((r) => r.url === '/users/PBOB/notification_rules')).toBe(true);
    } finally {
      await bare.close();
    }
  });

  it('pages through a 429 (Retry-After honoured), stops on a 500 half-way, and the next run resumes without duplicates', async () => {
    const before = await rows();
    waits.length = 0;
    pd.rateLimitOnce('/users', 3, 2);
    pd.failOnce('/escalation_policies');
    await expect(runPagerDutyImport(deps(), client(), t.org.org.id, { dryRun: false })).rejects.toThrow(SourceError);
    expect(waits).toEqual([3000]);
    const half = await rows();
    // Users (with contact methods and notification rules) and schedules were written before the failure.
    expect(half.users - before.users).toBe(5);
    expect(half.contacts - before.contacts).toBe(5);
    expect(half.rules - before.rules).toBe(6);
    expect(half.schedules - before.schedules).toBe(2);
    expect(half.overrides - before.overrides).toBe(1);
    // Teams (with members) come before schedules, which are linked to theirs.
    expect([half.teams - before.teams, half.teamMembers - before.teamMembers, half.teamLinks - before.teamLinks]).toEqual([2, 5, 2]);
    expect(half.policies).toBe(before.policies);
    expect(half.services).toBe(before.services);

    const r = await runPagerDutyImport(deps(), client(), t.org.org.id, { dryRun: false });
    const after = await rows();
    expect(after.users - before.users).toBe(5);
    expect(after.contacts - before.contacts).toBe(5);
    expect(after.rules - before.rules).toBe(6);
    expect(after.schedules - before.schedules).toBe(2);
    expect(after.overrides - before.overrides).toBe(1);
    expect(after.policies - before.policies).toBe(2);
    expect(after.services - before.services).toBe(3);
    expect(after.integrations - before.integrations).toBe(2);
    expect(r.counts.users).toEqual({ created: 0, updated: 6 });
    expect(r.counts.schedules).toEqual({ created: 0, updated: 2 });
    expect(r.counts.policies).toEqual({ created: 2, updated: 0 });
    expect(r.counts.services).toEqual({ created: 3, updated: 0 });
    expect(r.counts.teams).toEqual({ created: 0, updated: 2 });
    expect([after.teams - before.teams, after.teamMembers - before.teamMembers, after.teamLinks - before.teamLinks]).toEqual([2, 5, 6]);

    // Teams, members with their PagerDuty team roles, and the `teams` of what each owns, through the REST API.
    const teams = (await req(t, 'GET', '/api/v1/teams?limit=100')).json().teams as { id: string; name: string; description: string | null }[];
    const support = teams.find((x) => x.name === 'Support')!;
    expect(support.description).toBe('Customer support');
    const emailById = new Map(((await req(t, 'GET', '/api/v1/users?limit=100')).json().users as { id: string; email: string }[]).map((u) => [u.id, u.email]));
    const members = (await req(t, 'GET', `/api/v1/teams/${support.id}/members?limit=100`)).json().members as { user: { id: string }; role: string }[];
    expect(members.map((m) => `${emailById.get(m.user.id)}:${m.role}`).sort()).toEqual(['bob@example.com:responder', 'carol@example.com:observer', 'erin@example.com:manager']);
    const teamNames = (x: { teams?: { summary?: string; id: string }[] }) => (x.teams ?? []).map((tm) => teams.find((y) => y.id === tm.id)?.name);
    const svcList = (await req(t, 'GET', '/api/v1/services?limit=100')).json().services as { name: string; teams?: { id: string }[] }[];
    expect(svcList.map((x) => [x.name, teamNames(x)]).sort()).toEqual([
      ['Checkout API', ['SRE']],
      ['Legacy batch', []],
      ['Support desk', ['Support']],
    ]);
    const schedList = (await req(t, 'GET', '/api/v1/schedules?limit=100')).json().schedules as { name: string; teams?: { id: string }[] }[];
    expect(schedList.map((x) => [x.name, teamNames(x)]).sort()).toEqual([
      ['SRE Primary', ['SRE']],
      ['Support hours', ['Support']],
    ]);
    expect(r.plan.notMapped).toContain('user owner@harbor.example: a member as owner in Vigil; role kept (PagerDuty role maps to admin)');
    expect(r.plan.notMapped.filter((n) => n.includes('not imported ('))).toEqual([]);

    // Imported members have no password yet (pending invitation); contact methods are unverified.
    const users = await req(t, 'GET', '/api/v1/users?limit=100');
    const list = users.json().users as { id: string; email: string; role: string }[];
    const bob = list.find((u) => u.email === 'bob@example.com')!;
    expect(bob.role).toBe('admin');
    expect(list.find((u) => u.email === 'erin@example.com')!.role).toBe('user');
    const methods = await t.db.handle.db.selectFrom('contact_methods').select(['type', 'address', 'verified_at']).where('user_id', '=', bob.id).orderBy('type').execute();
    expect(methods).toEqual([
      { type: 'email', address: 'bob.pager@example.com', verified_at: null },
      { type: 'phone', address: '+447700900123', verified_at: null },
    ]);
    const bobRules = (await req(t, 'GET', `/api/v1/users/${bob.id}/notification_rules`)).json().notification_rules as { start_delay_in_minutes: number; urgency: string; contact_method: { type: string } }[];
    expect(bobRules.map((x) => [x.contact_method.type, x.start_delay_in_minutes, x.urgency]).sort()).toEqual([
      ['email_contact_method_reference', 0, 'high'],
      ['email_contact_method_reference', 0, 'low'],
      ['phone_contact_method_reference', 10, 'high'],
    ]);

    // Services keep PagerDuty's settings Vigil has.
    const services = (await req(t, 'GET', '/api/v1/services?limit=100')).json().services as Record<string, any>[];
    const checkout = services.find((s) => s.name === 'Checkout API')!;
    expect([checkout.acknowledgement_timeout, checkout.auto_resolve_timeout, checkout.incident_urgency_rule, checkout.alert_grouping_parameters]).toEqual([1800, 14_400, { type: 'constant', urgency: 'high' }, { type: 'time', config: { timeout: 5 } }]);
    expect(services.find((s) => s.name === 'Support desk')!.incident_urgency_rule.type).toBe('use_support_hours');
    expect(services.find((s) => s.name === 'Legacy batch')!.status).toBe('disabled');

    // The 8-week check: the schedule Vigil represents in full matches; the one with a half-hour layer is reported.
    expect(r.verification.map((v) => [v.schedule, v.ok])).toEqual([
      ['SRE Primary', true],
      ['Support hours', false],
    ]);
    expect(r.verification[0]!.detail).toMatch(/shifts match from 2026-03-02T09:00Z to 2026-04-27T09:00Z/);
    expect(r.verification[1]!.detail).toMatch(/PagerDuty shifts missing in Vigil/);
    expect(formatPagerDutyReport(r)).toMatch(/DIFF Support hours/);

    // A third run changes nothing.
    const again = await runPagerDutyImport(deps(), client(), t.org.org.id, { dryRun: false, verify: false });
    expect(await rows()).toEqual(after);
    expect(again.counts.services).toEqual({ created: 0, updated: 3 });
    expect(again.counts.integrations).toEqual({ created: 0, updated: 2 });

    // A dry run now says everything would be updated, and still writes nothing.
    const dry = await runPagerDutyImport(deps(), client(), t.org.org.id, { dryRun: true });
    expect(dry.counts).toMatchObject({ teams: { created: 0, updated: 2 }, users: { created: 0, updated: 6 }, schedules: { created: 0, updated: 2 }, overrides: { created: 0, updated: 0 }, policies: { created: 0, updated: 2 }, services: { created: 0, updated: 3 } });
    expect(await rows()).toEqual(after);
  });

  it('the vigil CLI: import pagerduty --dry-run --json prints the plan without a kept key and writes nothing; without --token it exits 2', async () => {
    const cli = path.resolve('dist/cli/main.js');
    if (!fs.existsSync(cli)) throw new Error('dist/cli/main.js is missing: npm test builds it first');
    const env: NodeJS.ProcessEnv = { ...process.env, ...t.db.env };
    if (dialect === 'sqlite') delete env['DATABASE_URL'];
    const before = await rows();
    // Asynchronously: the local PagerDuty answers from this process.
    const { stdout, stderr } = await execFileAsync(process.execPath, [cli, 'import', 'pagerduty', '--api-url', pd.url, '--token', pd.key, '--dry-run', '--json', '--org', t.org.org.id], { env });
    const report = JSON.parse(stdout);
    expect(report.dryRun, stderr).toBe(true);
    expect(report.plan.services[0].integrations[0]).toEqual({ sourceId: 'PI1', name: 'Prometheus', key: 'kept' });
    expect(stdout).not.toContain(CHECKOUT_KEY);
    expect(report.counts.users).toEqual({ created: 0, updated: 6 });
    expect(await rows()).toEqual(before);
    await expect(execFileAsync(process.execPath, [cli, 'import', 'pagerduty', '--api-url', pd.url], { env })).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--token KEY') });
  });

  it("an imported Events API v2 integration key keeps working: Bob confirms his imported e-mail, then PagerDuty's event with the old key pages him as the imported on-call person", async () => {
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

      // PagerDuty's Events API v2 example event, with the routing key PagerDuty gave the Prometheus integration.
      const r = await t.app.inject({
        method: 'POST',
        url: '/v2/enqueue',
        payload: { routing_key: CHECKOUT_KEY, event_action: 'trigger', dedup_key: 'checkout-latency', payload: { summary: 'Checkout latency high', source: 'prometheus', severity: 'critical' } },
      });
      expect(r.statusCode, r.body).toBe(202);
      expect(r.json()).toMatchObject({ status: 'success', dedup_key: 'checkout-latency' });
      const services = await req(t, 'GET', '/api/v1/services?limit=100');
      const checkout = (services.json().services as { id: string; name: string }[]).find((s) => s.name === 'Checkout API')!;
      await engine.runUntilIdle(clock.now());
      const [inc] = await incidentsOf(t, checkout.id);
      expect(inc?.title).toBe('Checkout latency high');
      // 2026-03-02 09:00Z (Monday 14:30 in Kolkata): week 2 of the weekly layer is Bob's; he is paged.
      const page = await smtp.waitFor('bob.pager@example.com', /Checkout latency high/);
      expect(page.subject).toMatch(/Checkout latency high/);
      // The key is stored hashed like any other.
      const stored = await t.db.handle.db.selectFrom('integrations').select(['key_hash', 'key_hint']).where('service_id', '=', checkout.id).executeTakeFirstOrThrow();
      expect(stored.key_hash).not.toContain(CHECKOUT_KEY);
      expect(stored.key_hint).toBe(CHECKOUT_KEY.slice(0, 4));
    } finally {
      await smtp.close();
    }
  });
});
