/**
 * Inbound email, whichever way it arrives (Vigil's SMTP listener, a provider's inbound
 * webhook): the recipient address names the integration (`<routing key>@<VIGIL_EMAIL_DOMAIN>`),
 * the allow-list checks the sender, map.ts turns the message into an event, and the event
 * takes the same path as Events API v2 (rate limit, rules stage, group commit). `submitEmail`
 * resolves once the event is on disk, so a 250 at the end of DATA (or a provider's 2xx)
 * means the same as a 202 from /v2/enqueue.
 */
import { randomUUID } from 'node:crypto';
import type { IngestService, ResolvedIntegration } from '../ingest.service.js';
import { readEmailConfig, senderAllowed } from './email-config.js';
import { mapEmail, type EmailDecision, type InboundMessage } from './map.js';

export type AddressLookup = { ok: true; target: ResolvedIntegration } | { ok: false; reason: 'domain' | 'unknown' };

const KEY = /^[a-z0-9]{32}$/;

/** The lowercased address split at its last @, or null when it is not one. */
export function splitAddress(address: string): { local: string; domain: string } | null {
  const a = address.trim().replace(/^<|>$/g, '').toLowerCase();
  const at = a.lastIndexOf('@');
  if (at < 1 || at === a.length - 1) return null;
  return { local: a.slice(0, at), domain: a.slice(at + 1) };
}

/**
 * The email integration an address reaches. `domain` null (VIGIL_EMAIL_DOMAIN unset, webhooks
 * only): any domain is taken, the key alone decides. Unknown and foreign keys get one answer.
 */
export async function integrationForAddress(ingest: IngestService, address: string, domain: string | null): Promise<AddressLookup> {
  const parts = splitAddress(address);
  if (!parts) return { ok: false, reason: 'unknown' };
  if (domain !== null && parts.domain !== domain.toLowerCase()) return { ok: false, reason: 'domain' };
  // A sub-address (key+anything@) reaches the key's integration.
  const local = parts.local.split('+')[0]!;
  if (!KEY.test(local)) return { ok: false, reason: 'unknown' };
  const target = await ingest.resolveKey(local, 'email');
  return target ? { ok: true, target } : { ok: false, reason: 'unknown' };
}

export function senderAllowedFor(target: ResolvedIntegration, sender: string): boolean {
  return senderAllowed(readEmailConfig(target.integration.email_config).email_allowed_senders, sender);
}

/** What happened to the message: an event committed (trigger or resolve), or dropped by the integration's filters or parsers. */
export type EmailOutcome = EmailDecision['action'];

/**
 * Map and commit one message for one integration. Throws the ingest path's errors (429
 * rate_limited, 503 storage) for the caller to answer in its protocol.
 */
export async function submitEmail(ingest: IngestService, target: ResolvedIntegration, message: InboundMessage, via: 'smtp' | 'mailgun' | 'postmark' | 'sendgrid'): Promise<{ outcome: EmailOutcome; dedupKey?: string; reason?: string }> {
  const decision = mapEmail(readEmailConfig(target.integration.email_config), message, randomUUID().replace(/-/g, ''));
  if (decision.action === 'drop') {
    ingest.count('rejected', 'email_filtered');
    return { outcome: 'drop', reason: decision.reason };
  }
  const channel = { type: 'email' as const, via, from: message.from[0] ?? null };
  ingest.admit(target.integration.id);
  if (decision.action === 'trigger') {
    await ingest.submit({ kind: 'trigger', target, channel, dedupKey: decision.dedupKey, summary: decision.summary, severity: 'error', source: message.from[0] ?? null, details: decision.details });
  } else {
    await ingest.submit({ kind: 'resolve', target, channel, dedupKey: decision.dedupKey });
  }
  ingest.count('accepted', `email_${decision.action}`);
  return { outcome: decision.action, dedupKey: decision.dedupKey };
}
