/**
 * Contact methods whose address is more than a string: an ntfy topic (server URL plus a
 * topic, generated per person with a random suffix, and an optional access token) and a
 * browser's Web Push subscription (endpoint plus the keys the payload is encrypted to).
 * Pure validation: each answers the address and secret to store, or throws a 400 naming
 * the field.
 */
import { randomBytes } from 'node:crypto';
import { invalid } from '../errors.js';
import { parseDiscordWebhook } from './channels/discord/discord.js';
import { matrixAddress, parseMatrixAddress } from './channels/matrix/matrix.js';
import { parseNtfyAddress } from './channels/ntfy/ntfy.js';
import { parseTeamsWorkflow } from './channels/teams/teams.js';

/** `vigil-<name>-<random>`: ~80 random bits, so nobody guesses it on a public server. */
export function ntfyTopicFor(personName: string): string {
  const slug = personName
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase()
    .slice(0, 20);
  const suffix = randomBytes(10).toString('base64url').replace(/[-_]/g, 'x');
  return `vigil-${slug ? `${slug}-` : ''}${suffix}`;
}

/**
 * The topic URL to store. An address ending in `/` (or a bare host) names the server: a
 * topic is generated for the person. Otherwise the last path segment is the topic.
 */
export function normalizeNtfyAddress(address: string, personName: string): string {
  let url: URL;
  try {
    url = new URL(address.trim());
  } catch {
    throw invalid('contact_method.address must be the ntfy server URL (https://ntfy.sh/) or a topic URL (https://ntfy.sh/my-topic)');
  }
  const withTopic = url.pathname.endsWith('/') && !url.search && !url.hash ? new URL(`${url.pathname}${ntfyTopicFor(personName)}`, url.origin + '/').toString() : url.toString();
  const parsed = parseNtfyAddress(withTopic);
  if (typeof parsed === 'string') throw invalid(`contact_method.address: ${parsed}`);
  return new URL(parsed.topic, parsed.server).toString();
}

/** ntfy access tokens (`tk_…`, 32 characters) or any bearer token a proxy in front of ntfy expects. */
export function ntfyAccessToken(token: string): string {
  const t = token.trim();
  if (!/^[\x21-\x7e]{1,256}$/.test(t)) throw invalid('contact_method.access_token must be 1 to 256 printable characters without spaces (an ntfy token looks like tk_...)');
  return t;
}

/**
 * A Discord webhook URL to store (sealed, write-only), or a 400 naming the field. `namesHost`:
 * the outbound policy's allow list, which may name a relay (or a test's local Discord).
 */
export function normalizeDiscordAddress(address: string, namesHost: (host: string) => boolean): string {
  const parsed = parseDiscordWebhook(address, namesHost);
  if (typeof parsed === 'string') throw invalid(`contact_method.address: ${parsed}`);
  return parsed.toString();
}

/** A Teams (Power Automate) workflow URL to store (sealed, write-only), or a 400 naming the field. */
export function normalizeTeamsAddress(address: string, namesHost: (host: string) => boolean): string {
  const parsed = parseTeamsWorkflow(address, namesHost);
  if (typeof parsed === 'string') throw invalid(`contact_method.address: ${parsed}`);
  return parsed.toString();
}

/**
 * A Matrix method's address: the homeserver URL with the room id after `#`
 * (`https://matrix.example.org/#!AbCdEf:example.org`). The room comes from `room_id`, or from
 * an address read back from the API (which already carries it); both, differing, is a 400.
 */
export function normalizeMatrixAddress(address: string, roomId: string | undefined): string {
  let url: URL;
  try {
    url = new URL(address.trim());
  } catch {
    throw invalid('contact_method.address must be the homeserver URL (https://matrix.example.org)');
  }
  const inAddress = decodeURIComponent(url.hash.slice(1));
  if (roomId !== undefined && inAddress && inAddress !== roomId.trim()) throw invalid(`contact_method.room_id: ${roomId.trim()} differs from the room in contact_method.address (${inAddress}); give one`);
  const room = roomId?.trim() || inAddress;
  if (!room) throw invalid('contact_method.room_id is required for a matrix method (the room id, such as !AbCdEf:example.org, from the room settings)');
  url.hash = '';
  const parsed = parseMatrixAddress(matrixAddress(url.toString().replace(/\/+$/, ''), room));
  if (typeof parsed === 'string') throw invalid(`${/room id/.test(parsed) ? 'contact_method.room_id' : 'contact_method.address'}: ${parsed}`);
  return matrixAddress(parsed.homeserver, parsed.roomId);
}

/** A Matrix access token (`syt_…` from Synapse, or any opaque token without spaces), or null. */
export function matrixAccessTokenOf(token: string): string | null {
  const t = token.trim();
  return /^[\x21-\x7e]{8,256}$/.test(t) ? t : null;
}

/** A Matrix user id: `@localpart:server.name` (the spec's grammar, loosely: printable, no spaces or colon in the localpart). */
export const MATRIX_USER_ID = /^@[\x21-\x39\x3b-\x7e]{1,200}:[A-Za-z0-9.-]+(:\d{1,5})?$/;

/** The Matrix user a matrix method's owner writes from (their replies act as them), or a 400 naming the field; null clears it. */
export function matrixUserId(id: string | null): string | null {
  if (id === null) return null;
  const t = id.trim();
  if (!MATRIX_USER_ID.test(t)) throw invalid('contact_method.matrix_user_id must be a Matrix user id such as @ada:example.org');
  return t;
}

/** A Matrix access token (`syt_…` from Synapse, or any opaque token without spaces). */
export function matrixAccessToken(token: string): string {
  const t = token.trim();
  if (matrixAccessTokenOf(t) === null) throw invalid('contact_method.access_token must be 8 to 256 printable characters without spaces (a Matrix access token, such as syt_...)');
  return t;
}
