/**
 * Web Push's application server key (VAPID, RFC 8292): any member reads the public key to
 * subscribe a device; admins rotate it. The private key is never answered.
 */
import { Type } from 'typebox';
import { errorResponses } from '../../../contract/common.js';
import { iso } from '../../lib/clock.js';
import { currentVapidKey, rotateVapidKey } from '../../notify/vapid.service.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';

const VapidKey = Type.Object({
  vapid_key: Type.Object({
    public_key: Type.String({ description: 'The uncompressed P-256 public key, base64url: pass it as applicationServerKey to pushManager.subscribe().' }),
    created_at: Type.String(),
  }),
});

export function pushRoutes(app: App, deps: AppDeps): void {
  app.get(
    '/api/v1/push/vapid_key',
    { config: { permission: 'read', volunteerAccess: 'open' }, schema: { summary: "The organization's Web Push application server key (created on first use)", tags: ['contact methods'], response: { 200: VapidKey, ...errorResponses } } },
    async (request) => {
      const key = await currentVapidKey(deps.db, principalOf(request).orgId, deps.clock.now());
      return { vapid_key: { public_key: key.public_key, created_at: iso(Number(key.created_at)) } };
    },
  );

  app.post(
    '/api/v1/push/vapid_key/rotate',
    {
      schema: {
        summary: 'Admins: replace the Web Push key. Devices subscribed with the old key keep receiving until they subscribe again (the web app does so when opened).',
        tags: ['contact methods'],
        response: { 200: VapidKey, ...errorResponses },
      },
    },
    async (request) => {
      const key = await rotateVapidKey(deps.db, principalOf(request).orgId, deps.clock.now());
      return { vapid_key: { public_key: key.public_key, created_at: iso(Number(key.created_at)) } };
    },
  );
}
