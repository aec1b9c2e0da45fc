/**
 * Issue 14 item 7 (in part): account management is in the audit log — members added and
 * removed, role, email and detail changes, API tokens created and revoked, invitations sent —
 * with who did it; addresses never appear in it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, createTestApp, type TestApp } from '../harness.js';
import { req, type Json } from '../api/helpers.js';

for (const dialect of DIALECTS) {
  describe(`account changes in the audit log [${dialect}]`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp(dialect);
    });
    afterAll(async () => t.close());

    it('records each change with its actor and resource', async () => {
      const ada = (await req(t, 'POST', '/api/v1/users', { user: { name: 'Ada', email: 'ada@harbor.example', role: 'responder' } })).json().user as Json;
      expect((await req(t, 'PUT', `/api/v1/users/${ada.id}`, { user: { role: 'admin', name: 'Ada L', email: 'ada.l@harbor.example' } })).statusCode).toBe(200);
      const tk = (await req(t, 'POST', '/api/v1/api_tokens', { api_token: { description: 'for ada', user: { id: ada.id } } })).json().api_token as Json;
      expect((await req(t, 'DELETE', `/api/v1/api_tokens/${tk.id}`)).statusCode).toBe(204);
      const inv = (await req(t, 'POST', '/api/v1/invitations', { invitation: { email: 'bo@harbor.example', role: 'observer' } })).json().user as Json;
      expect((await req(t, 'DELETE', `/api/v1/users/${inv.id}`)).statusCode).toBe(204);

      const r = await req(t, 'GET', '/api/v1/audit_log?limit=100');
      expect(r.statusCode, r.body).toBe(200);
      const entries = (r.json().audit_log as Json[]).map((e) => JSON.stringify(e));
      const has = (action: string, resource: string) => expect(entries.some((e) => e.includes(action) && e.includes(resource) && e.includes(t.org.user.id)), `${action} ${resource}`).toBe(true);
      has('user.create responder', `users/${ada.id}`);
      has('user.role_change responder→admin', `users/${ada.id}`);
      has('user.update name', `users/${ada.id}`);
      has('user.email_change', `users/${ada.id}`);
      has('api_token.create', `users/${ada.id}/api_tokens/${tk.id}`);
      has('api_token.revoke', `users/${ada.id}/api_tokens/${tk.id}`);
      has('invitation.send observer', `users/${inv.id}`);
      has('user.remove observer', `users/${inv.id}`);
      expect(r.body).not.toContain('ada.l@harbor.example');
    });
  });
}
