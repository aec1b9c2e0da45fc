/**
 * Configuration as code (`vigil export` / `vigil apply`) against the real REST API on each dialect:
 * an organization with one of each resource kind (a team with two members owning a schedule, a
 * policy and a service) is exported, applied to an empty organization
 * (dry run first: nothing written), exported again byte for byte; re-applying changes nothing;
 * an edit shows its field-level diff; --prune deletes what the file dropped; a bad file is
 * refused with problems naming their path and writes nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, type TestApp } from '../harness.js';
import { createApp, member, req, secondOrg, type Json } from '../api/helpers.js';
import { ManualClock } from '../../src/server/lib/clock.js';
import { applyConfig, ConfigFileError, exportConfig } from '../../src/cli/config-code/apply.js';
import { ApiError, fetchTransport, type Transport } from '../../src/cli/config-code/api.js';
import { configFileJsonSchema } from '../../src/contract/config-file.js';

const NOW = Date.parse('2026-03-02T08:00:00Z');

function over(t: TestApp, auth: Record<string, string>): Transport {
  return async (method, url, body) => {
    const r = await t.app.inject({ method, url, headers: auth, ...(body === undefined ? {} : { payload: body as object }) });
    return { status: r.statusCode, body: r.body ? (JSON.parse(r.body) as Json) : null };
  };
}

async function ok(t: TestApp, method: 'POST' | 'PUT', url: string, body: unknown, auth: Record<string, string>, status = method === 'POST' ? 201 : 200): Promise<Json> {
  const r = await req(t, method, url, body, auth);
  expect(r.statusCode, `${method} ${url}: ${r.body}`).toBe(status);
  return r.json() as Json;
}

/** The people both organizations have (a file names users by email; it never makes them). */
async function people(t: TestApp, auth: Record<string, string>, domain: string) {
  const alice = (await ok(t, 'POST', '/api/v1/users', { user: { name: 'Alice', email: `alice@${domain}`, role: 'responder' } }, auth)).user.id as string;
  const bob = (await ok(t, 'POST', '/api/v1/users', { user: { name: 'Bob', email: `bob@${domain}`, role: 'responder' } }, auth)).user.id as string;
  const vera = (await ok(t, 'POST', '/api/v1/volunteers', { volunteer: { name: 'Vera', email: `vera@${domain}`, time_zone: 'Europe/Berlin' } }, auth)).volunteer.id as string;
  return { alice, bob, vera };
}

async function seed(t: TestApp, auth: Record<string, string>, domain: string): Promise<void> {
  const u = await people(t, auth, domain);
  const team = (await ok(t, 'POST', '/api/v1/teams', { team: { name: 'Phone team', description: 'Answers the line' } }, auth)).team.id as string;
  for (const [user, role] of [[u.bob, 'responder'], [u.alice, 'manager']]) expect((await req(t, 'PUT', `/api/v1/teams/${team}/users/${user}`, { role }, auth)).statusCode).toBe(204);
  const teams = [{ id: team, type: 'team_reference' }];
  const schedule = (await ok(t, 'POST', '/api/v1/schedules', {
    schedule: {
      teams,
      name: 'Phone line',
      time_zone: 'Europe/Berlin',
      description: 'Staff rota',
      schedule_layers: [
        { name: 'Weekdays', start: '2026-03-02T09:00:00+01:00', rotation_turn_length: { unit: 'weeks', count: 1 }, users: [{ user: { id: u.alice } }, { user: { id: u.bob } }], restrictions: [{ type: 'weekly_restriction', start_time_of_day: '09:00:00', duration_seconds: 8 * 3600, start_day_of_week: 1 }] },
        { name: 'Nights', start: '2026-03-02T20:00:00+01:00', rotation_turn_length: { unit: 'days', count: 1 }, users: [{ user: { id: u.bob } }], restrictions: [{ type: 'daily_restriction', start_time_of_day: '20:00:00', duration_seconds: 10 * 3600 }] },
      ],
    },
  }, auth)).schedule.id as string;
  const pool = (await ok(t, 'POST', '/api/v1/volunteer_pools', { volunteer_pool: { name: 'Weekend helpers', strategy: 'round_robin', round_robin_timeout_minutes: 7, requires: { skills: ['listening'] }, members: [{ id: u.vera }] } }, auth)).volunteer_pool.id as string;
  const policy = (await ok(t, 'POST', '/api/v1/escalation_policies', {
    escalation_policy: {
      name: 'Phone escalation',
      teams,
      num_loops: 2,
      escalation_rules: [
        { escalation_delay_in_minutes: 10, targets: [{ id: schedule, type: 'schedule_reference' }] },
        { escalation_delay_in_minutes: 15, targets: [{ id: u.alice, type: 'user_reference' }, { id: pool, type: 'volunteer_pool_reference' }] },
      ],
    },
  }, auth)).escalation_policy.id as string;
  const service = (await ok(t, 'POST', '/api/v1/services', {
    service: {
      name: 'Crisis phone',
      teams,
      description: 'The 24/7 line',
      escalation_policy: { id: policy, type: 'escalation_policy_reference' },
      incident_urgency_rule: { type: 'use_support_hours', during_support_hours: { type: 'constant', urgency: 'high' }, outside_support_hours: { type: 'constant', urgency: 'low' } },
      support_hours: { type: 'fixed_time_per_day', time_zone: 'Europe/Berlin', start_time: '09:00:00', end_time: '17:00:00', days_of_week: [1, 2, 3, 4, 5] },
      scheduled_actions: [{ type: 'urgency_change', at: { type: 'named_time', name: 'support_hours_start' }, to_urgency: 'high' }],
      alert_grouping_parameters: { type: 'time', config: { timeout: 30 } },
      auto_resolve_timeout: 14400,
    },
  }, auth)).service.id as string;
  await ok(t, 'POST', '/api/v1/services', { service: { name: 'Website', status: 'disabled' } }, auth);
  await ok(t, 'POST', `/api/v1/services/${service}/integrations`, { integration: { type: 'events_v2', name: 'Monitoring' } }, auth);
  await ok(t, 'POST', `/api/v1/services/${service}/integrations`, { integration: { type: 'heartbeat', name: 'Switchboard ping', heartbeat_interval_seconds: 600 } }, auth);
  const p1 = ((await req(t, 'GET', '/api/v1/priorities', undefined, auth)).json().priorities as Json[]).find((p) => p.name === 'P1')!.id as string;
  await ok(t, 'PUT', `/api/v1/event_orchestrations/services/${service}`, {
    orchestration_path: {
      sets: [
        { id: 'start', rules: [{ label: 'Outage', conditions: [{ expression: "event.summary matches part 'outage'" }], actions: { priority: p1, route_to: 'loud' } }, { label: 'Noise', conditions: [{ expression: "event.source matches 'test'" }], actions: { suppress: true } }] },
        { id: 'loud', rules: [{ actions: { annotate: 'Call the duty manager' } }] },
      ],
      catch_all: { actions: { severity: 'warning' } },
    },
  }, auth);
  await ok(t, 'POST', '/api/v1/maintenance_windows', { maintenance_window: { start_time: '2026-03-10T22:00:00Z', end_time: '2026-03-11T01:00:00Z', description: 'Switchboard upgrade', services: [{ id: service }] } }, auth);
}

const count = async (t: TestApp, auth: Record<string, string>) => {
  const n = async (path: string, key: string) => ((await req(t, 'GET', path, undefined, auth)).json()[key] as Json[]).length;
  return [await n('/api/v1/teams', 'teams'), await n('/api/v1/schedules', 'schedules'), await n('/api/v1/volunteer_pools', 'volunteer_pools'), await n('/api/v1/escalation_policies', 'escalation_policies'), await n('/api/v1/services', 'services'), await n('/api/v1/maintenance_windows', 'maintenance_windows')];
};

describe.each(DIALECTS)('configuration as code on %s', (dialect) => {
  let t: TestApp;
  let fileA = '';
  let b: { auth: Record<string, string>; token: string };

  beforeAll(async () => {
    t = await createApp(dialect, { clock: new ManualClock(NOW) });
    await seed(t, t.auth, 'harbor.example');
    b = await secondOrg(t);
    await people(t, b.auth, 'harbor.example');
  });
  afterAll(async () => t.close());

  it('export → dry run (writes nothing) → apply to an empty organization → export again: the same file; keys printed once and working', async () => {
    fileA = await exportConfig(over(t, t.auth));
    expect(fileA).toContain('name: Phone line');
    expect(fileA).toContain('- schedule: Phone line');
    expect(fileA).toContain('- volunteer_pool: Weekend helpers');
    expect(fileA).toContain('priority: P1');
    expect(fileA).toContain('start_day_of_week: 1');
    expect(fileA).not.toMatch(/integration_key|routing_key|Vigil health/);
    expect(fileA.indexOf('schedules:')).toBeLessThan(fileA.indexOf('services:'));
    expect(fileA).toMatch(/^version: 1\nteams:\n  - name: Phone team\n    description: Answers the line\n    members:\n      - user: alice@harbor.example\n        role: manager\n      - user: bob@harbor.example\n        role: responder\n/);
    expect(fileA.match(/ {4}teams:\n {6}- Phone team\n/g)).toHaveLength(3);

    const before = await count(t, b.auth);
    const dry = await applyConfig(over(t, b.auth), fileA, { dryRun: true });
    expect(dry.planText).toMatch(/^\+ team "Phone team"\n\+ schedule "Phone line"\n/);
    expect(dry.planText).toContain('+ integration "Crisis phone / Monitoring"');
    expect(dry.planText).toMatch(/10 changes: 10 to create, 0 to update, 0 to replace, 0 to delete/);
    expect(dry.keys).toEqual([]);
    expect(await count(t, b.auth)).toEqual(before);

    const applied = await applyConfig(over(t, b.auth), fileA);
    expect(applied.changed).toBe(10);
    expect(applied.keys).toHaveLength(2);
    const key = /Monitoring" key \(shown once\): (\S+)/.exec(applied.keys.join('\n'))![1]!;
    const event = await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: { routing_key: key, event_action: 'trigger', payload: { summary: 'big outage', source: 'pbx', severity: 'critical' } } });
    expect(event.statusCode, event.body).toBe(202);

    // The CLI's transport: fetch against the API listening on a port, with the token as a bearer.
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    expect(await exportConfig(fetchTransport(address, b.token))).toBe(fileA);
    const again = await applyConfig(over(t, b.auth), fileA);
    expect(again.changed).toBe(0);
    expect(again.planText).toBe('0 changes (10 unchanged)\n');
  });

  it('an edit shows its field-level diff; --prune deletes what the file dropped, without it nothing is deleted', async () => {
    const edited = fileA
      .replace('auto_resolve_timeout: 14400', 'auto_resolve_timeout: 3600')
      .replace(/maintenance_windows:[\s\S]*$/, '');
    const plain = await applyConfig(over(t, b.auth), edited);
    expect(plain.planText).toBe('~ service "Crisis phone"\n    auto_resolve_timeout: 14400 → 3600\n1 change: 0 to create, 1 to update, 0 to replace, 0 to delete (8 unchanged)\n');
    // A team the file adds, and a member it drops: the membership is the file's.
    const spare = await applyConfig(over(t, b.auth), edited.replace('      - user: bob@harbor.example\n        role: responder\n', '').replace('teams:\n', 'teams:\n  - name: Spare\n    members:\n      - user: bob@harbor.example\n        role: observer\n'));
    expect(spare.planText).toMatch(/^~ team "Phone team"\n {4}members: .*\n\+ team "Spare"\n/);
    expect(spare.changed).toBe(2);
    const teamId = async (name: string) => ((await req(t, 'GET', '/api/v1/teams', undefined, b.auth)).json().teams as Json[]).find((x) => x.name === name)!.id as string;
    const members = async (name: string) => ((await req(t, 'GET', `/api/v1/teams/${await teamId(name)}/members`, undefined, b.auth)).json().members as Json[]).map((m) => `${m.user.summary}:${m.role}`).sort();
    expect([await members('Phone team'), await members('Spare')]).toEqual([['Alice:manager'], ['Bob:observer']]);
    const pruned = await applyConfig(over(t, b.auth), edited.replace(/  - name: Website[\s\S]*$/, ''), { prune: true });
    expect(pruned.planText).toContain('- service "Website"');
    expect(pruned.planText).toContain('- maintenance window "Switchboard upgrade"');
    expect(pruned.planText).toContain('- team "Spare"');
    expect(pruned.changed).toBe(4);
    const [teams, , , , services, windows] = await count(t, b.auth);
    expect([teams, services, windows]).toEqual([1, 1, 0]);
    expect(await members('Phone team')).toEqual(['Alice:manager', 'Bob:responder']);
  });

  it('refuses an invalid file with problems naming their path, and writes nothing', async () => {
    const before = await exportConfig(over(t, b.auth));
    const bad = `${fileA.replace('num_loops: 2', 'num_loops: many').replace('- user: alice@harbor.example', '- user: nobody@harbor.example').replace('  - name: Phone team\n', '  - name: Phone team\n    colour: red\n')}teams_of_teams: []\n`;
    const err = await applyConfig(over(t, b.auth), bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigFileError);
    expect((err as ConfigFileError).problems).toEqual(expect.arrayContaining(['/escalation_policies/0/num_loops must be integer', '/teams/0: colour is not a field here', '/: teams_of_teams is not a field here']));
    const unknownUser = await applyConfig(over(t, b.auth), fileA.replaceAll('- user: alice@harbor.example', '- user: nobody@harbor.example').replace('      - Phone team\n', '      - Night team\n')).catch((e: unknown) => e);
    expect([...(unknownUser as ConfigFileError).problems].sort()).toEqual([
      '/escalation_policies/0/escalation_rules/1/targets/0: no user with email nobody@harbor.example in the organization',
      '/schedules/0/teams/0: no team named Night team',
      '/teams/0/members: no user with email nobody@harbor.example in the organization',
    ]);
    // With --prune a team the file leaves out is deleted: what still names it is refused, not orphaned.
    const orphans = await applyConfig(over(t, b.auth), fileA.replace(/^teams:\n(?: .*\n)+/m, ''), { prune: true }).catch((e: unknown) => e);
    expect([...(orphans as ConfigFileError).problems].sort()).toEqual(['/escalation_policies/0/teams/0', '/schedules/0/teams/0', '/services/0/teams/0'].map((p) => `${p}: no team named Phone team`));
    // Names identify resources: an organization with two policies of one name is refused, not guessed at.
    const twin = (await ok(t, 'POST', '/api/v1/escalation_policies', { escalation_policy: { name: 'Phone escalation', escalation_rules: [{ escalation_delay_in_minutes: 5, targets: [{ id: (await req(t, 'GET', '/api/v1/users/me', undefined, b.auth)).json().user.id, type: 'user_reference' }] }] } }, b.auth)).escalation_policy.id as string;
    const clash = await applyConfig(over(t, b.auth), fileA).catch((e: unknown) => e);
    expect((clash as ConfigFileError).problems).toEqual(['organization: /escalation_policies/1: name "Phone escalation" appears twice (rename one before applying)']);
    expect((await req(t, 'DELETE', `/api/v1/escalation_policies/${twin}`, undefined, b.auth)).statusCode).toBe(204);
    // Roles hold: an observer may export, not apply (refused at the first write, which is the only one tried).
    const observer = await member(t, 'observer', b.auth);
    expect(await exportConfig(over(t, observer.auth))).toBe(before);
    const refused = await applyConfig(over(t, observer.auth), before.replace('num_loops: 2', 'num_loops: 3')).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).status).toBe(403);
    expect(await exportConfig(over(t, b.auth))).toBe(before);
  });

  it('the CLI (dist/cli/main.js): apply --dry-run prints the plan, a bad file exits 2 naming the path', async () => {
    if (dialect !== 'sqlite') return; // the CLI talks HTTP: the database behind it is the API's business
    const cli = path.resolve('dist/cli/main.js');
    if (!fs.existsSync(cli)) throw new Error('dist/cli/main.js is missing: npm test builds it first');
    const run = promisify(execFile);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-cac-'));
    const url = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
    const env = { PATH: process.env.PATH ?? '', VIGIL_API_URL: url, VIGIL_TOKEN: b.token, VIGIL_DATA_DIR: dir };
    const exported = await exportConfig(fetchTransport(url, b.token));
    fs.writeFileSync(path.join(dir, 'edited.yaml'), exported.replace('num_loops: 2', 'num_loops: 4'));
    fs.writeFileSync(path.join(dir, 'bad.yaml'), exported.replace('num_loops: 2', 'num_loops: -1'));
    // Side by side: each process loads the CLI once, and neither writes.
    const [dry, bad] = await Promise.all([
      run(process.execPath, [cli, 'apply', '-f', path.join(dir, 'edited.yaml'), '--dry-run'], { env }),
      run(process.execPath, [cli, 'apply', '-f', path.join(dir, 'bad.yaml')], { env }).catch((e: unknown) => e),
    ]);
    expect(dry.stdout).toMatch(/^~ escalation policy "Phone escalation"\n    num_loops: 2 → 4\n1 change: .*\ndry run: nothing was changed\n$/);
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining('/escalation_policies/0/num_loops must be >= 0') });
    expect(await exportConfig(over(t, b.auth))).toBe(exported);
  });

  it("the file's JSON Schema is published beside the OpenAPI document and in docs/, the same document", async () => {
    const text = `${JSON.stringify(configFileJsonSchema(), null, 2)}\n`;
    const file = new URL('../../docs/vigil-config.schema.json', import.meta.url);
    if (process.env.UPDATE_CONFIG_SCHEMA) fs.writeFileSync(file, text);
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
    const r = await t.app.inject({ method: 'GET', url: '/api/v1/vigil-config.schema.json' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual(JSON.parse(text));
    expect(r.json().$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });
});
