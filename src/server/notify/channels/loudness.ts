/**
 * "Would this wake me at 3 a.m.?", decided without I/O: how a page of each urgency lands
 * on each channel (loud: it rings, vibrates or pops over a locked phone; quiet: it waits to
 * be read), and a verdict in words over a person's plan. It mirrors what the adapters do:
 * ntfy sends high urgency at priority 5 and low at 3, Web Push sends `Urgency: high` with
 * requireInteraction only for high, Telegram sends low urgency with disable_notification;
 * SMS and calls always ring; email, webhooks and the chat apps posted to by webhook or bot
 * (Slack, Discord, Teams, Matrix) follow the app's own settings and are counted quiet.
 */
import type { ChannelName } from '../../storage/schema.js';

export type Loudness = 'loud' | 'quiet';
export type WakeClass = Loudness | 'unverified';

/** Per channel: loudness of a high- and a low-urgency page, and the channel's name in a sentence. */
export const LOUDNESS: Record<ChannelName, { high: Loudness; low: Loudness; name: string }> = {
  sms: { high: 'loud', low: 'loud', name: 'SMS' },
  voice: { high: 'loud', low: 'loud', name: 'a phone call' },
  push: { high: 'loud', low: 'quiet', name: 'push' },
  ntfy: { high: 'loud', low: 'quiet', name: 'ntfy' },
  telegram: { high: 'loud', low: 'quiet', name: 'Telegram' },
  email: { high: 'quiet', low: 'quiet', name: 'email' },
  webhook: { high: 'quiet', low: 'quiet', name: 'a webhook' },
  slack: { high: 'quiet', low: 'quiet', name: 'Slack' },
  discord: { high: 'quiet', low: 'quiet', name: 'Discord' },
  teams: { high: 'quiet', low: 'quiet', name: 'Microsoft Teams' },
  matrix: { high: 'quiet', low: 'quiet', name: 'Matrix' },
  // Never a page to a person: an integration's copy of an event to another tool (notify/forward.ts).
  forward: { high: 'quiet', low: 'quiet', name: 'a forward to another tool' },
};

/** Why a channel is loud or quiet at this urgency, for the panel. */
const WHY: Partial<Record<ChannelName, { high: string; low: string }>> = {
  sms: { high: 'a text message: the phone plays its message tone', low: 'a text message: the phone plays its message tone' },
  voice: { high: 'the phone rings until answered', low: 'the phone rings until answered' },
  push: { high: 'sent with Urgency: high and stays on screen until dismissed', low: 'sent with low urgency: the device may hold it back and it does not insist' },
  ntfy: { high: 'priority 5 (max): long vibration bursts and a pop-over', low: 'priority 3 (default): an ordinary notification' },
  telegram: { high: 'an ordinary Telegram message, with sound', low: 'sent silently (disable_notification)' },
  email: { high: 'email is read when you look, it does not ring', low: 'email is read when you look, it does not ring' },
  webhook: { high: 'a webhook goes to a system, not to your phone', low: 'a webhook goes to a system, not to your phone' },
  slack: { high: 'a Slack message follows your Slack notification settings, usually muted at night', low: 'a Slack message follows your Slack notification settings, usually muted at night' },
  discord: { high: 'a webhook post in a Discord channel: it notifies only as the channel is set to, and never mentions anyone', low: 'a webhook post in a Discord channel: it notifies only as the channel is set to' },
  teams: { high: 'a card posted to a Teams channel: channel posts do not ring by default', low: 'a card posted to a Teams channel: channel posts do not ring by default' },
  matrix: { high: "a message in a Matrix room: it rings only if the room's notification setting says so", low: "a message in a Matrix room: it rings only if the room's notification setting says so" },
};

/** The class of one contact method for a page of `urgency`: an unverified method is never paged. */
export function wakeClass(channel: ChannelName, urgency: 'high' | 'low', verified: boolean): { class: WakeClass; why: string } {
  if (!verified) return { class: 'unverified', why: 'not verified: it would be skipped' };
  const l = LOUDNESS[channel];
  return { class: l ? l[urgency] : 'quiet', why: WHY[channel]?.[urgency] ?? `${channel} does not ring` };
}

export interface WakeStep {
  channel: ChannelName;
  label: string;
  delayMinutes: number;
  class: WakeClass;
}

const after = (m: number) => (m === 0 ? 'at once' : `after ${m} minute${m === 1 ? '' : 's'}`);

function names(channels: ChannelName[]): string {
  const n = [...new Set(channels.map((c) => LOUDNESS[c]?.name ?? c))];
  return n.length <= 1 ? (n[0] ?? '') : `${n.slice(0, -1).join(', ')} and ${n[n.length - 1]}`;
}

/**
 * The verdict over a plan (in delay order; unverified methods included as such). `none`
 * says why nothing at all would be sent (the plan's own reason), when the plan is empty.
 */
export function wakeVerdict(steps: readonly WakeStep[], urgency: 'high' | 'low', none: string | null): { would_wake: boolean; reason: string } {
  const used = steps.filter((s) => s.class !== 'unverified');
  const skipped = steps.filter((s) => s.class === 'unverified');
  const fix = 'add a phone (SMS or voice), push, ntfy or Telegram method and verify it';
  if (used.length === 0) {
    if (skipped.length) return { would_wake: false, reason: `nothing would be sent for a ${urgency}-urgency page at 3 a.m.: ${names(skipped.map((s) => s.channel))} ${skipped.length === 1 ? 'is' : 'are'} not verified; verify ${skipped.length === 1 ? 'it' : 'them'}` };
    const why = (none ?? 'has no contact method').replace(/^has /, 'have ');
    const todo = why.startsWith('have no notification rule') ? `add a ${urgency}-urgency notification rule using a loud method` : fix;
    return { would_wake: false, reason: `nothing would be sent for a ${urgency}-urgency page at 3 a.m.: you ${why}; ${todo}` };
  }
  const first = [...used].sort((a, b) => a.delayMinutes - b.delayMinutes).find((s) => s.class === 'loud');
  if (first) return { would_wake: true, reason: `${first.label} (${LOUDNESS[first.channel]?.name ?? first.channel}) would wake you ${after(first.delayMinutes)}` };
  const only = `only ${names(used.map((s) => s.channel))} would be sent at 3 a.m.`;
  if (urgency === 'low') return { would_wake: false, reason: `${only}: low-urgency pages are meant to wait until morning` };
  return { would_wake: false, reason: `${only}: ${fix}` };
}
