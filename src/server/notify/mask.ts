/**
 * Masked hints for addresses and URLs that others may not read (issue 14 item 5).
 * People see their own contact methods in full; everyone else sees the type and a hint
 * such as "•••@example.org" or "+1••••••1234". Slack incoming-webhook URLs and webhook
 * subscription URLs are bearer secrets: after creation everyone sees only the hint
 * (scheme and host).
 */
import type { ContactMethodType } from '../storage/schema.js';

export const MASK = '•••';

/** "https://hooks.slack.com/•••": the scheme and host, never the path or query that carry the secret. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/${MASK}`;
  } catch {
    return MASK;
  }
}

export function maskAddress(type: ContactMethodType, address: string): string {
  if (type === 'email') {
    const at = address.lastIndexOf('@');
    return at < 0 ? MASK : `${MASK}${address.slice(at)}`;
  }
  if (type === 'sms' || type === 'phone') {
    if (address.length <= 6) return MASK;
    return `${address.slice(0, 2)}${'•'.repeat(address.length - 6)}${address.slice(-4)}`;
  }
  return maskUrl(address);
}

/** Webhook URLs that are credentials: write-only for everyone, their owner included. */
const WRITE_ONLY: readonly ContactMethodType[] = ['slack', 'discord', 'teams'];

/** Whether a method's address is shown in full to this viewer: their own, except webhook URLs that are credentials (write-only for everyone). */
export function showsAddress(type: ContactMethodType, ownerId: string, viewerId: string | null): boolean {
  return !WRITE_ONLY.includes(type) && viewerId !== null && ownerId === viewerId;
}

/** A national phone number as others see it: only its last four digits ("••••••0123"). */
export function maskNational(national: string): string {
  return national.length <= 4 ? MASK : `${'•'.repeat(national.length - 4)}${national.slice(-4)}`;
}

/** Whether `given` is a hint of the stored address that a client read and sent back unchanged (then the address is kept). */
export function isMaskedHint(type: ContactMethodType, stored: string, given: string): boolean {
  if (given === maskAddress(type, stored)) return true;
  return (type === 'sms' || type === 'phone') && /^•+\d{4}$/.test(given) && stored.endsWith(given.slice(-4));
}
