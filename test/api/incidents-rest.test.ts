/**
 * Incidents over REST, the way pdjs and go-pagerduty call it (BRIEF.md §5, §6):
 * list filters, offset pagination walked like the clients walk it, bracketed
 * (and percent-encoded) array parameters, get by id or number, status changes with
 * a From header, bulk updates, notes, reassignment, timelines, alerts, manual
 * incidents, and deleting a service.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/server/lib/clock.js';
import { DIALECTS, manualClock, serviceWithKey, trigger, type TestApp, GROUP_UNTIL_RESOLVED } from '../harness.js';
import { alertsOf, createApp, enqueue, incident, logOf, member, req, type Json } from './helpers.js';

/** Headers a PagerDuty client sends. */
const pdHeaders = (t: TestApp, from = 'owner@harbor.example') => ({
  authorization: `Token token=${t.token}`,
  accept: 'application/vnd.pagerduty+json;version=2',
  'content-type': 'application/json; charset=utf-8',
  from,
});

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/;

/** PagerDuty's log entry types (REST openapiv3.json, LogEntry.type). */
const PD_LOG_TYPES = ['acknowledge_log_entry', 'annotate_log_entry', 'assign_log_entry', 'delegate_log_entry', 'escalate_log_entry', 'exhaust_escalation_path_log_entry', 'notify_log_entry', 'reach_ack_limit_log_entry', 'reach_trigger_limit_log_entry', 'repeat_escalation_path_log_entry', 'resolve_log_entry', 'snooze_log_entry', 'trigger_log_entry', 'unacknowledge_log_entry', 'urgency_change_log_entry', 'field_value_change_log_entry', 'custom_field_value_change_log_entry'];

describe.each(DIALECTS)('incidents REST on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  beforeAll(async () => {
    clock = manualClock('2026-03-01T09:00:00Z');
    t = await createApp(dialect, { clock });
  });
  afterAll(async () => t.close());

  const list = async (query: string) => {
    const r = await t.app.inject({ method: 'GET', url: `/api/v1/incidents?${query}`, headers: pdHeaders(t) });
    expect(r.statusCode, `${query}: ${r.body}`).toBe(200);
    return r.json() as Json;
  };
  const numbers = async (query: string) => ((await list(query)).incidents as Json[]).map((i) => i.incident_number as number);

  describe('list filters', () => {
    let A: { serviceId: string; key: string };
    let B: { serviceId: string; key: string };
    let n: Record<string, number>;
    let scope: string;
    beforeAll(async () => {
      const mk = async (name: string, rule: Json) => {
        const s = await req(t, 'POST', '/api/v1/services', { service: { name, incident_urgency_rule: rule } });
        const id = s.json().service.id as string;
        const i = await req(t, 'POST', `/api/v1/services/${id}/integrations`, { integration: { type: 'events_v2' } });
        return { serviceId: id, key: i.json().integration.integration_key as string };
      };
      A = await mk('Filters A', { type: 'severity_based' });
      B = await mk('Filters B', { type: 'constant', urgency: 'high' });
      scope = `service_ids[]=${A.serviceId}&service_ids[]=${B.serviceId}`;
      const numberOf = async (serviceId: string, status: string) => (await list(`service_ids[]=${serviceId}&statuses[]=${status}`)).incidents[0].incident_number as number;
      clock.set('2026-03-01T10:00:00Z');
      await enqueue(t, trigger(A.key, { dedup_key: 'a1' }, { severity: 'critical' }));
      const a1 = await numberOf(A.serviceId, 'triggered');
      clock.set('2026-03-01T11:00:00Z');
      await enqueue(t, trigger(B.key, { dedup_key: 'b1' }, { severity: 'info' }));
      await enqueue(t, { routing_key: B.key, event_action: 'acknowledge', dedup_key: 'b1' });
      const b1 = await numberOf(B.serviceId, 'acknowledged');
      clock.set('2026-03-01T11:30:00Z');
      await enqueue(t, { routing_key: A.key, event_action: 'resolve', dedup_key: 'a1' });
      clock.set('2026-03-01T12:00:00Z');
      await enqueue(t, trigger(A.key, { dedup_key: 'a2' }, { severity: 'warning' }));
      const a2 = await numberOf(A.serviceId, 'triggered');
      clock.set('2026-03-01T13:00:00Z');
      const m = await t.app.inject({ method: 'POST', url: '/api/v1/incidents', headers: pdHeaders(t), payload: { incident: { type: 'incident', title: 'Manual on B', urgency: 'low', incident_key: 'manual-b', service: { id: B.serviceId, type: 'service_reference' } } } });
      expect(m.statusCode, m.body).toBe(201);
      n = { a1, b1, a2, m: m.json().incident.incident_number };
      expect(new Set(Object.values(n)).size).toBe(4);
    });

    it('statuses[] (repeated, single, percent-encoded)', async () => {
      expect(await numbers(`${scope}&statuses[]=triggered`)).toEqual([n.a2, n.m]);
      expect(await numbers(`${scope}&statuses%5B%5D=triggered`)).toEqual([n.a2, n.m]);
      expect(await numbers(`${scope}&statuses[]=acknowledged`)).toEqual([n.b1]);
      expect(await numbers(`${scope}&statuses[]=resolved`)).toEqual([n.a1]);
      expect(await numbers(`${scope}&statuses%5B%5D=triggered&statuses%5B%5D=acknowledged`)).toEqual([n.b1, n.a2, n.m]);
    });

    it('service_ids[] and urgencies[], AND across filters, OR within one', async () => {
      expect(await numbers(`service_ids[]=${A.serviceId}`)).toEqual([n.a1, n.a2]);
      expect(await numbers(`service_ids%5B%5D=${B.serviceId}`)).toEqual([n.b1, n.m]);
      expect(await numbers(scope)).toEqual([n.a1, n.b1, n.a2, n.m]);
      expect(await numbers(`${scope}&urgencies[]=low`)).toEqual([n.a2, n.m]);
      expect(await numbers(`${scope}&urgencies%5B%5D=high`)).toEqual([n.a1, n.b1]);
      expect(await numbers(`${scope}&urgencies[]=high&urgencies[]=low`)).toEqual([n.a1, n.b1, n.a2, n.m]);
      expect(await numbers(`service_ids[]=${A.serviceId}&statuses[]=triggered&urgencies[]=low`)).toEqual([n.a2]);
      expect(await numbers(`service_ids[]=${A.serviceId}&statuses[]=acknowledged`)).toEqual([]);
    });

    it('since/until (since inclusive, until exclusive, PagerDuty offsets without a colon)', async () => {
      expect(await numbers(`${scope}&since=2026-03-01T11:00:00Z`)).toEqual([n.b1, n.a2, n.m]);
      expect(await numbers(`${scope}&until=2026-03-01T12:00:00Z`)).toEqual([n.a1, n.b1]);
      expect(await numbers(`${scope}&since=2026-03-01T11:00:00Z&until=2026-03-01T12:00:00Z`)).toEqual([n.b1]);
      expect(await numbers(`${scope}&since=${encodeURIComponent('2026-03-01T12:00:00+0100')}`)).toEqual([n.b1, n.a2, n.m]);
      expect(await numbers(`${scope}&since=2026-03-02T00:00:00Z`)).toEqual([]);
    });

    it('incident_key and sort_by=created_at:desc', async () => {
      expect(await numbers(`incident_key=a2`)).toEqual([n.a2]);
      expect(await numbers(`incident_key=manual-b`)).toEqual([n.m]);
      expect(await numbers(`incident_key=nope`)).toEqual([]);
      expect(await numbers(`${scope}&sort_by=created_at:desc`)).toEqual([n.m, n.a2, n.b1, n.a1]);
      expect(await numbers(`${scope}&sort_by=created_at:asc`)).toEqual([n.a1, n.b1, n.a2, n.m]);
      expect(await numbers(`${scope}&sort_by=created_at`)).toEqual([n.a1, n.b1, n.a2, n.m]);
    });

    it('total only when asked; limit and offset echoed', async () => {
      const plain = await list(scope);
      expect(plain).toMatchObject({ limit: 25, offset: 0, more: false, total: null });
      const withTotal = await list(`${scope}&total=true&limit=3`);
      expect(withTotal).toMatchObject({ limit: 3, offset: 0, more: true, total: 4 });
      expect(withTotal.incidents).toHaveLength(3);
    });
  });

  it('pagination: 30 incidents walked with limit 7 the way go-pagerduty and pdjs walk it, each exactly once', async () => {
    const { serviceId } = await serviceWithKey(t, 'events_v2', 'Pagination');
    clock.set('2026-03-05T08:00:00Z');
    for (let i = 0; i < 30; i++) {
      clock.advance(60_000);
      const r = await t.app.inject({ method: 'POST', url: '/api/v1/incidents', headers: pdHeaders(t), payload: { incident: { type: 'incident', title: `Page ${i}`, service: { id: serviceId, type: 'service_reference' } } } });
      expect(r.statusCode, r.body).toBe(201);
    }
    for (const sort of ['', '&sort_by=created_at:desc']) {
      const seen: string[] = [];
      let offset = 0;
      let pages = 0;
      for (;;) {
        const page = await list(`service_ids%5B%5D=${serviceId}&limit=7&offset=${offset}&total=true${sort}`);
        pages++;
        expect(page.limit).toBe(7);
        expect(page.offset).toBe(offset);
        expect(page.total).toBe(30);
        expect(typeof page.more).toBe('boolean');
        seen.push(...(page.incidents as Json[]).map((i) => i.id as string));
        if (!page.more) break;
        offset = page.offset + page.limit;
        expect(pages).toBeLessThan(10);
      }
      expect(pages).toBe(5);
      expect(seen).toHaveLength(30);
      expect(new Set(seen).size).toBe(30);
    }
    const all = await list(`service_ids[]=${serviceId}&limit=100`);
    expect(all).toMatchObject({ limit: 100, more: false });
    const titles = (all.incidents as Json[]).map((i) => i.title);
    expect(titles).toEqual(Array.from({ length: 30 }, (_, i) => `Page ${i}`));
    const past = await list(`service_ids[]=${serviceId}&limit=7&offset=35`);
    expect(past).toMatchObject({ incidents: [], more: false, offset: 35, limit: 7 });
  });

  it('get by id and by number; 404 JSON for neither', async () => {
    const { key } = await serviceWithKey(t, 'events_v2', 'Get');
    await enqueue(t, trigger(key, { dedup_key: 'get' }));
    const inc = (await list('incident_key=get')).incidents[0] as Json;
    const byId = await incident(t, inc.id);
    const byNumber = await incident(t, inc.incident_number);
    expect(byNumber).toEqual(byId);
    expect(byId).toMatchObject({ type: 'incident', status: 'triggered', incident_key: 'get', summary: `[#${inc.incident_number}] ${inc.title}` });
    expect(byId.created_at).toMatch(ISO);
    expect(byId.body).toEqual({ type: 'incident_body', details: '' });
    for (const id of ['99999', 'NOSUCHID']) {
      const r = await req(t, 'GET', `/api/v1/incidents/${id}`);
      expect(r.statusCode).toBe(404);
      expect(r.json().error.code).toBe(2100);
    }
  });

  it('PUT acknowledge then resolve with an incident_reference body and a From header; resolved → acknowledged is 400 code 1001', async () => {
    const { key } = await serviceWithKey(t, 'events_v2', 'Put');
    await enqueue(t, trigger(key, { dedup_key: 'put' }));
    const inc = (await list('incident_key=put')).incidents[0] as Json;
    clock.advance(60_000);
    const ack = await t.app.inject({ method: 'PUT', url: `/api/v1/incidents/${inc.id}`, headers: pdHeaders(t), payload: { incident: { type: 'incident_reference', status: 'acknowledged' } } });
    expect(ack.statusCode, ack.body).toBe(200);
    expect(ack.json().incident).toMatchObject({ id: inc.id, status: 'acknowledged' });
    expect(ack.json().incident.acknowledgements[0].acknowledger).toMatchObject({ id: t.org.user.id, type: 'user_reference' });
    // Acknowledging again is harmless.
    expect((await t.app.inject({ method: 'PUT', url: `/api/v1/incidents/${inc.id}`, headers: pdHeaders(t), payload: { incident: { type: 'incident', status: 'acknowledged' } } })).statusCode).toBe(200);
    clock.advance(60_000);
    const res = await t.app.inject({ method: 'PUT', url: `/api/v1/incidents/${inc.incident_number}`, headers: pdHeaders(t), payload: { incident: { type: 'incident_reference', status: 'resolved', resolution: 'fixed the gateway' } } });
    expect(res.statusCode, res.body).toBe(200);
    const resolved = res.json().incident;
    expect(resolved).toMatchObject({ status: 'resolved', assignments: [], acknowledgements: [], is_mergeable: false, alert_counts: { all: 1, triggered: 0, resolved: 1 } });
    expect(resolved.resolved_at).toBe(new Date(clock.now()).toISOString());
    expect(resolved.last_status_change_at).toBe(resolved.resolved_at);

    const back = await t.app.inject({ method: 'PUT', url: `/api/v1/incidents/${inc.id}`, headers: pdHeaders(t), payload: { incident: { type: 'incident_reference', status: 'acknowledged' } } });
    expect(back.statusCode).toBe(400);
    expect(back.json().error).toMatchObject({ code: 1001, message: 'Incident Already Resolved' });
    expect(back.json().error.errors.length).toBeGreaterThan(0);
    const retitle = await t.app.inject({ method: 'PUT', url: `/api/v1/incidents/${inc.id}`, headers: pdHeaders(t), payload: { incident: { type: 'incident_reference', title: 'too late' } } });
    expect(retitle.statusCode).toBe(400);
    expect(retitle.json().error.code).toBe(1001);
    expect((await incident(t, inc.id)).status).toBe('resolved');
    // The alert went with it: a resolve event now finds nothing open, and a trigger opens a new incident.
    await enqueue(t, trigger(key, { dedup_key: 'put' }));
    expect((await list('incident_key=put')).incidents).toHaveLength(2);
  });

  it('POST /acknowledge and /resolve shorthands; un-acknowledge back to triggered', async () => {
    const { key } = await serviceWithKey(t, 'events_v2', 'Verbs');
    await enqueue(t, trigger(key, { dedup_key: 'verbs' }));
    const inc = (await list('incident_key=verbs')).incidents[0] as Json;
    // pdjs and go-pagerduty send Content-Type: application/json even when there is no body.
    const ack = await t.app.inject({ method: 'POST', url: `/api/v1/incidents/${inc.id}/acknowledge`, headers: pdHeaders(t) });
    expect(ack.statusCode, ack.body).toBe(200);
    expect(ack.json().incident.status).toBe('acknowledged');
    const un = await t.app.inject({ method: 'PUT', url: `/api/v1/incidents/${inc.id}`, headers: pdHeaders(t), payload: { incident: { type: 'incident_reference', status: 'triggered' } } });
    expect(un.statusCode, un.body).toBe(200);
    expect(un.json().incident).toMatchObject({ status: 'triggered', acknowledgements: [] });
    expect((await logOf(t, inc.id)).some((e) => e.type === 'unacknowledge_log_entry')).toBe(true);
    expect((await req(t, 'POST', `/api/v1/incidents/${inc.id}/resolve`)).json().incident.status).toBe('resolved');
  });

  it('bulk PUT /incidents acknowledges several at once and answers a paginated list; more than 250 is 413', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { key } = await serviceWithKey(t, 'events_v2', `Bulk ${i}`);
      await enqueue(t, trigger(key, { dedup_key: `bulk-${i}` }));
      ids.push((await list(`incident_key=bulk-${i}`)).incidents[0].id);
    }
    const r = await t.app.inject({ method: 'PUT', url: '/api/v1/incidents', headers: pdHeaders(t), payload: { incidents: ids.map((id) => ({ id, type: 'incident_reference', status: 'acknowledged' })) } });
    expect(r.statusCode, r.body).toBe(200);
    const b = r.json();
    expect(b).toMatchObject({ offset: 0, more: false });
    expect(typeof b.limit).toBe('number');
    expect(b.limit).toBeGreaterThan(0);
    expect((b.incidents as Json[]).map((i) => [i.id, i.status])).toEqual(ids.map((id) => [id, 'acknowledged']));
    for (const id of ids) expect((await incident(t, id)).status).toBe('acknowledged');
    const resolveAll = await t.app.inject({ method: 'PUT', url: '/api/v1/incidents', headers: pdHeaders(t), payload: { incidents: ids.map((id) => ({ id, type: 'incident', status: 'resolved' })) } });
    expect(resolveAll.json().incidents.map((i: Json) => i.status)).toEqual(['resolved', 'resolved', 'resolved']);

    const tooMany = await t.app.inject({ method: 'PUT', url: '/api/v1/incidents', headers: pdHeaders(t), payload: { incidents: Array.from({ length: 251 }, (_, i) => ({ id: `X${i}`, type: 'incident_reference', status: 'resolved' })) } });
    expect(tooMany.statusCode).toBe(413);
    expect(tooMany.headers['content-type']).toMatch(/^application\/json/);
    expect(tooMany.json().error.errors.join(' ')).toContain('250');
  });

  it('notes: POST answers 200 {note}; they are listed and on the timeline', async () => {
    const { key } = await serviceWithKey(t, 'events_v2', 'Notes');
    await enqueue(t, trigger(key, { dedup_key: 'notes' }));
    const inc = (await list('incident_key=notes')).incidents[0] as Json;
    const r = await t.app.inject({ method: 'POST', url: `/api/v1/incidents/${inc.id}/notes`, headers: pdHeaders(t), payload: { note: { content: 'Volunteer lead called; line back in 10 min' } } });
    expect(r.statusCode, r.body).toBe(200);
    const note = r.json().note;
    expect(note).toMatchObject({ content: 'Volunteer lead called; line back in 10 min', user: { id: t.org.user.id, type: 'user_reference' } });
    expect(typeof note.id).toBe('string');
    expect(note.created_at).toMatch(ISO);
    const notes = (await req(t, 'GET', `/api/v1/incidents/${inc.id}/notes`)).json().notes as Json[];
    expect(notes).toEqual([note]);
    const entry = (await logOf(t, inc.id)).find((e) => e.type === 'annotate_log_entry');
    expect(entry).toMatchObject({ id: note.id, note: note.content });
  });

  it('reassign via assignments; user_ids[] finds it; a resolved incident cannot be reassigned', async () => {
    const ada = await member(t, 'responder');
    const ben = await member(t, 'responder');
    const { key } = await serviceWithKey(t, 'events_v2', 'Assign');
    await enqueue(t, trigger(key, { dedup_key: 'assign' }));
    const inc = (await list('incident_key=assign')).incidents[0] as Json;
    const put = (assignees: string[]) =>
      t.app.inject({ method: 'PUT', url: `/api/v1/incidents/${inc.id}`, headers: pdHeaders(t), payload: { incident: { type: 'incident_reference', assignments: assignees.map((id) => ({ assignee: { id, type: 'user_reference' } })) } } });
    const r1 = await put([ada.user.id]);
    expect(r1.statusCode, r1.body).toBe(200);
    expect(r1.json().incident).toMatchObject({ assigned_via: 'direct_assignment' });
    expect(r1.json().incident.assignments.map((a: Json) => a.assignee.id)).toEqual([ada.user.id]);
    expect(r1.json().incident.assignments[0].assignee).toMatchObject({ type: 'user_reference', summary: ada.user.name });
    expect(r1.json().incident.assignments[0].at).toMatch(ISO);
    const r2 = await put([ben.user.id, ada.user.id]);
    expect(r2.json().incident.assignments.map((a: Json) => a.assignee.id).sort()).toEqual([ada.user.id, ben.user.id].sort());
    const r3 = await put([ben.user.id]);
    expect(r3.json().incident.assignments.map((a: Json) => a.assignee.id)).toEqual([ben.user.id]);
    expect((await list(`user_ids[]=${ben.user.id}`)).incidents.map((i: Json) => i.id)).toEqual([inc.id]);
    expect((await list(`user_ids%5B%5D=${ada.user.id}`)).incidents).toEqual([]);
    const assigns = (await logOf(t, inc.id)).filter((e) => e.type === 'assign_log_entry');
    expect(assigns).toHaveLength(3);
    await req(t, 'POST', `/api/v1/incidents/${inc.id}/resolve`);
    const late = await put([ada.user.id]);
    expect(late.statusCode).toBe(400);
    expect(late.json().error.code).toBe(1001);
  });

  it('log entries: PagerDuty shape, every event_details value a string, created_at ISO', async () => {
    const { key } = await serviceWithKey(t, 'events_v2', 'Timeline');
    await enqueue(t, trigger(key, { dedup_key: 'tl' }, { custom_details: { n: 1 } }));
    clock.advance(1000);
    await enqueue(t, trigger(key, { dedup_key: 'tl' }));
    await enqueue(t, trigger(key, { dedup_key: 'tl-2' }, { severity: 'info' }));
    const inc = (await list('incident_key=tl')).incidents[0] as Json;
    await req(t, 'POST', `/api/v1/incidents/${inc.id}/notes`, { note: { content: 'looking' } });
    await req(t, 'PUT', `/api/v1/incidents/${inc.id}`, { incident: { type: 'incident_reference', assignments: [{ assignee: { id: t.org.user.id, type: 'user_reference' } }] } });
    await req(t, 'POST', `/api/v1/incidents/${inc.id}/acknowledge`);
    await enqueue(t, { routing_key: key, event_action: 'resolve', dedup_key: 'tl' });
    await req(t, 'PUT', `/api/v1/incidents/${inc.id}`, { incident: { type: 'incident_reference', status: 'resolved', resolution: 'done' } });

    const r = await req(t, 'GET', `/api/v1/incidents/${inc.id}/log_entries?total=true`);
    expect(r.statusCode).toBe(200);
    const page = r.json();
    expect(page).toMatchObject({ limit: 25, offset: 0, more: false });
    const entries = page.log_entries as Json[];
    expect(page.total).toBe(entries.length);
    // Vigil's own entry types are shown as PagerDuty's (an alert added is a trigger), naming Vigil's in event_details.vigil_type.
    const types = entries.map((e) => e.event_details.vigil_type ?? e.type);
    expect(types[0]).toBe('trigger_log_entry');
    for (const ty of ['alert_log_entry', 'annotate_log_entry', 'assign_log_entry', 'acknowledge_log_entry', 'resolve_log_entry']) expect(types, ty).toContain(ty);
    for (const e of entries) {
      expect(typeof e.id).toBe('string');
      expect(PD_LOG_TYPES).toContain(e.type);
      expect(typeof e.summary).toBe('string');
      expect(e.created_at).toMatch(ISO);
      expect(new Date(e.created_at).toISOString()).toBe(e.created_at);
      expect(e.service).toMatchObject({ type: 'service_reference' });
      expect(e.incident).toMatchObject({ id: inc.id, type: 'incident_reference' });
      expect(typeof e.channel.type).toBe('string');
      expect(e.teams).toEqual([]);
      expect(Array.isArray(e.contexts)).toBe(true);
      expect(e.agent === null || (typeof e.agent.id === 'string' && /_reference$/.test(e.agent.type))).toBe(true);
      expect(e.event_details && typeof e.event_details === 'object' && !Array.isArray(e.event_details)).toBe(true);
      for (const [k, v] of Object.entries(e.event_details as Record<string, unknown>)) expect(typeof v, `${e.type}.event_details.${k}`).toBe('string');
    }
    // Oldest first, in the order things happened.
    const times = entries.map((e) => Date.parse(e.created_at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    // One entry by id; the overview hides per-alert entries.
    const one = await req(t, 'GET', `/api/v1/log_entries/${entries[1]!.id}`);
    expect(one.json().log_entry).toEqual(entries[1]);
    const overview = (await req(t, 'GET', `/api/v1/incidents/${inc.id}/log_entries?is_overview=true`)).json().log_entries as Json[];
    expect(overview.some((e) => e.event_details.vigil_type === 'alert_log_entry')).toBe(false);
    expect(overview.length).toBeGreaterThan(0);
    const orgWide = (await req(t, 'GET', '/api/v1/log_entries?limit=5')).json();
    expect(orgWide).toMatchObject({ limit: 5, offset: 0, more: true });
  });

  it("alerts list with each alert's count, key and details", async () => {
    const { key } = await serviceWithKey(t, 'events_v2', 'Alerts', t.auth, GROUP_UNTIL_RESOLVED);
    for (let i = 0; i < 3; i++) await enqueue(t, trigger(key, { dedup_key: 'noisy' }, { custom_details: { round: i } }));
    clock.advance(1000);
    await enqueue(t, trigger(key, { dedup_key: 'quiet' }, { severity: 'warning' }));
    await enqueue(t, { routing_key: key, event_action: 'resolve', dedup_key: 'quiet' });
    const inc = (await list('incident_key=noisy')).incidents[0] as Json;
    const r = await req(t, 'GET', `/api/v1/incidents/${inc.id}/alerts?total=true`);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ limit: 25, offset: 0, more: false, total: 2 });
    const alerts = r.json().alerts as Json[];
    expect(alerts.map((a) => [a.alert_key, a.count, a.status, a.severity])).toEqual([
      ['noisy', 3, 'triggered', 'critical'],
      ['quiet', 1, 'resolved', 'warning'],
    ]);
    expect(alerts[0]).toMatchObject({ type: 'alert', incident: { id: inc.id }, body: { type: 'alert_body', details: { round: 2 } } });
    expect(alerts[0]!.created_at).toMatch(ISO);
    expect(alerts[1]!.resolved_at).toMatch(ISO);
    expect((await incident(t, inc.id)).alert_counts).toEqual({ all: 2, triggered: 1, resolved: 1 });
    expect(await alertsOf(t, inc.id)).toHaveLength(2);
  });

  it('manual POST /incidents: 201 {incident}; an open incident with the same incident_key on the service is 400', async () => {
    const { serviceId } = await serviceWithKey(t, 'events_v2', 'Manual');
    const body = { incident: { type: 'incident', title: 'Volunteer rota empty for Saturday', urgency: 'low', incident_key: 'rota-sat', body: { type: 'incident_body', details: 'Nobody signed up.' }, service: { id: serviceId, type: 'service_reference' } } };
    const r = await t.app.inject({ method: 'POST', url: '/api/v1/incidents', headers: pdHeaders(t), payload: body });
    expect(r.statusCode, r.body).toBe(201);
    const inc = r.json().incident;
    expect(inc).toMatchObject({ type: 'incident', title: 'Volunteer rota empty for Saturday', urgency: 'low', status: 'triggered', incident_key: 'rota-sat', service: { id: serviceId }, body: { type: 'incident_body', details: 'Nobody signed up.' } });
    expect(typeof inc.body.details).toBe('string');
    expect(inc.first_trigger_log_entry).toMatchObject({ type: 'trigger_log_entry_reference' });
    const dup = await t.app.inject({ method: 'POST', url: '/api/v1/incidents', headers: pdHeaders(t), payload: body });
    expect(dup.statusCode).toBe(400);
    expect(dup.json().error.errors.join(' ')).toContain('incident_key');
    await req(t, 'POST', `/api/v1/incidents/${inc.id}/resolve`);
    const again = await t.app.inject({ method: 'POST', url: '/api/v1/incidents', headers: pdHeaders(t), payload: body });
    expect(again.statusCode, again.body).toBe(201);
    expect(again.json().incident.incident_number).toBeGreaterThan(inc.incident_number);
    // Without urgency or key: defaults from the service, and a generated key.
    const bare = await req(t, 'POST', '/api/v1/incidents', { incident: { type: 'incident', title: 'bare', service: { id: serviceId, type: 'service_reference' } } });
    expect(bare.statusCode).toBe(201);
    expect(bare.json().incident.urgency).toBe('high');
    expect(typeof bare.json().incident.incident_key).toBe('string');
  });

  it('DELETE a service: 204 with an empty body; its key stops working (400 unknown key); its incidents stay', async () => {
    const { serviceId, key } = await serviceWithKey(t, 'events_v2', 'Doomed');
    expect((await enqueue(t, trigger(key, { dedup_key: 'doomed' }))).statusCode).toBe(202);
    const inc = (await list('incident_key=doomed')).incidents[0] as Json;
    const del = await t.app.inject({ method: 'DELETE', url: `/api/v1/services/${serviceId}`, headers: pdHeaders(t) });
    expect(del.statusCode).toBe(204);
    expect(del.body).toBe('');
    expect(del.payload).toHaveLength(0);
    const after = await enqueue(t, trigger(key, { dedup_key: 'doomed-2' }));
    expect(after.statusCode).toBe(400);
    expect(after.json()).toMatchObject({ status: 'invalid event' });
    expect(after.json().errors.join(' ')).toContain('routing_key');
    const resolve = await enqueue(t, { routing_key: key, event_action: 'resolve', dedup_key: 'doomed' });
    expect(resolve.statusCode).toBe(400);
    const change = await t.app.inject({ method: 'POST', url: '/v2/change/enqueue', payload: { routing_key: key, payload: { summary: 'deploy' } } });
    expect(change.statusCode).toBe(400);
    expect((await req(t, 'GET', `/api/v1/services/${serviceId}`)).statusCode).toBe(404);
    expect((await req(t, 'DELETE', `/api/v1/services/${serviceId}`)).statusCode).toBe(404);
    expect((await incident(t, inc.id)).id).toBe(inc.id);
  });
});
