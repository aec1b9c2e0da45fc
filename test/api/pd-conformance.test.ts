/**
 * Conformance with PagerDuty's REST API v2 (shared/reference/pagerduty/REST/openapiv3.json),
 * measured, not assumed: which of PagerDuty's operations, in the areas Vigil serves, Vigil
 * implements; and for every implemented GET that a fixture can reach, whether the answer
 * (fetched at the root with PagerDuty's Accept header, as a PagerDuty client would) is valid
 * against PagerDuty's schema, strictly and with PagerDuty's own schema quirks forgiven. The
 * counts are printed; the floors below are the figures measured when this test was written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceWithKey, trigger, type TestApp } from '../harness.js';
import { createApp, enqueue, incidentsOf, member, req, type Json } from './helpers.js';
import { checkPagerDutyShape, pagerDutyOperations, pagerDutyResponseSchema, templateOf } from './pd-rest-schema.js';

describe('PagerDuty REST conformance (sqlite)', () => {
  let t: TestApp;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    t = await createApp('sqlite');
    const s = await serviceWithKey(t, 'events_v2', 'Conformance line');
    ids.services = s.serviceId;
    ids.integrations = s.integrationId;
    await enqueue(t, trigger(s.key, { dedup_key: 'c1', links: [{ href: 'https://grafana.example/d', text: 'd' }] }));
    await enqueue(t, { routing_key: s.key, event_action: 'acknowledge', dedup_key: 'c1' });
    ids.rules = (await req(t, 'POST', `/api/v1/services/${s.serviceId}/rules`, { rule: { conditions: { operator: 'and', subconditions: [{ operator: 'contains', parameters: { path: 'summary', value: 'heartbeat' } }] }, actions: { suppress: { value: true } } } })).json().rule?.id;
    const [inc] = await incidentsOf(t, s.serviceId);
    ids.incidents = inc!.id;
    ids.alerts = (await req(t, 'GET', `/api/v1/incidents/${inc!.id}/alerts`)).json().alerts[0].id;
    ids.log_entries = (await req(t, 'GET', `/api/v1/incidents/${inc!.id}/log_entries`)).json().log_entries[0].id;
    const m = await member(t, 'responder');
    ids.users = m.user.id;
    const cm = await req(t, 'POST', `/api/v1/users/${m.user.id}/contact_methods`, { contact_method: { type: 'sms_contact_method', address: '+14155550100', label: 'Mobile' } });
    ids.contact_methods = cm.json().contact_method?.id;
    const pol = await req(t, 'POST', '/api/v1/escalation_policies', { escalation_policy: { name: 'Conformance', escalation_rules: [{ escalation_delay_in_minutes: 30, targets: [{ id: m.user.id, type: 'user_reference' }] }] } });
    ids.escalation_policies = pol.json().escalation_policy?.id;
    const pr = (await req(t, 'GET', '/api/v1/priorities')).json().priorities;
    ids.priorities = pr?.[0]?.id;
    const hook = await req(t, 'POST', '/api/v1/webhook_subscriptions', { webhook_subscription: { events: ['incident.triggered'], filter: { type: 'account_reference' }, delivery_method: { type: 'http_delivery_method', url: 'https://hooks.example/x' } } });
    ids.webhook_subscriptions = hook.json().webhook_subscription?.id;
    const team = await req(t, 'POST', '/api/v1/teams', { team: { type: 'team', name: 'Conformance team' } });
    ids.teams = team.json().team?.id;
    await req(t, 'PUT', `/api/v1/teams/${ids.teams}/users/${m.user.id}`, { role: 'manager' });
    for (const [key, list] of [['schedules', '/api/v1/schedules'], ['maintenance_windows', '/api/v1/maintenance_windows'], ['event_orchestrations', '/api/v1/event_orchestrations'], ['notification_rules', `/api/v1/users/${m.user.id}/notification_rules`]] as const) {
      const body = (await req(t, 'GET', list)).json() as Json;
      const first = (body[key === 'event_orchestrations' ? 'orchestrations' : key] as Json[] | undefined)?.[0];
      if (first?.id) ids[key] = first.id;
    }
  });
  afterAll(async () => t.close());

  it('counts the operations implemented and the answers valid', async () => {
    const routes = t.app.vigilRoutes.filter((r) => r.url.startsWith('/api/v1/'));
    const areas = new Set(routes.map((r) => r.url.split('/')[3]!));
    const served = new Set(routes.map((r) => `${r.method} ${templateOf(r.url)}`));
    const ops = pagerDutyOperations().filter((o) => areas.has(o.path.split('/')[1]!));
    const implemented = ops.filter((o) => served.has(`${o.method} ${templateOf(o.path)}`));

    const checked: string[] = [];
    const valid: string[] = [];
    const strictValid: string[] = [];
    const invalid: string[] = [];
    const invalidErrors: string[] = [];
    for (const o of implemented.filter((x) => x.method === 'GET')) {
      // Fill each {param} with the id of the resource the segment before it names.
      const segs = o.path.split('/');
      let missing = false;
      const url = segs
        .map((seg, i) => {
          if (!seg.startsWith('{')) return seg;
          const id = ids[segs[i - 1]!];
          if (!id) missing = true;
          return id ?? '';
        })
        .join('/');
      if (missing) continue;
      const r = await t.app.inject({ method: 'GET', url, headers: { accept: 'application/vnd.pagerduty+json;version=2', authorization: `Token token=${t.token}` } });
      if (r.statusCode !== 200) continue;
      try {
        pagerDutyResponseSchema(o.path, 'get', '200');
      } catch {
        continue; // PagerDuty documents no JSON answer for it.
      }
      checked.push(o.path);
      const body = r.json();
      let ok = false;
      try {
        ok = checkPagerDutyShape(body, o.path, 'get').ok;
      } catch {
        ok = strictCheck(body, o.path).ok; // A schema too deep to relax (email parsers): checked as published.
      }
      if (ok) valid.push(o.path);
      else {
        invalid.push(o.path);
        let errors: unknown;
        try {
          errors = checkPagerDutyShape(body, o.path, 'get').errors;
        } catch {
          checkStrict(body, o.path);
          errors = strictCompiled.get(o.path)?.errors;
        }
        invalidErrors.push(`${o.path}: ${JSON.stringify((errors as { instancePath: string; message: string }[] | null)?.filter((e) => !/must be null|anyOf/.test(e.message ?? '')).slice(0, 5))}`);
      }
      if (strictCheck(body, o.path).ok) strictValid.push(o.path);
    }
    // Issue 16's own measure: PagerDuty's core areas, without incident types and custom field
    // definitions (an incident's or service's custom field values stay counted: 157 operations).
    const core = pagerDutyOperations().filter((o) => CORE_AREAS.includes(o.path.split('/')[1]!) && !o.path.startsWith('/incidents/types') && !(o.path.includes('/custom_fields') && !o.path.endsWith('/custom_fields/values')));
    const coreImplemented = core.filter((o) => served.has(`${o.method} ${templateOf(o.path)}`));
    const figures = {
      'PagerDuty operations in the areas Vigil serves': ops.length,
      'implemented by Vigil': implemented.length,
      [`PagerDuty operations in the core areas (issue 16: ${CORE_AREAS.join(', ')}; no incident types, no custom field definitions)`]: core.length,
      'core operations implemented by Vigil': coreImplemented.length,
      'core operations not implemented': core.filter((o) => !coreImplemented.includes(o)).map((o) => `${o.method} ${o.path}`).join(', '),
      'GET answers checked against the schema': checked.length,
      'valid (PagerDuty schema quirks forgiven)': valid.length,
      'valid (schema as published)': strictValid.length,
    };
    console.log(`PagerDuty REST conformance:\n${Object.entries(figures).map(([k, v]) => `  ${k}: ${v}`).join('\n')}\n  not valid: ${invalid.join(', ') || 'none'}\n  not implemented: ${ops.filter((o) => !implemented.includes(o)).map((o) => `${o.method} ${o.path}`).join(', ')}`);
    expect(implemented.length).toBeGreaterThanOrEqual(FLOOR.implemented);
    expect(valid.length).toBeGreaterThanOrEqual(FLOOR.valid);
    expect(invalid, invalidErrors.join('\n')).toEqual([]);
    expect(core.length).toBe(157);
    expect(coreImplemented.length).toBeGreaterThanOrEqual(FLOOR.core);
  }, 180_000);
});

/** Measured 2026-12-06 (sqlite): 199 operations in the areas served, 86 implemented, 29 GET answers checked, 25 valid with quirks forgiven, 12 as published. 2026-12-07, after incident collaboration, analytics, user sessions, schedule preview, audit records and handoff rules: see the closing note. */
const FLOOR = { implemented: 150, valid: 48, core: 132 }; // 2026-12-07 after teams: 229 in the areas served, 150 implemented, 48 GET answers checked, 48 valid forgiven, 24 as published; core 132 of 157

/** The areas issue 16 measures PagerDuty conformance in. */
const CORE_AREAS = ['incidents', 'services', 'escalation_policies', 'schedules', 'oncalls', 'users', 'log_entries', 'maintenance_windows', 'teams', 'webhook_subscriptions', 'priorities', 'analytics'];

function strictCheck(body: unknown, path: string): { ok: boolean } {
  // The published schema as is (no quirks forgiven): expectPagerDutyShape's compiler, without failing the test.
  try {
    return { ok: checkStrict(body, path) };
  } catch {
    return { ok: false };
  }
}

import AjvMod from 'ajv';
const AjvCtor = ((AjvMod as any).default ?? AjvMod) as typeof import('ajv').default;
const strictAjv = new AjvCtor({ allErrors: true, strict: false, validateFormats: false });
const strictCompiled = new Map<string, ReturnType<typeof strictAjv.compile>>();
function checkStrict(body: unknown, path: string): boolean {
  let v = strictCompiled.get(path);
  if (!v) strictCompiled.set(path, (v = strictAjv.compile(pagerDutyResponseSchema(path, 'get', '200') as object)));
  return v(body) as boolean;
}
