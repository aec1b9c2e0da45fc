/**
 * SMS providers on the wire (admins): an organization's ordered carriers with write-only
 * credentials and recent health, and the monthly spend cap. Unknown fields are refused by
 * name by the service (the objects allow them through so the answer can say which).
 */
import { Type } from 'typebox';
import { Nullable } from './common.js';

const providerFields = {
  name: Type.Optional(Type.String({ description: 'A name for people (shown on the timeline when a message goes through or fails over from this provider).' })),
  from: Type.Optional(Nullable(Type.String({ description: 'The number (E.164) or alphanumeric sender id to send from. Required for vonage, plivo and twilio; refused for android_gateway (the phone sends from its SIM).' }))),
  base_url: Type.Optional(Nullable(Type.String({ description: "The API root: required for android_gateway (the phone's local server, e.g. http://192.168.1.20:8080, or https://api.sms-gate.app/3rdparty/v1); optional elsewhere (null: the provider's public API)." }))),
  credentials: Type.Optional(
    Type.Object({}, {
      additionalProperties: true,
      description: 'Write-only. vonage: {application_id, private_key} (JWT) or {api_key, api_secret}, plus signature_secret to accept replies; plivo: {auth_id, auth_token}; android_gateway: {username, password}, plus webhook_signing_key to accept replies; twilio: {account_sid, auth_token}.',
    }),
  ),
  cost_per_message: Type.Optional(Type.Number({ description: "Estimated cost of one message in the organization's currency (e.g. 0.0075), counted against the monthly spend cap." })),
  timeout_seconds: Type.Optional(Type.Number({ description: 'How long one request may take before the next provider is tried (0.5 to 30; default 10).' })),
};

export const SmsProviderCreate = Type.Object({
  sms_provider: Type.Object({ type: Type.String({ description: 'vonage, plivo, android_gateway or twilio.' }), ...providerFields }, { additionalProperties: true }),
});

export const SmsProviderUpdate = Type.Object({
  sms_provider: Type.Object(providerFields, { additionalProperties: true, description: 'Fields given replace the stored ones; credentials, when given, replace all of them. The type cannot change.' }),
});

const Health = Type.Object({
  window_hours: Type.Number(),
  successes: Type.Number(),
  failures: Type.Number(),
  last_success_at: Nullable(Type.String()),
  last_failure_at: Nullable(Type.String()),
  last_failure_reason: Nullable(Type.String()),
  status: Type.Union([Type.Literal('healthy'), Type.Literal('degraded'), Type.Literal('failing'), Type.Literal('unknown')], { description: 'unknown: no tries in the window; failing: the latest try failed and none succeeded; degraded: some failed.' }),
});

const SmsProviderView = Type.Object({
  id: Type.String(),
  type: Type.String(),
  name: Type.String(),
  position: Type.Number({ description: '1 is tried first.' }),
  from: Nullable(Type.String()),
  base_url: Nullable(Type.String()),
  credentials_set: Type.Array(Type.String(), { description: 'The names of the stored credential fields; their values are never answered.' }),
  cost_per_message: Type.Number(),
  timeout_seconds: Type.Number(),
  health: Health,
  inbound_url: Nullable(Type.String({ description: "Where the provider sends replies to pages (Vonage inbound URL, Plivo application's message_url, android-sms-gateway `sms:received` webhook); they must be signed with the provider's secret (vonage: credentials.signature_secret; plivo: the auth token; android_gateway: credentials.webhook_signing_key). null for twilio: replies go to /v1/twilio/sms." })),
  created_at: Type.String(),
  updated_at: Type.String(),
});

export const SmsProvider = Type.Object({ sms_provider: SmsProviderView });
export const SmsProviderList = Type.Object({ sms_providers: Type.Array(SmsProviderView) });

export const SmsProviderOrder = Type.Object({
  sms_provider_ids: Type.Array(Type.String(), { description: 'Every provider of the organization, once each, in the order to try them.' }),
});

export const SmsSpendUpdate = Type.Object({
  sms_spend: Type.Object({ monthly_cap: Type.Optional(Nullable(Type.Number({ description: "In the organization's currency; null removes the cap." }))) }, { additionalProperties: true }),
});

export const SmsSpend = Type.Object({
  sms_spend: Type.Object({
    month: Type.String({ description: 'YYYY-MM (UTC).' }),
    monthly_cap: Nullable(Type.Number()),
    spent: Type.Number({ description: "Estimated cost of the SMS sent through the organization's providers this month." }),
    percent_used: Nullable(Type.Number()),
    warned_at_80_percent: Type.Boolean({ description: "Whether this month's 80% warning went to the admins." }),
    low_urgency_sms_paused: Type.Boolean({ description: 'The cap is reached: low-urgency SMS are not sent (the next contact method is used); high urgency still goes out.' }),
  }),
});
