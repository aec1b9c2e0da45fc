/**
 * The contract between the outbox (which decides who and when) and a channel
 * (which knows how). A channel never throws for a delivery problem: it classifies
 * it (STYLE.md habit 4). `retryable` is retried with backoff; `permanent` moves on
 * to the person's next contact method. Sending the same idempotency key twice must
 * be harmless for the recipient to detect (webhooks carry it as X-Webhook-Id).
 */
export type DeliveryResult =
  | { kind: 'sent'; providerId?: string }
  | { kind: 'retryable'; reason: string; retryAfterMs?: number; detail?: string }
  | { kind: 'permanent'; reason: string; detail?: string; destinationGone?: boolean };
// `destinationGone`: the destination itself no longer exists (a Web Push subscription the
// push service answered 404/410 for, a Telegram chat that blocked the bot); the deliver
// module removes the contact method.
// `reason` is a short stable code (`http_503`, `timeout`, `smtp_550`, `twilio_21211`) fit
// for a metric label; `detail`, when present, is free text for the delivery log (the
// receiver's own words, e.g. Slack's `no_service`), never a label.

export const sent = (providerId?: string): DeliveryResult => (providerId ? { kind: 'sent', providerId } : { kind: 'sent' });
export const retryable = (reason: string, retryAfterMs?: number): DeliveryResult => (retryAfterMs !== undefined ? { kind: 'retryable', reason, retryAfterMs } : { kind: 'retryable', reason });
export const permanent = (reason: string): DeliveryResult => ({ kind: 'permanent', reason });

export type IncidentEventType = 'incident.triggered' | 'incident.acknowledged' | 'incident.unacknowledged' | 'incident.resolved' | 'incident.escalated' | 'incident.reassigned' | 'incident.annotated' | 'incident.priority_updated' | 'pagey.ping';

/** What a notification says about one incident. Links are absolute; action links are signed, single use and expire. */
export interface IncidentView {
  id: string;
  number: number;
  title: string;
  status: 'triggered' | 'acknowledged' | 'resolved';
  urgency: 'high' | 'low';
  incidentKey: string | null;
  createdAt: string;
  htmlUrl: string;
  selfUrl: string;
  service: { id: string; name: string };
  escalationPolicy: { id: string; name: string } | null;
  assignees: { id: string; name: string }[];
  /** The incident's priority, if it has one (webhooks' `data.priority`). */
  priority?: { id: string; name: string } | null;
  /** Set on email and chat messages to people: one-click pages that acknowledge or resolve. */
  ackUrl?: string;
  resolveUrl?: string;
  /** Set on chat messages: a signed token the chat's Acknowledge/Resolve buttons carry back to us. */
  chatActionToken?: string;
  /** Set on voice calls: a single-use token the call's keypress (<Gather> action) carries back to us. */
  keypressToken?: string;
  /** The people affected, when the service measures impact (a line such as "about 40 people affected"). */
  impactLine?: string;
}

export interface Message {
  /** Stable for one logical notification; resent unchanged after a crash. */
  idempotencyKey: string;
  kind: 'page' | 'status' | 'verification' | 'test';
  eventType: IncidentEventType;
  occurredAt: string;
  orgName: string;
  /** Who or what caused the event (for webhooks' `agent`), if anyone. */
  agent: { id: string; type: 'user_reference' | 'service_reference'; name: string } | null;
  /** One or more incidents: several arriving together for one person are bundled into one message. */
  incidents: IncidentView[];
  /** For a note (incident.annotated). */
  note?: { id: string; content: string };
  /** For verification messages: the code to read back. */
  code?: string;
  /** A message that is not about incidents (the weekly coverage digest): its subject and plain text. */
  /** A notice's words; `html` (an incident status update's html_message) replaces the HTML body's text. */
  notice?: { subject: string; text: string; html?: string };
  /** Extra mail headers (a status page update's List-Unsubscribe and List-Unsubscribe-Post, RFC 8058). */
  emailHeaders?: Record<string, string>;
  /** A status page event (status-page/subscriptions.ts): a webhook sends it as the event's `data`, resource type `status_page`. */
  statusEvent?: Record<string, unknown>;
  /** A scheduled test page: the one-tap link that confirms this contact method reached its owner. */
  confirmUrl?: string;
  /** The same link's token: a test call's keypress (<Gather> action) carries it back. */
  confirmToken?: string;
  recipientName?: string;
  /** The reader's locale (BCP 47; lib/i18n): the person's, else the organization's default. Absent: English. */
  locale?: string;
  /** The zone dates are written in: the person's, else the organization's. Absent: UTC. */
  timeZone?: string;
}

/** Where to send: the contact method's address plus per-channel settings. */
export interface Destination {
  /** An email address, an E.164 phone number, or an https/http URL. */
  address: string;
  /** Webhook signing secrets (several during rotation), Slack signing secret, custom headers. */
  secrets?: string[];
  headers?: { name: string; value: string }[];
  /** Webhook subscription id, sent as X-Webhook-Subscription. */
  subscriptionId?: string;
  /** Web Push: the subscription's keys and the VAPID key pair it was made with. */
  push?: { p256dh: string; auth: string; vapidPublicKey: string; vapidPrivateKey: string };
  /** Matrix: the person's Matrix user (the method's matrix_user_id), mentioned so their client notifies loudly. */
  mentions?: string[];
  /** Telegram: the organization's bot (Bot API base URL and token); the address is the chat id. */
  telegram?: { apiBaseUrl: string; token: string };
}

/** Chat services reached by a webhook URL or a bot token (channels/discord, teams, matrix). */
export type ChatOpsChannelType = 'discord' | 'teams' | 'matrix';

export interface ChannelAdapter {
  readonly type: 'webhook' | 'email' | 'slack' | 'sms' | 'voice' | 'ntfy' | 'push' | 'telegram' | ChatOpsChannelType;
  send(dest: Destination, msg: Message, signal?: AbortSignal): Promise<DeliveryResult>;
}
