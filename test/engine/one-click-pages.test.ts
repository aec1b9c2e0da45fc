/**
 * The pages a one-click link opens (issue 19: "emails, SMS and push texts" in the person's
 * language): a page's acknowledge/resolve link asks, then acts, in the language of the
 * member the link was sent to; a link that names nobody answers in the visitor's browser
 * language. Through the real routes, on every dialect.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DIALECTS, createTestApp, serviceWithKey, trigger, type TestApp } from '../harness.js';
import { createActionToken } from '../../src/server/notify/action-token.js';
import { updateUser } from '../../src/server/org/org.store.js';
import { addUser } from './fixtures.js';

const form = { 'content-type': 'application/x-www-form-urlencoded' };

for (const dialect of DIALECTS) {
  describe(`one-click pages on ${dialect}`, () => {
    let t: TestApp;
    afterEach(async () => t?.close());

    async function openIncident(): Promise<{ id: string; number: number }> {
      const { key } = await serviceWithKey(t);
      expect((await t.app.inject({ method: 'POST', url: '/v2/enqueue', payload: trigger(key, { dedup_key: 'queue' }) })).statusCode).toBe(202);
      const inc = (await t.app.inject({ method: 'GET', url: '/api/v1/incidents', headers: t.auth })).json().incidents[0];
      return { id: inc.id, number: inc.incident_number };
    }

    it('a French-speaking member is asked, and told what happened, in French; the spent link says so in French', async () => {
      t = await createTestApp(dialect);
      const ada = await addUser(t, 'Ada');
      await updateUser(t.db.handle.db, t.org.org.id, ada, { locale: 'fr-FR' });
      const inc = await openIncident();
      const token = await createActionToken(t.db.handle.db, t.clock.now(), { orgId: t.org.org.id, incidentId: inc.id, userId: ada, action: 'acknowledge', channel: 'email' });

      const ask = await t.app.inject({ method: 'GET', url: `/a/${token}` });
      expect(ask.statusCode).toBe(200);
      expect(ask.body).toContain('<html lang="fr">');
      expect(ask.body).toContain(`<h1>Prendre en charge l’incident n°${inc.number} ?</h1>`);
      expect(ask.body).toContain('État actuel : déclenché');
      expect(ask.body).toContain('<button type="submit">Prendre en charge</button>');

      const done = await t.app.inject({ method: 'POST', url: `/a/${token}`, headers: form, payload: '' });
      expect(done.statusCode).toBe(200);
      expect(done.body).toContain(`<h1>Incident n°${inc.number} pris en charge</h1>`);
      expect(done.body).toContain('Chat queue not answering');

      const again = await t.app.inject({ method: 'POST', url: `/a/${token}`, headers: form, payload: '' });
      expect(again.statusCode).toBe(410);
      expect(again.body).toContain('Ce lien ne peut plus être utilisé');
      expect(again.body).toContain('Il a déjà servi ou a expiré.');
    });

    it('an organization whose default is Spanish: a member without a language of their own reads Spanish; a resolved incident has nothing to do', async () => {
      t = await createTestApp(dialect);
      expect((await t.app.inject({ method: 'PUT', url: '/api/v1/organization', headers: t.auth, payload: { organization: { default_locale: 'es-MX' } } })).statusCode).toBe(200);
      const bo = await addUser(t, 'Bo');
      const inc = await openIncident();
      expect((await t.app.inject({ method: 'PUT', url: `/api/v1/incidents/${inc.id}`, headers: t.auth, payload: { incident: { type: 'incident_reference', status: 'resolved' } } })).statusCode).toBe(200);
      const token = await createActionToken(t.db.handle.db, t.clock.now(), { orgId: t.org.org.id, incidentId: inc.id, userId: bo, action: 'resolve', channel: 'email' });
      const ask = await t.app.inject({ method: 'GET', url: `/a/${token}` });
      expect(ask.body).toContain('<html lang="es">');
      expect(ask.body).toContain(`¿Resolver el incidente n.º ${inc.number}?`);
      expect(ask.body).toContain('Estado actual: resuelto');
      const done = await t.app.inject({ method: 'POST', url: `/a/${token}`, headers: form, payload: '' });
      expect(done.statusCode).toBe(409);
      expect(done.body).toContain('<h1>Nada que hacer</h1>');
      expect(done.body).toContain(`El incidente n.º ${inc.number} ya está resuelto.`);
    });

    it('a link that names nobody answers in the browser\'s language among those Vigil speaks, else English', async () => {
      t = await createTestApp(dialect);
      const bogus = 'B'.repeat(43);
      const es = await t.app.inject({ method: 'GET', url: `/a/${bogus}`, headers: { 'accept-language': 'de-DE, es;q=0.8, en;q=0.5' } });
      expect(es.statusCode).toBe(404);
      expect(es.body).toContain('<html lang="es">');
      expect(es.body).toContain('Este enlace ya no se puede usar');
      expect(es.body).toContain('No es un enlace válido. Abra Vigil para actuar sobre el incidente.');
      const en = await t.app.inject({ method: 'GET', url: `/t/${bogus}`, headers: { 'accept-language': 'de-DE' } });
      expect(en.statusCode).toBe(404);
      expect(en.body).toContain('<html lang="en">');
      expect(en.body).toContain('This link can no longer be used');
    });
  });
}
