/**
 * A team's status update subscriptions (PagerDuty's `/teams/{id}/notification_subscriptions`):
 * the team's members at the time a status update is sent hear it, on their status update
 * notification rules. Every member reads them; admins, owners and the team's managers change them.
 */
import { Type } from 'typebox';
import { IdParams, errorResponses } from '../../../contract/common.js';
import { SubscribablesBody, UnsubscribeAnswer } from '../../../contract/collab.js';
import { TeamSubscriptionList, TeamSubscriptionResults } from '../../../contract/team.js';
import { subscribeUser, unsubscribeUser, userSubscriptions } from '../../incident/status-update.service.js';
import { requireTeam, requireTeamManager } from '../../org/team.service.js';
import type { App, AppDeps } from '../deps.js';
import { principalOf } from '../plugins/auth.js';

const tags = ['teams'];

export function teamSubscriptionRoutes(app: App, deps: AppDeps): void {
  const { db } = deps;
  app.get(
    '/api/v1/teams/:id/notification_subscriptions',
    { config: { permission: 'read' }, schema: { summary: "The incidents whose status updates a team's members hear", tags, params: IdParams, response: { 200: TeamSubscriptionList, ...errorResponses } } },
    async (request) => {
      const { orgId } = principalOf(request);
      const team = await requireTeam(db, orgId, request.params.id);
      const subs = await userSubscriptions(db, orgId, team.id, 'team');
      return {
        subscriptions: subs.map((s) => ({ subscription: { subscriber_id: team.id, subscriber_type: 'team' as const, subscribable_id: s.subscribable_id, subscribable_type: 'incident' as const, account_id: orgId }, subscribable_name: s.title })),
        limit: subs.length,
        offset: 0,
        more: false,
        total: subs.length,
      };
    },
  );
  app.post(
    '/api/v1/teams/:id/notification_subscriptions',
    {
      config: { permission: 'read' },
      schema: { summary: "Subscribe a team to incidents' status updates: admins, owners and the team's own managers; anyone else 403", tags, params: IdParams, body: SubscribablesBody, response: { 200: TeamSubscriptionResults, ...errorResponses } },
    },
    async (request) => {
      const principal = principalOf(request);
      const team = await requireTeam(db, principal.orgId, request.params.id);
      await requireTeamManager(db, principal.orgId, team.id, principal);
      const out = await subscribeUser(deps, principal.orgId, team.id, request.body.subscribables, 'team');
      return { subscriptions: out.map((o) => ({ subscriber_id: team.id, subscriber_type: 'team' as const, subscribable_id: o.subscribable_id, subscribable_type: 'incident' as const, account_id: principal.orgId, result: o.result })) };
    },
  );
  app.post(
    '/api/v1/teams/:id/notification_subscriptions/unsubscribe',
    {
      config: { permission: 'read' },
      schema: { summary: "Unsubscribe a team from incidents' status updates: admins, owners and the team's own managers; anyone else 403", tags, params: IdParams, body: SubscribablesBody, response: { 200: UnsubscribeAnswer, ...errorResponses } },
    },
    async (request) => {
      const principal = principalOf(request);
      const team = await requireTeam(db, principal.orgId, request.params.id);
      await requireTeamManager(db, principal.orgId, team.id, principal);
      return unsubscribeUser(deps, principal.orgId, team.id, request.body.subscribables, 'team');
    },
  );
}
