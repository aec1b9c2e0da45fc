import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, manualClock, type TestApp } from '../harness.js';
import { bad, createPolicy, createSchedule, member, ok, req, scheduleTarget, userTarget, onCallApp, type Json } from './fixtures.js';

describe.each(DIALECTS)('contact methods, notification rules and readiness on %s', (dialect) => {
  let t: TestApp;
  const clock = manualClock('2026-03-02T09:00:00Z');
  const sent: { orgId: string; cmId: string; code: string }[] = [];
  let ada: Awaited<ReturnType<typeof member>>;
  let ben: Awaited<ReturnType<typeof member>>;

  beforeAll(async () => {
    t = await onCallApp(dialect, { clock });
    t.deps.sendVerification = async (orgId, cmId, code) => void sent.push({ orgId, cmId, code });
    ada = await member(t, 'Ada');
    ben = await member(t, 'Ben');
  });
  afterAll(async () => t.close());

  const methods = (userId: string) => `/api/v1/users/${userId}/contact_methods`;
  const addMethod = async (userId: string, body: Json, auth = t.auth) => (await ok(req(t, 'POST', methods(userId), { contact_method: body }, auth), 201)).contact_method as Json;
  const codeFor = (cmId: string) => sent.filter((s) => s.cmId === cmId).at(-1)!.code;

  /** Verify a code-verified method through the API, as its owner would. */
  async function verify(userId: string, cmId: string, auth: Record<string, string>) {
    await ok(req(t, 'POST', `${methods(userId)}/${cmId}/send_verification`, undefined, auth), 202);
    return (await ok(req(t, 'POST', `${methods(userId)}/${cmId}/verify`, { code: codeFor(cmId) }, auth))).contact_method as Json;
  }

  it('accepts PagerDuty and short type names, normalizes addresses, and answers PagerDuty types', async () => {
    const email = await addMethod(ada.id, { type: 'email_contact_method', address: 'ada@harbor.example', label: 'Work' }, ada.auth);
    expect(email).toMatchObject({ type: 'email_contact_method', label: 'Work', summary: 'Work', address: 'ada@harbor.example', verified: false, enabled: false, verified_at: null, user: { id: ada.id, type: 'user_reference' } });
    expect(email.self).toBe(`http://vigil.test/api/v1/users/${ada.id}/contact_methods/${email.id}`);
    expect((await addMethod(ada.id, { type: 'sms', address: '+1 (415) 555-0100' }, ada.auth))).toMatchObject({ type: 'sms_contact_method', country_code: 1, address: '4155550100', label: 'Mobile' });
    expect((await addMethod(ada.id, { type: 'phone_contact_method', country_code: 49, address: '030 1234567' }, ada.auth))).toMatchObject({ type: 'phone_contact_method', country_code: 49, address: '301234567' });
    const hook = await addMethod(ada.id, { type: 'webhook', address: 'https://hooks.harbor.example/page' }, ada.auth);
    expect(hook).toMatchObject({ type: 'webhook_contact_method', secret: expect.stringMatching(/^whsec_/) });
    expect((await addMethod(ada.id, { type: 'slack_contact_method', address: 'https://hooks.slack.com/services/T/B/X' }, ada.auth)).type).toBe('slack_contact_method');

    const list = (await ok(req(t, 'GET', methods(ada.id), undefined, ben.auth))).contact_methods as Json[];
    expect(list.map((m) => m.type)).toEqual(['email_contact_method', 'sms_contact_method', 'phone_contact_method', 'webhook_contact_method', 'slack_contact_method']);
    expect(list.find((m) => m.id === hook.id)!.secret).toBeUndefined();
  });

  it.each([
    [{ type: 'pager', address: 'x' }, 'contact_method.type'],
    [{ type: 'email', address: 'not-an-email' }, 'contact_method.address'],
    [{ type: 'sms', address: 'call me' }, 'contact_method.address'],
    [{ type: 'phone', address: '12345' }, 'contact_method.address'],
    [{ type: 'webhook', address: 'ftp://files.example/x' }, 'contact_method.address'],
    [{ type: 'slack', address: 'hooks.slack.com' }, 'contact_method.address'],
  ])('rejects %j naming %s', async (body, field) => {
    const errors = await bad(req(t, 'POST', methods(ben.id), { contact_method: body }, ben.auth));
    expect(errors[0]).toMatch(new RegExp(`^${field.replace('.', '\\.')}`));
  });

  it('members manage their own methods; admins anyone’s; a duplicate is refused', async () => {
    await bad(req(t, 'POST', methods(ada.id), { contact_method: { type: 'email', address: 'mallory@evil.example' } }, ben.auth), 403);
    const byAdmin = await addMethod(ben.id, { type: 'email', address: 'ben@harbor.example' });
    expect(byAdmin.user.id).toBe(ben.id);
    expect((await bad(req(t, 'POST', methods(ben.id), { contact_method: { type: 'email_contact_method', address: 'ben@harbor.example' } }, ben.auth)))[0]).toMatch(/^contact_method\.address/);
    await bad(req(t, 'DELETE', `${methods(ben.id)}/${byAdmin.id}`, undefined, ada.auth), 403);
    await ok(req(t, 'DELETE', `${methods(ben.id)}/${byAdmin.id}`, undefined, ben.auth), 204);
    await bad(req(t, 'GET', `${methods(ben.id)}/${byAdmin.id}`, undefined, ben.auth), 404);
  });

  it('verifies with a 6-digit code: wrong codes use attempts, resends are throttled, codes expire', async () => {
    const cm = await addMethod(ben.id, { type: 'sms', address: '+14155550111' }, ben.auth);
    const sentR = await ok(req(t, 'POST', `${methods(ben.id)}/${cm.id}/send_verification`, undefined, ben.auth), 202);
    expect(sentR.verification).toEqual({ expires_at: new Date(clock.now() + 15 * 60_000).toISOString(), attempts_allowed: 5 });
    expect(sentR.contact_method.verification_pending).toBe(true);
    const code = codeFor(cm.id);
    expect(code).toMatch(/^\d{6}$/);
    expect(sent.at(-1)!.orgId).toBe(t.org.org.id);
    const wrong = code === '000000' ? '111111' : '000000';

    expect((await bad(req(t, 'POST', `${methods(ben.id)}/${cm.id}/verify`, { code: wrong }, ben.auth)))[0]).toBe('code: does not match (4 attempts left)');
    await bad(req(t, 'POST', `${methods(ben.id)}/${cm.id}/send_verification`, undefined, ben.auth), 429);
    for (let i = 0; i < 4; i++) await bad(req(t, 'POST', `${methods(ben.id)}/${cm.id}/verify`, { code: wrong }, ben.auth));
    expect((await bad(req(t, 'POST', `${methods(ben.id)}/${cm.id}/verify`, { code }, ben.auth)))[0]).toMatch(/too many wrong attempts/);

    clock.advance(61_000);
    await ok(req(t, 'POST', `${methods(ben.id)}/${cm.id}/send_verification`, undefined, ben.auth), 202);
    const fresh = codeFor(cm.id);
    clock.advance(16 * 60_000);
    expect((await bad(req(t, 'POST', `${methods(ben.id)}/${cm.id}/verify`, { code: fresh }, ben.auth)))[0]).toMatch(/expired/);

    await ok(req(t, 'POST', `${methods(ben.id)}/${cm.id}/send_verification`, undefined, ben.auth), 202);
    const done = (await ok(req(t, 'POST', `${methods(ben.id)}/${cm.id}/verify`, { code: codeFor(cm.id) }, ben.auth))).contact_method;
    expect(done).toMatchObject({ verified: true, enabled: true, verified_at: new Date(clock.now()).toISOString(), verification_pending: false });

    // A new address must be verified again.
    const moved = (await ok(req(t, 'PUT', `${methods(ben.id)}/${cm.id}`, { contact_method: { address: '+14155550112' } }, ben.auth))).contact_method;
    expect(moved).toMatchObject({ country_code: 1, address: '4155550112', verified: false });
    expect((await bad(req(t, 'PUT', `${methods(ben.id)}/${cm.id}`, { contact_method: { type: 'email' } }, ben.auth)))[0]).toMatch(/^contact_method\.type/);
  });

  it('admins mark webhook and Slack methods verified; nobody can skip the code for email, SMS or voice', async () => {
    const hook = await addMethod(ben.id, { type: 'webhook_contact_method', address: 'https://hooks.harbor.example/ben' }, ben.auth);
    await bad(req(t, 'POST', `${methods(ben.id)}/${hook.id}/mark_verified`, undefined, ben.auth), 403);
    expect((await ok(req(t, 'POST', `${methods(ben.id)}/${hook.id}/mark_verified`))).contact_method.verified).toBe(true);
    const email = await addMethod(ben.id, { type: 'email', address: 'ben.other@harbor.example' }, ben.auth);
    expect((await bad(req(t, 'POST', `${methods(ben.id)}/${email.id}/mark_verified`)))[0]).toMatch(/^contact_method\.type/);
  });

  it('notification rules: PagerDuty shape, method of the same user only, validated, deleted with their method', async () => {
    const cm = await addMethod(ada.id, { type: 'email', address: 'ada.rules@harbor.example' }, ada.auth);
    const rules = `/api/v1/users/${ada.id}/notification_rules`;
    const rule = (await ok(req(t, 'POST', rules, { notification_rule: { type: 'assignment_notification_rule', start_delay_in_minutes: 0, contact_method: { id: cm.id, type: 'email_contact_method_reference' }, urgency: 'high' } }, ada.auth), 201)).notification_rule;
    expect(rule).toMatchObject({ type: 'assignment_notification_rule', start_delay_in_minutes: 0, urgency: 'high', contact_method: { id: cm.id, type: 'email_contact_method_reference' } });

    const bens = await addMethod(ben.id, { type: 'email', address: 'ben.rules@harbor.example' }, ben.auth);
    expect((await bad(req(t, 'POST', rules, { notification_rule: { start_delay_in_minutes: 0, contact_method: { id: bens.id } } }, ada.auth)))[0]).toMatch(/^notification_rule\.contact_method\.id/);
    expect((await bad(req(t, 'POST', rules, { notification_rule: { start_delay_in_minutes: -1, contact_method: { id: cm.id } } }, ada.auth)))[0]).toMatch(/^notification_rule\.start_delay_in_minutes/);
    expect((await bad(req(t, 'POST', rules, { notification_rule: { start_delay_in_minutes: 1, contact_method: { id: cm.id }, urgency: 'medium' } }, ada.auth)))[0]).toMatch(/^notification_rule\.urgency/);
    expect((await bad(req(t, 'POST', rules, { notification_rule: { start_delay_in_minutes: 0, contact_method: { id: cm.id } } }, ada.auth)))[0]).toMatch(/^notification_rule: the same rule/);

    const put = (await ok(req(t, 'PUT', `${rules}/${rule.id}`, { notification_rule: { start_delay_in_minutes: 5, urgency: 'low' } }, ada.auth))).notification_rule;
    expect(put).toMatchObject({ id: rule.id, start_delay_in_minutes: 5, urgency: 'low' });
    expect((await ok(req(t, 'GET', `${rules}/${rule.id}`, undefined, ada.auth))).notification_rule).toEqual(put);
    const second = (await ok(req(t, 'POST', rules, { notification_rule: { start_delay_in_minutes: 10, contact_method: { id: cm.id } } }, ada.auth), 201)).notification_rule;
    await ok(req(t, 'DELETE', `${rules}/${second.id}`, undefined, ada.auth), 204);
    expect((await ok(req(t, 'GET', rules, undefined, ada.auth))).notification_rules.map((r: Json) => r.id)).toEqual([rule.id]);
    await ok(req(t, 'DELETE', `${methods(ada.id)}/${cm.id}`, undefined, ada.auth), 204);
    expect((await ok(req(t, 'GET', rules, undefined, ada.auth))).notification_rules).toEqual([]);
  });

  it('readiness lists who is on call within the window and could not be paged, and why', async () => {
    clock.set('2026-03-02T09:00:00Z');
    const ready = await member(t, 'Rosa Ready');
    const noMethod = await member(t, 'Nico Nomethod');
    const unverified = await member(t, 'Una Unverified');
    const lowOnly = await member(t, 'Lou Lowonly');
    const later = await member(t, 'Lars Later');

    const rosa = await addMethod(ready.id, { type: 'email', address: 'rosa@harbor.example' }, ready.auth);
    await verify(ready.id, rosa.id, ready.auth);
    await ok(req(t, 'POST', `/api/v1/users/${ready.id}/notification_rules`, { notification_rule: { start_delay_in_minutes: 0, contact_method: { id: rosa.id }, urgency: 'high' } }, ready.auth), 201);
    await addMethod(unverified.id, { type: 'sms', address: '+14155550133' }, unverified.auth);
    const lou = await addMethod(lowOnly.id, { type: 'email', address: 'lou@harbor.example' }, lowOnly.auth);
    await verify(lowOnly.id, lou.id, lowOnly.auth);
    await ok(req(t, 'POST', `/api/v1/users/${lowOnly.id}/notification_rules`, { notification_rule: { start_delay_in_minutes: 0, contact_method: { id: lou.id }, urgency: 'low' } }, lowOnly.auth), 201);

    // Rosa now, Nico from 4 March, Lou from 6 March; Lars only from 12 March (outside 7 days).
    const rota = await createSchedule(t, 'Readiness rota', 'Europe/London', [
      { start: '2026-03-02T00:00:00Z', end: '2026-03-08T00:00:00Z', rotation_turn_length_seconds: 2 * 86_400, users: [ready.id, noMethod.id, lowOnly.id] },
      { start: '2026-03-12T00:00:00Z', rotation_turn_length_seconds: 86_400, users: [later.id] },
    ]);
    const pol = await createPolicy(t, 'Readiness policy', [{ targets: [scheduleTarget(rota.id)] }, { targets: [userTarget(unverified.id)] }]);

    const r = await ok(req(t, 'GET', '/api/v1/oncall-readiness', undefined, ben.auth));
    expect(r).toMatchObject({ since: '2026-03-02T09:00:00.000Z', until: '2026-03-09T09:00:00.000Z', days: 7 });
    const mine = (r.users as Json[]).filter((u) => [ready.id, noMethod.id, unverified.id, lowOnly.id, later.id].includes(u.user.id));
    expect(mine.map((u) => [u.user.summary, u.reason, u.on_call_now, u.first_shift_start, u.first_shift_end])).toEqual([
      ['Una Unverified', 'no_verified_contact_method', true, '2026-03-02T09:00:00.000Z', null],
      ['Nico Nomethod', 'no_contact_method', false, '2026-03-04T00:00:00.000Z', '2026-03-06T00:00:00.000Z'],
      ['Lou Lowonly', 'no_notification_rule', false, '2026-03-06T00:00:00.000Z', '2026-03-08T00:00:00.000Z'],
    ]);
    expect(mine[0]).toMatchObject({ via: [{ schedule: null, escalation_policy: { id: pol.id }, escalation_level: 2 }], contact_methods: { total: 1, verified: 0 } });
    expect(mine[1]!.via).toEqual([expect.objectContaining({ schedule: expect.objectContaining({ id: rota.id, summary: 'Readiness rota' }), escalation_level: 1 })]);

    const wider = await ok(req(t, 'GET', '/api/v1/oncall-readiness?days=14'));
    expect((wider.users as Json[]).some((u) => u.user.id === later.id && u.reason === 'no_contact_method')).toBe(true);
  });
});
