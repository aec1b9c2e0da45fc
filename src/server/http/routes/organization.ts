import { Type } from 'typebox';
import { errorResponses } from '../../../contract/common.js';
import { Organization, OrganizationUpdate } from '../../../contract/user.js';
import { setDefaultGrouping } from '../../service/service.service.js';
import { notFound } from '../../errors.js';
import { findOrganization, setDefaultLocale } from '../../org/org.service.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';

export function organizationRoutes(app: App, deps: AppDeps): void {
  app.get(
    '/api/v1/organization',
    { config: { permission: 'read' }, schema: { summary: 'The organization of the API token', tags: ['users'], response: { 200: Type.Object({ organization: Organization }), ...errorResponses } } },
    async (request) => {
      const org = await findOrganization(deps.db, principalOf(request).orgId);
      if (!org) throw notFound('organization');
      return { organization: deps.presenter.organization(org) };
    },
  );

  app.put(
    '/api/v1/organization',
    { schema: { summary: 'Change organization settings (admin): how new services group alerts, the language of members who chose none', tags: ['users'], body: OrganizationUpdate, response: { 200: Type.Object({ organization: Organization }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      const o = request.body.organization;
      if (o.default_locale !== undefined) await setDefaultLocale(deps.db, orgId, o.default_locale);
      if (o.default_alert_grouping_parameters !== undefined) await setDefaultGrouping(deps.db, orgId, o.default_alert_grouping_parameters);
      const org = await findOrganization(deps.db, orgId);
      if (!org) throw notFound('organization');
      return { organization: deps.presenter.organization(org) };
    },
  );
}
