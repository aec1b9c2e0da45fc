/**
 * Email over SMTP (nodemailer). One message per Message; the Message-ID is derived from
 * the idempotency key, so a copy resent after a crash carries the same Message-ID and
 * mail clients (and tests) can tell it is a duplicate.
 *
 * SMTP settles the outcome in the reply code: 4xx is "try again later", 5xx is "this will
 * not work" (RFC 5321 §4.2.1). Acceptance by the relay is all we can observe; a later
 * bounce is not reported back here.
 */
import type nodemailer from 'nodemailer';
import { lazyRequire } from '../../../lib/lazy-require.js';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { permanent, retryable, type ChannelAdapter, type DeliveryResult, type Destination, type IncidentView, type Message } from '../../channel.js';
import { withDetail } from '../http.js';
import { commonService, eventLabel, confirmSuffix, isTest, isVerification, oneLine, statusWord, tr, truncate, when } from '../text.js';
import { languageOf } from '../../../lib/i18n/translate.js';

/** SMTP's library, loaded when an email channel is built (SMTP configured), not at start. */
const loadNodemailer = lazyRequire<typeof nodemailer>('nodemailer');

export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the first byte (port 465). When false, STARTTLS is used if the server offers it. */
  secure: boolean;
  auth?: { user: string; pass: string };
  /** The From header, e.g. `"Vigil" <vigil@example.org>`. */
  from: string;
  /** Never upgrade with STARTTLS (a local relay without certificates). */
  ignoreTLS?: boolean;
  /** Fail unless STARTTLS succeeds. */
  requireTLS?: boolean;
  /** Whether to check the server's certificate; defaults to true. */
  rejectUnauthorized?: boolean;
  connectionTimeoutMs?: number;
  greetingTimeoutMs?: number;
  socketTimeoutMs?: number;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/**
 * A Message-ID is `<id-left@id-right>` with id-left a dot-atom (RFC 5322 §3.6.4). Keys made
 * of atext pass through unchanged; any other byte (and `%` and `.`, to keep the mapping
 * one-to-one and the atom valid) is percent-encoded.
 */
export function messageIdFor(idempotencyKey: string): string {
  const left = Array.from(new TextEncoder().encode(idempotencyKey), (b) => {
    const c = String.fromCharCode(b);
    return b < 0x80 && /[A-Za-z0-9!#$&'*+/=?^_`{|}~-]/.test(c) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }).join('');
  return `<${left}@vigil>`;
}

const TITLE_MAX = 120;

function subjectFor(msg: Message): string {
  if (isVerification(msg)) return tr(msg, 'email.subject.verification', { code: msg.code ?? '' }).trimEnd();
  if (msg.incidents.length === 0 && msg.notice) return tr(msg, 'email.subject.notice', { subject: msg.notice.subject });
  if (msg.incidents.length === 0) return isTest(msg) ? tr(msg, 'email.subject.test') : tr(msg, 'email.subject.notification');
  const label = eventLabel(msg.eventType, msg.locale);
  const service = commonService(msg.incidents);
  const suffix = service ? ` (${truncate(oneLine(service), 60)})` : '';
  const [first] = msg.incidents;
  if (msg.incidents.length === 1 && first) return tr(msg, 'email.subject.incident', { number: first.number, label, title: truncate(oneLine(first.title), TITLE_MAX), suffix });
  return tr(msg, 'email.subject.bundle', { count: msg.incidents.length, label, number: first!.number, title: truncate(oneLine(first!.title), 60), more: msg.incidents.length - 1, suffix });
}

/** Which one-click actions make sense in the incident's current state. */
function actions(inc: IncidentView): { ack?: string; resolve?: string } {
  return {
    ...(inc.status === 'triggered' && inc.ackUrl ? { ack: inc.ackUrl } : {}),
    ...(inc.status !== 'resolved' && inc.resolveUrl ? { resolve: inc.resolveUrl } : {}),
  };
}

/** An incident's facts, named in the reader's language, with the opening time in their zone. */
function facts(msg: Message, inc: IncidentView): [string, string][] {
  return [
    [tr(msg, 'email.fact.service'), inc.service.name],
    [tr(msg, 'email.fact.status'), statusWord(inc.status, msg.locale)],
    [tr(msg, 'email.fact.urgency'), tr(msg, `urgencyValue.${inc.urgency}`)],
    ...(inc.assignees.length > 0 ? [[tr(msg, 'email.fact.assignedTo'), inc.assignees.map((x) => x.name).join(', ')] as [string, string]] : []),
    [tr(msg, 'email.fact.opened'), when(msg, inc.createdAt)],
  ];
}

function incidentText(msg: Message, inc: IncidentView): string {
  const lines = [tr(msg, 'text.incidentTitle', { number: inc.number, label: eventLabel(msg.eventType, msg.locale), title: oneLine(inc.title) })];
  if (inc.impactLine) lines.push(oneLine(inc.impactLine));
  for (const [name, value] of facts(msg, inc)) lines.push(tr(msg, 'email.fact', { name, value: oneLine(value) }));
  const a = actions(inc);
  const line = (action: string, url: string) => tr(msg, 'email.action.line', { action, url });
  lines.push('');
  if (a.ack) lines.push(line(tr(msg, 'email.action.acknowledge', { number: inc.number }), a.ack));
  if (a.resolve) lines.push(line(tr(msg, 'email.action.resolve', { number: inc.number }), a.resolve));
  lines.push(line(tr(msg, 'email.action.view', { number: inc.number }), inc.htmlUrl));
  return lines.join('\n');
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

// Links are styled as large, high-contrast buttons but stay real links with text that
// names the action and the incident, so screen readers announce them on their own.
const BUTTON = 'display:inline-block;padding:10px 16px;margin:4px 8px 4px 0;border-radius:4px;background:#1a4fa3;color:#ffffff;text-decoration:underline;font-weight:bold';

function incidentHtml(msg: Message, inc: IncidentView, heading: 'h1' | 'h2'): string {
  const a = actions(inc);
  const links = [
    a.ack ? `<a href="${esc(a.ack)}" style="${BUTTON}">${esc(tr(msg, 'email.action.acknowledge', { number: inc.number }))}</a>` : '',
    a.resolve ? `<a href="${esc(a.resolve)}" style="${BUTTON}">${esc(tr(msg, 'email.action.resolve', { number: inc.number }))}</a>` : '',
    `<a href="${esc(inc.htmlUrl)}">${esc(tr(msg, 'email.action.view', { number: inc.number }))}</a>`,
  ].filter(Boolean);
  return [
    `<${heading} style="font-size:${heading === 'h1' ? 22 : 18}px">${esc(tr(msg, 'text.incidentTitle', { number: inc.number, label: eventLabel(msg.eventType, msg.locale), title: oneLine(inc.title) }))}</${heading}>`,
    inc.impactLine ? `<p><strong>${esc(oneLine(inc.impactLine))}</strong></p>` : '',
    `<ul>${facts(msg, inc).map(([name, value]) => `<li>${esc(tr(msg, 'email.fact', { name, value: oneLine(value) }))}</li>`).join('')}</ul>`,
    `<p>${links.join(' ')}</p>`,
  ]
    .filter(Boolean)
    .join('\n');
}

function page(msg: Message, title: string, body: string): string {
  return `<!DOCTYPE html>\n<html lang="${languageOf(msg.locale)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${esc(title)}</title></head>\n<body style="font-family:sans-serif;font-size:16px;line-height:1.5;color:#111111;background:#ffffff">\n${body}\n</body></html>\n`;
}

/** Subject, plain text and HTML for a message, in its reader's language and zone. Pure. */
export function renderEmail(msg: Message): RenderedEmail {
  const subject = oneLine(subjectFor(msg));
  const greeting = msg.recipientName ? tr(msg, 'email.greeting', { name: oneLine(msg.recipientName) }) : null;
  const footer = tr(msg, 'email.footer', { org: oneLine(msg.orgName) });

  if (isVerification(msg)) {
    const code = msg.code ?? '';
    const explain = tr(msg, 'email.verification.explain', { org: oneLine(msg.orgName) });
    const text = [greeting, tr(msg, 'email.verification.code', { code }), '', explain, '', footer].filter((l) => l !== null).join('\n');
    const html = page(msg, subject, [greeting ? `<p>${esc(greeting)}</p>` : '', `<p>${esc(tr(msg, 'email.verification.lead'))}</p>`, `<p style="font-size:28px;font-weight:bold;letter-spacing:4px">${esc(code)}</p>`, `<p>${esc(explain)}</p>`, `<p>${esc(footer)}</p>`].filter(Boolean).join('\n'));
    return { subject, text, html };
  }

  if (msg.incidents.length === 0 && msg.notice) {
    const body = msg.notice.text;
    const text = [greeting, body, '', footer].filter((l) => l !== null).join('\n');
    const main = msg.notice.html ?? `<pre style="font-family:inherit;white-space:pre-wrap">${esc(body)}</pre>`;
    const html = page(msg, subject, [greeting ? `<p>${esc(greeting)}</p>` : '', main, `<p>${esc(footer)}</p>`].filter(Boolean).join('\n'));
    return { subject, text, html };
  }

  if (msg.incidents.length === 0) {
    const line = isTest(msg) ? `${tr(msg, 'email.test', { org: oneLine(msg.orgName) })}${confirmSuffix(msg)}` : tr(msg, 'email.notification', { org: oneLine(msg.orgName) });
    return { subject, text: [greeting, line, '', footer].filter((l) => l !== null).join('\n'), html: page(msg, subject, [greeting ? `<p>${esc(greeting)}</p>` : '', `<p>${esc(line)}</p>`, `<p>${esc(footer)}</p>`].filter(Boolean).join('\n')) };
  }

  const bundle = msg.incidents.length > 1;
  const label = eventLabel(msg.eventType, msg.locale);
  const by = msg.agent && msg.eventType !== 'incident.triggered' ? tr(msg, 'email.by', { name: oneLine(msg.agent.name) }) : null;
  const intro: string[] = [];
  if (greeting) intro.push(greeting);
  if (bundle) intro.push(tr(msg, 'email.bundleIntro', { count: msg.incidents.length, label }));
  if (by) intro.push(by);
  if (msg.note) intro.push(`${tr(msg, 'email.noteLabel')} ${msg.note.content}`);

  const text = [...(intro.length ? [intro.join('\n'), ''] : []), msg.incidents.map((i) => incidentText(msg, i)).join('\n\n----\n\n'), '', footer].join('\n');

  const htmlParts: string[] = [];
  if (greeting) htmlParts.push(`<p>${esc(greeting)}</p>`);
  if (bundle) htmlParts.push(`<h1 style="font-size:22px">${esc(tr(msg, 'email.bundleHeading', { count: msg.incidents.length, label }))}</h1>`);
  if (by) htmlParts.push(`<p>${esc(by)}</p>`);
  if (msg.note) htmlParts.push(`<p>${esc(tr(msg, 'email.noteLabel'))}</p><blockquote style="white-space:pre-wrap">${esc(msg.note.content)}</blockquote>`);
  htmlParts.push(msg.incidents.map((i) => incidentHtml(msg, i, bundle ? 'h2' : 'h1')).join('\n<hr>\n'));
  htmlParts.push(`<p>${esc(footer)}</p>`);
  return { subject, text, html: page(msg, subject, htmlParts.join('\n')) };
}

/**
 * nodemailer puts the server's reply code on `responseCode` and its own failure class
 * on `code`. A reply code decides; without one, a failure to reach or talk to the server
 * is retryable, while a local misconfiguration (no usable credentials, TLS refused or
 * unverifiable, an address nodemailer cannot use) is permanent, so the page moves on to
 * the person's next contact method instead of waiting on email that cannot work.
 */
export function classifySmtpError(err: unknown): DeliveryResult {
  const e = (err ?? {}) as { code?: string; responseCode?: number; message?: string };
  const detail = e.message;
  if (typeof e.responseCode === 'number') {
    const reason = `smtp_${e.responseCode}`;
    if (e.responseCode >= 400 && e.responseCode < 500) return withDetail(retryable(reason), detail);
    if (e.responseCode >= 500 && e.responseCode < 600) return withDetail(permanent(reason), detail);
  }
  switch (e.code) {
    case 'ECONNECTION':
    case 'ESOCKET':
    case 'ETIMEDOUT':
    case 'EDNS':
    case 'ECONNREFUSED':
    case 'ECONNRESET':
    case 'EPROTOCOL':
      return withDetail(retryable('smtp_' + e.code.slice(1).toLowerCase()), detail);
    case 'EAUTH':
    case 'ETLS':
    case 'EREQUIRETLS':
    case 'EENVELOPE':
    case 'EMESSAGE':
      return withDetail(permanent('smtp_' + e.code.slice(1).toLowerCase()), detail);
  }
  return withDetail(retryable('smtp_error'), detail);
}

export class EmailChannel implements ChannelAdapter {
  readonly type = 'email' as const;
  readonly #from: string;
  readonly #transport: nodemailer.Transporter<SMTPTransport.SentMessageInfo>;

  /** Timeouts default to 10 s to connect, 10 s for the greeting and 30 s of socket silence. */
  constructor(smtp: SmtpSettings) {
    this.#from = smtp.from;
    this.#transport = loadNodemailer().createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      ...(smtp.auth ? { auth: { user: smtp.auth.user, pass: smtp.auth.pass } } : {}),
      ignoreTLS: smtp.ignoreTLS ?? false,
      requireTLS: smtp.requireTLS ?? false,
      tls: { rejectUnauthorized: smtp.rejectUnauthorized ?? true },
      connectionTimeout: smtp.connectionTimeoutMs ?? 10_000,
      greetingTimeout: smtp.greetingTimeoutMs ?? 10_000,
      socketTimeout: smtp.socketTimeoutMs ?? 30_000,
    });
  }

  /**
   * SMTP cannot be cancelled midway: on abort the result is `retryable('aborted')` at once
   * and the transfer may still complete; the resend then carries the same Message-ID.
   */
  async send(dest: Destination, msg: Message, signal?: AbortSignal): Promise<DeliveryResult> {
    if (signal?.aborted) return retryable('aborted');
    const { subject, text, html } = renderEmail(msg);
    const sending = this.#transport
      .sendMail({
        from: this.#from,
        to: msg.recipientName ? { name: oneLine(msg.recipientName), address: dest.address } : dest.address,
        subject,
        text,
        html,
        messageId: messageIdFor(msg.idempotencyKey),
        headers: {
          ...msg.emailHeaders,
          // Keeps vacation responders and Exchange auto-replies from answering a page.
          'Auto-Submitted': 'auto-generated',
          'X-Auto-Response-Suppress': 'All',
        },
      })
      .then(
        (info): DeliveryResult => {
          if (info.rejected.length > 0) return withDetail(permanent('smtp_rejected'), info.response);
          return { kind: 'sent', providerId: info.messageId };
        },
        (err: unknown) => classifySmtpError(err),
      );
    if (!signal) return sending;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<DeliveryResult>((resolve) => {
      onAbort = () => resolve(retryable('aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([sending, aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort!);
    }
  }

  close(): void {
    this.#transport.close();
  }
}
