/**
 * Incident actions that reduce noise, at PagerDuty's paths: snooze (the incident triggers
 * again when it ends) and merge (the sources' alerts move to the target and the sources
 * resolve). What each does is in incident/snooze.service.ts and incident/merge.service.ts.
 */
import { Type } from 'typebox';
import { IdParams, errorResponses } from '../../../contract/common.js';
import { Incident, IncidentMerge, IncidentSnooze } from '../../../contract/incident.js';
import { mergeIncidents } from '../../incident/merge.service.js';
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

  app.put(
    '/api/v1/incidents/:id/merge',
    {
      config: { permission: 'respond' },
      schema: {
        summary: 'Merge open incidents into this one: their open alerts move here and each is resolved ("Merged into #N"); answers this incident',
        tags: ['incidents'],
        params: IdParams,
        body: IncidentMerge,
        response: { 200: Type.Object({ incident: Incident }), ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const inc = await mergeIncidents(deps, principal.orgId, request.params.id, request.body.source_incidents, agentOf(principal), channelOf(request));
      return { incident: (await present(deps, inc.org_id, [inc]))[0]! };
    },
  );
}
