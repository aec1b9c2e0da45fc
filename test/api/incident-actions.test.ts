/**
 * Incident actions through the REST API, on every dialect: priority on incidents (set,
 * changed, removed, filtered, on the timeline and the status page), snooze, merge, and one
 * alert at a time (read, resolve, move; several at once, all or none). Answers conform to
 * PagerDuty's published schemas; bad input is a 400 naming the field with nothing changed;
 * another organization's token gets 404.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import { alertsOf, counts, createApp, enqueue, incident, logOf, member, req, secondOrg, type Json } from './helpers.js';
import { expectPagerDutyShape, pagerDutySchema } from './pd-rest-schema.js';
import AjvMod from 'ajv';

/**
 * PagerDuty's schema declares several incident fields as plain strings or objects that its
 * API (and Vigil, as BRIEF.md §5 says) answers with null when there is nothing: resolved_at,
 * escalation_policy, last_status_change_by, first_trigger_log_entry, resolve_reason and
 * priority. Those nulls are left out before validating, and so is `body`, whose `details`
 * the schema calls an object while go-pagerduty decodes a string (BRIEF.md §6, which Vigil
 * follows). Every other field is checked.
 */
function withoutNulls(incident: Json): Json {
  return Object.fromEntries(Object.entries(incident).filter(([k, v]) => v !== null && k !== 'body'));
}
const expectIncidentShape = (body: Json, path: string, method: string, status = '200') => expectPagerDutyShape({ ...body, incident: withoutNulls(body.incident) }, path, method, status);

const AjvCtor = ((AjvMod as any).default ?? AjvMod) as typeof import('ajv').default;
const validateIncident = new AjvCtor({ allErrors: true, strict: false, validateFormats: false }).compile(pagerDutySchema('Incident') as object);

describe.each(DIALECTS)('incident actions on %s', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let key: string;
  let serviceId: string;
  let priorities: Json[];

  beforeEach(async () => {
    clock = manualClock('2026-03-02T10:00:00Z');
    t = await createApp(dialect, { clock });
    ({ key, serviceId } = await serviceWithKey(t));
    priorities = (await req(t, 'GET', '/api/v1/priorities')).json().priorities;
  });
  afterEach(async () => t.close());

  const send = async (dedup: string, summary = `Queue stuck ${dedup}`) => {
    const r = await enqueue(t, trigger(key, { dedup_key: dedup }, { summary, custom_details: { queue: dedup } }));
    expect(r.statusCode, r.body).toBe(202);
  };
  const P = (name: string) => priorities.find((p) => p.name === name)!.id as string;

  describe('priority', () => {
    it('is set, changed and removed through PUT, each change on the timeline', async () => {
      await send('a');
      const inc = await incident(t, 1);
      expect(inc.priority).toBeNull();
      const set = await req(t, 'PUT', '/api/v1/incidents/1', { incident: { type: 'incident_reference', priority: { id: P('P2'), type: 'priority_reference' } } });
      expect(set.statusCode, set.body).toBe(200);
      expectIncidentShape(set.json(), '/incidents/{id}', 'put');
      expect(set.json().incident.priority).toEqual({ id: P('P2'), type: 'priority_reference', summary: 'P2', self: `http://vigil.test/api/v1/priorities/${P('P2')}`, html_url: null });
      // The same again changes nothing.
      await req(t, 'PUT', '/api/v1/incidents/1', { incident: { priority: { id: P('P2') } } });
      await req(t, 'PUT', '/api/v1/incidents/1', { incident: { priority: { id: P('P1') } } });
      const cleared = await req(t, 'PUT', '/api/v1/incidents/1', { incident: { priority: null } });
      expect(cleared.json().incident.priority).toBeNull();
      const entries = (await logOf(t, inc.id)).filter((e) => e.type === 'field_value_change_log_entry' && e.event_details.vigil_type === 'priority_change_log_entry');
      expect(entries.map((e) => e.summary)).toEqual([
        'Priority set to P2 by Olive Owner through the API',
        'Priority changed from P2 to P1 by Olive Owner through the API',
        'Priority P1 removed by Olive Owner through the API',
      ]);
      expect(entries[1]!.event_details).toEqual({ priority_id: P('P1'), priority: 'P1', previous_priority_id: P('P2'), vigil_type: 'priority_change_log_entry' });
    });

    it('is given on create and through the bulk update, and filters the list', async () => {
      const created = await req(t, 'POST', '/api/v1/incidents', { incident: { type: 'incident', title: 'Phones down', service: { id: serviceId, type: 'service_reference' }, priority: { id: P('P1'), type: 'priority_reference' } } });
      expect(created.statusCode, created.body).toBe(201);
      expectIncidentShape(created.json(), '/incidents', 'post', '201');
      expect(created.json().incident.priority.summary).toBe('P1');
      await send('b');
      await send('c');
      const bulk = await req(t, 'PUT', '/api/v1/incidents', { incidents: [{ id: '2', type: 'incident_reference', priority: { id: P('P3') } }, { id: '3', type: 'incident_reference', priority: { id: P('P3') } }] });
      expect(bulk.statusCode, bulk.body).toBe(200);
      expect(bulk.json().incidents.map((i: Json) => i.priority?.summary)).toEqual(['P3', 'P3']);
      const byPriority = async (qs: string) => (await req(t, 'GET', `/api/v1/incidents?${qs}`)).json().incidents.map((i: Json) => i.incident_number);
      expect(await byPriority(`priorities[]=${P('P3')}`)).toEqual([2, 3]);
      expect(await byPriority(`priorities[]=${P('P1')}&priorities[]=${P('P3')}`)).toEqual([1, 2, 3]);
      expect(await byPriority(`priorities[]=${P('P5')}`)).toEqual([]);
    });

    it('refuses an unknown priority or a resolved incident, changing nothing', async () => {
      await send('a');
      const before = await counts(t);
      const other = await secondOrg(t);
      const theirs = (await req(t, 'GET', '/api/v1/priorities', undefined, other.auth)).json().priorities[0].id;
      for (const id of ['PNOPE', theirs]) {
        const r = await req(t, 'PUT', '/api/v1/incidents/1', { incident: { title: 'Renamed', priority: { id } } });
        expect(r.statusCode).toBe(400);
        expect(r.json().error.errors).toEqual([`incident.priority.id: priority ${id} not found in this organization`]);
      }
      expect(await counts(t)).toEqual(before);
      expect((await incident(t, 1)).title).toBe('Queue stuck a');
      await req(t, 'POST', '/api/v1/incidents/1/resolve');
      const late = await req(t, 'PUT', '/api/v1/incidents/1', { incident: { priority: { id: P('P1') } } });
      expect(late.statusCode).toBe(400);
      expect(late.json().error.code).toBe(1001);
    });

    it('shows on the public status page as a name, never the title', async () => {
      await send('a', 'Internal: db-7 disk full');
      await req(t, 'PUT', '/api/v1/incidents/1', { incident: { priority: { id: P('P1') } } });
      expect((await req(t, 'PUT', '/api/v1/status_page', { status_page: { slug: 'harbor', enabled: true, components: [{ service_id: serviceId }] } })).statusCode).toBe(200);
      const pub = await t.app.inject({ method: 'GET', url: '/api/v1/public/status/harbor' });
      expect(pub.statusCode).toBe(200);
      expect(pub.json().incidents[0].priority).toBe('P1');
      expect(pub.body).not.toContain('db-7');
    });
  });

  describe('snooze', () => {
    it('snoozes an acknowledged incident and refuses anything else', async () => {
      await send('a');
      const triggered = await req(t, 'POST', '/api/v1/incidents/1/snooze', { duration: 3600 });
      expect(triggered.statusCode).toBe(400);
      expect(triggered.json().error.code).toBe(1003);
      expect(triggered.json().error.errors[0]).toContain('only an acknowledged incident can be snoozed');
      await req(t, 'POST', '/api/v1/incidents/1/acknowledge');
      for (const body of [{}, { duration: 0 }, { duration: 604_801 }, { duration: 1.5 }, { duration: '3600' }]) {
        const r = await req(t, 'POST', '/api/v1/incidents/1/snooze', body);
        expect(r.statusCode, JSON.stringify(body)).toBe(400);
        expect(r.json().error.errors.join(' ')).toContain('duration');
      }
      const r = await req(t, 'POST', '/api/v1/incidents/1/snooze', { duration: 3600 });
      expect(r.statusCode, r.body).toBe(201);
      expectIncidentShape(r.json(), '/incidents/{id}/snooze', 'post', '201');
      expect(r.json().incident).toMatchObject({ status: 'acknowledged', pending_actions: [{ type: 'unacknowledge', at: '2026-03-02T11:00:00.000Z' }] });
      const log = await logOf(t, r.json().incident.id);
      expect(log.at(-1)).toMatchObject({ type: 'snooze_log_entry', summary: 'Snoozed for 1 h by Olive Owner through the API: triggers again at 2026-03-02 11:00 UTC unless resolved' });
      // Acknowledging again ends the snooze.
      const again = await req(t, 'POST', '/api/v1/incidents/1/acknowledge');
      expect(again.json().incident.pending_actions).toEqual([]);
      expect((await logOf(t, r.json().incident.id)).at(-1)!.summary).toBe('Acknowledged by Olive Owner through the API (the snooze ends)');
      await req(t, 'POST', '/api/v1/incidents/1/resolve');
      expect((await req(t, 'POST', '/api/v1/incidents/1/snooze', { duration: 60 })).json().error.code).toBe(1001);
      const other = await secondOrg(t);
      expect((await req(t, 'POST', `/api/v1/incidents/${r.json().incident.id}/snooze`, { duration: 60 }, other.auth)).statusCode).toBe(404);
    });
  });

  describe('merge', () => {
    it('moves the sources’ open alerts to the target and resolves the sources', async () => {
      await send('a');
      await send('b');
      await send('c');
      await send('c2', 'Queue stuck c, again');
      // #4 (c2) is merged into #3 first: a source may bring alerts it received.
      expect((await req(t, 'PUT', '/api/v1/incidents/3/merge', { source_incidents: [{ id: '4', type: 'incident_reference' }] })).statusCode).toBe(200);
      const [i1, i2, i3] = [await incident(t, 1), await incident(t, 2), await incident(t, 3)];
      const r = await req(t, 'PUT', `/api/v1/incidents/${i1.id}/merge`, { source_incidents: [{ id: i2.id, type: 'incident_reference' }, { id: i3.id, type: 'incident_reference' }] });
      expect(r.statusCode, r.body).toBe(200);
      // PagerDuty documents an incident reference here; Vigil answers the whole target incident, of which the reference is a part.
      expect(validateIncident(withoutNulls(r.json().incident)), JSON.stringify(validateIncident.errors)).toBe(true);
      expect(r.json().incident).toMatchObject({ id: i1.id, status: 'triggered', alert_counts: { all: 4, triggered: 4, resolved: 0 } });
      expect((await alertsOf(t, i1.id)).map((a) => a.alert_key).sort()).toEqual(['a', 'b', 'c', 'c2']);
      for (const [src, n] of [[i2, 1], [i3, 2]] as const) {
        const after = await incident(t, src.id);
        expect(after).toMatchObject({ status: 'resolved', alert_counts: { all: 0 } });
        expect((await logOf(t, src.id)).at(-1)).toMatchObject({ type: 'resolve_log_entry', summary: `Merged into #1 by Olive Owner through the API: ${n} open alert${n === 1 ? '' : 's'} moved there` });
      }
      expect((await logOf(t, i1.id)).at(-1)).toMatchObject({ type: 'annotate_log_entry', event_details: expect.objectContaining({ vigil_type: 'merge_log_entry' }), summary: '#2, #3 merged into this incident by Olive Owner through the API: 3 open alerts moved here' });
      // The moved alert keeps its key: a repeat counts on it, in the target.
      await send('b');
      expect((await alertsOf(t, i1.id)).find((a) => a.alert_key === 'b')!.count).toBe(2);
      // A resolve by key closes it there.
      await enqueue(t, { routing_key: key, event_action: 'resolve', dedup_key: 'c' });
      expect((await incident(t, 1)).alert_counts).toEqual({ all: 4, triggered: 3, resolved: 1 });
    });

    it('refuses bad sources or a resolved target with 400 naming the field, changing nothing', async () => {
      for (const k of ['a', 'b', 'c', 'd']) await send(k);
      await req(t, 'POST', '/api/v1/incidents/4/resolve');
      const other = await secondOrg(t);
      const theirKey = (await serviceWithKey(t, 'events_v2', 'Theirs', other.auth)).key;
      await enqueue(t, trigger(theirKey, { dedup_key: 'x' }));
      const theirs = (await req(t, 'GET', '/api/v1/incidents', undefined, other.auth)).json().incidents[0].id;
      const before = await counts(t);
      const i2 = (await incident(t, 2)).id;
      const r = await req(t, 'PUT', '/api/v1/incidents/1/merge', { source_incidents: [{ id: '1' }, { id: 'PNOPE' }, { id: theirs }, { id: i2 }, { id: '2' }] });
      expect(r.statusCode).toBe(400);
      expect(r.json().error.errors).toEqual([
        'source_incidents[0].id: #1 is the target incident',
        'source_incidents[1].id: incident PNOPE not found',
        `source_incidents[2].id: incident ${theirs} not found`,
        'source_incidents[4].id: #2 is named twice',
      ]);
      const closed = await req(t, 'PUT', '/api/v1/incidents/1/merge', { source_incidents: [{ id: '2' }, { id: '4' }] });
      expect(closed.statusCode).toBe(400);
      expect(closed.json().error.errors).toEqual(['source_incidents[1].id: #4 is resolved; only open incidents merge']);
      const intoResolved = await req(t, 'PUT', '/api/v1/incidents/4/merge', { source_incidents: [{ id: '2' }] });
      expect(intoResolved.statusCode).toBe(400);
      expect(intoResolved.json().error.errors).toEqual(['incident: #4 is resolved; merge into an open incident']);
      expect((await req(t, 'PUT', '/api/v1/incidents/1/merge', { source_incidents: [] })).statusCode).toBe(400);
      expect(await counts(t)).toEqual(before);
      expect((await incident(t, 2)).status).toBe('triggered');
      expect((await alertsOf(t, (await incident(t, 2)).id)).map((a) => a.alert_key)).toEqual(['b']);
      // Another organization cannot merge into ours.
      const ours = (await incident(t, 1)).id;
      expect((await req(t, 'PUT', `/api/v1/incidents/${ours}/merge`, { source_incidents: [{ id: theirs }] }, other.auth)).statusCode).toBe(404);
      expect((await req(t, 'PUT', '/api/v1/incidents/1/merge', { source_incidents: [{ id: ours }] }, other.auth)).json().error.errors).toEqual([`source_incidents[0].id: incident ${ours} not found`]);
    });
  });

  it('volunteers may not merge or move alerts, observers may not act at all', async () => {
    await send('a');
    await send('b');
    const [i1, i2] = [await incident(t, 1), await incident(t, 2)];
    const [a] = await alertsOf(t, i1.id);
    const vol = await member(t, 'volunteer');
    const obs = await member(t, 'observer');
    for (const who of [vol, obs]) {
      expect((await req(t, 'PUT', `/api/v1/incidents/${i1.id}/merge`, { source_incidents: [{ id: i2.id }] }, who.auth)).statusCode).toBe(403);
      expect((await req(t, 'PUT', `/api/v1/incidents/${i1.id}/alerts`, { alerts: [{ id: a!.id, incident: { id: i2.id } }] }, who.auth)).statusCode).toBe(403);
      expect((await req(t, 'PUT', `/api/v1/incidents/${i1.id}/alerts/${a!.id}`, { alert: { incident: { id: i2.id } } }, who.auth)).statusCode).toBe(403);
      expect((await req(t, 'POST', `/api/v1/priorities`, { priority: { name: 'Mine' } }, who.auth)).statusCode).toBe(403);
    }
    expect((await req(t, 'POST', `/api/v1/incidents/${i1.id}/snooze`, { duration: 60 }, obs.auth)).statusCode).toBe(403);
    expect((await alertsOf(t, i1.id)).map((x) => x.id)).toEqual([a!.id]);
  });

  describe('one alert', () => {
    it('reads, resolves and moves alerts, each on the timelines', async () => {
      await send('a');
      await send('b');
      await req(t, 'PUT', '/api/v1/incidents/1/merge', { source_incidents: [{ id: '2' }] });
      await send('c');
      const i1 = (await incident(t, 1)).id;
      const i3 = (await incident(t, 3)).id;
      const [a, b] = await alertsOf(t, i1);
      const got = await req(t, 'GET', `/api/v1/incidents/${i1}/alerts/${a!.id}`);
      expect(got.statusCode).toBe(200);
      expectPagerDutyShape(got.json(), '/incidents/{id}/alerts/{alert_id}', 'get');
      expect(got.json().alert).toMatchObject({ id: a!.id, alert_key: 'a', incident: { id: i1 }, status: 'triggered' });
      // An alert is found under its own incident only.
      expect((await req(t, 'GET', `/api/v1/incidents/${i3}/alerts/${a!.id}`)).statusCode).toBe(404);

      // Resolve one of two: the incident stays open.
      const res = await req(t, 'PUT', `/api/v1/incidents/1/alerts/${a!.id}`, { alert: { type: 'alert', status: 'resolved' } });
      expect(res.statusCode, res.body).toBe(200);
      expectPagerDutyShape(res.json(), '/incidents/{id}/alerts/{alert_id}', 'put');
      expect(res.json().alert.status).toBe('resolved');
      expect((await incident(t, 1)).status).toBe('triggered');
      expect((await logOf(t, i1)).at(-1)!.summary).toBe('Alert resolved by Olive Owner through the API: Queue stuck a');

      // Move the last open one to #3: both timelines say so, and #1 resolves with it.
      const mv = await req(t, 'PUT', `/api/v1/incidents/${i1}/alerts/${b!.id}`, { alert: { incident: { id: i3, type: 'incident_reference' } } });
      expect(mv.statusCode, mv.body).toBe(200);
      expect(mv.json().alert.incident.id).toBe(i3);
      const log1 = (await logOf(t, i1)).map((e) => e.summary);
      expect(log1.slice(-2)).toEqual(['Alert moved to #3 by Olive Owner through the API: Queue stuck b', 'Resolved by Olive Owner through the API: its last open alert moved to #3']);
      expect((await logOf(t, i3)).at(-1)!.summary).toBe('Alert moved here from #1 by Olive Owner through the API: Queue stuck b');
      expect((await incident(t, 1)).status).toBe('resolved');
      expect((await alertsOf(t, i3)).map((x) => x.alert_key)).toEqual(['b', 'c']);

      // Both of #3's alerts resolved at once: #3 resolves with the last.
      const many = await req(t, 'PUT', `/api/v1/incidents/3/alerts`, { alerts: (await alertsOf(t, i3)).map((x) => ({ id: x.id, type: 'alert', status: 'resolved' })) });
      expect(many.statusCode, many.body).toBe(200);
      expectPagerDutyShape(many.json(), '/incidents/{id}/alerts', 'put');
      expect(many.json().alerts.map((x: Json) => x.status)).toEqual(['resolved', 'resolved']);
      expect((await incident(t, 3)).status).toBe('resolved');
    });

    it('refuses what cannot be done with 400 naming the field, all or none; 404 for another organization', async () => {
      await send('a');
      await send('b');
      await send('c');
      await req(t, 'POST', '/api/v1/incidents/3/resolve');
      const i1 = (await incident(t, 1)).id;
      const [a] = await alertsOf(t, i1);
      const resolvedAlert = (await alertsOf(t, (await incident(t, 3)).id))[0]!;
      const before = await counts(t);
      const cases: [string, unknown, string][] = [
        [`/api/v1/incidents/1/alerts/${a!.id}`, { alert: {} }, 'alert: give status (resolved) or incident (where to move it)'],
        [`/api/v1/incidents/1/alerts/${a!.id}`, { alert: { incident: { id: 'PNOPE' } } }, 'alert.incident.id: incident PNOPE not found'],
        [`/api/v1/incidents/1/alerts/${a!.id}`, { alert: { incident: { id: '3' } } }, 'alert.incident.id: #3 is resolved; move alerts to an open incident'],
        [`/api/v1/incidents/3/alerts/${resolvedAlert.id}`, { alert: { status: 'triggered' } }, `alert.status: alert ${resolvedAlert.id} is resolved and cannot be triggered again; a new event opens a new alert`],
        [`/api/v1/incidents/3/alerts/${resolvedAlert.id}`, { alert: { incident: { id: '1' } } }, `alert.incident: alert ${resolvedAlert.id} is resolved; only open alerts move`],
      ];
      for (const [url, body, error] of cases) {
        const r = await req(t, 'PUT', url, body);
        expect(r.statusCode, JSON.stringify(body)).toBe(400);
        expect(r.json().error.errors).toEqual([error]);
      }
      const bad = await req(t, 'PUT', '/api/v1/incidents/1/alerts', { alerts: [{ id: a!.id, status: 'resolved' }, { id: a!.id, incident: { id: '3' } }] });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.errors).toEqual([`alerts[1].incident: alert ${a!.id} is resolved; only open alerts move`]);
      const noId = await req(t, 'PUT', '/api/v1/incidents/1/alerts', { alerts: [{ status: 'resolved' }] });
      expect(noId.json().error.errors).toEqual(['alerts[0].id is required']);
      const tooMany = await req(t, 'PUT', '/api/v1/incidents/1/alerts', { alerts: Array.from({ length: 251 }, () => ({ id: a!.id, status: 'resolved' })) });
      expect(tooMany.statusCode).toBe(413);
      expect(await counts(t)).toEqual(before);
      expect((await alertsOf(t, i1))[0]!.status).toBe('triggered');
      // Status "triggered" on an open alert is what it is already.
      expect((await req(t, 'PUT', `/api/v1/incidents/1/alerts/${a!.id}`, { alert: { status: 'triggered' } })).statusCode).toBe(200);

      const other = await secondOrg(t);
      expect((await req(t, 'GET', `/api/v1/incidents/${i1}/alerts/${a!.id}`, undefined, other.auth)).statusCode).toBe(404);
      expect((await req(t, 'PUT', `/api/v1/incidents/${i1}/alerts/${a!.id}`, { alert: { status: 'resolved' } }, other.auth)).statusCode).toBe(404);
      expect((await req(t, 'PUT', `/api/v1/incidents/${i1}/alerts`, { alerts: [{ id: a!.id, status: 'resolved' }] }, other.auth)).statusCode).toBe(404);
      // Nor can ours move an alert into theirs.
      const theirKey = (await serviceWithKey(t, 'events_v2', 'Theirs', other.auth)).key;
      await enqueue(t, trigger(theirKey, { dedup_key: 'x' }));
      const theirs = (await req(t, 'GET', '/api/v1/incidents', undefined, other.auth)).json().incidents[0].id;
      const cross = await req(t, 'PUT', `/api/v1/incidents/1/alerts/${a!.id}`, { alert: { incident: { id: theirs } } });
      expect(cross.json().error.errors).toEqual([`alert.incident.id: incident ${theirs} not found`]);
      expect((await alertsOf(t, i1))[0]!.status).toBe('triggered');
    });
  });
});
