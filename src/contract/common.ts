/** Wire schemas shared by the server (validation, serialization, OpenAPI) and clients. No I/O. */
import { Type, type TSchema } from 'typebox';

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const Reference = (type: string) =>
  Type.Object({
    id: Type.String(),
    type: Type.String({ examples: [type] }),
    summary: Type.Optional(Nullable(Type.String())),
    self: Type.Optional(Nullable(Type.String())),
    html_url: Type.Optional(Nullable(Type.String())),
  });

/** A reference in a request body: only the id matters; type is checked loosely, as PagerDuty does. */
/**
 * Schema options for a request object whose service checks every field of it and below with
 * messages of its own (an unknown field is still refused by name, by the service): the REST
 * layer does not close it (server/http/closed-bodies.ts).
 */
export const FIELDS_CHECKED = { 'x-vigil-fields-checked': true } as const;

export const RefIn = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), type: Type.Optional(Type.String({ maxLength: 64 })) });

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      message: Type.String(),
      code: Type.Integer(),
      errors: Type.Array(Type.String()),
    }),
  },
  { $id: 'ErrorBody' },
);

export const EventsError = Type.Object({
  status: Type.String(),
  message: Type.String(),
  errors: Type.Array(Type.String()),
});

export const Pagination = {
  limit: Type.Integer(),
  offset: Type.Integer(),
  more: Type.Boolean(),
  total: Nullable(Type.Integer()),
};

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  total: Type.Optional(Type.Boolean()),
};

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
};
