/**
 * Grafana OnCall's Formatted Webhook payload (OnCall docs, configure/integrations/references/
 * webhook): `alert_uid`, `title`, `image_url`, `state` (`alerting` or `ok`),
 * `link_to_upstream_details`, `message`; none required. Pure. `state: "ok"` resolves, any other
 * payload triggers; the dedup key is `alert_uid`, else the title (OnCall groups by them). The
 * whole payload is kept as the alert's custom details, so no field is dropped.
 */
import { createHash } from 'node:crypto';
import { LIMITS, MAX_DEPTH, nestsDeeperThan, type Validated } from '../events-v2/validate.js';

export interface FormattedWebhook {
  action: 'trigger' | 'resolve';
  dedupKey: string;
  summary: string;
  details: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const FIELDS = ['alert_uid', 'title', 'image_url', 'state', 'link_to_upstream_details', 'message'] as const;

export function validateFormattedWebhook(body: unknown): Validated<FormattedWebhook> {
  if (!isObject(body)) return { ok: false, errors: ['payload must be a JSON object'] };
  if (nestsDeeperThan(body, MAX_DEPTH)) return { ok: false, errors: [`payload is nested more than ${MAX_DEPTH} levels deep`] };
  const errors: string[] = [];
  const text: Partial<Record<(typeof FIELDS)[number], string>> = {};
  for (const f of FIELDS) {
    const v = body[f];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') errors.push(`'${f}' must be a string`);
    else if (v.includes('\u0000')) errors.push(`'${f}' must not contain NUL characters`);
    else text[f] = v;
  }
  if (text.state !== undefined && text.state !== 'alerting' && text.state !== 'ok') errors.push(`'state' must be "alerting" or "ok", got ${JSON.stringify(text.state)}`);
  if (text.alert_uid !== undefined && text.alert_uid.length > LIMITS.dedupKey) errors.push(`'alert_uid' is too long (maximum is ${LIMITS.dedupKey} characters)`);
  if (JSON.stringify(body).includes('\\u0000')) errors.push('payload must not contain NUL characters');
  if (errors.length) return { ok: false, errors: [...new Set(errors)] };
  const title = text.title?.trim() || 'Alert from a formatted webhook';
  const dedupKey = text.alert_uid || createHash('sha256').update(`title:${title}`).digest('hex').slice(0, 32);
  const summary = title.length > LIMITS.summary ? title.slice(0, LIMITS.summary - 1) + '…' : title;
  const details: Record<string, unknown> = { custom_details: body };
  if (text.link_to_upstream_details) details.links = [{ href: text.link_to_upstream_details }];
  if (text.image_url) details.images = [{ src: text.image_url }];
  return { ok: true, value: { action: text.state === 'ok' ? 'resolve' : 'trigger', dedupKey, summary, details } };
}
