/**
 * Incident analytics on the wire: PagerDuty's analytics API shapes
 * (`POST /analytics/metrics/incidents/{all,services,teams}`, `POST /analytics/raw/incidents`)
 * with Vigil's own figures beside them (alerts, sleep-hour and repeat incidents, incidents
 * acknowledged at the first level). Bodies are checked field by field by the analytics
 * service, which names any field it refuses; docs/analytics.md defines every figure.
 */
import { Type } from 'typebox';
import { FIELDS_CHECKED, Nullable } from './common.js';

const Ids = (what: string) => Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { description: `Only incidents of these ${what}; an unknown id is refused` }));

export const AnalyticsFilters = Type.Object({
  created_at_start: Type.String({ description: 'ISO 8601; incidents created at or after it (required). Without an offset: UTC' }),
  created_at_end: Type.String({ description: 'ISO 8601; incidents created before it (required); at most two years after created_at_start' }),
  urgency: Type.Optional(Type.Union([Type.Literal('high'), Type.Literal('low')])),
  service_ids: Ids('services'),
  priority_ids: Ids('priorities'),
  team_ids: Ids('teams (Vigil has no teams: any id is refused)'),
  escalation_policy_ids: Ids('escalation policies (the policy an incident was last assigned to)'),
});

const Unit = Type.Optional(Nullable(Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')], { description: 'Buckets in time_zone (weeks start on Monday); absent: the whole range' })));
const Zone = Type.Optional(Type.String({ maxLength: 64, description: 'IANA zone of buckets, busiest hours and timestamps (default: the organization’s). Sleep hours are always judged in the organization’s zone' }));

export const AnalyticsMetricsRequest = Type.Object({ filters: AnalyticsFilters, time_zone: Zone, aggregate_unit: Unit }, FIELDS_CHECKED);

export const AnalyticsRawRequest = Type.Object({
  filters: AnalyticsFilters,
  time_zone: Zone,
  order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'desc' })),
  order_by: Type.Optional(Type.Union([Type.Literal('created_at'), Type.Literal('seconds_to_resolve')], { default: 'created_at' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 20 })),
  starting_after: Type.Optional(Type.String({ maxLength: 64, description: 'The `last` cursor of a page: the next page' })),
  ending_before: Type.Optional(Type.String({ maxLength: 64, description: 'The `first` cursor of a page: the page before' })),
}, FIELDS_CHECKED);

const Int = (description: string) => Type.Optional(Type.Integer({ description }));

export const AnalyticsIncidentMetrics = Type.Object({
  range_start: Type.Optional(Type.String({ description: 'Start of the bucket in time_zone; only with an aggregate_unit' })),
  service_id: Type.Optional(Type.String()),
  service_name: Type.Optional(Type.String()),
  escalation_policy_id: Type.Optional(Type.String({ description: 'Per escalation policy: the policy the incidents were last assigned to' })),
  escalation_policy_name: Type.Optional(Type.String()),
  total_incident_count: Type.Integer(),
  total_alert_count: Type.Integer({ description: 'Vigil: alerts grouped into these incidents' }),
  total_incidents_acknowledged: Type.Integer(),
  total_incidents_resolved: Type.Integer({ description: 'Vigil: incidents of the range resolved by now' }),
  mean_seconds_to_first_ack: Int('Absent when none was acknowledged'),
  p50_seconds_to_first_ack: Int('Nearest rank'),
  p90_seconds_to_first_ack: Int('Nearest rank'),
  mean_seconds_to_resolve: Int('Absent when none was resolved'),
  p50_seconds_to_resolve: Int('Nearest rank'),
  p90_seconds_to_resolve: Int('Nearest rank'),
  total_escalation_count: Type.Integer(),
  total_incidents_manual_escalated: Type.Integer(),
  total_incidents_timeout_escalated: Type.Integer(),
  total_incidents_escalated: Type.Integer({ description: 'Vigil: incidents escalated past the first level at least once' }),
  total_incidents_acknowledged_first_level: Type.Integer({ description: 'Vigil: acknowledged before any escalation' }),
  total_sleep_hour_incidents: Type.Integer({ description: 'Vigil: created 22:00–07:00 in the organization’s zone' }),
  total_repeat_incidents: Type.Integer({ description: 'Vigil: same service and title as one created at most 7 days before' }),
});

const FiltersOut = Type.Object({
  created_at_start: Type.String(),
  created_at_end: Type.String(),
  urgency: Type.Optional(Type.String()),
  service_ids: Type.Optional(Type.Array(Type.String())),
  priority_ids: Type.Optional(Type.Array(Type.String())),
  team_ids: Type.Optional(Type.Array(Type.String())),
  escalation_policy_ids: Type.Optional(Type.Array(Type.String())),
});

export const AnalyticsMetricsAnswer = Type.Object({
  filters: FiltersOut,
  time_zone: Type.String(),
  aggregate_unit: Type.Optional(Type.String()),
  data: Type.Array(AnalyticsIncidentMetrics),
});

export const AnalyticsRawIncident = Type.Object({
  id: Type.String(),
  incident_number: Type.Integer(),
  description: Type.String(),
  status: Type.String(),
  urgency: Type.String(),
  created_at: Type.String({ description: 'In time_zone' }),
  resolved_at: Type.Optional(Type.String()),
  service_id: Type.String(),
  service_name: Type.String(),
  priority_id: Nullable(Type.String()),
  priority_name: Nullable(Type.String()),
  priority_order: Nullable(Type.Integer()),
  team_id: Type.Null({ description: 'Vigil has no teams' }),
  team_name: Type.Null(),
  seconds_to_first_ack: Int('Absent when never acknowledged'),
  seconds_to_resolve: Int('Absent while open'),
  escalation_count: Type.Integer(),
  manual_escalation_count: Type.Integer(),
  timeout_escalation_count: Type.Integer(),
  alert_count: Type.Integer({ description: 'Vigil' }),
  acknowledged_first_level: Type.Boolean({ description: 'Vigil' }),
  sleep_hour: Type.Boolean({ description: 'Vigil: created 22:00–07:00 in the organization’s zone' }),
  repeat: Type.Boolean({ description: 'Vigil: repeats an incident of the same service and title created at most 7 days before' }),
});

export const AnalyticsRawAnswer = Type.Object({
  first: Type.String(),
  last: Type.String(),
  limit: Type.Integer(),
  more: Type.Boolean(),
  order: Type.String(),
  order_by: Type.String(),
  filters: FiltersOut,
  time_zone: Type.String(),
  data: Type.Array(AnalyticsRawIncident),
});

export const AnalyticsInsights = Type.Object({
  time_zone: Type.String(),
  filters: FiltersOut,
  totals: AnalyticsIncidentMetrics,
  busiest_hours: Type.Array(Type.Integer(), { description: 'Incidents created in each local hour 0–23 of time_zone' }),
  busiest_weekdays: Type.Array(Type.Integer(), { description: 'Incidents created on each local weekday, Monday first' }),
  services: Type.Array(Type.Object({ service_id: Type.String(), service_name: Type.String(), incident_count: Type.Integer(), repeat_count: Type.Integer() }), { description: 'Most incidents first' }),
  repeats: Type.Array(
    Type.Object({ service_id: Type.String(), service_name: Type.String(), title: Type.String(), incident_count: Type.Integer(), repeat_count: Type.Integer(), last_created_at: Type.String() }),
    { description: 'Same service and title, at least one repeat; at most 50, most repeats first' },
  ),
});

export const ResponderLoadRequest = Type.Object({
  filters: Type.Object({
    date_range_start: Type.String({ description: 'ISO 8601 (required)' }),
    date_range_end: Type.String({ description: 'ISO 8601 (required); at most two years after the start' }),
    responder_ids: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { description: 'Owners and admins: any members; anyone else: only their own id' })),
  }),
  time_zone: Zone,
}, FIELDS_CHECKED);

const SpreadOut = Type.Object({ max: Type.Integer(), min: Type.Integer(), spread: Type.Integer() });

export const ResponderLoadRow = Type.Object({
  responder_id: Type.String(),
  responder_name: Type.String(),
  time_zone: Type.String({ description: 'The zone their nights and weekends are judged in (theirs, else the organization’s)' }),
  total_notifications: Type.Integer({ description: 'Pages delivered to them' }),
  total_night_pages: Type.Integer({ description: 'Pages delivered 22:00–07:00 in their zone' }),
  total_weekend_pages: Type.Integer({ description: 'Pages delivered on Saturday or Sunday in their zone' }),
  total_seconds_on_call: Type.Integer({ description: 'Time they were on the final schedule of any schedule (overlaps counted once)' }),
  total_incidents_handled: Type.Integer({ description: 'Incidents they acknowledged or resolved' }),
  last_night_page_at: Type.Optional(Type.String()),
  seconds_since_last_night_page: Type.Optional(Type.Integer({ description: 'To the end of the range, or now if earlier' })),
});

/** PagerDuty's /analytics/metrics/responders/teams: Vigil has no teams, so no rows. */
export const ResponderTeamsAnswer = Type.Object({
  filters: Type.Record(Type.String(), Type.Unknown()),
  time_zone: Type.String(),
  data: Type.Array(Type.Object({ team_id: Type.String(), team_name: Type.String() }), { maxItems: 0 }),
});

export const ResponderLoadAnswer = Type.Object({
  filters: Type.Object({ date_range_start: Type.String(), date_range_end: Type.String(), responder_ids: Type.Optional(Type.Array(Type.String())) }),
  time_zone: Type.String(),
  data: Type.Array(ResponderLoadRow),
  rotations: Type.Optional(
    Type.Array(
      Type.Object({ schedule_id: Type.String(), schedule_name: Type.String(), responder_ids: Type.Array(Type.String()), notifications: SpreadOut, night_pages: SpreadOut, seconds_on_call: SpreadOut }),
      { description: 'Owners and admins only: the most and least loaded of each rotation and the difference' },
    ),
  ),
});

const ImpactReportFigures = {
  time_zone: Type.String(),
  since: Type.String(),
  until: Type.String(),
  services: Type.Array(
    Type.Object({
      service_id: Type.String(),
      service_name: Type.String(),
      label: Type.String({ description: 'people, or the metric’s unit when it does not count people' }),
      served: Type.Number(),
      expected: Nullable(Type.Number()),
      expected_low: Nullable(Type.Number()),
      expected_high: Nullable(Type.Number()),
      incidents: Type.Integer(),
      people_affected: Type.Number({ description: 'Shortfall against the expected count during the month’s incidents' }),
      people_affected_net: Type.Number({ description: 'Net of catch-up in the following 24 hours' }),
      people_affected_low: Type.Number({ description: 'Sum of the incidents’ 90 % interval lower bounds' }),
      people_affected_high: Type.Number({ description: 'Sum of the incidents’ 90 % interval upper bounds' }),
      availability: Nullable(Type.Number({ description: 'served / (served + people affected)' })),
    }),
  ),
  incidents: AnalyticsIncidentMetrics,
  postmortems_published: Type.Array(Type.Object({ id: Type.String(), title: Type.String(), published_at: Type.String() })),
  action_items_closed: Type.Integer(),
  volunteer_hours: Type.Array(Type.Object({ company: Type.String(), volunteers: Type.Integer(), on_call_hours: Type.Number(), response_hours: Type.Number(), total_hours: Type.Number() })),
};

export const MonthlyImpactReport = Type.Object({ month: Type.String(), ...ImpactReportFigures });

export const QuarterlyImpactReport = Type.Object({ quarter: Type.String({ description: 'YYYY-Qn' }), months: Type.Array(Type.String(), { description: 'The three months it covers (YYYY-MM)' }), ...ImpactReportFigures });
