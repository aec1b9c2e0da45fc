/** Incident collaboration on the wire (PagerDuty REST v2 shapes): responder requests, status updates, subscriptions, status update rules, similar incidents. */
import { Type } from 'typebox';
import { Nullable, Reference, RefIn } from './common.js';

const Id = Type.String({ minLength: 1, maxLength: 64 });

export const NoteUpdate = Type.Object({ note: Type.Object({ content: Type.String({ minLength: 1, maxLength: 65_536 }) }) });
export const EditedNote = Type.Object({ id: Type.String(), user: Nullable(Reference('user_reference')), content: Type.String(), created_at: Type.String(), updated_at: Type.String() });

/** A target as PagerDuty documents it (`{type, id}`), or as PagerDuty's own examples send it (`{responder_request_target: {type, id}}`). */
const TargetIn = Type.Object({ type: Type.String({ maxLength: 64 }), id: Id, summary: Type.Optional(Type.String({ maxLength: 1024 })) });
export const ResponderRequestCreate = Type.Object({
  requester_id: Id,
  message: Type.String({ minLength: 1, maxLength: 4096 }),
  responder_request_targets: Type.Array(Type.Union([TargetIn, Type.Object({ responder_request_target: TargetIn })]), { minItems: 1, maxItems: 20 }),
});

export const IncidentResponder = Type.Object({
  state: Type.Union([Type.Literal('pending'), Type.Literal('joined'), Type.Literal('declined'), Type.Literal('user_cancelled')]),
  user: Reference('user_reference'),
  incident: Reference('incident_reference'),
  updated_at: Type.String(),
  message: Type.String(),
  requester: Reference('user_reference'),
  requested_at: Type.String(),
  escalation_policy_requests: Type.Array(Type.String()),
});

export const ResponderRequestAnswer = Type.Object({
  responder_request: Type.Object({
    id: Type.String(),
    incident: Reference('incident_reference'),
    requester: Reference('user_reference'),
    requested_at: Type.String(),
    message: Type.String(),
    responder_request_targets: Type.Array(Type.Object({ type: Type.String(), id: Type.String(), summary: Type.String(), incident_responders: Type.Array(IncidentResponder) })),
  }),
});

export const ResponderCancel = Type.Object({
  requester_id: Id,
  responder_request_targets: Type.Array(Type.Object({ type: Type.String({ maxLength: 64 }), id: Id }), { minItems: 1, maxItems: 20 }),
});
export const ResponderCancelAnswer = Type.Object({
  responder_request_targets: Type.Array(
    Type.Object({
      type: Type.Union([Type.Literal('user_reference'), Type.Literal('escalation_policy_reference')]),
      id: Type.String(),
      result: Type.Union([Type.Literal('cancelled'), Type.Literal('joined'), Type.Literal('declined'), Type.Literal('not_found')]),
    }),
  ),
});

export const StatusUpdateCreate = Type.Object({
  message: Type.String({ minLength: 1, maxLength: 65_536 }),
  subject: Type.Optional(Type.String({ minLength: 1, maxLength: 998 })),
  html_message: Type.Optional(Type.String({ minLength: 1, maxLength: 262_144 })),
});
export const StatusUpdateAnswer = Type.Object({
  status_update: Type.Object({ id: Type.String(), message: Type.String(), created_at: Type.String(), sender: Nullable(Reference('user_reference')), subject: Type.Optional(Type.String()), html_message: Type.Optional(Type.String()) }),
});

const SubscriberIn = Type.Object({ subscriber_id: Id, subscriber_type: Type.String({ maxLength: 32 }) });
export const SubscribersBody = Type.Object({ subscribers: Type.Array(SubscriberIn, { minItems: 1, maxItems: 100 }) });
const SubscribableIn = Type.Object({ subscribable_id: Id, subscribable_type: Type.String({ maxLength: 32 }) });
export const SubscribablesBody = Type.Object({ subscribables: Type.Array(SubscribableIn, { minItems: 1, maxItems: 100 }) });

const Subscription = {
  subscriber_id: Type.String(),
  subscriber_type: Type.Literal('user'),
  subscribable_id: Type.String(),
  subscribable_type: Type.Literal('incident'),
  account_id: Type.String(),
};
export const SubscriptionResults = Type.Object({ subscriptions: Type.Array(Type.Object({ ...Subscription, subscriber_type: Type.Union([Type.Literal('user'), Type.Literal('team')]), result: Type.Union([Type.Literal('success'), Type.Literal('duplicate'), Type.Literal('unauthorized')]) })) });
export const UnsubscribeAnswer = Type.Object({ deleted_count: Type.Integer(), unauthorized_count: Type.Integer(), non_existent_count: Type.Integer() });
export const SubscriberList = Type.Object({
  subscribers: Type.Array(Type.Object({ subscriber_id: Type.String(), subscriber_type: Type.Literal('user'), has_indirect_subscription: Type.Boolean(), subscribed_via: Nullable(Type.Array(Type.Object({ id: Type.String(), name: Type.String() }))) })),
  account_id: Type.String(),
  limit: Type.Integer(),
  offset: Type.Integer(),
  more: Type.Boolean(),
  total: Type.Integer(),
});
export const UserSubscriptionList = Type.Object({
  subscriptions: Type.Array(Type.Object({ subscription: Type.Object(Subscription), subscribable_name: Nullable(Type.String()) })),
  limit: Type.Integer(),
  offset: Type.Integer(),
  more: Type.Boolean(),
  total: Type.Integer(),
});

export const StatusRuleIn = Type.Object({ status_update_notification_rule: Type.Object({ contact_method: RefIn }) });
export const StatusRule = Type.Object({ id: Type.String(), type: Type.Literal('status_update_notification_rule'), summary: Type.String(), self: Type.String(), contact_method: Reference('email_contact_method_reference'), created_at: Type.String() });

const IncidentBrief = {
  id: Type.String(),
  created_at: Type.String(),
  self: Type.String(),
  title: Type.String(),
  incident_number: Type.Optional(Type.Integer()),
  type: Type.Optional(Type.String()),
  summary: Type.Optional(Type.String()),
  html_url: Type.Optional(Type.String()),
  status: Type.Optional(Type.String()),
  urgency: Type.Optional(Type.String()),
  service: Type.Optional(Reference('service_reference')),
};
export const PastIncidents = Type.Object({ past_incidents: Type.Array(Type.Object({ incident: Type.Object(IncidentBrief), score: Type.Number() })), total: Type.Integer(), limit: Type.Integer() });
export const RelatedIncidents = Type.Object({
  related_incidents: Type.Array(
    Type.Object({
      incident: Type.Object(IncidentBrief),
      relationships: Type.Array(Type.Object({ type: Type.String() })),
      vigil_relationship: Type.Object({ type: Type.Literal('shared_escalation_policy'), escalation_policy: Reference('escalation_policy_reference'), window_start: Type.String(), window_end: Type.String() }),
    }),
  ),
});
export const OutlierIncident = Type.Object({
  outlier_incident: Type.Object({
    incident: Type.Object({ ...IncidentBrief, occurrence: Type.Object({ count: Type.Integer(), frequency: Type.Number(), category: Type.Union([Type.Literal('anomaly'), Type.Literal('rare'), Type.Literal('frequent')]), since: Type.String(), until: Type.String() }) }),
    incident_template: Type.Object({ id: Type.String(), cluster_id: Type.String(), mined_text: Type.String() }),
  }),
});
