/**
 * `vigil import grafana-oncall` against a local Grafana OnCall (fake-grafana-oncall.ts) on both
 * dialects: paged lists (two items a page) with a 429 half-way through the users' pages, a 500
 * half-way through the import (after users and schedules were written; the next run resumes
 * without duplicates), a dry run that writes nothing, an imported Alertmanager integration
 * whose OnCall URL path keeps working against Vigil and pages the imported on-call person, and
 * the 8-week comparison of each imported schedule with OnCall's own final_shifts, across the
 * European daylight-saving change of 2026-03-29.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, countRows, createTestApp, manualClock, type TestApp } from '../harness.js';
import { SourceError } from '../../src/server/import/source-reader.js';
import { OutboundPolicy } from '../../src/server/lib/outbound-policy.js';
import { GrafanaOnCallClient } from '../../src/server/import/grafana-oncall-client.js';
import { formatGrafanaOnCallReport, runGrafanaOnCallImport } from '../../src/server/import/grafana-oncall-import.js';
import type { ImportDeps } from '../../src/server/import/import.service.js';
import { startFakeGrafanaOnCall, type FakeGrafanaOnCall, type GrafanaOnCallData } from './fake-grafana-oncall.js';
import { incidentsOf, req } from '../api/helpers.js';
import { engineFor, realChannels, startSmtp } from '../engine/fixtures.js';

const AM_TOKEN = 'mReAoNwDm0eMwKo1mTeTwYo';
const FW_TOKEN = 'm12xmIjOcgwH74UF8CN4dk0Dh';
const ZONE = 'Europe/Berlin';

function fixture(): GrafanaOnCallData {
  const u = (id: string, email: string, username: string, role: string, teams = ['TSRE00000001']) => ({ id, email, username, role, timezone: ZONE, teams });
  const rule = (id: string, user_id: string, position: number, type: string, extra: Record<string, unknown> = {}) => ({ id, user_id, position, important: false, type, ...extra });
  return {
    users: [
      u('UALICE000001', 'alice@example.com', 'alice', 'admin'),
      u('UBOB00000001', 'bob@example.com', 'bob', 'user'),
      u('UCAROL000001', 'carol@example.com', 'carol', 'user', ['TSUPPORT0001']),
      u('UDAVE0000001', 'dave@example.com', 'dave', 'observer'),
      u('UERIN0000001', 'erin@example.com', 'erin', 'user', ['TSRE00000001', 'TSUPPORT0001']),
      // The Vigil owner (vigil init) is in OnCall too: matched by e-mail, kept as owner.
      u('UOLIVE000001', 'owner@harbor.example', 'olive', 'admin'),
    ],
    teams: [
      { id: 'TSRE00000001', name: 'SRE' },
      { id: 'TSUPPORT0001', name: 'Support' },
    ],
    notificationRules: [
      rule('N1', 'UALICE000001', 0, 'notify_by_email'),
      rule('N2', 'UALICE000001', 1, 'wait', { duration: 300 }),
      rule('N3', 'UALICE000001', 2, 'notify_by_sms'),
      rule('N4', 'UBOB00000001', 0, 'notify_by_phone_call'),
      rule('N5', 'UBOB00000001', 0, 'notify_by_email', { important: true }),
      rule('N6', 'UCAROL000001', 0, 'notify_by_mobile_app'),
      rule('N7', 'UERIN0000001', 0, 'notify_by_email'),
    ],
    schedules: [
      {
        id: 'SPRIMARY0001',
        name: 'SRE Primary',
        type: 'web',
        team_id: 'TSRE00000001',
        time_zone: ZONE,
        on_call_shifts: [
          // Whole weeks from Monday 09:00: Alice, Bob, Carol.
          { id: 'OWEEKLY00001', name: 'Weekly', type: 'rolling_users', level: 0, time_zone: ZONE, start: '2026-02-23T09:00:00', rotation_start: '2026-02-23T09:00:00', duration: 604800, frequency: 'weekly', interval: 1, week_start: 'MO', by_day: null, rolling_users: [['UALICE000001'], ['UBOB00000001'], ['UCAROL000001']], start_rotation_from_user_index: 0 },
          // Evenings 18:00–22:00 on a higher level: Erin and Alice by turns each day.
          { id: 'OEVENING0001', name: 'Evenings', type: 'rolling_users', level: 1, time_zone: ZONE, start: '2026-03-02T18:00:00', duration: 14400, frequency: 'daily', interval: 1, rolling_users: [['UERIN0000001'], ['UALICE000001']], start_rotation_from_user_index: 0 },
          { id: 'OOVERRIDE001', name: 'Erin covers', type: 'override', time_zone: ZONE, start: '2026-03-04T00:00:00', duration: 86400, rolling_users: [['UERIN0000001']] },
        ],
      },
      {
        id: 'SSUPPORT0001',
        team_id: 'TSUPPORT0001',
        name: 'Support hours',
        type: 'calendar',
        time_zone: ZONE,
        on_call_shifts: [
          // Weekdays 09:00–17:00, weekly turns; the rotation starts from the second group (Carol).
          { id: 'OWEEKDAY0001', name: 'Weekdays', type: 'rolling_users', level: 0, time_zone: null, start: '2026-03-02T09:00:00', duration: 28800, frequency: 'weekly', interval: 1, by_day: ['MO', 'TU', 'WE', 'TH', 'FR'], rolling_users: [['UERIN0000001'], ['UCAROL000001']], start_rotation_from_user_index: 1 },
        ],
      },
      {
        id: 'SPAIRS000001',
        name: 'Pairs',
        type: 'web',
        time_zone: ZONE,
        on_call_shifts: [{ id: 'OPAIRS000001', name: 'Day pairs', type: 'rolling_users', level: 0, time_zone: ZONE, start: '2026-03-01T08:00:00', duration: 43200, frequency: 'daily', interval: 1, rolling_users: [['UALICE000001', 'UBOB00000001'], ['UCAROL000001']] }],
      },
      {
        id: 'SWEEKEND0001',
        name: 'Weekend',
        type: 'calendar',
        time_zone: 'America/New_York',
        on_call_shifts: [
          // Saturdays and Sundays 10:00–16:00 in New York (DST there starts 2026-03-08), and one afternoon on top.
          { id: 'OWEEKEND0001', name: 'Weekend days', type: 'recurrent_event', level: 0, time_zone: null, start: '2026-03-07T10:00:00', duration: 21600, frequency: 'daily', interval: 1, by_day: ['SA', 'SU'], users: ['UERIN0000001'] },
          { id: 'OSINGLE00001', name: 'Cover', type: 'single_event', level: 1, time_zone: null, start: '2026-03-14T12:00:00', duration: 7200, users: ['UALICE000001'] },
        ],
      },
      { id: 'SICAL0000001', name: 'Legacy calendar', type: 'ical', ical_url_primary: 'https://calendar.example.com/oncall.ics', ical_url_overrides: null },
    ],
    chains: [
      { id: 'CSRE00000001', name: 'SRE escalation', team_id: 'TSRE00000001' },
      { id: 'CSUPPORT0001', name: 'Support', team_id: 'TSUPPORT0001' },
    ],
    policies: [
      { id: 'E1', escalation_chain_id: 'CSRE00000001', position: 0, type: 'notify_on_call_from_schedule', important: false, notify_on_call_from_schedule: 'SPRIMARY0001' },
      { id: 'E2', escalation_chain_id: 'CSRE00000001', position: 1, type: 'wait', duration: 600 },
      { id: 'E3', escalation_chain_id: 'CSRE00000001', position: 2, type: 'notify_persons', important: false, persons_to_notify: ['UBOB00000001'] },
      { id: 'E4', escalation_chain_id: 'CSRE00000001', position: 3, type: 'notify_team_members', important: false, team_to_notify: 'TSRE00000001' },
      { id: 'E5', escalation_chain_id: 'CSRE00000001', position: 4, type: 'wait', duration: 900 },
      { id: 'E6', escalation_chain_id: 'CSRE00000001', position: 5, type: 'notify_user_group', important: false, group_to_notify: 'GSLACK000001' },
      { id: 'E7', escalation_chain_id: 'CSRE00000001', position: 6, type: 'notify_persons', important: true, persons_to_notify: ['UALICE000001'] },
      { id: 'E8', escalation_chain_id: 'CSRE00000001', position: 7, type: 'wait', duration: 300 },
      { id: 'E9', escalation_chain_id: 'CSRE00000001', position: 8, type: 'repeat_escalation' },
      { id: 'F1', escalation_chain_id: 'CSUPPORT0001', position: 0, type: 'wait', duration: 300 },
      { id: 'F2', escalation_chain_id: 'CSUPPORT0001', position: 1, type: 'notify_on_call_from_schedule', important: false, notify_on_call_from_schedule: 'SSUPPORT0001' },
      { id: 'F3', escalation_chain_id: 'CSUPPORT0001', position: 2, type: 'notify_person_next_each_time', important: false, persons_to_notify_next_each_time: ['UALICE000001', 'UBOB00000001'] },
    ],
    integrations: [
      {
        id: 'CPROM0000001',
        name: 'Prometheus',
        type: 'alertmanager',
        team_id: 'TSRE00000001',
        link: `https://oncall.example.net/integrations/v1/alertmanager/${AM_TOKEN}/`,
        default_route: { id: 'RPROMDEF0001', escalation_chain_id: 'CSRE00000001' },
        routes: [
          { id: 'RPROMCRIT001', integration_id: 'CPROM0000001', escalation_chain_id: 'CSUPPORT0001', routing_type: 'regex', routing_regex: 'severity=critical', position: 0, is_the_last_route: false },
          { id: 'RPROMDEF0001', integration_id: 'CPROM0000001', escalation_chain_id: 'CSRE00000001', routing_type: 'jinja2', routing_regex: '', position: 1, is_the_last_route: true },
        ],
      },
      { id: 'CGRAFANA0001', name: 'Grafana Alerting', type: 'grafana_alerting', team_id: null, link: 'https://oncall.example.net/integrations/v1/grafana_alerting/Xy7pQ2rS9tU4vW6xZ8aB1cD/', default_route: { id: 'RGRAFDEF0001', escalation_chain_id: 'CSUPPORT0001' }, routes: [] },
      { id: 'CFORM0000001', name: 'Uptime checks', type: 'formatted_webhook', team_id: null, link: `https://oncall.example.net/integrations/v1/formatted_webhook/${FW_TOKEN}/`, default_route: { id: 'RFORMDEF0001', escalation_chain_id: 'CSRE00000001' }, routes: [] },
      { id: 'CDIRECT00001', name: 'Direct paging', type: 'direct_paging', team_id: null, link: null, default_route: { id: 'RDIRDEF00001', escalation_chain_id: null }, routes: [] },
    ],
  };
}

describe.each(DIALECTS)('vigil import grafana-oncall on %s', (dialect) => {
  let t: TestApp;
  let goc: FakeGrafanaOnCall;
  const clock = manualClock('2026-03-02T09:00:00Z');
  const waits: number[] = [];
  const lines: string[] = [];
  const deps = (): ImportDeps => ({ db: t.db.handle.db, clock, targets: t.deps.targets, outbound: t.deps.outbound, log: (l) => lines.push(l) });
  const client = (token = goc.token) => new GrafanaOnCallClient({ apiUrl: `${goc.url}/api/v1/`, token, policy: t.deps.outbound, sleep: async (ms) => void waits.push(ms) });
  const count = async (table: 'teams' | 'team_members' | 'team_links' | 'schedules' | 'escalation_policies' | 'schedule_overrides' | 'contact_methods' | 'import_mappings') => Number((await t.db.handle.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const rows = async () => ({
    users: await countRows(t, 'users'),
    services: await countRows(t, 'services'),
    integrations: await countRows(t, 'integrations'),
    schedules: await count('schedules'),
    policies: await count('escalation_policies'),
    overrides: await count('schedule_overrides'),
    contacts: await count('contact_methods'),
    teams: await count('teams'),
    teamMembers: await count('team_members'),
    teamLinks: await count('team_links'),
    mappings: await count('import_mappings'),
  });

  beforeAll(async () => {
    t = await createTestApp(dialect, { clock });
    goc = await startFakeGrafanaOnCall(fixture());
  });
  afterAll(async () => {
    await goc.close();
    await t.close();
  });

  it('refuses a wrong token with OnCall\'s detail and writes nothing', async () => {
    const before = await rows();
    await expect(runGrafanaOnCallImport(deps(), client('not-the-token'), t.org.org.id, { dryRun: false })).rejects.toThrow('GET /api/v1/users/ answered 401: Invalid token.');
    expect(await rows()).toEqual(before);
  });

  it('obeys the outbound address policy: a loopback OnCall is refused unless VIGIL_OUTBOUND_ALLOW opens it', async () => {
    const before = await rows();
    const asked = goc.received.length;
    const strict = new GrafanaOnCallClient({ apiUrl: goc.url, token: goc.token, policy: new OutboundPolicy([]) });
    await expect(runGrafanaOnCallImport(deps(), strict, t.org.org.id, { dryRun: true })).rejects.toThrow('GET /api/v1/users/: 127.0.0.1 is blocked by the outbound policy (allow it with VIGIL_OUTBOUND_ALLOW)');
    expect(goc.received.length).toBe(asked);
    expect(await rows()).toEqual(before);
  });

  it('gives up after a bounded number of 429s, naming the path and status, then follows every page', async () => {
    waits.length = 0;
    for (let i = 0; i < 4; i++) goc.rateLimitOnce('/api/v1/users/', 2, 1);
    const c = new GrafanaOnCallClient({ apiUrl: goc.url, token: goc.token, policy: t.deps.outbound, maxRetries: 3, sleep: async (ms) => void waits.push(ms) });
    await expect(c.list('users')).rejects.toThrow(/GET \/api\/v1\/users\/ answered 429: Request was throttled/);
    expect(waits).toEqual([2000, 2000, 2000]);
    expect((await c.list('users')).map((u: { email: string }) => u.email)).toHaveLength(6);
  });

  it('a dry run prints the plan and what cannot be mapped, and writes nothing', async () => {
    const before = await rows();
    const r = await runGrafanaOnCallImport(deps(), client(), t.org.org.id, { dryRun: true });
    expect(await rows()).toEqual(before);
    expect(r.plan.users.map((u) => [u.email, u.role, u.contacts])).toEqual([
      ['alice@example.com', 'admin', [{ type: 'email', address: 'alice@example.com' }]],
      ['bob@example.com', 'responder', [{ type: 'email', address: 'bob@example.com' }]],
      ['carol@example.com', 'responder', []],
      ['dave@example.com', 'observer', []],
      ['erin@example.com', 'responder', [{ type: 'email', address: 'erin@example.com' }]],
      ['owner@harbor.example', 'admin', []],
    ]);
    const [primary, support, pairs] = r.plan.schedules;
    expect(r.plan.schedules.map((s) => s.name)).toEqual(['SRE Primary', 'Support hours', 'Pairs', 'Weekend']);
    expect(r.plan.schedules[3]!.layers.map((l) => [l.turn, l.end, l.restrictions.length])).toEqual([
      [{ unit: 'days', count: 1 }, null, 2],
      [{ unit: 'weeks', count: 1 }, '2026-03-14T14:00:00.000-04:00', 0],
    ]);
    expect(primary!.layers.map((l) => [l.name, l.turn, l.users, l.restrictions])).toEqual([
      ['Weekly', { unit: 'weeks', count: 1 }, ['UALICE000001', 'UBOB00000001', 'UCAROL000001'], []],
      ['Evenings', { unit: 'days', count: 1 }, ['UERIN0000001', 'UALICE000001'], [{ type: 'daily_restriction', start_time_of_day: '18:00:00', duration_seconds: 14400 }]],
    ]);
    expect(primary!.overrides).toEqual([{ sourceId: 'OOVERRIDE001@SPRIMARY0001', userSourceId: 'UERIN0000001', start: '2026-03-04T00:00:00.000+01:00', end: '2026-03-05T00:00:00.000+01:00' }]);
    expect(support!.layers[0]!.restrictions).toEqual([1, 2, 3, 4, 5].map((d) => ({ type: 'weekly_restriction', start_day_of_week: d, start_time_of_day: '09:00:00', duration_seconds: 28800 })));
    // Starting from the second group: the virtual start is one turn earlier.
    expect(support!.layers[0]!.rotationVirtualStart).toBe('2026-02-23T09:00:00.000+01:00');
    expect(pairs!.layers[0]!.users).toEqual(['UALICE000001', 'UCAROL000001']);
    const sre = r.plan.policies.find((p) => p.sourceId === 'CSRE00000001')!;
    expect(sre.numLoops).toBe(5);
    expect(sre.rules).toEqual([
      { delayMinutes: 10, targets: [{ type: 'schedule', sourceId: 'SPRIMARY0001' }] },
      { delayMinutes: 15, targets: [{ type: 'user', sourceId: 'UBOB00000001' }] },
      { delayMinutes: 5, targets: [{ type: 'user', sourceId: 'UALICE000001' }] },
    ]);
    expect(r.plan.policies.find((p) => p.sourceId === 'CSUPPORT0001')!.rules).toEqual([{ delayMinutes: 30, targets: [{ type: 'schedule', sourceId: 'SSUPPORT0001' }] }]);
    expect(r.plan.services.map((s) => [s.name, s.policySourceId, s.move.kind])).toEqual([
      ['Prometheus', 'CSRE00000001', 'kept_url'],
      ['Grafana Alerting', 'CSUPPORT0001', 'new_key'],
      ['Uptime checks', 'CSRE00000001', 'kept_url'],
    ]);
    const notes = r.plan.notMapped.join('\n');
    for (const expected of [
      "user alice@example.com: notify_by_sms rule not mapped (OnCall's API does not give phone numbers",
      'user carol@example.com: notify_by_mobile_app rule not mapped',
      'schedule Legacy calendar: an iCal schedule',
      'schedule Pairs shift Day pairs: 2 people on call together in OnCall',
      'escalation chain SRE escalation step 4: notify_team_members not mapped (Vigil policies notify people and schedules, not a team)',
      'escalation chain SRE escalation step 6: notify_user_group not mapped (Slack user groups)',
      'escalation chain SRE escalation step 7: "important" not mapped',
      'escalation chain Support: waits 5 min before its first notification',
      'escalation chain Support step 3: notify_person_next_each_time not mapped',
      'integration Prometheus: route regex "severity=critical" not mapped (use event rules)',
      'integration Grafana Alerting: type grafana_alerting: its OnCall URL does not carry over; Grafana Alerting: replace the OnCall contact point by a PagerDuty contact point',
      'integration Direct paging: direct_paging not mapped',
    ])
      expect(notes).toContain(expected);
    expect(r.counts.users).toEqual({ created: 5, updated: 1 });
    expect(r.counts.schedules).toEqual({ created: 4, updated: 0 });
    expect(r.counts.teams).toEqual({ created: 2, updated: 0 });
    // OnCall has no team roles: every member is a responder.
    expect(r.plan.teams.map((x) => [x.name, x.members.map((m) => `${m.userSourceId}:${m.role}`)])).toEqual([
      ['SRE', ['UALICE000001:responder', 'UBOB00000001:responder', 'UDAVE0000001:responder', 'UERIN0000001:responder', 'UOLIVE000001:responder']],
      ['Support', ['UCAROL000001:responder', 'UERIN0000001:responder']],
    ]);
    const text = formatGrafanaOnCallReport(r);
    expect(text).toContain('Plan (dry run, nothing written) from Grafana OnCall');
    expect(text).toContain('users: would create 5, update 1');
    expect(text).toContain('Prometheus: alertmanager URL kept');
  });

  it('follows next pages through a 429 (Retry-After honoured), stops on a 500 half-way, and the next run resumes without duplicates', async () => {
    const before = await rows();
    waits.length = 0;
    goc.rateLimitOnce('/api/v1/users/', 3, 2);
    goc.failOnce('/api/v1/escalation_policies/');
    await expect(runGrafanaOnCallImport(deps(), client(), t.org.org.id, { dryRun: false })).rejects.toThrow(SourceError);
    expect(waits).toEqual([3000]);
    const half = await rows();
    // Users (and their e-mail methods) and schedules were written before the failure.
    expect(half.users - before.users).toBe(5);
    expect(half.contacts - before.contacts).toBe(3);
    expect(half.schedules - before.schedules).toBe(4);
    expect(half.overrides - before.overrides).toBe(1);
    // Teams (with members) come before schedules, which are linked to theirs (team_id).
    expect([half.teams - before.teams, half.teamMembers - before.teamMembers, half.teamLinks - before.teamLinks]).toEqual([2, 7, 2]);
    expect(half.policies).toBe(before.policies);
    expect(half.services).toBe(before.services);

    const r = await runGrafanaOnCallImport(deps(), client(), t.org.org.id, { dryRun: false });
    const after = await rows();
    expect(after.users - before.users).toBe(5);
    expect(after.contacts - before.contacts).toBe(3);
    expect(after.schedules - before.schedules).toBe(4);
    expect(after.overrides - before.overrides).toBe(1);
    expect(after.policies - before.policies).toBe(2);
    expect(after.services - before.services).toBe(3);
    expect(after.integrations - before.integrations).toBe(3);
    expect(r.counts.users).toEqual({ created: 0, updated: 6 });
    expect(r.counts.schedules).toEqual({ created: 0, updated: 4 });
    expect(r.counts.policies).toEqual({ created: 2, updated: 0 });
    expect(r.counts.teams).toEqual({ created: 0, updated: 2 });
    // Schedules SRE Primary and Support hours, chains SRE escalation and Support, the Prometheus service.
    expect([after.teams - before.teams, after.teamMembers - before.teamMembers, after.teamLinks - before.teamLinks]).toEqual([2, 7, 5]);
    const teams = (await req(t, 'GET', '/api/v1/teams?limit=100')).json().teams as { id: string; name: string }[];
    const emailById = new Map(((await req(t, 'GET', '/api/v1/users?limit=100')).json().users as { id: string; email: string }[]).map((u) => [u.id, u.email]));
    const support = teams.find((x) => x.name === 'Support')!;
    const members = (await req(t, 'GET', `/api/v1/teams/${support.id}/members?limit=100`)).json().members as { user: { id: string }; role: string }[];
    expect(members.map((m) => `${emailById.get(m.user.id)}:${m.role}`).sort()).toEqual(['carol@example.com:responder', 'erin@example.com:responder']);
    const policies = (await req(t, 'GET', '/api/v1/escalation_policies?limit=100')).json().escalation_policies as { name: string; teams?: { id: string }[] }[];
    expect(policies.map((p) => [p.name, (p.teams ?? []).map((x) => teams.find((y) => y.id === x.id)?.name)]).sort()).toEqual([
      ['SRE escalation', ['SRE']],
      ['Support', ['Support']],
    ]);
    expect(r.plan.notMapped).toContain('user owner@harbor.example: a member as owner in Vigil; role kept (OnCall role maps to admin)');
    expect(lines.some((l) => /^service Grafana Alerting: new Events API v2 key [A-Za-z0-9]{32} \(shown once\)/.test(l))).toBe(true);

    const users = await req(t, 'GET', '/api/v1/users?limit=100');
    const bob = (users.json().users as { id: string; email: string; vigil_role: string }[]).find((u) => u.email === 'bob@example.com')!;
    expect(bob.vigil_role).toBe('responder');
    const methods = await t.db.handle.db.selectFrom('contact_methods').select(['type', 'address', 'verified_at']).where('user_id', '=', bob.id).execute();
    expect(methods).toEqual([{ type: 'email', address: 'bob@example.com', verified_at: null }]);

    // The 8-week check against OnCall's final_shifts: what Vigil can represent matches (across the
    // DST change of 2026-03-29); the schedule with two people on call at once is reported.
    expect(r.verification.map((v) => [v.schedule, v.ok]), JSON.stringify(r.verification)).toEqual([
      ['SRE Primary', true],
      ['Support hours', true],
      ['Pairs', false],
      ['Weekend', true],
    ]);
    expect(r.verification[0]!.detail).toMatch(/^\d+ shifts match from 2026-03-02T09:00Z to 2026-04-27T09:00Z$/);
    expect(r.verification[2]!.detail).toMatch(/^\d+ OnCall shifts missing in Vigil, 0 Vigil shifts not in OnCall; first: OnCall has bob@example.com/);

    // A third run changes nothing.
    const again = await runGrafanaOnCallImport(deps(), client(), t.org.org.id, { dryRun: false, verify: false });
    expect(await rows()).toEqual(after);
    expect(again.counts.services).toEqual({ created: 0, updated: 3 });

    // A dry run now says everything would be updated, and still writes nothing.
    const dry = await runGrafanaOnCallImport(deps(), client(), t.org.org.id, { dryRun: true });
    expect(dry.counts).toMatchObject({ teams: { created: 0, updated: 2 }, users: { created: 0, updated: 6 }, schedules: { created: 0, updated: 4 }, overrides: { created: 0, updated: 0 }, policies: { created: 0, updated: 2 }, services: { created: 0, updated: 3 } });
    expect(await rows()).toEqual(after);
  });

  it("the OnCall Alertmanager URL path keeps working: Bob confirms his e-mail, then Alertmanager's webhook to /integrations/v1/alertmanager/<token>/ pages him", async () => {
    const smtp = await startSmtp();
    try {
      const engine = engineFor(t, realChannels(smtp.port));
      const users = await req(t, 'GET', '/api/v1/users?limit=100');
      const bob = (users.json().users as { id: string; email: string }[]).find((u) => u.email === 'bob@example.com')!;
      const [email] = (await req(t, 'GET', `/api/v1/users/${bob.id}/contact_methods`)).json().contact_methods as { id: string; verified: boolean }[];
      expect(email!.verified).toBe(false);
      expect((await req(t, 'POST', `/api/v1/users/${bob.id}/contact_methods/${email!.id}/send_verification`)).statusCode).toBe(202);
      await engine.runUntilIdle(clock.now());
      const code = /(\d{6})/.exec((await smtp.waitFor('bob@example.com', /\d{6}/)).text ?? '')![1]!;
      expect((await req(t, 'POST', `/api/v1/users/${bob.id}/contact_methods/${email!.id}/verify`, { code })).json().contact_method.verified).toBe(true);

      const payload = {
        version: '4',
        groupKey: '{}:{alertname="HighLatency"}',
        status: 'firing',
        receiver: 'oncall',
        groupLabels: { alertname: 'HighLatency' },
        commonLabels: { alertname: 'HighLatency', severity: 'critical' },
        commonAnnotations: { summary: 'API latency high' },
        externalURL: 'http://alertmanager:9093',
        alerts: [{ status: 'firing', labels: { alertname: 'HighLatency', severity: 'critical' }, annotations: { summary: 'API latency high' }, startsAt: '2026-03-02T08:59:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus:9090/graph', fingerprint: 'a1b2c3d4e5f60718' }],
      };
      const r = await t.app.inject({ method: 'POST', url: `/integrations/v1/alertmanager/${AM_TOKEN}/`, headers: { 'content-type': 'application/json' }, payload });
      expect(r.statusCode, r.body).toBe(202);
      // An unknown token is refused, naming the problem, and so is a malformed one.
      const unknown = await t.app.inject({ method: 'POST', url: '/integrations/v1/alertmanager/AAAAAAAAAAAAAAAAAAAAAAAAA/', headers: { 'content-type': 'application/json' }, payload });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().errors).toEqual(['the integration key is not a known Alertmanager integration key']);
      const bad = await t.app.inject({ method: 'POST', url: '/integrations/v1/alertmanager/short/', headers: { 'content-type': 'application/json' }, payload });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().errors[0]).toMatch(/integration token in the URL path/);

      const services = await req(t, 'GET', '/api/v1/services?limit=100');
      const prom = (services.json().services as { id: string; name: string; escalation_policy: { id: string } | null }[]).find((s) => s.name === 'Prometheus')!;
      expect(prom.escalation_policy).not.toBeNull();
      await engine.runUntilIdle(clock.now());
      const [inc] = await incidentsOf(t, prom.id);
      expect(inc?.title).toBe('HighLatency: API latency high');
      // 2026-03-02 09:00Z (10:00 in Berlin): the weekly rotation handed over from Alice to Bob at 09:00 local.
      const page = await smtp.waitFor('bob@example.com', /API latency high/);
      expect(page.subject).toMatch(/API latency high/);
      // The token is stored hashed like any other key.
      const stored = await t.db.handle.db.selectFrom('integrations').select(['type', 'key_hash', 'key_hint']).where('service_id', '=', prom.id).executeTakeFirstOrThrow();
      expect(stored).toMatchObject({ type: 'alertmanager', key_hint: AM_TOKEN.slice(0, 4) });
      expect(stored.key_hash).not.toContain(AM_TOKEN);
    } finally {
      await smtp.close();
    }
  });
  it("the OnCall formatted webhook URL keeps working: alerting opens an incident on the imported service, ok resolves it", async () => {
    const services = await req(t, 'GET', '/api/v1/services?limit=100');
    const svc = (services.json().services as { id: string; name: string }[]).find((s) => s.name === 'Uptime checks')!;
    const engine = engineFor(t, realChannels(null));
    const body = { alert_uid: '08d6891a-835c-e661-39fa-96b6a9e26552', title: 'The whole system is down', image_url: 'https://upload.wikimedia.org/wikipedia/commons/e/ee/Grumpy_Cat_by_Gage_Skidmore.jpg', state: 'alerting', link_to_upstream_details: 'https://en.wikipedia.org/wiki/Downtime', message: 'Smth happened. Oh no!' };
    const r = await t.app.inject({ method: 'POST', url: `/integrations/v1/formatted_webhook/${FW_TOKEN}/`, headers: { 'content-type': 'application/json' }, payload: body });
    expect(r.statusCode, r.body).toBe(202);
    expect(r.json()).toEqual({ status: 'success', message: 'Event processed', dedup_key: body.alert_uid });
    await engine.runUntilIdle(clock.now());
    const [inc] = await incidentsOf(t, svc.id);
    expect(inc?.title).toBe('The whole system is down');
    expect(inc?.status).toBe('triggered');
    // The Alertmanager token does not open the formatted webhook, a bad state is refused by name, and nothing is half-written.
    const wrong = await t.app.inject({ method: 'POST', url: `/integrations/v1/formatted_webhook/${AM_TOKEN}/`, headers: { 'content-type': 'application/json' }, payload: body });
    expect(wrong.statusCode).toBe(400);
    const bad = await t.app.inject({ method: 'POST', url: `/integrations/v1/formatted_webhook/${FW_TOKEN}`, headers: { 'content-type': 'application/json' }, payload: { ...body, state: 'firing', title: 7 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual(["'title' must be a string", `'state' must be "alerting" or "ok", got "firing"`]);
    expect(await incidentsOf(t, svc.id)).toHaveLength(1);
    const ok = await t.app.inject({ method: 'POST', url: `/integrations/v1/formatted_webhook/${FW_TOKEN}/`, headers: { 'content-type': 'application/json' }, payload: { alert_uid: body.alert_uid, state: 'ok' } });
    expect(ok.statusCode, ok.body).toBe(202);
    await engine.runUntilIdle(clock.now());
    const [after] = await incidentsOf(t, svc.id);
    expect(after?.status).toBe('resolved');
  });

  it('from the command line: `vigil import grafana-oncall` needs --api-url and --token, a dry run prints JSON and writes nothing', async () => {
    const cli = path.resolve('dist/cli/main.js');
    if (!fs.existsSync(cli)) throw new Error('dist/cli/main.js is missing: npm test builds it first');
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [cli, ...args], { env: { ...process.env, DATABASE_URL: '', ...t.db.env } }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
      });
    const missing = await run(['import', 'grafana-oncall', '--api-url', goc.url]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('vigil import grafana-oncall needs --api-url URL');
    const unknown = await run(['import', 'servicenow', '--api-url', goc.url, '--token', 'x']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('vigil import needs a source: opsgenie, pagerduty or grafana-oncall');
    const before = await rows();
    const dry = await run(['import', 'grafana-oncall', '--api-url', goc.url, '--token', goc.token, '--org', t.org.org.id, '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const report = JSON.parse(dry.stdout) as { dryRun: boolean; counts: Record<string, { created: number; updated: number }>; plan: { services: { move: { token?: string } }[] } };
    expect(report.dryRun).toBe(true);
    expect(report.counts.services).toEqual({ created: 0, updated: 3 });
    expect(dry.stdout).not.toContain(FW_TOKEN);
    // The kept token is not printed.
    expect(dry.stdout).not.toContain(AM_TOKEN);
    expect(report.plan.services[0]!.move.token).toBe('kept');
    expect(await rows()).toEqual(before);
  });
});
