/**
 * The incident timeline in the reader's language (issue 19 item 3), on both dialects: Vigil's
 * own sentences are stored as catalog messages with their values (log_entries.wording) and
 * worded when read, so the same entries read in English, French and Spanish for members who
 * chose those languages; a person's own words (a note, an alert's summary) stay as written;
 * an entry written before wording, or whose message this version no longer has, shows the
 * English stored beside it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, createTestApp, manualClock, serviceWithKey, trigger, type TestApp } from '../harness.js';
import { enqueue, member, req, type Json } from '../api/helpers.js';
import { newId } from '../../src/server/lib/ids.js';

describe.each(DIALECTS)('timeline languages on %s', (dialect) => {
  let t: TestApp;

  beforeEach(async () => {
    t = await createTestApp(dialect, { clock: manualClock('2026-03-02T09:00:00Z') });
  });
  afterEach(async () => {
    await t.close();
  });

  const summaries = async (incidentId: string, auth: Record<string, string>): Promise<string[]> => {
    const r = await req(t, 'GET', `/api/v1/incidents/${incidentId}/log_entries?limit=100`, undefined, auth);
    expect(r.statusCode, r.body).toBe(200);
    return (r.json().log_entries as Json[]).map((e) => e.summary as string);
  };

  it('reads the same entries in each member’s language; notes and alert summaries stay as written', async () => {
    const { key } = await serviceWithKey(t);
    expect((await enqueue(t, trigger(key, { dedup_key: 'q1' }, { summary: 'File d’attente du chat bloquée' }))).statusCode).toBe(202);
    const inc = (await req(t, 'GET', '/api/v1/incidents')).json().incidents[0] as Json;
    const ack = await req(t, 'PUT', `/api/v1/incidents/${inc.id}`, { incident: { type: 'incident_reference', status: 'acknowledged' } });
    expect(ack.statusCode, ack.body).toBe(200);
    expect((await req(t, 'POST', `/api/v1/incidents/${inc.id}/notes`, { note: { content: 'On regarde la passerelle.' } })).statusCode).toBe(200);

    const amelie = await member(t, 'responder');
    expect((await req(t, 'PUT', `/api/v1/users/${amelie.user.id}`, { user: { locale: 'fr-FR' } })).statusCode).toBe(200);
    const mateo = await member(t, 'responder');
    expect((await req(t, 'PUT', `/api/v1/users/${mateo.user.id}`, { user: { locale: 'es-MX' } })).statusCode).toBe(200);

    expect(await summaries(inc.id, t.auth)).toEqual([
      'Triggered through the Events API',
      'Alert added: File d’attente du chat bloquée',
      'Acknowledged by Olive Owner through the API',
      'On regarde la passerelle.',
    ]);
    expect(await summaries(inc.id, amelie.auth)).toEqual([
      'Déclenché via l’API Events',
      'Alerte ajoutée : File d’attente du chat bloquée',
      'Pris en charge par Olive Owner via l’API',
      'On regarde la passerelle.',
    ]);
    expect(await summaries(inc.id, mateo.auth)).toEqual([
      'Activado mediante la API de Events',
      'Alerta añadida: File d’attente du chat bloquée',
      'Reconocido por Olive Owner mediante la API',
      'On regarde la passerelle.',
    ]);

    // A single entry and the organization's log read the same way.
    const entries = (await req(t, 'GET', `/api/v1/incidents/${inc.id}/log_entries`)).json().log_entries as Json[];
    const one = await req(t, 'GET', `/api/v1/log_entries/${entries[0]!.id}`, undefined, amelie.auth);
    expect(one.json().log_entry.summary).toBe('Déclenché via l’API Events');
    const all = (await req(t, 'GET', '/api/v1/log_entries?limit=100', undefined, mateo.auth)).json().log_entries as Json[];
    expect(all.map((e) => e.summary)).toContain('Reconocido por Olive Owner mediante la API');

    // The organization's default is the language of members who chose none.
    expect((await req(t, 'PUT', '/api/v1/organization', { organization: { default_locale: 'fr-CA' } })).statusCode).toBe(200);
    expect((await summaries(inc.id, t.auth))[2]).toBe('Pris en charge par Olive Owner via l’API');
  });

  it('shows the stored English for an entry written before wording, or with a message this version does not have', async () => {
    const { key, serviceId } = await serviceWithKey(t);
    expect((await enqueue(t, trigger(key, { dedup_key: 'q1' }))).statusCode).toBe(202);
    const inc = (await req(t, 'GET', '/api/v1/incidents')).json().incidents[0] as Json;
    const fr = await member(t, 'responder');
    expect((await req(t, 'PUT', `/api/v1/users/${fr.user.id}`, { user: { locale: 'fr' } })).statusCode).toBe(200);
    const now = t.clock.now() + 1_000;
    const row = (id: string, summary: string, wording: string | null) => ({
      org_id: t.org.org.id, id, incident_id: inc.id as string, service_id: serviceId, type: 'notify_log_entry', created_at: now, agent: null, channel: JSON.stringify({ type: 'auto' }), summary, details: null, wording,
    });
    await t.db.handle.db.insertInto('log_entries').values([
      row(newId(now), 'Written by an older Vigil', null),
      row(newId(now + 1), 'Worded by a newer Vigil', JSON.stringify({ id: 'timeline.fromTheFuture', values: {} })),
      row(newId(now + 2), 'Not JSON at all', '{'),
    ]).execute();
    expect((await summaries(inc.id, fr.auth)).slice(-3)).toEqual(['Written by an older Vigil', 'Worded by a newer Vigil', 'Not JSON at all']);
  });
});
