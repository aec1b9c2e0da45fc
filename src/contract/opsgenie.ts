/** Opsgenie Alert and Heartbeat API wire shapes (docs.opsgenie.com/docs/response, /docs/alert-api). */
import { Type } from 'typebox';

export const OpsgenieAccepted = Type.Object({ result: Type.String(), took: Type.Number(), requestId: Type.String() }, { description: 'Opsgenie: the request is committed; ask GET /v2/alerts/requests/{requestId} for its outcome' });

export const OpsgenieError = Type.Object({
  message: Type.String(),
  took: Type.Number(),
  requestId: Type.String(),
  errors: Type.Optional(Type.Record(Type.String(), Type.String())),
});

export const OpsgenieRequestStatus = Type.Object({
  data: Type.Object({
    success: Type.Boolean(),
    isSuccess: Type.Boolean(),
    action: Type.String(),
    processedAt: Type.String(),
    integrationId: Type.String(),
    status: Type.String(),
    alertId: Type.String(),
    alias: Type.String(),
  }),
  took: Type.Number(),
  requestId: Type.String(),
});

export const OpsgenieCreateAlert = Type.Object(
  {
    message: Type.String({ maxLength: 130 }),
    alias: Type.Optional(Type.String({ maxLength: 512 })),
    description: Type.Optional(Type.String({ maxLength: 15000 })),
    responders: Type.Optional(Type.Array(Type.Any(), { maxItems: 0, description: 'refused when not empty: Vigil pages the service’s escalation policy' })),
    visibleTo: Type.Optional(Type.Array(Type.Any(), { maxItems: 0, description: 'refused when not empty' })),
    actions: Type.Optional(Type.Array(Type.String(), { maxItems: 0, description: 'refused when not empty' })),
    tags: Type.Optional(Type.Array(Type.String({ maxLength: 50 }), { maxItems: 20 })),
    details: Type.Optional(Type.Record(Type.String(), Type.String())),
    entity: Type.Optional(Type.String({ maxLength: 512 })),
    source: Type.Optional(Type.String({ maxLength: 100 })),
    priority: Type.Optional(Type.Union(['P1', 'P2', 'P3', 'P4', 'P5'].map((p) => Type.Literal(p)))),
    user: Type.Optional(Type.String({ maxLength: 100 })),
    note: Type.Optional(Type.String({ maxLength: 25000 })),
  },
  { additionalProperties: false, description: 'Opsgenie create-alert request' },
);

export const OpsgenieActionBody = Type.Object(
  { user: Type.Optional(Type.String({ maxLength: 100 })), source: Type.Optional(Type.String({ maxLength: 100 })), note: Type.Optional(Type.String({ maxLength: 25000 })) },
  { additionalProperties: false },
);
