/**
 * Incident collaboration (PagerDuty REST v2): editing and deleting notes, responder requests,
 * status updates and their subscribers, and incidents like this one (past, related, outlier).
 */
import { Type } from 'typebox';
import { IdParams, errorResponses } from '../../../contract/common.js';
import {
  EditedNote,
  NoteUpdate,
  OutlierIncident,
  PastIncidents,
  RelatedIncidents,
  ResponderCancel,
  ResponderCancelAnswer,
  ResponderRequestAnswer,
  ResponderRequestCreate,
  StatusUpdateAnswer,
  StatusUpdateCreate,
  SubscriberList,
  SubscribersBody,
  SubscriptionResults,
  UnsubscribeAnswer,
} from '../../../contract/collab.js';
import { invalid } from '../../errors.js';
import { deleteNote, editNote } from '../../incident/notes.service.js';
import { cancelResponders, requestResponders, responderKind, type ResponderTarget } from '../../incident/responder.service.js';
import { outlierIncident, pastIncidents, relatedIncidents } from '../../incident/similar.service.js';
import { incidentSubscribers, publishStatusUpdate, subscribeToIncident, unsubscribeFromIncident } from '../../incident/status-update.service.js';
import { can } from '../../org/roles.js';
import { channelOf } from '../channel.js';
import type { App, AppDeps } from '../deps.js';
import { agentOf, principalOf } from '../plugins/auth.js';
import { arr, instant } from '../query.js';
import * as present from '../presenters/collab.js';

const tags = ['incidents'];
const NoteParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), note_id: Type.String({ minLength: 1, maxLength: 64 }) });
const Details = Type.Object({ 'additional_details[]': Type.Optional(Type.Union([Type.String({ maxLength: 32 }), Type.Array(Type.String({ maxLength: 32 }), { maxItems: 4 })])) });

/** `additional_details[]`: only `incident` (the incident in more detail) is known. */
function withIncidentDetails(v: unknown): boolean {
  const asked = arr(v) ?? [];
  const bad = asked.filter((x) => x !== 'incident');
  if (bad.length) throw invalid(`additional_details[]: ${bad.join(', ')} is not known (only incident)`);
  return asked.includes('incident');
}

/** Targets as kinds, each named by index when its type is unknown. */
function targetsOf(items: readonly ({ type: string; id: string } | { responder_request_target: { type: string; id: string } })[]): ResponderTarget[] {
  return items.map((item, i) => {
    const t = 'responder_request_target' in item ? item.responder_request_target : item;
    const kind = responderKind(t.type);
    if (!kind) throw invalid(`responder_request_targets[${i}].type: ${t.type} is not user_reference or escalation_policy_reference`);
    return { kind, id: t.id };
  });
}

function noteRoutes(app: App, deps: AppDeps): void {
  const config = { permission: 'respond' as const, memberRules: ['own_or_manager' as const] };
  app.put(
    '/api/v1/incidents/:id/notes/:note_id',
    { config, schema: { summary: "Edit a note's content (its author, or a manager)", tags, params: NoteParams, body: NoteUpdate, response: { 200: Type.Object({ note: EditedNote }), ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const content = request.body.note.content;
      if (!content.trim()) throw invalid('note.content must not be blank');
      const row = await editNote(deps, principal.orgId, request.params.id, request.params.note_id, content, agentOf(principal), can(principal.role, 'manage'));
      return { note: present.editedNote(deps.presenter, row) };
    },
  );
  app.delete(
    '/api/v1/incidents/:id/notes/:note_id',
    { config, schema: { summary: 'Delete a note (its author, or a manager)', tags, params: NoteParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (request, reply) => {
      const principal = principalOf(request);
      await deleteNote(deps, principal.orgId, request.params.id, request.params.note_id, agentOf(principal), can(principal.role, 'manage'));
      return reply.code(204).send(undefined as never);
    },
  );
}

function responderRoutes(app: App, deps: AppDeps): void {
  app.post(
    '/api/v1/incidents/:id/responder_requests',
    { config: { permission: 'respond' }, schema: { summary: 'Ask members, or whoever an escalation policy reaches now, to join the incident: each is paged', tags, params: IdParams, body: ResponderRequestCreate, response: { 200: ResponderRequestAnswer, ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const b = request.body;
      if (!b.message.trim()) throw invalid('message must not be blank');
      if (b.requester_id !== principal.userId && !can(principal.role, 'manage')) throw invalid(`requester_id: must be the caller (${principal.userId}); only a manager asks on another member's behalf`);
      const r = await requestResponders(deps, principal.orgId, request.params.id, { requesterId: b.requester_id, message: b.message, targets: targetsOf(b.responder_request_targets) }, agentOf(principal), channelOf(request));
      return { responder_request: present.responderRequest(deps.presenter, r) };
    },
  );
  app.put(
    '/api/v1/incidents/:id/responder_requests/cancel',
    { config: { permission: 'respond' }, schema: { summary: 'Cancel pending requests to join (pages not yet sent stop)', tags, params: IdParams, body: ResponderCancel, response: { 200: ResponderCancelAnswer, ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const b = request.body;
      if (b.requester_id !== principal.userId && !can(principal.role, 'manage')) throw invalid(`requester_id: must be the caller (${principal.userId}); only a manager cancels on another member's behalf`);
      const out = await cancelResponders(deps, principal.orgId, request.params.id, b.requester_id, targetsOf(b.responder_request_targets), agentOf(principal), channelOf(request));
      return { responder_request_targets: out.map((o) => ({ type: o.target.kind === 'user' ? ('user_reference' as const) : ('escalation_policy_reference' as const), id: o.target.id, result: o.result })) };
    },
  );
}

function statusUpdateRoutes(app: App, deps: AppDeps): void {
  app.post(
    '/api/v1/incidents/:id/status_updates',
    { config: { permission: 'respond' }, schema: { summary: "Publish a status update: on the timeline, and by email to the incident's subscribers", tags, params: IdParams, body: StatusUpdateCreate, response: { 200: StatusUpdateAnswer, ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const { update } = await publishStatusUpdate(deps, principal.orgId, request.params.id, request.body, agentOf(principal), channelOf(request), (id) => `${deps.presenter.baseUrl}/incidents/${id}`);
      return { status_update: present.statusUpdate(deps.presenter, update, principal.name) };
    },
  );
  app.get(
    '/api/v1/incidents/:id/status_updates/subscribers',
    { config: { permission: 'read' }, schema: { summary: "The incident's status update subscribers", tags, params: IdParams, response: { 200: SubscriberList, ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const { subscribers } = await incidentSubscribers(deps.db, principal.orgId, request.params.id);
      return { subscribers: subscribers.map((x) => ({ subscriber_id: x.id, subscriber_type: 'user' as const, has_indirect_subscription: x.via.length > 0, subscribed_via: x.via.length ? x.via : null })), account_id: principal.orgId, limit: subscribers.length, offset: 0, more: false, total: subscribers.length };
    },
  );
  app.post(
    '/api/v1/incidents/:id/status_updates/subscribers',
    { config: { permission: 'respond' }, schema: { summary: "Subscribe members or teams (a team's members when an update is sent) to the incident's status updates", tags, params: IdParams, body: SubscribersBody, response: { 200: SubscriptionResults, ...errorResponses } } },
    async (request) => {
      const principal = principalOf(request);
      const { incident, results } = await subscribeToIncident(deps, principal.orgId, request.params.id, request.body.subscribers);
      return { subscriptions: results.map((r) => ({ subscriber_id: r.subscriber_id, subscriber_type: r.subscriber_type, subscribable_id: incident.id, subscribable_type: 'incident' as const, account_id: principal.orgId, result: r.result })) };
    },
  );
  app.post(
    '/api/v1/incidents/:id/status_updates/unsubscribe',
    { config: { permission: 'respond' }, schema: { summary: "Unsubscribe members from the incident's status updates", tags, params: IdParams, body: SubscribersBody, response: { 200: UnsubscribeAnswer, ...errorResponses } } },
    async (request) => unsubscribeFromIncident(deps, principalOf(request).orgId, request.params.id, request.body.subscribers),
  );
}

function similarRoutes(app: App, deps: AppDeps): void {
  const PastQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 999, default: 5 })), total: Type.Optional(Type.Boolean()) });
  app.get(
    '/api/v1/incidents/:id/past_incidents',
    { config: { permission: 'read' }, schema: { summary: "Past incidents of the service (6 months) like this one, scored 0-100", tags, params: IdParams, querystring: PastQuery, response: { 200: PastIncidents, ...errorResponses } } },
    async (request) => {
      const limit = request.query.limit ?? 5;
      const r = await pastIncidents(deps.db, principalOf(request).orgId, request.params.id, limit);
      return { past_incidents: r.past.map((x) => ({ incident: present.incidentBrief(deps.presenter, x.incident, false), score: x.score })), total: r.total, limit };
    },
  );
  app.get(
    '/api/v1/incidents/:id/related_incidents',
    { config: { permission: 'read' }, schema: { summary: 'Incidents on other services under the same escalation policy, open at the same time', tags, params: IdParams, querystring: Details, response: { 200: RelatedIncidents, ...errorResponses } } },
    async (request) => {
      const full = withIncidentDetails(request.query['additional_details[]']);
      const r = await relatedIncidents(deps.db, principalOf(request).orgId, request.params.id, deps.clock.now());
      return { related_incidents: r.related.map((x) => present.related(deps.presenter, x, r, full)) };
    },
  );
  const OutlierQuery = Type.Object({ since: Type.Optional(Type.String({ maxLength: 64 })), ...Details.properties });
  app.get(
    '/api/v1/incidents/:id/outlier_incident',
    { config: { permission: 'read' }, schema: { summary: "How often this incident's title happened on its service: anomaly, rare or frequent", tags, params: IdParams, querystring: OutlierQuery, response: { 200: OutlierIncident, ...errorResponses } } },
    async (request) => {
      const full = withIncidentDetails(request.query['additional_details[]']);
      const now = deps.clock.now();
      const since = instant(request.query.since, 'since');
      if (since !== undefined && since >= now) throw invalid('since must be in the past');
      const o = await outlierIncident(deps.db, principalOf(request).orgId, request.params.id, now, since);
      return { outlier_incident: present.outlier(deps.presenter, o, full) };
    },
  );
}

export function incidentCollabRoutes(app: App, deps: AppDeps): void {
  noteRoutes(app, deps);
  responderRoutes(app, deps);
  statusUpdateRoutes(app, deps);
  similarRoutes(app, deps);
}
