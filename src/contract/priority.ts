/** Incident priorities on the wire: PagerDuty's Priority, with Vigil's rank and colour, and the admin writes. */
import { Type } from 'typebox';
import { Nullable } from './common.js';

export const Priority = Type.Object({
  id: Type.String(),
  type: Type.Literal('priority'),
  summary: Type.String(),
  self: Nullable(Type.String()),
  html_url: Nullable(Type.String()),
  name: Type.String(),
  description: Type.String(),
  rank: Type.Integer({ description: 'Position from the most severe (1); GET /priorities lists them in this order' }),
  color: Nullable(Type.String({ description: 'Six hex digits, such as a8171c' })),
  created_at: Type.String(),
  updated_at: Type.String(),
});

const fields = {
  name: Type.String({ maxLength: 200 }),
  description: Nullable(Type.String({ maxLength: 5000 })),
  color: Nullable(Type.String({ maxLength: 16 })),
  rank: Type.Integer({ description: 'Position from the most severe (1); the others move to make room' }),
};

/** POST /priorities: a name is required; without a rank it goes last (least severe). */
export const PriorityCreate = Type.Object({
  priority: Type.Object({ ...fields, description: Type.Optional(fields.description), color: Type.Optional(fields.color), rank: Type.Optional(fields.rank) }, { additionalProperties: true }),
});

/** PUT /priorities/{id}: what is given changes, the rest stays. */
export const PriorityUpdate = Type.Object({
  priority: Type.Object({ name: Type.Optional(fields.name), description: Type.Optional(fields.description), color: Type.Optional(fields.color), rank: Type.Optional(fields.rank) }, { additionalProperties: true }),
});
