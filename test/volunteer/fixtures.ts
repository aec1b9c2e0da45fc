/**
 * Volunteer fixtures: volunteers created through the REST API by the owner (profile,
 * availability in their own zone), their own tokens, consent given with their own
 * token, vetting set by the owner, a verified webhook contact method; pools through
 * the API, inserted into a staff policy as a backup level.
 */
import { expect } from 'vitest';
import type { TestApp } from '../harness.js';
import { addContact } from '../engine/fixtures.js';
import { req, type Json } from '../api/helpers.js';

export const EVENINGS_BERLIN = { rrule: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU', start: '19:00', end: '23:00' };
export const MORNINGS_BERLIN = { rrule: 'FREQ=DAILY', start: '07:00', end: '09:00' };

export interface Vol {
  id: string;
  name: string;
  auth: { authorization: string };
}

export async function volunteer(
  t: TestApp,
  name: string,
  o: { windows?: object[]; timeZone?: string; consent?: string | false; vetted?: boolean; contact?: string | false; company?: string; caps?: object; skills?: string[] } = {},
): Promise<Vol> {
  const r = await req(t, 'POST', '/api/v1/volunteers', {
    volunteer: {
      name,
      email: `${name.toLowerCase()}@volunteers.example`,
      time_zone: o.timeZone ?? 'Europe/Berlin',
      availability: { windows: o.windows ?? [EVENINGS_BERLIN] },
      ...(o.company ? { company: { id: o.company } } : {}),
      ...(o.caps ? { caps: o.caps } : {}),
      ...(o.skills ? { skills: o.skills } : {}),
    },
  });
  expect(r.statusCode, r.body).toBe(201);
  const id = r.json().volunteer.id as string;
  const tk = await req(t, 'POST', '/api/v1/api_tokens', { api_token: { description: `${name}'s token`, user: { id } } });
  expect(tk.statusCode, tk.body).toBe(201);
  const auth = { authorization: `Bearer ${tk.json().api_token.token as string}` };
  if (o.consent !== false) {
    const c = await req(t, 'POST', '/api/v1/volunteers/me/consent', { consent: { terms_version: o.consent ?? 'v1' } }, auth);
    expect(c.statusCode, c.body).toBe(200);
  }
  if (o.vetted !== false) {
    const v = await req(t, 'PUT', `/api/v1/volunteers/${id}/vetting`, { vetting: { references: true, background_check: true } });
    expect(v.statusCode, v.body).toBe(200);
  }
  if (o.contact !== false) await addContact(t, id, 'webhook', o.contact ?? `http://127.0.0.1:9/${name}`);
  return { id, name, auth };
}

export async function pool(t: TestApp, name: string, members: Vol[], extra: Record<string, unknown> = {}): Promise<Json> {
  const r = await req(t, 'POST', '/api/v1/volunteer_pools', { volunteer_pool: { name, members: members.map((m) => ({ id: m.id, type: 'user_reference' })), requires: { references: true, background_check: true }, ...extra } });
  expect(r.statusCode, r.body).toBe(201);
  return r.json().volunteer_pool;
}

/** Insert a level targeting the pool into the policy, at `position`. */
export async function poolLevel(t: TestApp, poolId: string, policyId: string, position: number, delay: number): Promise<void> {
  const r = await req(t, 'POST', `/api/v1/volunteer_pools/${poolId}/escalation_levels`, { escalation_level: { escalation_policy: { id: policyId }, position, escalation_delay_in_minutes: delay } });
  expect(r.statusCode, r.body).toBe(200);
}

/** Who was paged for an incident (by number), in order, from the outbox. */
export async function pagedFor(t: TestApp, number: number): Promise<{ user: string; at: number }[]> {
  const db = t.db.handle.db;
  const inc = await db.selectFrom('incidents').select('id').where('org_id', '=', t.org.org.id).where('number', '=', number).executeTakeFirstOrThrow();
  const users = await db.selectFrom('users').select(['id', 'name']).where('org_id', '=', t.org.org.id).execute();
  const rows = await db.selectFrom('notifications').select(['user_id', 'created_at', 'id']).where('org_id', '=', t.org.org.id).where('incident_id', '=', inc.id).where('kind', '=', 'page').orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => ({ user: users.find((u) => u.id === r.user_id)?.name ?? String(r.user_id), at: Number(r.created_at) }));
}

export async function resolveAll(t: TestApp): Promise<void> {
  const open = (await req(t, 'GET', '/api/v1/incidents?statuses[]=triggered&statuses[]=acknowledged&limit=100')).json().incidents as Json[];
  for (const i of open) expect((await req(t, 'POST', `/api/v1/incidents/${i.id}/resolve`)).statusCode).toBe(200);
}

/**
 * "Chat desk" in Europe/Berlin: a staff layer (one person, weekly) and on top an
 * open-shift layer of daily 19:00–21:00 slots, from Monday 23 February 2026.
 */
export async function eveningSchedule(t: TestApp, staff: string): Promise<string> {
  const r = await req(t, 'POST', '/api/v1/schedules', {
    schedule: {
      name: 'Chat desk',
      time_zone: 'Europe/Berlin',
      schedule_layers: [
        { name: 'Staff', start: '2026-02-23T00:00:00', rotation_turn_length_seconds: 604800, users: [{ user: { id: staff, type: 'user_reference' } }] },
        {
          name: 'Volunteer evenings',
          start: '2026-02-23T00:00:00',
          rotation_turn_length_seconds: 86400,
          users: [],
          open_shifts: true,
          restrictions: [{ type: 'daily_restriction', start_time_of_day: '19:00:00', duration_seconds: 7200 }],
        },
      ],
    },
  });
  expect(r.statusCode, r.body).toBe(201);
  expect(r.json().schedule.schedule_layers[1].open_shifts).toBe(true);
  return r.json().schedule.id;
}
