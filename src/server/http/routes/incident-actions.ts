/**
 * Incident actions that reduce noise, at PagerDuty's paths: snooze (the incident triggers
 * again when it ends). What it does is in incident/snooze.service.ts.
 */
import { Type } from 'typebox';
import { IdParams, errorResponses } from '../../../contract/common.js';
import { Incident, IncidentSnooze } from '../../../contract/incident.js';
import { snoozeIncident } from '../../incident/snooze.service.js';
import { channelOf } from '../channel.js';
import type { App, AppDeps } from '../deps.js';
import { agentOf, principalOf } from '../plugins/auth.js';
import { present } from './incidents.js';

export function incidentActionRoutes(app: App, deps: AppDeps): void {
  app.post(
    '/api/v1/incidents/:id/snooze',
    {
      // A volunteer may snooze an incident they may act on, as they may acknowledge it.
      config: { permission: 'respond', volunteerAccess: 'incident' },
      schema: {
        summary: 'Snooze an acknowledged incident for `duration` seconds (at most a week): its timeouts wait, and it triggers again, from the first escalation level, when the snooze ends',
        tags: ['incidents'],
        params: IdParams,
        body: IncidentSnooze,
        response: { 201: Type.Object({ incident: Incident }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const inc = await snoozeIncident(deps, principal.orgId, request.params.id, request.body.duration, agentOf(principal), channelOf(request));
      return reply.code(201).send({ incident: (await present(deps, inc.org_id, [inc]))[0]! });
    },
  );
}
