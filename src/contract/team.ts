/** Teams on the wire, in PagerDuty REST v2 shape (GET|POST /teams, /teams/{id}, members, users, escalation policies). */
import { Type } from 'typebox';
import { Nullable, Reference } from './common.js';

export const Team = Type.Object({
  id: Type.String(),
  type: Type.Literal('team'),
  summary: Type.String(),
  self: Nullable(Type.String()),
  html_url: Nullable(Type.String()),
  name: Type.String(),
  description: Nullable(Type.String()),
  default_role: Type.String({ description: 'Always "manager": Vigil\'s teams are public, every member of the organization reads them' }),
  parent: Nullable(Reference('team_reference')),
  created_at: Type.String(),
  updated_at: Type.String(),
});

const fields = {
  type: Type.Optional(Type.String({ maxLength: 64, description: 'team' })),
  name: Type.String({ maxLength: 100 }),
  description: Type.Optional(Nullable(Type.String({ maxLength: 1024 }))),
  default_role: Type.Optional(Type.String({ maxLength: 16, description: 'Only "manager" (public): Vigil has no private teams' })),
  parent: Type.Optional(Nullable(Type.Object({ id: Type.String({ maxLength: 64 }), type: Type.Optional(Type.String({ maxLength: 64 })) }, { description: 'Only null: Vigil has no team hierarchy' }))),
};

export const TeamCreate = Type.Object({ team: Type.Object(fields) });
export const TeamUpdate = Type.Object({ team: Type.Object({ ...fields, name: Type.Optional(fields.name) }) });

export const TeamMember = Type.Object({
  user: Reference('user_reference'),
  role: Type.String({ description: 'observer, responder or manager' }),
});

export const TeamUserBody = Type.Object({
  role: Type.Optional(Type.String({ maxLength: 16, description: 'observer, responder or manager; a new member without one is a responder, a present one keeps theirs' })),
});

/** `team_ids[]` on the lists that PagerDuty filters by team; an unknown team is 400. */
export const TeamIdsQuery = {
  'team_ids[]': Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100, description: 'Only those belonging to any of these teams (400 names an unknown team)' })),
};

const TeamSubscription = {
  subscriber_id: Type.String(),
  subscriber_type: Type.Literal('team'),
  subscribable_id: Type.String(),
  subscribable_type: Type.Literal('incident'),
  account_id: Type.String(),
};

/** GET /teams/{id}/notification_subscriptions: the incidents whose status updates the team's members hear. */
export const TeamSubscriptionList = Type.Object({
  subscriptions: Type.Array(Type.Object({ subscription: Type.Object(TeamSubscription), subscribable_name: Nullable(Type.String()) })),
  limit: Type.Integer(),
  offset: Type.Integer(),
  more: Type.Boolean(),
  total: Type.Integer(),
});

export const TeamSubscriptionResults = Type.Object({ subscriptions: Type.Array(Type.Object({ ...TeamSubscription, result: Type.Union([Type.Literal('success'), Type.Literal('duplicate')]) })) });
