/**
 * Teams (PagerDuty's /teams, issue 16 item 1): CRUD, members with team roles, escalation
 * policies given to a team, services/policies/schedules/users answering their `teams`, the
 * team_ids[] filter on their lists and on incidents, who may change what, bad input refused
 * by name, another organization's team 404. Answers are checked against PagerDuty's schema.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, type TestApp } from '../harness.js';
import { createApp, enqueue, member, req, secondOrg, type Json } from './helpers.js';
import { checkPagerDutyShape } from './pd-rest-schema.js';

function expectShape(body: unknown, path: string, method: string, status = '200') {
  const r = checkPagerDutyShape(body, path, method, status);
  expect(r.ok, JSON.stringify(r.errors).slice(0, 800)).toBe(true);
}

describe.each(DIALECTS)('teams (%s)', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createApp(dialect);
  });
  afterAll(async () => t.close());

  const mkTeam = async (name: string, headers = t.auth) => {
    const r = await req(t, 'POST', '/api/v1/teams', { team: { type: 'team', name, description: `The ${name} team` } }, headers);
    expect(r.statusCode, r.body).toBe(201);
    return r.json().team as Json;
  };

  it('creates, lists, reads, updates and removes teams in PagerDuty shape; names are unique; bad input names the field', async () => {
    const r = await req(t, 'POST', '/api/v1/teams', { team: { type: 'team', name: 'Hotline', description: 'Night hotline volunteers' } });
    expect(r.statusCode, r.body).toBe(201);
    expectShape(r.json(), '/teams', 'post', '201');
    const team = r.json().team as Json;
    expect(team).toMatchObject({ type: 'team', name: 'Hotline', summary: 'Hotline', description: 'Night hotline volunteers', default_role: 'manager', parent: null });
    expect(team.self).toMatch(new RegExp(`/api/v1/teams/${team.id}$`));
    await mkTeam('Dispatch');

    const list = await req(t, 'GET', '/api/v1/teams?total=true&limit=1');
    expect(list.statusCode, list.body).toBe(200);
    expectShape(list.json(), '/teams', 'get');
    expect(list.json()).toMatchObject({ limit: 1, offset: 0, more: true, total: 2 });
    expect(list.json().teams.map((x: Json) => x.name)).toEqual(['Dispatch']);
    expect((await req(t, 'GET', '/api/v1/teams?query=hot')).json().teams.map((x: Json) => x.id)).toEqual([team.id]);

    const one = await req(t, 'GET', `/api/v1/teams/${team.id}`);
    expectShape(one.json(), '/teams/{id}', 'get');
    const put = await req(t, 'PUT', `/api/v1/teams/${team.id}`, { team: { ...one.json().team, name: 'Hotline nights', description: null } });
    expect(put.statusCode, put.body).toBe(200);
    expectShape(put.json(), '/teams/{id}', 'put');
    expect(put.json().team).toMatchObject({ name: 'Hotline nights', description: null });

    const bad = async (body: unknown, message: string, method: 'POST' | 'PUT' = 'POST', url = '/api/v1/teams') => {
      const b = await req(t, method, url, body);
      expect(b.statusCode, b.body).toBe(400);
      expect(b.json().error.errors.join(' ')).toContain(message);
    };
    await bad({ team: { type: 'team', name: 'dispatch' } }, 'team.name: a team named "dispatch" exists');
    await bad({ team: { type: 'team', name: '  ' } }, 'team.name must not be blank');
    await bad({ team: { type: 'team', name: 'X', parent: { id: team.id, type: 'team_reference' } } }, 'team.parent');
    await bad({ team: { type: 'team', name: 'X', default_role: 'none' } }, 'team.default_role');
    await bad({ team: { type: 'team', name: 'X', colour: 'red' } }, 'colour');
    await bad({ team: { type: 'squad', name: 'X' } }, 'team.type');
    await bad({ team: { name: 'Dispatch' } }, 'team.name: a team named "Dispatch" exists', 'PUT', `/api/v1/teams/${team.id}`);
    expect((await req(t, 'GET', '/api/v1/teams?total=true')).json().total).toBe(2);

    const gone = await mkTeam('Short lived');
    expect((await req(t, 'DELETE', `/api/v1/teams/${gone.id}`)).statusCode).toBe(204);
    expect((await req(t, 'GET', `/api/v1/teams/${gone.id}`)).statusCode).toBe(404);
    expect((await req(t, 'DELETE', `/api/v1/teams/${gone.id}`)).statusCode).toBe(404);
    // The name is free again once the team is gone.
    await mkTeam('Short lived');
  });

  it('members with team roles: admins and the team\'s managers change them, others 403; members list in shape', async () => {
    const team = await mkTeam('Shelter');
    const mgr = await member(t, 'responder');
    const obs = await member(t, 'observer');
    const adm = await member(t, 'admin');
    expect((await req(t, 'PUT', `/api/v1/teams/${team.id}/users/${mgr.user.id}`, { role: 'manager' }, adm.auth)).statusCode).toBe(204);
    // A responder who manages the team adds a member; a plain responder (not a manager) cannot.
    const add = await req(t, 'PUT', `/api/v1/teams/${team.id}/users/${obs.user.id}`, { role: 'observer' }, mgr.auth);
    expect(add.statusCode, add.body).toBe(204);
    const outsider = await member(t, 'responder');
    expect((await req(t, 'PUT', `/api/v1/teams/${team.id}/users/${outsider.user.id}`, {}, outsider.auth)).statusCode).toBe(403);
    expect((await req(t, 'PUT', `/api/v1/teams/${team.id}/users/${outsider.user.id}`, { role: 'responder' }, obs.auth)).statusCode).toBe(403);
    // Without a role a new member is a responder; a present member keeps theirs.
    expect((await req(t, 'PUT', `/api/v1/teams/${team.id}/users/${outsider.user.id}`, {}, mgr.auth)).statusCode).toBe(204);
    expect((await req(t, 'PUT', `/api/v1/teams/${team.id}/users/${obs.user.id}`, {})).statusCode).toBe(204);

    const bad = await req(t, 'PUT', `/api/v1/teams/${team.id}/users/${obs.user.id}`, { role: 'captain' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.errors.join(' ')).toContain('role must be one of observer, responder, manager');
    expect((await req(t, 'PUT', `/api/v1/teams/${team.id}/users/PNOBODY`, { role: 'observer' })).statusCode).toBe(404);

    const list = await req(t, 'GET', `/api/v1/teams/${team.id}/members?total=true`, undefined, obs.auth);
    expect(list.statusCode, list.body).toBe(200);
    expectShape(list.json(), '/teams/{id}/members', 'get');
    const roles = Object.fromEntries((list.json().members as Json[]).map((m) => [m.user.id, m.role]));
    expect(roles).toEqual({ [mgr.user.id]: 'manager', [obs.user.id]: 'observer', [outsider.user.id]: 'responder' });
    expect(list.json().total).toBe(3);

    // The user answer lists the teams; GET /users?team_ids[]= lists the members.
    const u = await req(t, 'GET', `/api/v1/users/${obs.user.id}`);
    expect(u.json().user.teams).toEqual([expect.objectContaining({ id: team.id, type: 'team_reference', summary: 'Shelter' })]);
    const users = await req(t, 'GET', `/api/v1/users?team_ids[]=${team.id}&total=true`);
    expect(users.json().users.map((x: Json) => x.id).sort()).toEqual([mgr.user.id, obs.user.id, outsider.user.id].sort());
    expect(users.json().total).toBe(3);

    expect((await req(t, 'DELETE', `/api/v1/teams/${team.id}/users/${outsider.user.id}`, undefined, obs.auth)).statusCode).toBe(403);
    expect((await req(t, 'DELETE', `/api/v1/teams/${team.id}/users/${outsider.user.id}`, undefined, mgr.auth)).statusCode).toBe(204);
    expect((await req(t, 'DELETE', `/api/v1/teams/${team.id}/users/${outsider.user.id}`)).statusCode).toBe(404);
    // The team's audit records: created, then each membership change with the team role before and after.
    const audit = await req(t, 'GET', `/api/v1/teams/${team.id}/audit/records`);
    expect(audit.statusCode, audit.body).toBe(200);
    expectShape(audit.json(), '/teams/{id}/audit/records', 'get');
    const records = audit.json().records as Json[];
    expect(records.at(-1)).toMatchObject({ action: 'create', root_resource: { id: team.id, type: 'team_reference' }, details: { fields: expect.arrayContaining([{ name: 'name', value: 'Shelter' }]) } });
    const removal = records[0]!;
    expect(removal).toMatchObject({ action: 'update', actors: [{ id: mgr.user.id }], details: { fields: [{ name: `members.${outsider.user.id}.role`, value: null, before_value: 'responder' }] } });
    expect(records.filter((r) => r.action === 'update')).toHaveLength(4);
    expect((await req(t, 'GET', `/api/v1/teams/${team.id}/audit/records`, undefined, mgr.auth)).statusCode).toBe(403);
    expect((await req(t, 'GET', '/api/v1/teams/PNOTEAM/audit/records')).statusCode).toBe(404);
    // Only admins create or remove teams.
    expect((await req(t, 'POST', '/api/v1/teams', { team: { type: 'team', name: 'Mine' } }, mgr.auth)).statusCode).toBe(403);
    expect((await req(t, 'DELETE', `/api/v1/teams/${team.id}`, undefined, mgr.auth)).statusCode).toBe(403);
  });

  it('teams own policies, services and schedules; answers name them; team_ids[] filters lists and incidents', async () => {
    const ops = await mkTeam('Ops');
    const care = await mkTeam('Care');
    const pol = await req(t, 'POST', '/api/v1/escalation_policies', { escalation_policy: { name: 'Ops policy', teams: [{ id: ops.id, type: 'team_reference' }], escalation_rules: [{ escalation_delay_in_minutes: 30, targets: [{ id: t.org.user.id, type: 'user_reference' }] }] } });
    expect(pol.statusCode, pol.body).toBe(201);
    expectShape(pol.json(), '/escalation_policies', 'post', '201');
    expect(pol.json().escalation_policy.teams).toEqual([expect.objectContaining({ id: ops.id, type: 'team_reference', summary: 'Ops' })]);
    const polId = pol.json().escalation_policy.id as string;
    const other = await req(t, 'POST', '/api/v1/escalation_policies', { escalation_policy: { name: 'Care policy', escalation_rules: [{ escalation_delay_in_minutes: 30, targets: [{ id: t.org.user.id, type: 'user_reference' }] }] } });
    const otherId = other.json().escalation_policy.id as string;
    expect((await req(t, 'PUT', `/api/v1/teams/${care.id}/escalation_policies/${otherId}`)).statusCode).toBe(204);
    expect((await req(t, 'PUT', `/api/v1/teams/${care.id}/escalation_policies/${polId}`)).statusCode).toBe(204);
    expect((await req(t, 'GET', `/api/v1/escalation_policies/${polId}`)).json().escalation_policy.teams.map((x: Json) => x.summary)).toEqual(['Care', 'Ops']);
    expect((await req(t, 'DELETE', `/api/v1/teams/${care.id}/escalation_policies/${polId}`)).statusCode).toBe(204);
    expect((await req(t, 'DELETE', `/api/v1/teams/${care.id}/escalation_policies/${polId}`)).statusCode).toBe(404);
    expect((await req(t, 'PUT', `/api/v1/teams/${care.id}/escalation_policies/PNOPOLICY`)).statusCode).toBe(404);
    const byTeam = await req(t, 'GET', `/api/v1/escalation_policies?team_ids[]=${care.id}&total=true`);
    expectShape(byTeam.json(), '/escalation_policies', 'get');
    expect(byTeam.json().escalation_policies.map((x: Json) => x.id)).toEqual([otherId]);

    const svc = await req(t, 'POST', '/api/v1/services', { service: { name: 'Ops chat', escalation_policy: { id: polId, type: 'escalation_policy_reference' }, teams: [{ id: ops.id, type: 'team_reference' }] } });
    expect(svc.statusCode, svc.body).toBe(201);
    expectShape(svc.json(), '/services', 'post', '201');
    const svcId = svc.json().service.id as string;
    expect(svc.json().service.teams.map((x: Json) => x.id)).toEqual([ops.id]);
    const plain = await req(t, 'POST', '/api/v1/services', { service: { name: 'Care line', teams: [] } });
    expect(plain.json().service.teams).toEqual([]);
    const moved = await req(t, 'PUT', `/api/v1/services/${plain.json().service.id}`, { service: { teams: [{ id: care.id }] } });
    expect(moved.json().service.teams.map((x: Json) => x.id)).toEqual([care.id]);
    expect((await req(t, 'GET', `/api/v1/services?team_ids[]=${ops.id}`)).json().services.map((x: Json) => x.id)).toEqual([svcId]);

    const start = '2026-03-02T00:00:00Z';
    const sch = await req(t, 'POST', '/api/v1/schedules', { schedule: { name: 'Ops rota', time_zone: 'UTC', teams: [{ id: ops.id, type: 'team_reference' }], schedule_layers: [{ name: 'L1', start, rotation_virtual_start: start, rotation_turn_length_seconds: 86400, users: [{ user: { id: t.org.user.id, type: 'user_reference' } }] }] } });
    expect(sch.statusCode, sch.body).toBe(201);
    expect(sch.json().schedule.teams.map((x: Json) => x.id)).toEqual([ops.id]);
    const schList = await req(t, 'GET', `/api/v1/schedules?team_ids[]=${ops.id}&team_ids[]=${care.id}`);
    expectShape(schList.json(), '/schedules', 'get');
    expect(schList.json().schedules.map((x: Json) => x.id)).toEqual([sch.json().schedule.id]);

    // Incidents: those on the services the teams own.
    const integ = await req(t, 'POST', `/api/v1/services/${svcId}/integrations`, { integration: { type: 'events_v2' } });
    expect((await enqueue(t, { routing_key: integ.json().integration.integration_key, event_action: 'trigger', payload: { summary: 'Ops chat down', source: 'gw', severity: 'critical' } })).statusCode).toBe(202);
    const incOps = await req(t, 'GET', `/api/v1/incidents?team_ids[]=${ops.id}&date_range=all`);
    expect(incOps.json().incidents.map((x: Json) => x.service.id)).toEqual([svcId]);
    expect(incOps.json().incidents[0].teams).toEqual([expect.objectContaining({ id: ops.id, type: 'team_reference', summary: 'Ops' })]);
    expect((await req(t, 'GET', `/api/v1/incidents?team_ids[]=${care.id}&date_range=all&total=true`)).json()).toMatchObject({ incidents: [], total: 0 });

    // Unknown teams are refused by name, on bodies and on filters; nothing half-written.
    for (const url of ['/api/v1/services', '/api/v1/escalation_policies', '/api/v1/schedules', '/api/v1/users', '/api/v1/incidents']) {
      const r = await req(t, 'GET', `${url}?team_ids[]=PNOTEAM`);
      expect(r.statusCode, url).toBe(400);
      expect(r.json().error.errors.join(' ')).toContain('team_ids[]: team PNOTEAM not found');
    }
    const before = (await req(t, 'GET', '/api/v1/services?total=true')).json().total;
    const badSvc = await req(t, 'POST', '/api/v1/services', { service: { name: 'Nope', teams: [{ id: 'PNOTEAM', type: 'team_reference' }] } });
    expect(badSvc.statusCode).toBe(400);
    expect(badSvc.json().error.errors.join(' ')).toContain('service.teams: team PNOTEAM not found');
    expect((await req(t, 'GET', '/api/v1/services?total=true')).json().total).toBe(before);
    const badRef = await req(t, 'PUT', `/api/v1/escalation_policies/${polId}`, { escalation_policy: { teams: [{ id: ops.id, type: 'user_reference' }] } });
    expect(badRef.json().error.errors.join(' ')).toContain('escalation_policy.teams[0].type must be team_reference');
    expect((await req(t, 'PUT', `/api/v1/schedules/${sch.json().schedule.id}`, { schedule: { teams: [{ id: 'PNOTEAM' }] } })).json().error.errors.join(' ')).toContain('schedule.teams: team PNOTEAM not found');

    // Removing a team with a reassignment team moves what it owned; without, it stays team-less.
    expect((await req(t, 'DELETE', `/api/v1/teams/${ops.id}?reassignment_team=${care.id}`)).statusCode).toBe(204);
    expect((await req(t, 'GET', `/api/v1/services/${svcId}`)).json().service.teams.map((x: Json) => x.id)).toEqual([care.id]);
    expect((await req(t, 'GET', `/api/v1/escalation_policies/${polId}`)).json().escalation_policy.teams.map((x: Json) => x.id)).toEqual([care.id]);
    expect((await req(t, 'DELETE', `/api/v1/teams/${care.id}`)).statusCode).toBe(204);
    expect((await req(t, 'GET', `/api/v1/services/${svcId}`)).json().service.teams).toEqual([]);
  });

  it("a team's status update subscriptions reach its members, in PagerDuty shape; managers change them", async () => {
    const team = await mkTeam('Comms');
    const mgr = await member(t, 'observer');
    const resp = await member(t, 'responder');
    expect((await req(t, 'PUT', `/api/v1/teams/${team.id}/users/${mgr.user.id}`, { role: 'manager' })).statusCode).toBe(204);
    expect((await req(t, 'PUT', `/api/v1/teams/${team.id}/users/${resp.user.id}`, { role: 'responder' })).statusCode).toBe(204);
    const svc = await req(t, 'POST', '/api/v1/services', { service: { name: 'Comms line' } });
    const integ = await req(t, 'POST', `/api/v1/services/${svc.json().service.id}/integrations`, { integration: { type: 'events_v2' } });
    await enqueue(t, { routing_key: integ.json().integration.integration_key, event_action: 'trigger', payload: { summary: 'Comms line silent', source: 'gw', severity: 'critical' } });
    const inc = (await req(t, 'GET', `/api/v1/incidents?service_ids[]=${svc.json().service.id}&date_range=all`)).json().incidents[0] as Json;
    const body = { subscribables: [{ subscribable_id: inc.id, subscribable_type: 'incident' }] };

    expect((await req(t, 'POST', `/api/v1/teams/${team.id}/notification_subscriptions`, body, resp.auth)).statusCode).toBe(403);
    const sub = await req(t, 'POST', `/api/v1/teams/${team.id}/notification_subscriptions`, body, mgr.auth);
    expect(sub.statusCode, sub.body).toBe(200);
    expectShape(sub.json(), '/teams/{id}/notification_subscriptions', 'post');
    expect(sub.json().subscriptions).toEqual([expect.objectContaining({ subscriber_id: team.id, subscriber_type: 'team', subscribable_id: inc.id, result: 'success' })]);
    const list = await req(t, 'GET', `/api/v1/teams/${team.id}/notification_subscriptions`, undefined, resp.auth);
    expectShape(list.json(), '/teams/{id}/notification_subscriptions', 'get');
    expect(list.json().subscriptions).toEqual([{ subscription: expect.objectContaining({ subscribable_id: inc.id, subscriber_type: 'team' }), subscribable_name: 'Comms line silent' }]);

    // The incident's subscribers are the team's members, through the team (what a status update is sent to).
    const subs = await req(t, 'GET', `/api/v1/incidents/${inc.id}/status_updates/subscribers`);
    expectShape(subs.json(), '/incidents/{id}/status_updates/subscribers', 'get');
    expect(subs.json().subscribers.map((x: Json) => x.subscriber_id).sort()).toEqual([mgr.user.id, resp.user.id].sort());
    expect(subs.json().subscribers[0]).toMatchObject({ has_indirect_subscription: true, subscribed_via: [{ id: team.id, name: 'Comms' }] });
    // A member who leaves the team stops hearing it.
    expect((await req(t, 'DELETE', `/api/v1/teams/${team.id}/users/${resp.user.id}`)).statusCode).toBe(204);
    expect((await req(t, 'GET', `/api/v1/incidents/${inc.id}/status_updates/subscribers`)).json().subscribers.map((x: Json) => x.subscriber_id)).toEqual([mgr.user.id]);

    const bad = await req(t, 'POST', `/api/v1/teams/${team.id}/notification_subscriptions`, { subscribables: [{ subscribable_id: 'PNOINC', subscribable_type: 'incident' }] });
    expect(bad.json().error.errors.join(' ')).toContain('subscribables[0].subscribable_id: incident PNOINC not found');
    const un = await req(t, 'POST', `/api/v1/teams/${team.id}/notification_subscriptions/unsubscribe`, body, mgr.auth);
    expect(un.json()).toEqual({ deleted_count: 1, unauthorized_count: 0, non_existent_count: 0 });
    expectShape(un.json(), '/teams/{id}/notification_subscriptions/unsubscribe', 'post');
    expect((await req(t, 'GET', `/api/v1/incidents/${inc.id}/status_updates/subscribers`)).json().subscribers).toEqual([]);
    // Subscribed from the incident as PagerDuty allows: subscriber_type team.
    const viaIncident = await req(t, 'POST', `/api/v1/incidents/${inc.id}/status_updates/subscribers`, { subscribers: [{ subscriber_id: team.id, subscriber_type: 'team' }] });
    expect(viaIncident.json().subscriptions[0]).toMatchObject({ subscriber_type: 'team', result: 'success' });
    expect((await req(t, 'GET', `/api/v1/teams/${team.id}/notification_subscriptions`)).json().total).toBe(1);
  });

  it("another organization's teams are 404 and never listed; its teams cannot be named", async () => {
    const mine = await mkTeam('Private to us');
    const other = await secondOrg(t, `Other ${dialect}`);
    expect((await req(t, 'GET', `/api/v1/teams/${mine.id}`, undefined, other.auth)).statusCode).toBe(404);
    expect((await req(t, 'PUT', `/api/v1/teams/${mine.id}`, { team: { name: 'Taken' } }, other.auth)).statusCode).toBe(404);
    expect((await req(t, 'DELETE', `/api/v1/teams/${mine.id}`, undefined, other.auth)).statusCode).toBe(404);
    expect((await req(t, 'GET', `/api/v1/teams/${mine.id}/members`, undefined, other.auth)).statusCode).toBe(404);
    expect((await req(t, 'PUT', `/api/v1/teams/${mine.id}/users/${other.org.user.id}`, {}, other.auth)).statusCode).toBe(404);
    expect((await req(t, 'GET', '/api/v1/teams', undefined, other.auth)).json().teams).toEqual([]);
    const svc = await req(t, 'POST', '/api/v1/services', { service: { name: 'Theirs', teams: [{ id: mine.id }] } }, other.auth);
    expect(svc.statusCode).toBe(400);
    expect(svc.json().error.errors.join(' ')).toContain(`service.teams: team ${mine.id} not found`);
    // Their own team of the same name is fine: names are unique per organization.
    expect((await req(t, 'POST', '/api/v1/teams', { team: { type: 'team', name: 'Private to us' } }, other.auth)).statusCode).toBe(201);
  });
});
