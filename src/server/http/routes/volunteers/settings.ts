/** /api/v1/volunteer_settings: the terms volunteers consent to and the value of a volunteer hour. */
import { errorResponses } from '../../../../contract/common.js';
import { Settings, SettingsUpdate } from '../../../../contract/volunteer.js';
import * as settings from '../../../volunteer/settings.service.js';
import type { App, AppDeps } from '../../deps.js';
import { principalOf } from '../../plugins/auth.js';
import * as present from '../../presenters/volunteer.js';

export function volunteerSettingsRoutes(app: App, deps: AppDeps): void {
  const { db, clock } = deps;

  app.get(
    '/api/v1/volunteer_settings',
    { config: { permission: 'read', volunteerAccess: 'open' }, schema: { summary: 'The organization’s volunteer settings: current terms version, value of a volunteer hour', tags: ['volunteers'], response: { 200: Settings, ...errorResponses } } },
    async (request) => ({ volunteer_settings: present.settings(await settings.getSettings(db, principalOf(request).orgId)) }),
  );

  app.put(
    '/api/v1/volunteer_settings',
    { schema: { summary: 'Change the volunteer settings (a new terms version asks every volunteer to consent again before they are paged)', tags: ['volunteers'], body: SettingsUpdate, response: { 200: Settings, ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      return { volunteer_settings: present.settings(await settings.updateSettings(db, clock, principal.orgId, principal.userId, request.body.volunteer_settings)) };
    },
  );
}
