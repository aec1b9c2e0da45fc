/** Row types of the public status page and its subscriptions; kept beside schema.ts, which lists them in Database. */

/** The public status page of an organization; off until an admin publishes it. */
export interface StatusPageTable {
  org_id: string;
  slug: string;
  title: string;
  enabled: number;
  /** JSON StatusComponent[] (status-page/status-page.ts); empty means every active service. */
  components: string;
  /** JSON list of the page's languages (`["fr","en"]`), the first the default (lib/i18n). */
  languages: string;
  updated_at: number;
}

/** What responders tell the public about an incident (its internal title is never shown). */
export interface PublicUpdateTable {
  org_id: string;
  id: string;
  incident_id: string;
  status: 'investigating' | 'identified' | 'monitoring' | 'resolved';
  message: string;
  author_id: string | null;
  created_at: number;
}

/** Someone who follows the public status page: an email address (double opt-in) or a webhook (added by owners and admins). */
export interface StatusSubscriberTable {
  org_id: string;
  id: string;
  type: 'email' | 'webhook';
  /** The email address (lowercase) or the webhook URL. */
  address: string;
  /** A webhook's signing secret (sealed at rest); null for email. */
  secret: string | null;
  /** JSON service ids it follows; `[]` means every component. */
  components: string;
  /** SHA-256 of the confirmation token while unconfirmed; null once confirmed. */
  confirm_hash: string | null;
  unsubscribe_hash: string;
  /** The token of its unsubscribe links (sealed at rest): every message carries it. */
  unsubscribe_token: string;
  created_at: number;
  confirmed_at: number | null;
  /** An unconfirmed subscriber is deleted then; null once confirmed. */
  expires_at: number | null;
  /** The language (`en`, `fr`, `es`) the subscriber read the page in when subscribing; their mails are in it. NULL (or absent on insert): the page's first language (webhooks, older subscribers). */
  language?: string | null;
}

/** A status page component's state as last seen and as last told to subscribers (the throttle's memory). */
export interface StatusComponentWatchTable {
  org_id: string;
  service_id: string;
  state: string;
  told_state: string;
  /** State changes seen since subscribers were last told. */
  changes: number;
  /** The first of the changes not told yet; null when nothing is pending. */
  first_change_at: number | null;
  /** When the pending changes are told; null when nothing is pending. */
  due_at: number | null;
  last_sent_at: number | null;
  updated_at: number;
}

/** Maintenance notices already queued to status page subscribers (one per occurrence and phase). */
export interface StatusNoticeSentTable {
  org_id: string;
  key: string;
  created_at: number;
}

export interface StatusPageDatabase {
  status_pages: StatusPageTable;
  public_updates: PublicUpdateTable;
  status_subscribers: StatusSubscriberTable;
  status_component_watch: StatusComponentWatchTable;
  status_notices_sent: StatusNoticeSentTable;
}
