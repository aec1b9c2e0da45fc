/**
 * The service settings form's translation (src/web/data/service-settings.ts) against the real
 * API on both dialects: what the form sends is accepted, and what the API answers reads back
 * into the same form, for every grouping and urgency choice.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, createTestApp, manualClock, type TestApp } from '../harness.js';
import { draftOf, patchOf, type SettingsDraft } from '../../src/web/data/service-settings.js';
import type { Service } from '../../src/web/data/types.js';

const BASE: SettingsDraft = { grouping: 'none', timeout: '0', aggregate: 'all', fields: 'source', windowMinutes: '0', urgency: 'high', during: 'high', outside: 'low', timeZone: 'Asia/Tokyo', days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00', raiseAtStart: true };

describe.each(DIALECTS)('the service settings form round-trips through the API (%s)', (dialect) => {
  let t: TestApp;
  let id: string;
  beforeEach(async () => {
    t = await createTestApp(dialect, { clock: manualClock('2026-03-02T12:00:00Z') });
    id = (await t.app.inject({ method: 'POST', url: '/api/v1/services', headers: t.auth, payload: { service: { name: 'Crisis chat' } } })).json().service.id;
  });
  afterEach(async () => t.close());

  const save = (d: SettingsDraft) => t.app.inject({ method: 'PUT', url: `/api/v1/services/${id}`, headers: t.auth, payload: { service: patchOf(d) } });

  it('every grouping and urgency choice is saved and reads back the same', async () => {
    const drafts: SettingsDraft[] = [
      { ...BASE, grouping: 'time', timeout: '15', urgency: 'severity_based' },
      { ...BASE, grouping: 'content_based', fields: 'source, custom_details.region', aggregate: 'any', windowMinutes: '30', urgency: 'low' },
      { ...BASE, urgency: 'use_support_hours', during: 'severity_based', outside: 'low', timeZone: 'Europe/Paris', days: [1, 3, 5], start: '08:30', end: '18:00', raiseAtStart: true },
      { ...BASE, urgency: 'use_support_hours', timeZone: 'America/New_York', raiseAtStart: false },
      // Back to a constant rule: support hours and their action go too.
      { ...BASE, urgency: 'high' },
    ];
    for (const d of drafts) {
      const r = await save(d);
      expect(r.statusCode, r.body).toBe(200);
      const back = draftOf(r.json().service as Service, 'Asia/Tokyo');
      // A constant rule keeps no support hours: the form falls back to the browser's zone and the defaults.
      expect(back).toEqual(d);
    }
    const svc = (await t.app.inject({ method: 'GET', url: `/api/v1/services/${id}`, headers: t.auth })).json().service;
    expect(svc.support_hours).toBeUndefined();
    expect(svc.scheduled_actions).toEqual([]);
  });

  it('bad entries come back as 400 naming the field', async () => {
    const r = await save({ ...BASE, urgency: 'use_support_hours', timeZone: 'Nowhere/Else', days: [] });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.errors).toEqual(expect.arrayContaining([expect.stringContaining('service.support_hours.time_zone'), expect.stringContaining('service.support_hours.days_of_week')]));
    const w = await save({ ...BASE, grouping: 'content_based', windowMinutes: '2' });
    expect(w.statusCode).toBe(400);
    expect(w.json().error.errors.join(' ')).toContain('service.alert_grouping_parameters.config.time_window');
  });
});
