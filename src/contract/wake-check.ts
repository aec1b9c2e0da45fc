/**
 * "Would this wake me at 3 a.m.?" and per-method test sends on the wire (Vigil-only
 * resources, in PagerDuty's REST style: one wrapped entity per answer).
 */
import { Type } from 'typebox';
import { Nullable, Reference } from './common.js';

const WakeEntry = Type.Object({
  contact_method: Reference('email_contact_method_reference'),
  channel: Type.String({ description: 'email, sms, voice, webhook, slack, ntfy, push, telegram' }),
  start_delay_in_minutes: Type.Integer(),
  wake_class: Type.String({ description: 'loud (rings, vibrates or pops over a locked phone), quiet (waits to be read) or unverified (would be skipped)' }),
  skipped: Type.Boolean({ description: 'True for an unverified method: it is never paged.' }),
  why: Type.String(),
});

const WakeAnswer = Type.Object({
  would_wake: Type.Boolean(),
  reason: Type.String({ description: 'The verdict in words, with what to do about it.' }),
  notifications: Type.Array(WakeEntry, { description: 'In order of delay.' }),
});

export const WakeCheck = Type.Object({
  wake_check: Type.Object({
    user: Reference('user_reference'),
    time_zone: Type.String({ description: "The person's time zone (else the organization's)." }),
    at: Type.String({ description: 'The next 03:00 in that time zone.' }),
    high_urgency: WakeAnswer,
    low_urgency: WakeAnswer,
  }),
});

export const MethodTest = Type.Object({
  test: Type.Object({
    id: Type.String(),
    type: Type.Literal('contact_method_test'),
    self: Type.String(),
    contact_method: Reference('email_contact_method_reference'),
    status: Type.String({ description: 'queued, sending, retrying, sent, failed or cancelled' }),
    reason: Nullable(Type.String({ description: 'Retrying or failed: the stable reason code (http_503, smtp_550, twilio_21211, ntfy_40101, channel_not_configured...)' })),
    detail: Nullable(Type.String()),
    attempts: Type.Integer(),
    created_at: Type.String(),
    sent_at: Nullable(Type.String()),
  }),
});
