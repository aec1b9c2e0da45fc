/**
 * Incident collaboration through PagerDuty's REST operations, as stories on every dialect,
 * through the real engine and a real SMTP server:
 * - a status update reaches a subscriber by email on the method their status update
 *   notification rule names (and not on their other one), and is on the timeline;
 * - a responder request pages the member asked (an email through the outbox); they accept by
 *   acknowledging; a request cancelled stops the pages not yet sent;
 * - notes are edited and deleted by their author or a manager only;
 * - past, related and outlier incidents follow the documented rules.
 * Every answer is checked against PagerDuty's published schema; bad input is 400 naming the field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/server/lib/clock.js';
import { DIALECTS, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import { addContact, addPolicy, addUser, attachPolicy, engineFor, realChannels, startSmtp, type Mailbox } from '../engine/fixtures.js';
import { createApp, enqueue, incidentsOf, logOf, member, req, secondOrg, type Json } from './helpers.js';
import { expectPagerDutyShapeTolerant as shape } from './pd-rest-schema.js';

const bad = (r: { statusCode: number; json(): Json }, field: string) => {
  expect(r.statusCode, JSON.stringify(r.json())).toBe(400);
  expect(JSON.stringify(r.json().error.errors)).toContain(field);
};

describe.each(DIALECTS)('incident collaboration on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let smtp: Mailbox;

  // One app per dialect (building one is most of this file's time); each story uses services of its own.
  beforeAll(async () => {
    clock = manualClock('2026-03-02T14:00:00Z');
    t = await createApp(dialect, { clock });
    smtp = await startSmtp();
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('status updates reach subscribers by email; responder requests page, join and cancel; notes obey their author', async () => {
    const { key, serviceId } = await serviceWithKey(t);
    expect((await enqueue(t, trigger(key, { dedup_key: 'chat-1' }))).statusCode).toBe(202);
    const [inc] = await incidentsOf(t, serviceId);
    const id = inc!.id as string;
    const engine = engineFor(t, realChannels(smtp.port));

    // Status update notification rules: Sam hears status updates on his work address only.
    const sam = await addUser(t, 'Sam Stakeholder', 'observer');
    const samWork = await addContact(t, sam, 'email', 'sam.work@harbor.example');
    await addContact(t, sam, 'email', 'sam.home@harbor.example');
    const samSms = await addContact(t, sam, 'sms', '+14155550123');
    const rule = await req(t, 'POST', `/api/v1/users/${sam}/status_update_notification_rules`, { status_update_notification_rule: { contact_method: { id: samWork, type: 'email_contact_method_reference' } } });
    expect(rule.statusCode, rule.body).toBe(201);
    shape(rule.json(), '/users/{id}/status_update_notification_rules', 'post', '201');
    const ruleId = rule.json().status_update_notification_rule.id as string;
    bad(await req(t, 'POST', `/api/v1/users/${sam}/status_update_notification_rules`, { status_update_notification_rule: { contact_method: { id: samSms } } }), 'status_update_notification_rule.contact_method');
    expect((await req(t, 'POST', `/api/v1/users/${sam}/status_update_notification_rules`, { status_update_notification_rule: { contact_method: { id: samWork } } })).statusCode).toBe(409);
    const rules = await req(t, 'GET', `/api/v1/users/${sam}/status_update_notification_rules`);
    shape(rules.json(), '/users/{id}/status_update_notification_rules', 'get');
    expect(rules.json().status_update_notification_rules.map((r: Json) => r.contact_method.id)).toEqual([samWork]);
    const one = await req(t, 'GET', `/api/v1/users/${sam}/status_update_notification_rules/${ruleId}`);
    shape(one.json(), '/users/{id}/status_update_notification_rules/{status_update_notification_rule_id}', 'get');

    // Subscribing: by the incident, and seen from the member; unknown teams and business services are refused by name.
    const sub = await req(t, 'POST', `/api/v1/incidents/${id}/status_updates/subscribers`, { subscribers: [{ subscriber_id: sam, subscriber_type: 'user' }] });
    expect(sub.statusCode, sub.body).toBe(200);
    shape(sub.json(), '/incidents/{id}/status_updates/subscribers', 'post');
    expect(sub.json().subscriptions[0]).toMatchObject({ subscriber_id: sam, subscribable_id: id, subscribable_type: 'incident', result: 'success' });
    const again = await req(t, 'POST', `/api/v1/users/${sam}/notification_subscriptions`, { subscribables: [{ subscribable_id: id, subscribable_type: 'incident' }] });
    expect(again.json().subscriptions[0].result).toBe('duplicate');
    shape(again.json(), '/users/{id}/notification_subscriptions', 'post');
    bad(await req(t, 'POST', `/api/v1/incidents/${id}/status_updates/subscribers`, { subscribers: [{ subscriber_id: sam, subscriber_type: 'team' }] }), `subscribers[0].subscriber_id: team ${sam} not found`);
    bad(await req(t, 'POST', `/api/v1/incidents/${id}/status_updates/subscribers`, { subscribers: [{ subscriber_id: sam, subscriber_type: 'group' }] }), 'subscribers[0].subscriber_type');
    bad(await req(t, 'POST', `/api/v1/users/${sam}/notification_subscriptions`, { subscribables: [{ subscribable_id: 'PBIZ', subscribable_type: 'business_service' }] }), 'subscribables[0].subscribable_type');
    const subs = await req(t, 'GET', `/api/v1/incidents/${id}/status_updates/subscribers`);
    shape(subs.json(), '/incidents/{id}/status_updates/subscribers', 'get');
    expect(subs.json().subscribers.map((s: Json) => s.subscriber_id)).toEqual([sam]);
    const mine = await req(t, 'GET', `/api/v1/users/${sam}/notification_subscriptions`);
    shape(mine.json(), '/users/{id}/notification_subscriptions', 'get');
    expect(mine.json().subscriptions[0]).toMatchObject({ subscription: { subscribable_id: id }, subscribable_name: 'Chat queue not answering' });

    // Publishing: refused fields by name, then the update, its timeline entry and Sam's email.
    bad(await req(t, 'POST', `/api/v1/incidents/${id}/status_updates`, { message: 'x', colour: 'red' }), 'colour');
    bad(await req(t, 'POST', `/api/v1/incidents/${id}/status_updates`, { message: '   ' }), 'message');
    const upd = await req(t, 'POST', `/api/v1/incidents/${id}/status_updates`, { message: 'Chat restored for most callers; watching the queue.', subject: 'Crisis chat: recovering' });
    expect(upd.statusCode, upd.body).toBe(200);
    shape(upd.json(), '/incidents/{id}/status_updates', 'post');
    expect(upd.json().status_update).toMatchObject({ message: 'Chat restored for most callers; watching the queue.', subject: 'Crisis chat: recovering', sender: { id: t.org.user.id } });
    await engine.runUntilIdle(clock.now());
    const mail = await smtp.waitFor('sam.work@harbor.example', /Chat restored for most callers/);
    expect(mail.subject).toBe('[Vigil] Crisis chat: recovering');
    expect(mail.text).toContain(`http://vigil.test/incidents/${id}`);
    expect(smtp.messages.filter((m) => JSON.stringify(m.to).includes('sam.home'))).toHaveLength(0);
    expect((await logOf(t, id)).map((e) => e.summary)).toContain('Chat restored for most callers; watching the queue.');
    const unsub = await req(t, 'POST', `/api/v1/incidents/${id}/status_updates/unsubscribe`, { subscribers: [{ subscriber_id: sam, subscriber_type: 'user' }] });
    expect(unsub.json()).toEqual({ deleted_count: 1, unauthorized_count: 0, non_existent_count: 0 });
    shape(unsub.json(), '/incidents/{id}/status_updates/unsubscribe', 'post');
    expect((await req(t, 'DELETE', `/api/v1/users/${sam}/status_update_notification_rules/${ruleId}`)).statusCode).toBe(204);

    // A responder request pages Rita through the outbox; she accepts by acknowledging.
    const rita = await member(t, 'responder');
    await addContact(t, rita.user.id, 'email', 'rita@harbor.example');
    bad(await req(t, 'POST', `/api/v1/incidents/${id}/responder_requests`, { requester_id: t.org.user.id, message: 'Join', responder_request_targets: [{ type: 'team_reference', id: 'X' }] }), 'responder_request_targets[0].type');
    bad(await req(t, 'POST', `/api/v1/incidents/${id}/responder_requests`, { requester_id: t.org.user.id, message: 'Join', responder_request_targets: [{ type: 'user_reference', id: 'PNOBODY' }] }), 'responder_request_targets[0].id');
    bad(await req(t, 'POST', `/api/v1/incidents/${id}/responder_requests`, { requester_id: t.org.user.id, message: 'Join', responder_request_targets: [{ type: 'user_reference', id: rita.user.id }] }, rita.auth), 'requester_id');
    const ask = await req(t, 'POST', `/api/v1/incidents/${id}/responder_requests`, { requester_id: t.org.user.id, message: 'Please join the bridge', responder_request_targets: [{ responder_request_target: { type: 'user_reference', id: rita.user.id } }] });
    expect(ask.statusCode, ask.body).toBe(200);
    shape(ask.json(), '/incidents/{id}/responder_requests', 'post');
    expect(ask.json().responder_request.responder_request_targets[0].incident_responders[0]).toMatchObject({ state: 'pending', user: { id: rita.user.id }, requester: { id: t.org.user.id }, message: 'Please join the bridge' });
    await engine.runUntilIdle(clock.now());
    await smtp.waitFor('rita@harbor.example', /Chat queue not answering/);
    expect((await req(t, 'PUT', `/api/v1/incidents/${id}`, { incident: { type: 'incident_reference', status: 'acknowledged' } }, rita.auth)).statusCode).toBe(200);
    expect((await logOf(t, id)).map((e) => e.summary).join('\n')).toMatch(/joined as a responder/);
    const shown = (await req(t, 'GET', `/api/v1/incidents/${id}`)).json().incident;
    expect(shown.incidents_responders.map((r: Json) => [r.user.id, r.state, r.requester.summary])).toEqual([[rita.user.id, 'joined', 'Olive Owner']]);

    // A request through an escalation policy, cancelled before its delayed page goes.
    const vic = await addUser(t, 'Vic Volunteer Lead', 'responder');
    const vicMail = await addContact(t, vic, 'email', 'vic@harbor.example');
    await t.db.handle.db.insertInto('notification_rules').values({ org_id: t.org.org.id, id: 'R-vic', user_id: vic, contact_method_id: vicMail, start_delay_in_minutes: 5, urgency: 'high', created_at: clock.now() }).execute();
    const policy = await addPolicy(t, [{ delay: 10, targets: [{ id: vic, type: 'user_reference' }] }], 0, 'Leads');
    const viaPolicy = await req(t, 'POST', `/api/v1/incidents/${id}/responder_requests`, { requester_id: t.org.user.id, message: 'Leads, please', responder_request_targets: [{ type: 'escalation_policy_reference', id: policy }] });
    expect(viaPolicy.statusCode, viaPolicy.body).toBe(200);
    expect(viaPolicy.json().responder_request.responder_request_targets[0].incident_responders[0]).toMatchObject({ user: { id: vic }, escalation_policy_requests: ['Leads'] });
    const cancel = await req(t, 'PUT', `/api/v1/incidents/${id}/responder_requests/cancel`, { requester_id: t.org.user.id, responder_request_targets: [{ type: 'escalation_policy_reference', id: policy }, { type: 'user_reference', id: rita.user.id }, { type: 'user_reference', id: sam }] });
    expect(cancel.statusCode, cancel.body).toBe(200);
    shape(cancel.json(), '/incidents/{id}/responder_requests/cancel', 'put');
    expect(cancel.json().responder_request_targets.map((r: Json) => r.result)).toEqual(['cancelled', 'joined', 'not_found']);
    clock.advanceMinutes(6);
    await engine.runUntilIdle(clock.now());
    expect(smtp.messages.filter((m) => JSON.stringify(m.to).includes('vic@'))).toHaveLength(0);
    const vicRows = await t.db.handle.db.selectFrom('notifications').select('status').where('user_id', '=', vic).execute();
    expect(vicRows.map((r) => r.status)).toEqual(['cancelled']);

    // Notes: the author edits; another responder may not; a manager deletes.
    const other = await member(t, 'responder');
    const note = await req(t, 'POST', `/api/v1/incidents/${id}/notes`, { note: { content: 'Callback list is in the shared drive' } }, rita.auth);
    const noteId = note.json().note.id as string;
    expect((await req(t, 'PUT', `/api/v1/incidents/${id}/notes/${noteId}`, { note: { content: 'hijacked' } }, other.auth)).statusCode).toBe(403);
    expect((await req(t, 'DELETE', `/api/v1/incidents/${id}/notes/${noteId}`, undefined, other.auth)).statusCode).toBe(403);
    bad(await req(t, 'PUT', `/api/v1/incidents/${id}/notes/${noteId}`, { note: { content: 'x', pinned: true } }, rita.auth), 'pinned');
    const edit = await req(t, 'PUT', `/api/v1/incidents/${id}/notes/${noteId}`, { note: { content: 'Callback list: shared drive, folder Chat' } }, rita.auth);
    expect(edit.statusCode, edit.body).toBe(200);
    shape(edit.json(), '/incidents/{id}/notes/{note_id}', 'put');
    expect(edit.json().note).toMatchObject({ id: noteId, content: 'Callback list: shared drive, folder Chat', user: { id: rita.user.id } });
    expect((await req(t, 'GET', `/api/v1/incidents/${id}/notes`)).json().notes.map((n: Json) => n.content)).toEqual(['Callback list: shared drive, folder Chat']);
    expect((await req(t, 'DELETE', `/api/v1/incidents/${id}/notes/${noteId}`)).statusCode).toBe(204);
    expect((await req(t, 'GET', `/api/v1/incidents/${id}/notes`)).json().notes).toEqual([]);
    expect((await req(t, 'DELETE', `/api/v1/incidents/${id}/notes/${noteId}`)).statusCode).toBe(404);
  }, 60_000);

  it('past, related and outlier incidents', async () => {
    const a = await serviceWithKey(t, 'events_v2', 'Crisis text');
    const b = await serviceWithKey(t, 'events_v2', 'Phone line');
    const c = await serviceWithKey(t, 'events_v2', 'Website');
    const owner = t.org.user.id;
    const shared = await addPolicy(t, [{ delay: 10, targets: [{ id: owner, type: 'user_reference' }] }], 0, 'Shared');
    const lone = await addPolicy(t, [{ delay: 10, targets: [{ id: owner, type: 'user_reference' }] }], 0, 'Lone');
    await attachPolicy(t, a.serviceId, shared);
    await attachPolicy(t, b.serviceId, shared);
    await attachPolicy(t, c.serviceId, lone);
    const titles = ['Disk 91% full on chat-db-1', 'Disk 95% full on chat-db-2', 'Disk 97% full on chat-db-1', 'Queue wait above 10 minutes', 'Certificate expires soon'];
    for (const [i, summary] of titles.entries()) {
      await enqueue(t, trigger(a.key, { dedup_key: `a${i}` }, { summary }));
      await enqueue(t, { routing_key: a.key, event_action: 'resolve', dedup_key: `a${i}` });
      clock.advanceMinutes(60 * 24);
    }
    await enqueue(t, trigger(a.key, { dedup_key: 'now' }, { summary: 'Disk 99% full on chat-db-3' }));
    await enqueue(t, trigger(b.key, { dedup_key: 'b' }, { summary: 'Phone line down' }));
    await enqueue(t, trigger(c.key, { dedup_key: 'c' }, { summary: 'Website slow' }));
    const current = (await incidentsOf(t, a.serviceId)).find((i) => i.title === 'Disk 99% full on chat-db-3')!;

    const past = await req(t, 'GET', `/api/v1/incidents/${current.id}/past_incidents?limit=2`);
    expect(past.statusCode, past.body).toBe(200);
    shape(past.json(), '/incidents/{id}/past_incidents', 'get');
    expect(past.json().total).toBe(3);
    expect(past.json().limit).toBe(2);
    expect(past.json().past_incidents.map((p: Json) => [p.incident.title, p.score])).toEqual([
      ['Disk 97% full on chat-db-1', 100],
      ['Disk 95% full on chat-db-2', 100],
    ]);

    // A PagerDuty client at the root, with PagerDuty's Accept header and token form.
    const root = await t.app.inject({ method: 'GET', url: `/incidents/${current.id}/past_incidents?limit=2`, headers: { accept: 'application/vnd.pagerduty+json;version=2', authorization: `Token token=${t.token}` } });
    expect(root.json()).toEqual(past.json());
    const related = await req(t, 'GET', `/api/v1/incidents/${current.id}/related_incidents?additional_details[]=incident`);
    expect(related.statusCode, related.body).toBe(200);
    shape(related.json(), '/incidents/{id}/related_incidents', 'get');
    expect(related.json().related_incidents.map((r: Json) => [r.incident.title, r.incident.status, r.vigil_relationship.escalation_policy.id])).toEqual([['Phone line down', 'triggered', shared]]);
    bad(await req(t, 'GET', `/api/v1/incidents/${current.id}/related_incidents?additional_details[]=weather`), 'additional_details[]');

    const outlier = await req(t, 'GET', `/api/v1/incidents/${current.id}/outlier_incident`);
    expect(outlier.statusCode, outlier.body).toBe(200);
    shape(outlier.json(), '/incidents/{id}/outlier_incident', 'get');
    expect(outlier.json().outlier_incident.incident.occurrence).toMatchObject({ count: 4, frequency: 0.6667, category: 'frequent' });
    expect(outlier.json().outlier_incident.incident_template.mined_text).toBe('Disk <*> full on <*>');
    const cert = (await incidentsOf(t, a.serviceId)).find((i) => i.title === 'Certificate expires soon')!;
    expect((await req(t, 'GET', `/api/v1/incidents/${cert.id}/outlier_incident`)).json().outlier_incident.incident.occurrence).toMatchObject({ count: 1, category: 'anomaly' });
    const since = await req(t, 'GET', `/api/v1/incidents/${current.id}/outlier_incident?since=2026-03-05T00:00:00Z`);
    expect(since.json().outlier_incident.incident.occurrence).toMatchObject({ count: 1, category: 'anomaly', since: '2026-03-05T00:00:00.000Z' });
    bad(await req(t, 'GET', `/api/v1/incidents/${current.id}/outlier_incident?since=yesterday`), 'since');

    // Another organization's token: the incident is not found, whatever the operation.
    const other = await secondOrg(t);
    for (const [method, url, body] of [
      ['GET', `/api/v1/incidents/${current.id}/past_incidents`, undefined],
      ['GET', `/api/v1/incidents/${current.id}/outlier_incident`, undefined],
      ['POST', `/api/v1/incidents/${current.id}/status_updates`, { message: 'leak?' }],
      ['GET', `/api/v1/incidents/${current.id}/status_updates/subscribers`, undefined],
    ] as const) expect((await req(t, method, url, body, other.auth)).statusCode, url).toBe(404);
    expect(await t.db.handle.db.selectFrom('status_updates').select('id').where('incident_id', '=', current.id).execute()).toEqual([]);
  }, 60_000);
});
