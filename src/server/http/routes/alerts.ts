import { Type } from 'typebox';
import { IdParams, PageQuery, Pagination, errorResponses } from '../../../contract/common.js';
import { Alert, AlertUpdate, AlertsUpdate } from '../../../contract/incident.js';
import { changeIncidentAlert, changeIncidentAlerts, incidentAlert } from '../../incident/alert.service.js';
import { incidentAlerts } from '../../incident/incident-read.service.js';
import { channelOf } from '../channel.js';
import type { App, AppDeps } from '../deps.js';
import { agentOf, principalOf } from '../plugins/auth.js';
import { page } from '../presenters/common.js';

const AlertParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), alert_id: Type.String({ minLength: 1, maxLength: 64 }) });

export function alertRoutes(app: App, deps: AppDeps): void {
  const { db, presenter: p } = deps;

  app.get(
    '/api/v1/incidents/:id/alerts',
    { config: { permission: 'read' }, schema: { summary: "An incident's alerts", tags: ['incidents'], params: IdParams, querystring: Type.Object(PageQuery), response: { 200: Type.Object({ alerts: Type.Array(Alert), ...Pagination }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      const limit = request.query.limit ?? 25;
      const offset = request.query.offset ?? 0;
      const { rows, total, serviceName } = await incidentAlerts(db, orgId, request.params.id, limit, offset);
      return page('alerts', rows.map((a) => p.alert(a, serviceName, null)), limit, offset, total, request.query.total);
    },
  );

  // One alert, and changing alerts (incident/alert.service.ts: resolve, or move to another open incident).
  const present = async (orgId: string, incidentId: string, alertId: string) => {
    const { alert, serviceName } = await incidentAlert(db, orgId, incidentId, alertId);
    return p.alert(alert, serviceName, null);
  };

  app.get(
    '/api/v1/incidents/:id/alerts/:alert_id',
    { config: { permission: 'read', volunteerAccess: 'incident' }, schema: { summary: 'Get an alert of an incident', tags: ['incidents'], params: AlertParams, response: { 200: Type.Object({ alert: Alert }), ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      return { alert: await present(orgId, request.params.id, request.params.alert_id) };
    },
  );

  app.put(
    '/api/v1/incidents/:id/alerts/:alert_id',
    {
      config: { permission: 'respond' },
      schema: {
        summary: 'Resolve an alert (its incident resolves with its last open alert), or move it to another open incident (both timelines say so)',
        tags: ['incidents'],
        params: AlertParams,
        body: AlertUpdate,
        response: { 200: Type.Object({ alert: Alert }), ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const a = await changeIncidentAlert(deps, principal.orgId, request.params.id, request.params.alert_id, request.body.alert, agentOf(principal), channelOf(request));
      return { alert: await present(principal.orgId, a.incident_id!, a.id) };
    },
  );

  app.put(
    '/api/v1/incidents/:id/alerts',
    {
      // Moving alerts reaches other incidents: staff only (the GET of this path is open to volunteers).
      config: { permission: 'respond', volunteerAccess: 'deny' },
      schema: {
        summary: 'Resolve or move several alerts of an incident (at most 250), all or none',
        tags: ['incidents'],
        params: IdParams,
        body: AlertsUpdate,
        response: { 200: Type.Object({ alerts: Type.Array(Alert), ...Pagination }), ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const out = await changeIncidentAlerts(deps, principal.orgId, request.params.id, request.body.alerts, agentOf(principal), channelOf(request));
      const alerts = [];
      for (const a of out) alerts.push(await present(principal.orgId, a.incident_id!, a.id));
      return page('alerts', alerts, alerts.length, 0, alerts.length, true);
    },
  );
}
