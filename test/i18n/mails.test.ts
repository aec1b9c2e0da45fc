/**
 * The mails outside the paging channels in the reader's language (issue 19 item 3), on both
 * dialects, through real SMTP servers: a status page whose first language is French sends its
 * confirmation and update mails in French; an invitation goes out in the organization's
 * default language (Spanish here) and a password reset in the member's own (French).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/server/lib/clock.js';
import type { Engine } from '../../src/server/engine/engine.js';
import { StatusSubscriptionsModule } from '../../src/server/engine/status-subscriptions/module.js';
import { DIALECTS, createTestApp, manualClock, serviceWithKey, type TestApp } from '../harness.js';
import { engineFor, realChannels, startSmtp, type Mailbox } from '../engine/fixtures.js';
import { createApp, enqueue, req, type Json } from '../api/helpers.js';
import { linkToken, mailbox, ownerWithPassword, signIn, smtpConfig } from '../web/helpers.js';
import { emailChangedNotice } from '../../src/server/account/mailer.js';

describe.each(DIALECTS)('status page mails in the page language (%s)', (dialect) => {
  let t: TestApp;
  let clock: ManualClock;
  let smtp: Mailbox;
  let engine: Engine;
  let svc: { serviceId: string; key: string };
  const slug = 'ecoute';
  const pub = (path: string, payload: unknown) => t.app.inject({ method: 'POST', url: `/api/v1/public/status/${slug}${path}`, remoteAddress: '10.9.0.1', payload: payload as Json });
  const pass = async () => {
    await new StatusSubscriptionsModule(t.db.handle.db, { baseUrl: 'http://vigil.test' }).tick(clock.now());
    await engine.runUntilIdle(clock.now());
  };

  beforeAll(async () => {
    clock = manualClock('2026-03-02T10:00:00Z');
    t = await createApp(dialect, { clock });
    smtp = await startSmtp();
    engine = engineFor(t, realChannels(smtp.port));
    svc = await serviceWithKey(t, 'events_v2', 'Chat');
    const put = await req(t, 'PUT', '/api/v1/status_page', { status_page: { enabled: true, slug, title: 'Ligne d’écoute', languages: ['fr', 'en'], components: [{ service_id: svc.serviceId, name: 'Tchat', group: 'Lignes' }] } });
    expect(put.statusCode, put.body).toBe(200);
  });
  afterAll(async () => {
    await engine.stop?.();
    await smtp.close();
    await t.close();
  });

  it('confirmation and update mails are in French, with French links and dates', async () => {
    const email = 'lectrice@example.org';
    expect((await pub('/subscriptions', { email })).statusCode).toBe(202);
    await pass();
    const confirm = await smtp.waitFor(email, /sans doute vous/);
    expect(confirm.subject).toBe('[Vigil] Confirmez votre abonnement à Ligne d’écoute');
    expect(confirm.text).toContain('Quelqu’un (sans doute vous) a demandé à recevoir les mises à jour de la page de statut Ligne d’écoute');
    expect(confirm.text).toMatch(/Confirmer : http:\/\/vigil\.test\/status\/ecoute\?confirm=/);
    expect(confirm.html).toContain('Confirmer l’abonnement');
    const token = /\?confirm=([A-Za-z0-9_-]+)/.exec(confirm.text ?? '')![1]!;
    expect((await pub('/subscriptions/confirm', { token })).statusCode).toBe(200);

    await enqueue(t, { routing_key: svc.key, event_action: 'trigger', dedup_key: 'fr-1', payload: { summary: 'internal', source: 'x', severity: 'critical' } });
    const inc = (await req(t, 'GET', `/api/v1/incidents?service_ids[]=${svc.serviceId}`)).json().incidents as Json[];
    const up = await req(t, 'POST', `/api/v1/incidents/${inc[0]!.id}/public_updates`, { public_update: { status: 'identified', message: 'Les réponses sont lentes' } });
    expect(up.statusCode, up.body).toBe(201);
    await pass();
    const m = await smtp.waitFor(email, /lentes/);
    expect(m.subject).toBe('[Vigil] Ligne d’écoute : Cause identifiée (Tchat)');
    expect(m.text).toContain('Cause identifiée : Les réponses sont lentes');
    expect(m.text).toContain('Concerne : Tchat');
    expect(m.text).toContain('Publié le 2 mars 2026');
    expect(m.text).toMatch(/Se désabonner : http:\/\/vigil\.test\/status\/ecoute\?unsubscribe=/);
    expect(m.html).toContain('Voir la page de statut');
    expect(m.text).not.toMatch(/Unsubscribe|Status page|Affects/);
  });
});

describe.each(DIALECTS)('account mails in the member language (%s)', (dialect) => {
  it('an invitation in the organization default (Spanish), a password reset in the member’s own (French)', async () => {
    const box = await mailbox();
    const t = await createTestApp(dialect, { config: smtpConfig(box.port) });
    try {
      await ownerWithPassword(t);
      const owner = await signIn(t);
      const org = await t.app.inject({ method: 'PUT', url: '/api/v1/organization', headers: owner.headers(true), payload: { organization: { default_locale: 'es-ES' } } });
      expect(org.statusCode, org.body).toBe(200);

      const inv = await t.app.inject({ method: 'POST', url: '/api/v1/invitations', headers: owner.headers(true), payload: { invitation: { email: 'lucia@harbor.example', name: 'Lucía', role: 'responder' } } });
      expect(inv.statusCode, inv.body).toBe(201);
      const invite = await box.next();
      expect(invite.subject).toBe('[Vigil] Le han invitado a Harbor Crisis Line');
      expect(invite.text).toContain('Hola, Lucía:');
      expect(invite.text).toMatch(/Elegir su contraseña: http:\/\/vigil\.test\/welcome#token=/);
      expect(invite.text).toMatch(/caduca en \d+ días\./);
      expect(invite.html).toContain('<html lang="es-ES">');
      linkToken(invite);

      const me = await t.app.inject({ method: 'PUT', url: `/api/v1/users/${t.org.user.id}`, headers: owner.headers(true), payload: { user: { locale: 'fr-FR' } } });
      expect(me.statusCode, me.body).toBe(200);
      expect((await t.app.inject({ method: 'POST', url: '/api/v1/password_resets', payload: { email: 'owner@harbor.example' } })).statusCode).toBe(202);
      const reset = await box.next();
      expect(reset.subject).toBe('[Vigil] Réinitialisez votre mot de passe pour Harbor Crisis Line');
      expect(reset.text).toContain('a demandé à réinitialiser le mot de passe Vigil de owner@harbor.example');
      expect(reset.text).toMatch(/Choisir un nouveau mot de passe : http:\/\/vigil\.test\/reset#token=/);
      expect(reset.text).toMatch(/expire dans \d+ minutes\./);
      expect(reset.html).toContain('<html lang="fr-FR">');
    } finally {
      await t.close();
      await box.close();
    }
  });
});

describe('the email change notice (pure)', () => {
  it('is worded in the member’s language and dated in their zone', () => {
    const at = Date.parse('2026-03-02T09:00:00Z');
    const base = { name: 'Lucía', orgName: 'Harbor', oldEmail: 'lucia@harbor.example', newEmail: 'l@harbor.example', at, undoUrl: 'http://vigil.test/reset#token=x', undoDays: 7 };
    const es = emailChangedNotice({ ...base, locale: 'es-ES', timeZone: 'Europe/Madrid', by: { self: false, name: 'Olive', role: 'owner' } });
    expect(es.subject).toBe('Se cambió su correo de inicio de sesión para Harbor');
    expect(es.text).toContain('pasó de lucia@harbor.example a l@harbor.example, por Olive (owner), el 2 mar 2026, 10:00 CET.');
    expect(es.text).toContain('durante 7 días');
    const en = emailChangedNotice({ ...base, locale: 'en-US', timeZone: 'UTC', by: { self: true } });
    expect(en.text).toContain('was changed from lucia@harbor.example to l@harbor.example, by you (or someone signed in as you), on Mar 2, 2026, 9:00 AM UTC.');
    expect(en.text.endsWith('If it was you, there is nothing to do.')).toBe(true);
  });
});
