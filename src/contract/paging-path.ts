/** "Who gets paged?" (Vigil extension): the path an alert on a service would take at a moment. */
import { Type, type Static } from 'typebox';
import { Nullable, Reference } from './common.js';
import { SampleEvent } from './orchestration.js';

export const PagingPath = Type.Object({
  service: Reference('service_reference'),
  at: Type.String({ format: 'date-time' }),
  urgency: Type.Union([Type.Literal('high'), Type.Literal('low')]),
  maintenance: Nullable(Type.Object({ start: Type.String(), end: Type.String() })),
  escalation_policy: Nullable(Reference('escalation_policy_reference')),
  num_loops: Type.Integer(),
  levels: Type.Array(
    Type.Object({
      level: Type.Integer({ minimum: 1 }),
      fires_at: Type.String(),
      escalation_delay_in_minutes: Type.Integer(),
      targets: Type.Array(Type.Object({ id: Type.String(), type: Type.String(), problems: Type.Array(Type.String()) })),
      people: Type.Array(
        Type.Object({
          user: Reference('user_reference'),
          via: Type.String(),
          problem: Nullable(Type.String()),
          notifications: Type.Array(
            Type.Object({
              at: Type.String(),
              channel: Type.String(),
              contact_method: Type.Object({ id: Type.String(), type: Type.String(), label: Type.String() }),
            }),
          ),
        }),
      ),
    }),
  ),
  gaps: Type.Array(Type.String()),
});
export type PagingPath = Static<typeof PagingPath>;

/** POST body: the path for a sample event, after the event rules. */
export const PagingPathSample = Type.Object({
  sample_event: SampleEvent,
  event_orchestration: Type.Optional(Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { description: 'Send the sample through this orchestration’s router first (an organization-wide routing key); without it the sample arrives on this service’s own integration.' })),
  at: Type.Optional(Type.String({ maxLength: 64, description: 'The moment (ISO 8601); default now.' })),
  urgency: Type.Optional(Type.Union([Type.Literal('high'), Type.Literal('low')], { description: 'Force the urgency (a rule that sets urgency still wins, as at ingest).' })),
});

/** What the event rules did to the sample (nothing is stored). */
export const EventRulesVerdict = Type.Object({
  outcome: Type.Union([Type.Literal('triggers'), Type.Literal('paused'), Type.Literal('suppressed'), Type.Literal('dropped'), Type.Literal('unrouted'), Type.Literal('resolves')]),
  service: Nullable(Reference('service_reference')),
  routed_by: Nullable(Reference('event_orchestration_reference')),
  suppressed: Type.Boolean(),
  dropped: Type.Boolean(),
  paused_for_seconds: Nullable(Type.Integer()),
  urgency: Nullable(Type.Union([Type.Literal('high'), Type.Literal('low')], { description: 'Set by a rule; null: the service’s urgency rule decides.' })),
  severity: Nullable(Type.String()),
  priority: Nullable(Reference('priority_reference')),
  summary: Nullable(Type.String()),
  dedup_key: Nullable(Type.String()),
  notes: Type.Array(Type.String()),
  matched: Type.Array(Type.Object({ set_id: Type.String(), rule_id: Nullable(Type.String()), label: Nullable(Type.String()), catch_all: Type.Boolean() })),
});
