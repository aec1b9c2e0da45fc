/**
 * The public status page shows planned maintenance on both dialects: a component in a
 * window in progress reads "maintenance", and the page lists maintenance in progress and
 * planned for the next 7 days on its components (under their public names), soonest first,
 * a recurring window once per occurrence; nothing of services the page does not show.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MaintenanceModule } from '../../src/server/engine/maintenance/module.js';
import type { ManualClock } from '../../src/server/lib/clock.js';
import { DIALECTS, manualClock, type TestApp } from '../harness.js';
import { createApp, req, type Json } from './helpers.js';
import { publicId } from '../../src/server/status-page/status-page.js';

describe.each(DIALECTS)('planned maintenance on the public status page (%s)', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  const ids: Record<string, string> = {};

  const window = async (fields: Json) => {
    const r = await req(t, 'POST', '/api/v1/maintenance_windows', { maintenance_window: fields });
    expect(r.statusCode, r.body).toBe(201);
    return r.json().maintenance_window as Json;
  };
  // The public ids: stable, never the internal ones (issue 14 item 7).
  const pub = (kind: 'component' | 'maintenance', id: string) => publicId(t.org.org.id, kind, id);
  const page = async () => (await t.app.inject({ method: 'GET', url: '/api/v1/public/status/harbor' })).json();

  beforeAll(async () => {
    clock = manualClock('2026-03-02T10:00:00Z'); // Monday
    t = await createApp(dialect, { clock });
    for (const name of ['Crisis chat', 'Phone line', 'Internal tools']) ids[name] = (await req(t, 'POST', '/api/v1/services', { service: { name } })).json().service.id;
    const put = await req(t, 'PUT', '/api/v1/status_page', {
      status_page: { enabled: true, slug: 'harbor', components: [{ service_id: ids['Crisis chat'], name: 'Chat line', group: 'Lines' }, { service_id: ids['Phone line'], name: 'Phone', group: 'Lines' }] },
    });
    expect(put.statusCode, put.body).toBe(200);
  });
  afterAll(async () => t.close());

  it('shows the component in maintenance and what is planned for the week', async () => {
    const now = await window({ start_time: '2026-03-02T10:00:00Z', end_time: '2026-03-02T12:00:00Z', description: 'Chat platform upgrade', services: [{ id: ids['Crisis chat'] }] });
    const soon = await window({ start_time: '2026-03-05T20:00:00Z', end_time: '2026-03-05T21:00:00Z', description: 'Phone carrier switch', services: [{ id: ids['Phone line'] }, { id: ids['Internal tools'] }] });
    await window({ start_time: '2026-03-12T20:00:00Z', end_time: '2026-03-12T21:00:00Z', description: 'Too far ahead', services: [{ id: ids['Phone line'] }] });
    await window({ start_time: '2026-03-03T20:00:00Z', end_time: '2026-03-03T21:00:00Z', description: 'Not on the page', services: [{ id: ids['Internal tools'] }] });
    const nightly = await window({ start_time: '2026-03-04T02:00:00', end_time: '2026-03-04T02:30:00', time_zone: 'Europe/Paris', recurrence: 'FREQ=WEEKLY;BYDAY=WE,SA', description: 'Backups', services: [{ id: ids['Phone line'] }] });
    await new MaintenanceModule(t.db.handle.db).tick(clock.now());

    const p = await page();
    const raw = JSON.stringify(p);
    for (const id of [...Object.values(ids), now.id, soon.id, nightly.id]) expect(raw).not.toContain(id);
    expect(p.state).toBe('maintenance');
    expect(p.groups).toEqual([{ name: 'Lines', components: [{ id: pub('component', ids['Crisis chat']!), name: 'Chat line', state: 'maintenance', state_label: 'Under maintenance' }, { id: pub('component', ids['Phone line']!), name: 'Phone', state: 'operational', state_label: 'Operational' }] }]);
    expect(p.maintenance).toEqual([
      { id: pub('maintenance', now.id), status: 'in_progress', status_label: 'In progress', description: 'Chat platform upgrade', components: ['Chat line'], start_time: '2026-03-02T10:00:00.000Z', end_time: '2026-03-02T12:00:00.000Z' },
      { id: pub('maintenance', nightly.id), status: 'scheduled', status_label: 'Scheduled', description: 'Backups', components: ['Phone'], start_time: '2026-03-04T01:00:00.000Z', end_time: '2026-03-04T01:30:00.000Z' },
      { id: pub('maintenance', soon.id), status: 'scheduled', status_label: 'Scheduled', description: 'Phone carrier switch', components: ['Phone'], start_time: '2026-03-05T20:00:00.000Z', end_time: '2026-03-05T21:00:00.000Z' },
      { id: pub('maintenance', nightly.id), status: 'scheduled', status_label: 'Scheduled', description: 'Backups', components: ['Phone'], start_time: '2026-03-07T01:00:00.000Z', end_time: '2026-03-07T01:30:00.000Z' },
    ]);

    // Over: the component is operational again and the window leaves the list.
    clock.set('2026-03-02T12:00:00Z');
    await new MaintenanceModule(t.db.handle.db).tick(clock.now());
    const later = await page();
    expect(later.state).toBe('operational');
    expect(later.maintenance.map((m: Json) => m.description)).toEqual(['Backups', 'Phone carrier switch', 'Backups']);
  });
});
