import { Type } from 'typebox';
import { Nullable, Reference } from './common.js';

export const AuditField = Type.Object({
  name: Type.String(),
  value: Type.Optional(Nullable(Type.String())),
  before_value: Type.Optional(Nullable(Type.String())),
});

/** PagerDuty's AuditRecord. */
export const AuditRecord = Type.Object({
  id: Type.String(),
  self: Nullable(Type.String()),
  execution_time: Type.String(),
  execution_context: Nullable(Type.Object({ request_id: Nullable(Type.String()), remote_address: Nullable(Type.String()) })),
  actors: Type.Array(Reference('user_reference')),
  method: Type.Object({ type: Type.String(), description: Nullable(Type.String()), truncated_token: Nullable(Type.String()) }),
  root_resource: Reference('any'),
  action: Type.String(),
  details: Type.Object({ resource: Reference('any'), fields: Type.Array(AuditField) }),
});

export const AuditRecords = Type.Object({
  records: Type.Array(AuditRecord),
  limit: Type.Integer(),
  next_cursor: Nullable(Type.String()),
  response_metadata: Nullable(Type.Object({ messages: Type.Array(Type.String()) })),
});

export const AuditQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
  since: Type.Optional(Type.String({ maxLength: 64 })),
  until: Type.Optional(Type.String({ maxLength: 64 })),
});
