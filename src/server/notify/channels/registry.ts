/**
 * Contact-method type → channel adapter, built once from configuration (STYLE.md habit
 * 5). A new channel is a folder under channels/ plus one entry in FACTORIES; nothing
 * else switches on the type. A type whose provider is not configured (no SMTP server,
 * no Twilio account) has no adapter, and delivering to it is a permanent failure so
 * the page moves on to the person's next contact method.
 */
import { permanent, retryable, type ChannelAdapter, type DeliveryResult, type Destination, type Message } from '../channel.js';
import { DiscordChannel } from './discord/discord.js';
import { EmailChannel, type SmtpSettings } from './email/email.js';
import type { OutboundPolicy } from '../../lib/outbound-policy.js';
import { withDetail, type FetchLike, type HttpOptions } from './http.js';
import { MatrixChannel } from './matrix/matrix.js';
import { NtfyChannel } from './ntfy/ntfy.js';
import { PushChannel } from './push/push.js';
import { TelegramChannel } from './telegram/telegram.js';
import { SlackChannel } from './slack/slack.js';
import { TeamsChannel } from './teams/teams.js';
import { SmsChannel, TwilioProvider, VoiceChannel, type SmsProvider, type TwilioSettings } from './sms/twilio.js';
import { WebhookChannel } from './webhook/webhook.js';

export type ChannelType = ChannelAdapter['type'];

export interface ChannelsConfig {
  smtp?: SmtpSettings;
  twilio?: TwilioSettings;
  /** Where a voice call's keypress is posted (`<public URL>/v1/twilio/voice`). */
  voiceKeypressUrl?: string;
  /** Another SMS/voice carrier; takes precedence over `twilio`. */
  smsProvider?: SmsProvider;
  /** Web Push: the VAPID subject and the web app's address. */
  push?: { subject: string; baseUrl: string };
  /** Which addresses the HTTP channels (webhook, Slack, Twilio) may reach; default: public addresses only. */
  policy?: OutboundPolicy;
  /** Used by every HTTP channel (tests pass a stub). */
  fetch?: FetchLike;
  /** Per-request timeout for the HTTP channels; each has its own default. */
  httpTimeoutMs?: number;
}

type Factory = (cfg: ChannelsConfig, sms: SmsProvider | null) => ChannelAdapter | null;

const http = (cfg: ChannelsConfig) => ({
  ...(cfg.policy ? { policy: cfg.policy } : {}),
  ...(cfg.fetch ? { fetch: cfg.fetch } : {}),
  ...(cfg.httpTimeoutMs !== undefined ? { timeoutMs: cfg.httpTimeoutMs } : {}),
});

const FACTORIES: Record<ChannelType, Factory> = {
  webhook: (cfg) => new WebhookChannel(http(cfg)),
  slack: (cfg) => new SlackChannel(http(cfg)),
  ntfy: (cfg) => new NtfyChannel(http(cfg)),
  // The bot is the organization's (set through the API), handed over with each destination.
  telegram: (cfg) => new TelegramChannel(http(cfg)),
  push: (cfg) => (cfg.push ? new PushChannel({ ...http(cfg), ...cfg.push }) : null),
  discord: (cfg) => new DiscordChannel(http(cfg)),
  teams: (cfg) => new TeamsChannel(http(cfg)),
  matrix: (cfg) => new MatrixChannel(http(cfg)),
  email: (cfg) => (cfg.smtp ? new EmailChannel(cfg.smtp) : null),
  sms: (_cfg, sms) => (sms ? new SmsChannel(sms) : null),
  voice: (cfg, sms) => (sms ? new VoiceChannel(sms, cfg.voiceKeypressUrl ? { keypressUrl: cfg.voiceKeypressUrl } : {}) : null),
};

export const CHANNEL_TYPES = Object.keys(FACTORIES) as ChannelType[];

export class ChannelRegistry {
  readonly #adapters: ReadonlyMap<ChannelType, ChannelAdapter>;

  /**
   * `http`: the outbound policy (and test stand-ins) the HTTP channels were built with,
   * for the senders built per organization at send time (its SMS providers).
   */
  constructor(
    adapters: Iterable<ChannelAdapter>,
    readonly http: HttpOptions = {},
  ) {
    this.#adapters = new Map([...adapters].map((a) => [a.type, a]));
  }

  get(type: ChannelType): ChannelAdapter | undefined {
    return this.#adapters.get(type);
  }

  /** The configured types, e.g. to offer only these when a person adds a contact method. */
  types(): ChannelType[] {
    return [...this.#adapters.keys()];
  }

  /**
   * Sends through the adapter for `type`. Adapters do not throw for delivery problems;
   * should one throw anyway (a bug), the delivery is retryable rather than lost.
   */
  async deliver(type: string, dest: Destination, msg: Message, signal?: AbortSignal): Promise<DeliveryResult> {
    const adapter = this.#adapters.get(type as ChannelType);
    if (!adapter) return withDetail(permanent('channel_not_configured'), `no ${type} channel configured`);
    try {
      return await adapter.send(dest, msg, signal);
    } catch (err) {
      return withDetail(retryable('adapter_error'), err instanceof Error ? err.message : String(err));
    }
  }
}

export function buildChannels(cfg: ChannelsConfig = {}): ChannelRegistry {
  const sms = cfg.smsProvider ?? (cfg.twilio ? new TwilioProvider({ ...http(cfg), ...cfg.twilio }) : null);
  const adapters: ChannelAdapter[] = [];
  for (const type of CHANNEL_TYPES) {
    const adapter = FACTORIES[type](cfg, sms);
    if (adapter) adapters.push(adapter);
  }
  const { timeoutMs: _perChannel, ...shared } = http(cfg);
  return new ChannelRegistry(adapters, shared);
}
