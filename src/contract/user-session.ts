import { Type } from 'typebox';

/** PagerDuty's UserSession: Vigil's browser sessions (the `browser` type). */
export const UserSession = Type.Object({
  id: Type.String(),
  user_id: Type.String(),
  created_at: Type.String(),
  type: Type.Union([Type.Literal('browser'), Type.Literal('oauth')]),
  summary: Type.String({ description: 'The browser that signed in (its User-Agent), or "Browser session" when it sent none' }),
});
