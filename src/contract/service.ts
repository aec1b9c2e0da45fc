import { Type } from 'typebox';
import { Nullable, Reference, RefIn } from './common.js';

export const IntegrationType = Type.Union([Type.Literal('events_v2'), Type.Literal('alertmanager'), Type.Literal('heartbeat'), Type.Literal('impact'), Type.Literal('opsgenie'), Type.Literal('generic_webhook'), Type.Literal('email')]);

const expr = (what: string) => Type.Optional(Type.String({ maxLength: 4096, description: `A JSONata expression giving ${what}` }));
/** A generic webhook's mapping (service/webhook-mapping.ts); checked by the service, so an unknown or bad field is refused by name. */
export const WebhookMapping = Type.Object(
  {
    events: expr('the items that each become one event (e.g. alerts); the other expressions then run on each item, the whole payload as $payload'),
    summary: expr("the alert's summary (required)"),
    source: expr('the source (host, URL)'),
    severity: expr('a value looked up in severity_map, else taken as critical, error, warning or info (anything else: error)'),
    severity_map: Type.Optional(Nullable(Type.Record(Type.String(), Type.String(), { description: 'payload value -> critical | error | warning | info (null clears it)' }))),
    dedup_key: expr('the dedup key (missing: a hash of summary and source)'),
    action: expr('a value looked up in action_map, else taken as trigger, acknowledge or resolve (nothing: trigger; anything else: a mapping error)'),
    action_map: Type.Optional(Nullable(Type.Record(Type.String(), Type.String(), { description: 'payload value -> trigger | acknowledge | resolve (null clears it)' }))),
    custom_details: expr("the alert's custom details (missing: the whole payload)"),
    links: expr('links: URLs or {href, text} objects'),
  },
  { additionalProperties: true, description: 'Vigil-only: JSONata expressions over the payload' },
);

export const WebhookPresetName = Type.String({ description: 'A ready-made mapping: uptime_kuma, uptimerobot, healthchecks, grafana, sentry or zabbix' });

/** The event a mapping gives for a payload (test_mapping). */
export const MappedEvent = Type.Object({
  action: Type.String(),
  dedup_key: Type.String(),
  summary: Type.String(),
  source: Nullable(Type.String()),
  severity: Type.String(),
  custom_details: Type.Any(),
  links: Type.Array(Type.Object({ href: Type.String(), text: Type.Optional(Type.String()) })),
});

const EmailPart = Type.Union([Type.Literal('body'), Type.Literal('subject'), Type.Literal('from_addresses')]);
const EmailMode = Type.Union([Type.Literal('match'), Type.Literal('no-match'), Type.Literal('always')]);
const EmailFilter = Type.Object({
  subject_mode: EmailMode,
  subject_regex: Type.Optional(Type.String()),
  body_mode: EmailMode,
  body_regex: Type.Optional(Type.String()),
  from_email_mode: EmailMode,
  from_email_regex: Type.Optional(Type.String()),
});
const EmailParser = Type.Object({
  action: Type.Union([Type.Literal('trigger'), Type.Literal('resolve')]),
  match_predicate: Type.Unknown({ description: '{type: all|any|not, children: [...]} or {type: contains|exactly|regex, part: subject|body|from_addresses, matcher}' }),
  value_extractors: Type.Optional(
    Type.Array(
      Type.Object({
        type: Type.Union([Type.Literal('entire'), Type.Literal('regex'), Type.Literal('between')]),
        part: EmailPart,
        value_name: Type.String(),
        regex: Type.Optional(Type.String()),
        starts_after: Type.Optional(Type.String()),
        ends_with: Type.Optional(Type.String()),
      }),
    ),
  ),
});

/** generic_email_inbound_integration only (docs/sources.md, "Email"). */
const EmailAnswered = {
  integration_email: Type.Optional(Type.String({ description: 'email: the address, <integration key>@<VIGIL_EMAIL_DOMAIN>; answered with the key only (when created or its key rotated)' })),
  integration_email_domain: Type.Optional(Type.String({ description: 'email: the domain of the address (VIGIL_EMAIL_DOMAIN)' })),
  email_incident_creation: Type.Optional(Type.Union([Type.Literal('on_new_email'), Type.Literal('on_new_email_subject'), Type.Literal('only_if_no_open_incidents'), Type.Literal('use_rules')])),
  email_filter_mode: Type.Optional(Type.Union([Type.Literal('all-email'), Type.Literal('or-rules-email'), Type.Literal('and-rules-email')])),
  email_filters: Type.Optional(Type.Array(EmailFilter)),
  email_parsers: Type.Optional(Type.Array(EmailParser)),
  email_parsing_fallback: Type.Optional(Nullable(Type.Union([Type.Literal('open_new_incident'), Type.Literal('discard')]))),
  email_allowed_senders: Type.Optional(Type.Array(Type.String(), { description: 'email: envelope senders let in (ops@example.com, *@example.com, *@*.example.com); empty: anyone' })),
  mailgun_signing_key_set: Type.Optional(Type.Boolean({ description: 'email: whether a Mailgun webhook signing key is set (the key itself is write-only)' })),
};

const EmailWritable = (what: string) => Type.Optional(Type.Unknown({ description: `email integrations only: ${what}` }));
/** Checked by ingest/email/email-config.ts, which names each wrong field. */
const EmailFields = {
  email_incident_creation: EmailWritable('on_new_email (default) | on_new_email_subject | only_if_no_open_incidents | use_rules'),
  email_filter_mode: EmailWritable('all-email (default) | or-rules-email | and-rules-email'),
  email_filters: EmailWritable('[{subject_mode, subject_regex, body_mode, body_regex, from_email_mode, from_email_regex}] (modes match | no-match | always; RE2 patterns)'),
  email_parsers: EmailWritable('use_rules: [{action: trigger|resolve, match_predicate, value_extractors: [{type: entire|regex|between, part, value_name: incident_key|…, regex, starts_after, ends_with}]}]'),
  email_parsing_fallback: EmailWritable('use_rules: open_new_incident (default) | discard, when no parser matches'),
  email_allowed_senders: EmailWritable('envelope senders let in: ops@example.com, *@example.com, *@*.example.com; others are refused (550 over SMTP, 403 from a webhook)'),
  mailgun_signing_key: EmailWritable("the Mailgun HTTP webhook signing key that signs POST /v1/email/mailgun (write-only); null clears it"),
  integration_email: EmailWritable('refused: the address is always <integration key>@<VIGIL_EMAIL_DOMAIN>'),
};

export const Integration = Type.Object({
  id: Type.String(),
  type: Type.String({ description: 'events_api_v2_inbound_integration, alertmanager_inbound_integration, generic_email_inbound_integration, …' }),
  vigil_type: IntegrationType,
  name: Type.String(),
  summary: Type.String(),
  self: Nullable(Type.String()),
  html_url: Nullable(Type.String()),
  service: Reference('service_reference'),
  created_at: Type.String(),
  integration_key: Type.Optional(Type.String({ description: 'The routing key. Returned only when the integration is created or its key rotated; stored hashed.' })),
  integration_key_hint: Type.String({ description: 'First characters of the key, to recognise it.' }),
  ingest_url: Type.String({ description: 'Where to send events (or, for a heartbeat, the URL to ping).' }),
  heartbeat: Type.Optional(Type.Object({ interval_seconds: Type.Integer(), state: Type.String(), next_due_at: Nullable(Type.String()) })),
  webhook: Type.Optional(Type.Object({ preset: Nullable(Type.String()), mapping: WebhookMapping }, { description: 'generic_webhook integrations: the ready-made mapping picked (null once changed) and the mapping in force' })),
  forward: Type.Optional(
    Nullable(
      Type.Object(
        {
          url: Type.String({ description: "The other service's base URL; each event goes to the path it arrived on there" }),
          kind: Type.Union([Type.Literal('events_v2'), Type.Literal('opsgenie')]),
          pending: Type.Integer({ description: 'Copies waiting to go out (queued, retrying or being sent)' }),
          failed: Type.Integer({ description: 'Copies given up (refused, or out of attempts)' }),
          last_error: Nullable(Type.String({ description: 'The latest error of a copy still retrying or given up' })),
          last_error_at: Nullable(Type.String({ description: 'When the copy with that error was queued' })),
          last_sent_at: Nullable(Type.String()),
        },
        { description: 'events_v2 and opsgenie integrations: where every accepted event is also sent, unchanged (running both during a move), and how that goes. The key is write-only and never answered.' },
      ),
    ),
  ),
  ...EmailAnswered,
});

const UrgencyType = Type.Object({ type: Type.String(), urgency: Type.String() });

export const SupportHours = Type.Object({
  type: Type.Literal('fixed_time_per_day'),
  time_zone: Type.String({ description: 'IANA time zone' }),
  days_of_week: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { description: '1 (Monday) to 7 (Sunday)' }),
  start_time: Type.String({ description: 'HH:MM:SS, local' }),
  end_time: Type.String({ description: 'HH:MM:SS, local, after start_time' }),
});

export const ScheduledAction = Type.Object({
  type: Type.Literal('urgency_change'),
  at: Type.Object({ type: Type.Literal('named_time'), name: Type.Literal('support_hours_start') }),
  to_urgency: Type.Literal('high'),
});

export const AlertGroupingParameters = Type.Object(
  {
    type: Nullable(Type.Union([Type.Literal('time'), Type.Literal('content_based')])),
    config: Type.Optional(Type.Record(Type.String(), Type.Any())),
  },
  { description: 'null type: each alert opens its own incident. time: {timeout} minutes after the incident opened (0: until resolved). content_based: {aggregate: all|any, fields, time_window} seconds since the last alert grouped.' },
);

export const Service = Type.Object({
  id: Type.String(),
  type: Type.Literal('service'),
  summary: Type.String(),
  self: Nullable(Type.String()),
  html_url: Nullable(Type.String()),
  name: Type.String(),
  description: Nullable(Type.String()),
  status: Type.String(),
  escalation_policy: Nullable(Reference('escalation_policy_reference')),
  incident_urgency_rule: Type.Object({ type: Type.String({ description: 'constant or use_support_hours' }), urgency: Type.Optional(Type.String({ description: 'high, low or severity_based (constant rules only)' })), during_support_hours: Type.Optional(UrgencyType), outside_support_hours: Type.Optional(UrgencyType) }),
  support_hours: Type.Optional(SupportHours),
  scheduled_actions: Type.Array(ScheduledAction),
  alert_creation: Type.Literal('create_alerts_and_incidents'),
  alert_grouping_parameters: AlertGroupingParameters,
  auto_pause_notifications_parameters: Type.Object({ enabled: Type.Boolean(), timeout: Nullable(Type.Integer()), recommended_timeout: Type.Integer() }),
  acknowledgement_timeout: Nullable(Type.Integer()),
  auto_resolve_timeout: Nullable(Type.Integer()),
  integrations: Type.Array(Reference('inbound_integration_reference')),
  teams: Type.Array(Reference('team_reference')),
  created_at: Type.String(),
  updated_at: Type.String(),
  last_incident_timestamp: Type.Optional(Type.String({ description: 'Absent while the service has had no incident' })),
  built_in: Type.Optional(Type.Literal('vigil_health', { description: 'Present on a service Vigil made for itself: vigil_health, the built-in "Vigil health" service its self-checks open incidents on (docs/operating.md, "Self-checks")' })),
});

const Checked = (description: string) => Type.Unknown({ description });

const ServiceFields = {
  type: Type.Optional(Type.Literal('service')),
  name: Type.String({ minLength: 1, maxLength: 255 }),
  description: Type.Optional(Nullable(Type.String({ maxLength: 1024 }))),
  status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('disabled'), Type.Literal('maintenance')])),
  escalation_policy: Type.Optional(Nullable(RefIn)),
  incident_urgency_rule: Type.Optional(Checked('PagerDuty\'s incident_urgency_rule: {"type": "constant", "urgency": "high"|"low"|"severity_based"}, {"type": "severity_based"}, or {"type": "use_support_hours", "during_support_hours": {...}, "outside_support_hours": {...}}')),
  support_hours: Type.Optional(Checked('{"type": "fixed_time_per_day", "time_zone", "days_of_week": [1..7], "start_time": "09:00:00", "end_time": "17:00:00"}, or null')),
  scheduled_actions: Type.Optional(Checked('[{"type": "urgency_change", "at": {"type": "named_time", "name": "support_hours_start"}, "to_urgency": "high"}]: open low-urgency incidents become high when support hours start')),
  alert_grouping_parameters: Type.Optional(Checked('{"type": null} | {"type": "time", "config": {"timeout": minutes}} | {"type": "content_based", "config": {"aggregate": "all"|"any", "fields": [...], "time_window": seconds}}')),
  auto_pause_notifications_parameters: Type.Optional(Checked('{"enabled": true, "timeout": 0|120|180|300|600|900}: nobody is paged unless the alert is still open after the timeout')),
  alert_creation: Type.Optional(Checked('"create_alerts_and_incidents" (the only behaviour Vigil has)')),
  acknowledgement_timeout: Type.Optional(Nullable(Type.Integer({ minimum: 60, maximum: 86400 * 7 }))),
  auto_resolve_timeout: Type.Optional(Nullable(Type.Integer({ minimum: 60, maximum: 86400 * 30 }))),
};

/** The service checks a body's fields itself (services/service.service.ts): a read-only field is taken back, any other unknown one is refused by name. */
const CheckedFields = { additionalProperties: true } as const;
export const ServiceCreate = Type.Object({ service: Type.Object(ServiceFields, CheckedFields) });
export const ServiceUpdate = Type.Object({ service: Type.Partial(Type.Object(ServiceFields), CheckedFields) });

export const IntegrationCreate = Type.Object({
  integration: Type.Object({
    type: Type.String({ description: 'events_v2 (or events_api_v2_inbound_integration), alertmanager, heartbeat, impact (counts for the impact metric, sent to POST /v1/impact), opsgenie, generic_webhook (any JSON or form POST to /v1/webhook/<key>, mapped by preset or mapping) or email (generic_email_inbound_integration)', minLength: 1, maxLength: 64 }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    heartbeat_interval_seconds: Type.Optional(Type.Integer({ minimum: 30, maximum: 7 * 86400, description: 'heartbeat only: a missed ping after this long opens an incident (default 300)' })),
    preset: Type.Optional(Nullable(WebhookPresetName)),
    mapping: Type.Optional(WebhookMapping),
    ...EmailFields,
  }),
});

export const TestMappingRequest = Type.Object({
  payload: Type.Any({ description: 'A sample payload, as the tool would send it' }),
  preset: Type.Optional(Nullable(WebhookPresetName)),
  mapping: Type.Optional(WebhookMapping),
});

export const TestMappingResult = Type.Object({
  preset: Nullable(Type.String()),
  mapping: WebhookMapping,
  events: Type.Array(MappedEvent, { description: 'The events the payload would give (empty when the mapping fails)' }),
  error: Nullable(Type.String({ description: 'Why the mapping failed on the payload; the payload would be kept with this error and answered 202' })),
});

export const MappingError = Type.Object({
  id: Type.String(),
  created_at: Type.String(),
  error: Type.String(),
  payload: Type.Any({ description: 'The payload as received (form fields as an object); a body that is not JSON is kept as text' }),
});

export const IntegrationUpdate = Type.Object({
  integration: Type.Object(
    {
      name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
      preset: Type.Optional(Nullable(WebhookPresetName)),
      mapping: Type.Optional(WebhookMapping),
      forward: Type.Optional(
        Nullable(
          Type.Object(
            {
              url: Type.String({ description: "The other service's base URL (https://events.pagerduty.com, https://api.opsgenie.com); a pasted /v2/enqueue or /v2/alerts is cut back to the base" }),
              kind: Type.String({ description: 'events_v2 (for an events_v2 integration) or opsgenie (for an opsgenie integration)' }),
              routing_key: Type.Optional(Type.String({ description: 'events_v2: the routing key there, put in place of the Vigil key. Write-only; left out, the stored one is kept' })),
              api_key: Type.Optional(Type.String({ description: 'opsgenie: the API key there, sent as Authorization: GenieKey. Write-only; left out, the stored one is kept' })),
            },
            { ...CheckedFields, description: 'null: forward nothing' },
          ),
        ),
      ),
      ...EmailFields,
    },
    CheckedFields,
  ),
});

/** A test event sent through an integration from the web UI; dedup_key names the incident it opens. */
export const TestEventSent = Type.Object({ status: Type.String(), dedup_key: Type.String() });
