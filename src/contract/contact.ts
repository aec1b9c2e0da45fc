/**
 * Contact methods, notification rules and on-call readiness on the wire.
 * PagerDuty's type names (email_contact_method, sms_contact_method,
 * phone_contact_method) are answered; the short forms are accepted too, as are
 * Vigil's webhook_contact_method and slack_contact_method.
 */
import { Type } from 'typebox';
import { Nullable, Reference, RefIn } from './common.js';

const ContactFields = {
  type: Type.String({ maxLength: 64, description: 'email, sms, phone (voice), webhook, slack, ntfy, push_notification, discord, teams or matrix; the *_contact_method forms are accepted too. telegram methods are made by linking a chat (POST /api/v1/users/{id}/telegram_link), not here' }),
  address: Type.String({
    minLength: 1,
    maxLength: 2048,
    description: 'An email address, an E.164 phone number (+14155550100), an http(s) URL, an ntfy server URL ending in / (a topic is generated) or topic URL; for push_notification, optional (the subscription endpoint). Chat: see docs/channels.md (a Discord webhook URL https://discord.com/api/webhooks/<id>/<token>, a Teams workflow URL, a Matrix homeserver URL with room_id)',
  }),
  label: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 100 })])),
  country_code: Type.Optional(Type.Integer({ minimum: 1, maximum: 1999, description: 'PagerDuty style: with a national number in address, instead of E.164' })),
  send_short_email: Type.Optional(Type.Boolean()),
  access_token: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 256, description: 'ntfy: an access token (tk_...) for a protected topic, null removes it; matrix (required): the bot account access token. Write-only, never answered' })])),
  room_id: Type.Optional(Type.String({ maxLength: 255, description: 'matrix: the room id (!opaque:example.org) the bot has joined; the answered address is <homeserver>/#<room id>' })),
  matrix_user_id: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 255, description: 'matrix: the Matrix user the owner writes from (@ada:example.org); with a Matrix sync configured, their "ack <number>" in the room acknowledges as the owner. null clears it' })])),
  subscription: Type.Optional(
    Type.Unknown({ description: "push_notification: the browser's PushSubscription.toJSON(), {endpoint, expirationTime, keys: {p256dh, auth}}; stored write-only" }),
  ),
};

export const ContactMethodCreate = Type.Object({ contact_method: Type.Object({ ...ContactFields, address: Type.Optional(ContactFields.address) }) });
export const ContactMethodUpdate = Type.Object({ contact_method: Type.Partial(Type.Object(ContactFields)) });

export const ContactMethod = Type.Object({
  id: Type.String(),
  type: Type.String({ description: 'email_contact_method, sms_contact_method, phone_contact_method, webhook_contact_method, slack_contact_method, ntfy_contact_method, push_notification_contact_method, discord_contact_method, teams_contact_method, matrix_contact_method or telegram_contact_method (address: the Telegram chat id)' }),
  summary: Type.String(),
  self: Nullable(Type.String()),
  html_url: Nullable(Type.String()),
  label: Type.String(),
  address: Type.String({ description: "sms and phone methods: the national number (PagerDuty), with country_code the E.164 number. In full for the method's own user (and in the answer that created it); anyone else sees a masked hint such as •••@example.org or a number with only its last digits. Slack, Discord and Teams webhook URLs are write-only: always a hint (scheme and host). Sending the hint back on update keeps the stored address." }),
  country_code: Type.Optional(Type.Integer({ minimum: 1, maximum: 1999, description: 'sms and phone methods: the country calling code' })),
  user: Reference('user_reference'),
  enabled: Type.Boolean({ description: 'True once verified: only verified methods are paged.' }),
  verified: Type.Boolean(),
  verified_at: Nullable(Type.String()),
  verification_pending: Type.Boolean({ description: 'A code was sent and has not expired.' }),
  created_at: Type.String(),
  secret: Type.Optional(Type.String({ description: 'webhook methods: the signing secret, returned once when the method is created.' })),
  matrix_user_id: Type.Optional(Nullable(Type.String({ description: 'matrix methods: the Matrix user whose replies in the room act as the owner' }))),
});

export const VerifyBody = Type.Object({ code: Type.String({ minLength: 1, maxLength: 16 }) });

export const VerificationSent = Type.Object({
  contact_method: ContactMethod,
  verification: Type.Object({ expires_at: Type.String(), attempts_allowed: Type.Integer() }),
});

const RuleFields = {
  type: Type.Optional(Type.String({ maxLength: 64 })),
  start_delay_in_minutes: Type.Integer({ description: 'Minutes after the page before this method is used (0 to 1440).' }),
  contact_method: RefIn,
  urgency: Type.Optional(Type.String({ maxLength: 8, description: 'high (default) or low' })),
};

export const NotificationRuleCreate = Type.Object({ notification_rule: Type.Object(RuleFields) });
export const NotificationRuleUpdate = Type.Object({ notification_rule: Type.Partial(Type.Object(RuleFields)) });

export const NotificationRule = Type.Object({
  id: Type.String(),
  type: Type.Literal('assignment_notification_rule'),
  summary: Type.String(),
  self: Nullable(Type.String()),
  html_url: Nullable(Type.String()),
  start_delay_in_minutes: Type.Integer(),
  contact_method: Reference('email_contact_method_reference'),
  urgency: Type.String(),
  created_at: Type.String(),
});

export const ReadinessEntry = Type.Object({
  user: Reference('user_reference'),
  on_call_now: Type.Boolean(),
  first_shift_start: Type.String({ description: 'When the first on-call shift in the window starts (in the past if it is under way; now for a direct policy target).' }),
  first_shift_end: Nullable(Type.String({ description: 'null for a direct policy target: permanently on call.' })),
  reason: Type.String({ description: 'Why nobody could page them: no_contact_method, no_verified_contact_method or no_notification_rule' }),
  detail: Type.String(),
  via: Type.Array(
    Type.Object({
      schedule: Nullable(Reference('schedule_reference')),
      escalation_policy: Nullable(Reference('escalation_policy_reference')),
      escalation_level: Nullable(Type.Integer()),
    }),
  ),
  contact_methods: Type.Object({ total: Type.Integer(), verified: Type.Integer() }),
});

export const Readiness = Type.Object({
  since: Type.String(),
  until: Type.String(),
  days: Type.Integer(),
  users: Type.Array(ReadinessEntry),
  unconfirmed_contact_methods: Type.Array(
    Type.Object({
      user: Reference('user_reference'),
      contact_method: Type.Object({ id: Type.String(), type: Type.String(), label: Type.String() }),
      status: Type.String({ description: 'never (no scheduled test yet), unconfirmed (the last test was not confirmed) or confirmed (more than 31 days ago)' }),
      last_test_sent_at: Nullable(Type.String()),
      last_confirmed_at: Nullable(Type.String()),
    }),
    { description: 'With scheduled test pages on: verified contact methods of the people on call in the window whose test page was not confirmed within 31 days, or never.' },
  ),
});

/** A test page, queued to each verified contact method (their labels). */
export const TestPageQueued = Type.Object({ queued: Type.Integer(), contact_methods: Type.Array(Type.String()) });
