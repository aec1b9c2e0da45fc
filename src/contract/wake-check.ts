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
  why: Type.String({ description: 'Why it is loud or quiet, in English words (clients that show it to people word `why_code` in their language)' }),
  why_code: Type.String({
    description: 'Why it is loud or quiet, as a stable code: sms, voice, push_high, push_low, ntfy_high, ntfy_low, telegram_high, telegram_low, email, webhook, slack, discord_high, discord_low, teams, matrix, does_not_ring, unverified',
  }),
});

const Verdict = Type.Object({
  code: Type.Union([Type.Literal('wakes'), Type.Literal('unverified'), Type.Literal('no_contact_method'), Type.Literal('no_verified_contact_method'), Type.Literal('no_notification_rule'), Type.Literal('low_urgency_waits'), Type.Literal('quiet_only')], {
    description: 'wakes: the first loud method would; nothing would be sent: the methods are `unverified`, or the member has no contact method, no verified one, or no notification rule for this urgency; only quiet methods would be sent: fine at low urgency (low_urgency_waits), not at high (quiet_only)',
  }),
  channels: Type.Array(Type.String(), { description: 'The channels the verdict names: the waking one, the unverified ones, or the quiet ones sent' }),
  contact_method: Nullable(Type.String({ description: 'wakes: the label of the method that would wake' })),
  start_delay_in_minutes: Nullable(Type.Integer({ description: 'wakes: after how many minutes' })),
});

const WakeAnswer = Type.Object({
  would_wake: Type.Boolean(),
  reason: Type.String({ description: 'The verdict in English words, with what to do about it (clients that show it to people word `verdict` in their language).' }),
  verdict: Verdict,
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
