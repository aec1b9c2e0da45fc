/** Wire schemas of the impact API (DESIGN §8). No I/O. */
import { Type } from 'typebox';
import { Nullable, Reference } from './common.js';

const Rate = (description: string) => Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description });

/** Per-service overrides of the silent-drop detector; anything left out takes the default. */
export const DetectorOverrides = Type.Object(
  {
    alpha_page: Type.Optional(Rate('Tail probability at or below which a breach counts toward paging (default 1e-4)')),
    alpha_watch: Type.Optional(Rate('Tail probability for a non-paging watch note (default 1e-3)')),
    min_expected: Type.Optional(Type.Number({ minimum: 0, maximum: 1e6, description: 'Windows expecting fewer units are not tested (default 10)' })),
    consecutive_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 12, description: 'Consecutive paging breaches that open an incident (default 2)' })),
    consecutive_watch: Type.Optional(Type.Integer({ minimum: 1, maximum: 12, description: 'Consecutive watch breaches that post a watch note (default 2)' })),
    reporting_lag_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 6 * 3600, description: 'Windows end this long before now, for counts that arrive late (default 0)' })),
    windows: Type.Optional(
      Type.Array(
        Type.Object(
          {
            minutes: Type.Integer({ minimum: 5, maximum: 24 * 60 }),
            min_drop: Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'Minimum relative drop: a breach needs observed ≤ (1 − min_drop)·expected' }),
          },
          { additionalProperties: false },
        ),
        { minItems: 1, maxItems: 8, description: 'Default: 15 min/80 %, 60 min/50 %, 180 min/30 %, 720 min/20 %' },
      ),
    ),
    baseline: Type.Optional(
      Type.Object(
        {
          weeks: Type.Optional(Type.Integer({ minimum: 1, maximum: 8, description: 'Clean weeks whose median is the baseline (default 4)' })),
          max_lookback_weeks: Type.Optional(Type.Integer({ minimum: 1, maximum: 12, description: 'How far back to look for them (default 8)' })),
          min_clean_weeks: Type.Optional(Type.Integer({ minimum: 1, maximum: 8, description: 'Learning mode below this (default 2)' })),
          level_min: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: 'Lower clamp of the level factor (default 0.67)' })),
          level_max: Type.Optional(Type.Number({ minimum: 1, maximum: 10, description: 'Upper clamp of the level factor (default 1.5)' })),
          dispersion_max: Type.Optional(Type.Number({ minimum: 1, maximum: 100, description: 'Upper clamp of the over-dispersion φ (default 10)' })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const OpeningHoursIn = Type.Object(
  {
    rules: Type.Array(
      Type.Object(
        {
          rrule: Type.String({ minLength: 1, maxLength: 4096, description: 'RFC 5545 text: DTSTART (with TZID, or floating = the metric time zone) and RRULE/EXDATE/RDATE lines' }),
          duration_minutes: Type.Number({ exclusiveMinimum: 0, maximum: 7 * 24 * 60, description: 'How long each occurrence is open' }),
        },
        { additionalProperties: false },
      ),
      { maxItems: 50 },
    ),
  },
  { additionalProperties: false },
);

export const Holiday = Type.Object(
  {
    date: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'Local date (in the metric time zone)' }),
    end_date: Type.Optional(Nullable(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'Last day of a range, inclusive' }))),
    name: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
  },
  { additionalProperties: false },
);

export const ImpactMetricIn = Type.Object({
  impact_metric: Type.Object(
    {
      name: Type.String({ minLength: 1, maxLength: 255, description: 'What is counted, e.g. "Conversations answered"' }),
      unit_label: Type.String({ minLength: 1, maxLength: 64, description: 'One unit, plural, e.g. "conversations"' }),
      kind: Type.Union([Type.Literal('contacts'), Type.Literal('people')], { description: 'contacts (transactions, IRIS+ PI5184) or people (unique individuals, PI4060)' }),
      people_per_unit: Type.Optional(Nullable(Type.Number({ exclusiveMinimum: 0, maximum: 1000, description: 'Unique people per unit (last full month); figures are then labelled approximate people' }))),
      time_zone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "IANA zone of the hour-of-week slots (default: the organization's)" })),
      opening_hours: Type.Optional(Nullable(OpeningHoursIn)),
      iris_metric_id: Type.Optional(Nullable(Type.String({ pattern: '^[A-Z]{2}\\d{4}$', description: 'IRIS+ metric id shown beside the figures, e.g. PI4060' }))),
      detector: Type.Optional(DetectorOverrides),
      holidays: Type.Optional(Type.Array(Holiday, { maxItems: 1000 })),
    },
    { additionalProperties: false },
  ),
});

export const ImpactStatus = Type.Object({
  state: Type.Union([Type.Literal('pending'), Type.Literal('learning'), Type.Literal('active'), Type.Literal('insufficient_volume'), Type.Literal('inactive')]),
  summary: Nullable(Type.String({ description: 'The last evaluation in one sentence' })),
  suggestion: Nullable(Type.String()),
  clean_weeks: Nullable(Type.Integer()),
  needed_weeks: Nullable(Type.Integer()),
  level: Nullable(Type.Number()),
  phi: Nullable(Type.Number()),
  evaluated_at: Nullable(Type.String()),
  next_evaluation_at: Type.String(),
  first_data_at: Nullable(Type.String()),
});

export const ImpactMetric = Type.Object({
  type: Type.Literal('impact_metric'),
  service: Reference('service_reference'),
  name: Type.String(),
  unit_label: Type.String(),
  kind: Type.String(),
  label: Type.String({ description: 'How figures are labelled: contacts, people or approximate people' }),
  people_per_unit: Nullable(Type.Number()),
  time_zone: Type.String(),
  opening_hours: Nullable(OpeningHoursIn),
  iris_metric_id: Nullable(Type.String()),
  detector: DetectorOverrides,
  detector_effective: Type.Any({ description: 'The settings in force (defaults merged with the overrides)' }),
  holidays: Type.Array(Holiday),
  status: ImpactStatus,
  ingest_url: Type.String(),
  created_at: Type.String(),
  updated_at: Type.String(),
});

const Estimate = Type.Object({ estimate: Type.Number(), low: Type.Number(), high: Type.Number() });

export const IncidentImpact = Type.Object({
  type: Type.Literal('incident_impact'),
  incident: Reference('incident_reference'),
  service: Reference('service_reference'),
  label: Type.String({ description: 'contacts, people or approximate people' }),
  unit_label: Type.String(),
  iris_metric_id: Nullable(Type.String()),
  window_start: Type.String(),
  window_end: Type.String({ description: 'Resolution time, or the last computation while the incident is open' }),
  shortfall: Type.Object({ ...Estimate.properties }, { description: 'People delayed: Σ(expected − observed) over the window, with a 90 % interval' }),
  net: Type.Object({ ...Estimate.properties }, { description: 'People likely not served: the shortfall net of catch-up in the 24 h after' }),
  expected: Type.Number(),
  observed: Type.Number(),
  catch_up: Type.Number(),
  catch_up_complete: Type.Boolean(),
  complete: Type.Boolean({ description: 'False when part of the window had no baseline' }),
  computed_at: Type.String(),
  frozen: Type.Boolean({ description: 'Fixed for good a day after resolution' }),
});

export const RangeQuery = {
  since: Type.String({ maxLength: 64, description: 'ISO 8601 start (inclusive)' }),
  until: Type.String({ maxLength: 64, description: 'ISO 8601 end (exclusive)' }),
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { description: 'csv, or send Accept: text/csv' })),
};

export const SeriesBucket = Type.Object({
  start: Type.String(),
  end: Type.String(),
  count: Type.Number(),
  people: Nullable(Type.Number({ description: 'count × people per unit (or the count, for people), null for contacts without a factor' })),
  offered: Nullable(Type.Number()),
  answered: Nullable(Type.Number()),
  expected: Nullable(Type.Number()),
  expected_low: Nullable(Type.Number({ description: '5 % quantile' })),
  expected_high: Nullable(Type.Number({ description: '95 % quantile' })),
});

export const MetricSummary = Type.Object({
  name: Type.String(),
  unit_label: Type.String(),
  kind: Type.String(),
  label: Type.String(),
  people_per_unit: Nullable(Type.Number()),
  iris_metric_id: Nullable(Type.String()),
});

export const ImpactSeries = Type.Object({
  service: Reference('service_reference'),
  metric: MetricSummary,
  time_zone: Type.String(),
  granularity: Type.String(),
  since: Type.String(),
  until: Type.String(),
  buckets: Type.Array(SeriesBucket),
});

export const ImpactIncidentRow = Type.Object({
  incident: Reference('incident_reference'),
  incident_number: Type.Integer(),
  title: Type.String(),
  status: Type.String(),
  service: Reference('service_reference'),
  created_at: Type.String(),
  resolved_at: Nullable(Type.String()),
  impact: Nullable(IncidentImpact),
});

export const ServiceTotals = Type.Object({
  service: Reference('service_reference'),
  metric: MetricSummary,
  count: Type.Number(),
  people: Nullable(Type.Number()),
  offered: Nullable(Type.Number()),
  answered: Nullable(Type.Number()),
  incidents: Type.Integer({ description: 'Incidents created in the range' }),
  people_affected: Type.Number({ description: 'Σ shortfall estimates of those incidents, in the label of the metric' }),
  people_affected_net: Type.Number(),
});

export const OrgTotals = Type.Object({
  since: Type.String(),
  until: Type.String(),
  services: Type.Array(ServiceTotals),
  people: Type.Number({ description: 'People served across the services whose figures are people (or approximate people)' }),
  people_affected: Type.Number({ description: 'Net people affected across those services' }),
  services_counted_in_contacts: Type.Array(Type.String({ description: 'Ids of services whose units are not people (no factor)' })),
});

/** The `impact` field of an incident's detail (GET /api/v1/incidents/:id); the full figure is at `self`. */
export const IncidentImpactBrief = Type.Object({
  label: Type.String(),
  unit_label: Type.String(),
  shortfall: Type.Object({ ...Estimate.properties }),
  net: Type.Object({ ...Estimate.properties }),
  window_start: Type.String(),
  window_end: Type.String(),
  frozen: Type.Boolean(),
  self: Type.String(),
});
