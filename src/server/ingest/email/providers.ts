/**
 * Mail providers' inbound webhooks, as each documents them. Pure.
 *
 * - Mailgun (Routes, action `forward()`): a form (multipart/form-data, or urlencoded) with
 *   `recipient`, `sender` (envelope), `from`, `subject`, `body-plain`, `attachment-count` and
 *   `attachment-1..n` files, signed with `timestamp`, `token` and `signature` = hex
 *   HMAC-SHA256 of timestamp + token under the account's HTTP webhook signing key. A timestamp
 *   more than 15 minutes from now is refused (a replay).
 * - Postmark (inbound webhook): JSON with `From`, `FromFull.Email`, `To`, `ToFull`,
 *   `OriginalRecipient`, `Subject`, `TextBody`, `Attachments[].Name`. Postmark does not sign
 *   its requests: the integration key in the webhook URL is the secret.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { InboundMessage } from './map.js';

export const SIGNATURE_WINDOW_MS = 15 * 60_000;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Addresses in a header value ("Ops <ops@example.com>, b@example.com"), lowercased. */
export function addressesIn(header: string): string[] {
  const out: string[] = [];
  for (const m of header.matchAll(/<([^<>\s]+@[^<>\s]+)>|([^\s,<>"]+@[^\s,<>"]+)/g)) out.push((m[1] ?? m[2]!).toLowerCase());
  return out;
}

export function verifyMailgun(key: string, f: { timestamp?: string; token?: string; signature?: string }, now: number): { ok: true } | { ok: false; reason: string } {
  if (!f.timestamp || !f.token || !f.signature) return { ok: false, reason: 'timestamp, token and signature are required' };
  const ts = Number(f.timestamp) * 1000;
  if (!Number.isFinite(ts) || Math.abs(now - ts) > SIGNATURE_WINDOW_MS) return { ok: false, reason: 'timestamp is more than 15 minutes away from now' };
  const expected = createHmac('sha256', key).update(f.timestamp + f.token).digest();
  const given = /^[0-9a-f]{64}$/i.test(f.signature) ? Buffer.from(f.signature, 'hex') : Buffer.alloc(0);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature does not match' };
  return { ok: true };
}

export interface MailgunForm {
  get(name: string): string | undefined;
  /** Names of the uploaded files (attachment-1..n). */
  files: string[];
}

export function mailgunMessage(f: MailgunForm): { ok: true; recipient: string; sender: string; message: InboundMessage } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const recipient = f.get('recipient');
  if (!recipient) errors.push("'recipient' is required");
  const sender = f.get('sender') ?? '';
  if (errors.length) return { ok: false, errors };
  const from = addressesIn(f.get('from') ?? '');
  const count = Number(f.get('attachment-count') ?? 0);
  const attachments = f.files.length ? f.files : Number.isInteger(count) && count > 0 ? Array.from({ length: Math.min(count, 50) }, (_, i) => `attachment-${i + 1}`) : [];
  return {
    ok: true,
    recipient: recipient!.split(',')[0]!.trim(),
    sender,
    message: {
      from: from.length ? from : sender ? [sender.toLowerCase()] : [],
      to: addressesIn(f.get('To') ?? f.get('to') ?? recipient!),
      subject: f.get('subject') ?? '',
      text: f.get('body-plain') ?? '',
      attachments,
    },
  };
}

function str(body: Record<string, unknown>, name: string, errors: string[]): string | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') {
    errors.push(`'${name}' must be a string`);
    return undefined;
  }
  return v;
}

export function postmarkMessage(body: unknown): { ok: true; sender: string; message: InboundMessage } | { ok: false; errors: string[] } {
  if (!isObject(body)) return { ok: false, errors: ['the body must be a JSON object (Postmark inbound webhook)'] };
  const errors: string[] = [];
  const fromHeader = str(body, 'From', errors);
  const fromFull = body.FromFull;
  const fromEmail = isObject(fromFull) && typeof fromFull.Email === 'string' ? fromFull.Email : undefined;
  const to = str(body, 'To', errors);
  const original = str(body, 'OriginalRecipient', errors);
  const subject = str(body, 'Subject', errors);
  const text = str(body, 'TextBody', errors);
  let attachments: string[] = [];
  if (body.Attachments !== undefined && body.Attachments !== null) {
    if (!Array.isArray(body.Attachments)) errors.push("'Attachments' must be an array");
    else attachments = body.Attachments.map((a) => (isObject(a) && typeof a.Name === 'string' ? a.Name : '(unnamed)'));
  }
  const sender = (fromEmail ?? addressesIn(fromHeader ?? '')[0] ?? '').toLowerCase();
  if (!sender) errors.push("'From' (or 'FromFull.Email') is required: the sender's address");
  if (errors.length) return { ok: false, errors };
  return { ok: true, sender, message: { from: [sender], to: addressesIn(to ?? original ?? ''), subject: subject ?? '', text: text ?? '', attachments } };
}

/**
 * SendGrid Inbound Parse (default, not "raw"): a multipart form with `from`, `to`, `subject`,
 * `text`, `envelope` (JSON `{"to": [...], "from": "..."}`), `attachments` (a count) and the
 * files `attachment1..n` (their names in `attachment-info`). SendGrid does not sign Inbound
 * Parse posts: the integration key in the URL is the secret.
 */
export function sendgridMessage(f: MailgunForm): { ok: true; sender: string; message: InboundMessage } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  let envelope: { from?: unknown; to?: unknown } = {};
  const rawEnvelope = f.get('envelope');
  if (rawEnvelope !== undefined) {
    try {
      const parsed = JSON.parse(rawEnvelope) as unknown;
      if (!isObject(parsed)) throw new Error('not an object');
      envelope = parsed;
    } catch {
      errors.push("'envelope' must be SendGrid's JSON envelope ({\"to\": [...], \"from\": \"...\"})");
    }
  }
  const from = addressesIn(f.get('from') ?? '');
  const sender = (typeof envelope.from === 'string' ? envelope.from : (from[0] ?? '')).toLowerCase();
  if (!sender) errors.push("'from' (or the envelope's from) is required: the sender's address");
  if (errors.length) return { ok: false, errors };
  let names = f.files;
  const info = f.get('attachment-info');
  if (!names.length && info) {
    try {
      const parsed = JSON.parse(info) as unknown;
      if (isObject(parsed)) names = Object.values(parsed).map((a) => (isObject(a) && typeof a.filename === 'string' ? a.filename : '(unnamed)'));
    } catch {
      // attachment-info is only used for names; an unreadable one leaves the count below
    }
  }
  const count = Number(f.get('attachments') ?? 0);
  if (!names.length && Number.isInteger(count) && count > 0) names = Array.from({ length: Math.min(count, 50) }, (_, i) => `attachment${i + 1}`);
  const to = Array.isArray(envelope.to) ? envelope.to.filter((x): x is string => typeof x === 'string').map((x) => x.toLowerCase()) : addressesIn(f.get('to') ?? '');
  return { ok: true, sender, message: { from: from.length ? from : [sender], to, subject: f.get('subject') ?? '', text: f.get('text') ?? '', attachments: names } };
}
