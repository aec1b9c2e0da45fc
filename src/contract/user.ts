import { Type } from 'typebox';
import { Nullable, Reference } from './common.js';
import { AlertGroupingParameters } from './service.js';

export const RoleSchema = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('responder'), Type.Literal('volunteer'), Type.Literal('observer')]);

export const User = Type.Object({
  id: Type.String(),
  type: Type.Literal('user'),
  summary: Type.String(),
  self: Nullable(Type.String()),
  html_url: Nullable(Type.String()),
  name: Type.String(),
  email: Type.String(),
  role: Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('user'), Type.Literal('limited_user'), Type.Literal('observer')], { description: "PagerDuty's role: a responder is `user`, a volunteer `limited_user`" }),
  vigil_role: RoleSchema,
  time_zone: Nullable(Type.String()),
  locale: Nullable(Type.String({ description: "The member's language and region (BCP 47: en-US, fr-FR, es-ES); null: the organization's default_locale. Emails, SMS, calls and push are written in it." })),
  created_at: Type.String(),
  teams: Type.Array(Reference('team_reference')),
  contact_methods: Type.Array(Type.Any()),
  notification_rules: Type.Array(Type.Any()),
});

const UserFields = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  email: Type.String({ minLength: 3, maxLength: 100, pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$' }),
  role: Type.Optional(RoleSchema),
  time_zone: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  locale: Type.Optional(Nullable(Type.String({ maxLength: 35, description: 'en, fr or es, optionally with a region (en-US, fr-FR, es-ES); null: the organization default' }))),
  type: Type.Optional(Type.String()),
};
export const UserCreate = Type.Object({ user: Type.Object(UserFields) });
export const UserUpdate = Type.Object({
  user: Type.Partial(
    Type.Object({
      ...UserFields,
      current_password: Type.String({ maxLength: 1024, description: 'Your current password, to change your own email (or sign in again: a sign-in under 10 minutes old is enough)' }),
    }),
  ),
});

/** What a token may do, within its member's role: read (nothing changes), incidents_write (read, and act on incidents), full. */
export const TokenScope = Type.Union([Type.Literal('read'), Type.Literal('incidents_write'), Type.Literal('full')], { description: 'read: reads only; incidents_write: reads and incident actions (acknowledge, resolve, notes, reassign); full: everything the member’s role allows. Default full.' });

export const ApiToken = Type.Object({
  id: Type.String(),
  type: Type.Literal('api_token'),
  description: Type.String(),
  user: Type.Object({ id: Type.String(), type: Type.String(), summary: Type.Optional(Type.String()) }),
  created_at: Type.String(),
  scope: TokenScope,
  expires_at: Type.Union([Type.String(), Type.Null()], { description: 'When the token stops working (null: never).' }),
  last_used_at: Type.Union([Type.String(), Type.Null()], { description: 'When the token was last used, to the minute (null: never used).' }),
  token: Type.Optional(Type.String({ description: 'Shown once, when the token is created. Stored hashed.' })),
});
export const ApiTokenCreate = Type.Object({
  api_token: Type.Object(
    {
      description: Type.String({ minLength: 1, maxLength: 255 }),
      user: Type.Optional(Type.Object({ id: Type.String() })),
      scope: Type.Optional(TokenScope),
      expires_at: Type.Optional(Type.Union([Type.String({ description: 'ISO 8601 date-time, in the future' }), Type.Null()])),
    },
    { additionalProperties: false },
  ),
});

export const Organization = Type.Object({
  id: Type.String(),
  type: Type.Literal('organization'),
  name: Type.String(),
  time_zone: Type.String(),
  default_locale: Type.String({ description: 'The language of members who chose none (BCP 47: en-US, fr-FR, es-ES)' }),
  created_at: Type.String(),
  default_alert_grouping_parameters: AlertGroupingParameters,
});

export const OrganizationUpdate = Type.Object({
  organization: Type.Object({
    default_alert_grouping_parameters: Type.Optional(Type.Unknown({ description: 'How new services group alerts (PagerDuty alert_grouping_parameters); existing services keep theirs' })),
    default_locale: Type.Optional(Type.String({ maxLength: 35, description: 'The language of members who chose none: en, fr or es, optionally with a region (fr-FR)' })),
  }),
});
