/**
 * Vigil's own SMTP listener (VIGIL_SMTP_LISTEN), the next hop after the organization's MX:
 * the integration's address is `<routing key>@<VIGIL_EMAIL_DOMAIN>`.
 *
 * - RCPT TO another domain, or a key that is no live email integration: 550 at RCPT time.
 * - A sender (MAIL FROM) outside the integration's `email_allowed_senders`: 550 at RCPT time
 *   (refused, never silently dropped; the sending MTA bounces it to its author).
 * - SIZE is announced (VIGIL_SMTP_MAX_BYTES) and a longer message is refused with 552 at the
 *   end of DATA; nothing of it is stored.
 * - STARTTLS is offered when VIGIL_SMTP_TLS_CERT and VIGIL_SMTP_TLS_KEY are given.
 * - 250 at the end of DATA only once the event of every recipient is on disk (the group
 *   committer's promise); a rate limit or storage refusal is a 451 the MTA retries later.
 * - Attachments are parsed only for their names (kept as count and names in the alert's
 *   details); their content is never stored.
 */
import type { SMTPServer, SMTPServerAddress, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { AddressObject } from 'mailparser';
import { lazyRequire } from '../../lib/lazy-require.js';

// smtp-server, and mailparser with its HTML and character-set tables (~1.7 MB of source,
// a fifth of what a node loads), load only on a node that listens for mail.
const smtpServer = lazyRequire<typeof import('smtp-server')>('smtp-server');
const mailparser = lazyRequire<typeof import('mailparser')>('mailparser');
import type { IngestService, ResolvedIntegration } from '../ingest.service.js';
import { VigilError } from '../../errors.js';
import { integrationForAddress, senderAllowedFor, submitEmail } from './email.service.js';
import type { InboundMessage } from './map.js';

export interface SmtpListenerOptions {
  host: string;
  port: number;
  domain: string;
  maxBytes: number;
  tls: { key: Buffer; cert: Buffer } | null;
  /** Resolves once everything committed so far is on disk (SQLite's WAL flush; AppDeps.sync): awaited before each 250. */
  sync: () => Promise<void>;
  /** The name in the greeting. */
  name?: string;
  log?: { warn(obj: object, msg: string): void };
}

type SmtpError = Error & { responseCode?: number };
const smtpError = (code: number, message: string): SmtpError => Object.assign(new Error(message), { responseCode: code });

function addresses(a: AddressObject | AddressObject[] | undefined): string[] {
  const list = a === undefined ? [] : Array.isArray(a) ? a : [a];
  return list.flatMap((o) => o.value.flatMap((v) => (v.address ? [v.address.toLowerCase()] : (v.group ?? []).flatMap((g) => (g.address ? [g.address.toLowerCase()] : [])))));
}

export class SmtpListener {
  private readonly server: SMTPServer;
  private readonly targets = new Map<string, ResolvedIntegration[]>();
  private boundPort = 0;

  constructor(
    private readonly ingest: IngestService,
    private readonly opts: SmtpListenerOptions,
  ) {
    this.server = new (smtpServer().SMTPServer)({
      name: opts.name ?? opts.domain,
      banner: 'Vigil inbound email',
      secure: false,
      ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : { hideSTARTTLS: true }),
      size: opts.maxBytes,
      authOptional: true,
      disabledCommands: ['AUTH'],
      logger: false,
      onRcptTo: (address, session, callback) => {
        this.rcpt(address, session).then(() => callback(), (err: SmtpError) => callback(err));
      },
      onData: (stream, session, callback) => {
        this.data(stream, session).then(
          (msg) => callback(null, msg),
          (err: SmtpError) => callback(err),
        );
      },
      onClose: (session) => {
        this.targets.delete(session.id);
      },
    });
    this.server.on('error', (err) => opts.log?.warn({ err }, 'SMTP listener error'));
  }

  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.server.off('error', reject);
        resolve();
      });
    });
    const a = this.server.server.address();
    this.boundPort = typeof a === 'object' && a ? a.port : this.opts.port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async rcpt(address: SMTPServerAddress, session: SMTPServerSession): Promise<void> {
    const found = await integrationForAddress(this.ingest, address.address, this.opts.domain);
    if (!found.ok) throw smtpError(550, found.reason === 'domain' ? `5.1.2 ${address.address}: this server takes mail for @${this.opts.domain} only` : `5.1.1 ${address.address}: no such email integration`);
    const mailFrom = session.envelope.mailFrom;
    const sender = mailFrom ? mailFrom.address : '';
    if (!senderAllowedFor(found.target, sender)) throw smtpError(550, `5.7.1 ${sender || '<>'} is not an allowed sender for ${address.address}`);
    const list = this.targets.get(session.id) ?? [];
    if (!list.some((t) => t.integration.id === found.target.integration.id)) list.push(found.target);
    this.targets.set(session.id, list);
  }

  private async data(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      // Past the limit, the rest is read and thrown away (the client is still sending).
      if (size <= this.opts.maxBytes) chunks.push(chunk);
      size += chunk.length;
    }
    const targets = this.targets.get(session.id) ?? [];
    this.targets.delete(session.id);
    if (stream.sizeExceeded || size > this.opts.maxBytes) throw smtpError(552, `5.3.4 message too big: the limit is ${this.opts.maxBytes} bytes`);
    if (targets.length === 0) throw smtpError(554, '5.5.1 no valid recipients');
    const parsed = await mailparser().simpleParser(Buffer.concat(chunks), { skipHtmlToText: false, skipImageLinks: true, skipTextLinks: true });
    const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address.toLowerCase() : '';
    const from = addresses(parsed.from);
    const message: InboundMessage = {
      from: from.length ? from : envelopeFrom ? [envelopeFrom] : [],
      to: addresses(parsed.to),
      subject: parsed.subject ?? '',
      text: parsed.text ?? '',
      attachments: parsed.attachments.map((a) => a.filename ?? '(unnamed)'),
    };
    const done: string[] = [];
    for (const target of targets) {
      try {
        const r = await submitEmail(this.ingest, target, message, 'smtp');
        done.push(r.outcome === 'drop' ? 'dropped by filters' : `${r.outcome} ${r.dedupKey}`);
      } catch (err) {
        // Retryable for the sending MTA: a flood (429) or storage refusing writes (503). Recipients committed before stay committed; a retry dedups onto them unless each message opens its own incident.
        if (err instanceof VigilError) throw smtpError(451, `4.3.0 not accepted now, retry later (${err.errors[0] ?? err.kind})`);
        throw smtpError(451, '4.3.0 not accepted now, retry later');
      }
    }
    await this.opts.sync();
    return `2.0.0 accepted: ${done.join('; ')}`;
  }
}
