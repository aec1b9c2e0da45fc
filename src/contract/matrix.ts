/**
 * Matrix replies on the wire: the organization's Matrix sync (admins; the bot's access
 * token is write-only, answered as a hint).
 */
import { Type } from 'typebox';
import { Nullable } from './common.js';

export const MatrixSyncUpdate = Type.Object({
  matrix_sync: Type.Object(
    {
      homeserver: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description: 'The homeserver URL (https://matrix.example.org). Required the first time.' })),
      access_token: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'The bot account access token (syt_...), the account that is in the rooms Vigil pages. Required the first time; write-only, never answered.' })),
      bot_user_id: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: "The bot's own Matrix user id (@vigil:example.org): its messages are never read as replies. Required the first time." })),
    },
    { additionalProperties: true, description: 'Other fields are refused by name, except the read-only ones GET answers.' },
  ),
});

export const MatrixSync = Type.Object({
  matrix_sync: Type.Object({
    type: Type.Literal('matrix_sync'),
    homeserver: Type.String(),
    bot_user_id: Type.String(),
    access_token_hint: Type.String({ description: 'The first and last four characters of the token; the token itself is never answered.' }),
    last_sync_at: Nullable(Type.String({ description: 'When the bot last read its rooms (a /sync that ended, with news or not).' })),
    last_error: Nullable(Type.String({ description: 'Why the last /sync failed (matrix_M_UNKNOWN_TOKEN, http_502, timeout...); null when it worked.' })),
    created_at: Type.String(),
    updated_at: Type.String(),
  }),
});

/** GET with `?allow_unset=true`: `matrix_sync` is null while none is set, instead of a 404 (the web settings page asks this way). */
export const MatrixSyncOrNone = Type.Object({ matrix_sync: Nullable(MatrixSync.properties.matrix_sync) });
