/**
 * An integration's forward (issue 16 item 4, "run both during the move"): every event the
 * integration accepts is also sent, unchanged, to the tool being left. Pure: the body of
 * `PUT …/integrations/{id}` → the setting to store, or a 400 naming the field.
 *
 * The kind follows the integration: an Events API v2 integration forwards to an Events API
 * v2 endpoint (with the forward's own `routing_key`), an Opsgenie integration to an Opsgenie
 * Alert API (with `Authorization: GenieKey <api_key>`); other integrations forward nothing.
 * `url` is the other service's base URL (`https://events.pagerduty.com`,
 * `https://api.opsgenie.com`); a pasted endpoint (`…/v2/enqueue`, `…/v2/alerts`) is cut back
 * to its base, because each event goes to the path it arrived on. The key is write-only:
 * leaving it out keeps the stored one (same kind), so a URL can change without re-entering it.
 */
import { invalid } from '../errors.js';
import type { IntegrationTable } from '../storage/schema.js';

export type ForwardKind = 'events_v2' | 'opsgenie';

const KEY_FIELD: Record<ForwardKind, 'routing_key' | 'api_key'> = { events_v2: 'routing_key', opsgenie: 'api_key' };
const ENDPOINT_SUFFIX = /\/(v2\/enqueue|v2\/change\/enqueue|v2\/alerts)\/?$/;

/** `null`: forward nothing. `key: null`: keep the stored key. */
export type ForwardInput = { url: string; kind: ForwardKind; key: string | null } | null;

export function parseForward(raw: unknown, integration: Pick<IntegrationTable, 'type' | 'forward_kind' | 'forward_key'>): ForwardInput {
  if (raw === null) return null;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalid('integration.forward: must be an object {url, kind, routing_key or api_key} or null');
  const f = raw as Record<string, unknown>;
  const kind = f.kind;
  if (kind !== 'events_v2' && kind !== 'opsgenie') throw invalid(`integration.forward.kind: ${kind === undefined ? 'is required' : `${JSON.stringify(kind)} is not supported`}; use events_v2 or opsgenie`);
  if (integration.type !== 'events_v2' && integration.type !== 'opsgenie') throw invalid(`integration.forward: a ${integration.type} integration cannot forward; only events_v2 and opsgenie integrations do`);
  if (kind !== integration.type) throw invalid(`integration.forward.kind: a ${integration.type} integration forwards its events unchanged, so only to ${integration.type}`);
  for (const name of Object.keys(f)) if (!['url', 'kind', KEY_FIELD[kind]].includes(name)) throw invalid(`integration.forward.${name}: not a field of a ${kind} forward (url, kind, ${KEY_FIELD[kind]})`);
  const url = parseBaseUrl(f.url);
  const keyField = KEY_FIELD[kind];
  const key = f[keyField];
  if (key === undefined) {
    if (integration.forward_key !== null && integration.forward_kind === kind) return { url, kind, key: null };
    throw invalid(`integration.forward.${keyField}: is required`);
  }
  if (typeof key !== 'string' || key.length < 1 || key.length > 255 || /\s/.test(key)) throw invalid(`integration.forward.${keyField}: must be 1 to 255 characters without spaces`);
  return { url, kind, key };
}

function parseBaseUrl(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length === 0) throw invalid('integration.forward.url: is required (the other service\'s base URL, e.g. https://events.pagerduty.com)');
  if (raw.length > 2048) throw invalid('integration.forward.url: at most 2048 characters');
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw invalid('integration.forward.url: not an absolute URL');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw invalid(`integration.forward.url: scheme ${u.protocol} not allowed; use https`);
  if (u.username || u.password) throw invalid('integration.forward.url: must not carry a user name or password; the key goes in routing_key or api_key');
  if (u.search || u.hash) throw invalid('integration.forward.url: must not carry a query or fragment');
  return `${u.origin}${u.pathname.replace(ENDPOINT_SUFFIX, '').replace(/\/+$/, '')}`;
}
