/** Row types of impact detection: metrics, their counts per minute, hour and day, and the people affected by each incident; kept beside schema.ts, which lists them in Database. */

/** Impact: a service's metric, its settings (JSON) and its detector's durable state. */
export interface ImpactMetricTable {
  org_id: string;
  service_id: string;
  name: string;
  unit_label: string;
  kind: 'contacts' | 'people';
  people_per_unit: number | null;
  time_zone: string;
  /** JSON {rules: [{rrule, durationMinutes}]} or NULL (always open). */
  opening_hours: string | null;
  iris_metric_id: string | null;
  /** JSON detector overrides as given through the API (snake_case). */
  detector: string;
  /** JSON [{date, end_date, name}] local dates kept out of baselines. */
  holidays: string;
  created_at: number;
  updated_at: number;
  /** When impact-detect evaluates next; while it evaluates, its lease. */
  next_eval_at: number;
  /** JSON DetectorState (impact/detect.ts). */
  state: string;
  /** Start of the current breach episode's first breaching window (the impact window of its incident). */
  episode_start: number | null;
  status: 'pending' | 'learning' | 'active' | 'insufficient_volume' | 'inactive';
  /** JSON summary of the last evaluation (impact.service.ts). */
  last_evaluation: string | null;
  evaluated_at: number | null;
}

/** Counts per minute bucket; impact_hours and impact_days hold the same sums per UTC hour and day. */
export interface ImpactMinuteTable {
  org_id: string;
  service_id: string;
  minute: number;
  count: number;
  offered: number | null;
  answered: number | null;
}

export interface ImpactHourTable {
  org_id: string;
  service_id: string;
  hour: number;
  count: number;
  offered: number | null;
  answered: number | null;
}

export interface ImpactDayTable {
  org_id: string;
  service_id: string;
  day: number;
  count: number;
  offered: number | null;
  answered: number | null;
}

/** The last counter sample of an impact integration, so increases are computed across requests. */
export interface ImpactCounterTable {
  org_id: string;
  integration_id: string;
  at: number;
  counter: number;
  offered: number | null;
  answered: number | null;
  updated_at: number;
}

/** People affected by an incident (impact/affected.ts), recomputed as data arrives, frozen a day after resolution. */
export interface IncidentImpactTable {
  org_id: string;
  incident_id: string;
  service_id: string;
  window_start: number;
  window_end: number | null;
  label: string | null;
  factor: number | null;
  estimate: number | null;
  low: number | null;
  high: number | null;
  net: number | null;
  net_low: number | null;
  net_high: number | null;
  expected: number | null;
  observed: number | null;
  catch_up: number | null;
  catch_up_complete: number;
  complete: number;
  computed_at: number | null;
  frozen: number;
}

export interface ImpactDatabase {
  impact_metrics: ImpactMetricTable;
  impact_minutes: ImpactMinuteTable;
  impact_hours: ImpactHourTable;
  impact_days: ImpactDayTable;
  impact_counters: ImpactCounterTable;
  incident_impact: IncidentImpactTable;
}
