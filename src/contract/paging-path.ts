/** "Who gets paged?" (Vigil extension): the path an alert on a service would take at a moment. */
import { Type, type Static } from 'typebox';
import { Nullable, Reference } from './common.js';

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
