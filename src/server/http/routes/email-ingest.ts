/**
 * Mail providers' inbound webhooks for email integrations (docs/sources.md, "Email"):
 * Mailgun's route forward (`POST /v1/email/mailgun`, signed with the integration's
 * `mailgun_signing_key`), Postmark's inbound webhook (`POST /v1/email/postmark/<key>`) and
 * SendGrid's Inbound Parse (`POST /v1/email/sendgrid/<key>`), these two with the integration key
 * in the URL (neither provider signs its posts). The message then takes the path of Vigil's own SMTP listener
 * (ingest/email/email.service.ts): a 200 leaves once its event is on disk. Vigil's SMTP
 * listener itself is started by main.ts (ingest/email/smtp.ts).
 */
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { VigilError } from '../../errors.js';
import { openSecret } from '../../lib/secret-box.js';
import { readEmailConfig } from '../../ingest/email/email-config.js';
import { integrationForAddress, senderAllowedFor, submitEmail } from '../../ingest/email/email.service.js';
import { mailgunMessage, postmarkMessage, sendgridMessage, verifyMailgun } from '../../ingest/email/providers.js';
import type { App, AppDeps } from '../deps.js';

const Accepted = Type.Object({
  status: Type.String({ description: 'success (the event is on disk) or dropped (the integration\'s filters or parsers let it go; nothing stored)' }),
  message: Type.String(),
  dedup_key: Type.Optional(Type.String()),
});
const Err = Type.Object({ error: Type.Object({ message: Type.String(), code: Type.Integer(), errors: Type.Array(Type.String()) }) });
const skipValidation = () => () => true;

/** A multipart or urlencoded body, parsed by the platform's own form reader (undici's). */
async function readForm(contentType: string, raw: Buffer): Promise<{ get(name: string): string | undefined; files: string[] }> {
  let form: FormData;
  try {
    form = await new Request('http://form.invalid/', { method: 'POST', headers: { 'content-type': contentType }, body: raw }).formData();
  } catch {
    throw new VigilError('invalid_input', ['the body is not a readable form (multipart/form-data or application/x-www-form-urlencoded)']);
  }
  const files: string[] = [];
  for (const [, v] of form.entries()) if (typeof v !== 'string') files.push(v.name || '(unnamed)');
  return { get: (name) => { const v = form.get(name); return typeof v === 'string' ? v : undefined; }, files };
}

export function emailIngestRoutes(app: App, deps: AppDeps): void {
  const { ingest, clock } = deps;
  const domain = deps.config.inboundEmail.domain;
  // A message's limit, plus room for the form's own framing.
  const bodyLimit = Math.ceil(deps.config.inboundEmail.maxBytes * 1.4) + 64 * 1024;
  const answer = (r: Awaited<ReturnType<typeof submitEmail>>) =>
    r.outcome === 'drop' ? { status: 'dropped', message: `Message dropped: ${r.reason}` } : { status: 'success', message: `Message processed (${r.outcome})`, dedup_key: r.dedupKey! };

  app.register(async (scope: FastifyInstance) => {
    for (const type of ['multipart/form-data', 'application/x-www-form-urlencoded']) scope.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit }, (_req, body, done) => done(null, body));

    scope.post(
      '/v1/email/mailgun',
      {
        bodyLimit,
        config: { permission: 'public' },
        validatorCompiler: skipValidation,
        schema: {
          summary: "Mailgun inbound route (forward): the form's recipient is <integration key>@<VIGIL_EMAIL_DOMAIN>; signed with the integration's mailgun_signing_key (timestamp, token, signature)",
          tags: ['ingest'],
          consumes: ['multipart/form-data', 'application/x-www-form-urlencoded'],
          response: { 200: Accepted, 400: Err, 401: Err, 403: Err, 413: Err, 415: Err, 429: Err },
        },
      },
      async (request) => {
        if (!Buffer.isBuffer(request.body)) throw new VigilError('unsupported_media_type', ['Mailgun posts multipart/form-data or application/x-www-form-urlencoded']);
        const form = await readForm(String(request.headers['content-type']), request.body);
        const m = mailgunMessage(form);
        if (!m.ok) throw new VigilError('invalid_input', m.errors);
        const found = await integrationForAddress(ingest, m.recipient, domain);
        // Unknown, foreign and other-domain recipients get one answer.
        if (!found.ok) throw new VigilError('invalid_input', [`'recipient' is not the address of an email integration (<integration key>@${domain})`]);
        const sealed = readEmailConfig(found.target.integration.email_config).mailgun_signing_key;
        if (!sealed) throw new VigilError('unauthenticated', ['this email integration has no mailgun_signing_key: set it to accept Mailgun webhooks']);
        const v = verifyMailgun(openSecret(sealed), { timestamp: form.get('timestamp'), token: form.get('token'), signature: form.get('signature') }, clock.now());
        if (!v.ok) throw new VigilError('unauthenticated', [`Mailgun signature: ${v.reason}`]);
        if (!senderAllowedFor(found.target, m.sender)) throw new VigilError('forbidden', [`'sender' ${m.sender || '<>'} is not an allowed sender of this email integration`]);
        return answer(await submitEmail(ingest, found.target, m.message, 'mailgun'));
      },
    );

    scope.post(
      '/v1/email/sendgrid/:key',
      {
        bodyLimit,
        config: { permission: 'public' },
        validatorCompiler: skipValidation,
        schema: {
          summary: "SendGrid Inbound Parse (multipart: from, to, subject, text, envelope, attachments): the email integration's key in the URL authenticates it",
          tags: ['ingest'],
          consumes: ['multipart/form-data'],
          params: Type.Object({ key: Type.String() }),
          response: { 200: Accepted, 400: Err, 403: Err, 404: Err, 413: Err, 415: Err, 429: Err },
        },
      },
      async (request) => {
        const { key } = request.params as { key: string };
        const target = /^[a-z0-9]{32}$/.test(key) ? await ingest.resolveKey(key, 'email') : null;
        if (!target) throw new VigilError('not_found', ['the key in the URL is not the key of an email integration']);
        if (!Buffer.isBuffer(request.body)) throw new VigilError('unsupported_media_type', ['SendGrid Inbound Parse posts multipart/form-data']);
        const m = sendgridMessage(await readForm(String(request.headers['content-type']), request.body));
        if (!m.ok) throw new VigilError('invalid_input', m.errors);
        if (!senderAllowedFor(target, m.sender)) throw new VigilError('forbidden', [`sender ${m.sender} is not an allowed sender of this email integration`]);
        return answer(await submitEmail(ingest, target, m.message, 'sendgrid'));
      },
    );
  });

  app.post(
    '/v1/email/postmark/:key',
    {
      bodyLimit,
      config: { permission: 'public' },
      validatorCompiler: skipValidation,
      schema: {
        summary: "Postmark inbound webhook (From, FromFull, To, OriginalRecipient, Subject, TextBody, Attachments): the email integration's key in the URL authenticates it",
        tags: ['ingest'],
        params: Type.Object({ key: Type.String() }),
        body: Type.Object({ From: Type.Optional(Type.String()), To: Type.Optional(Type.String()), OriginalRecipient: Type.Optional(Type.String()), Subject: Type.Optional(Type.String()), TextBody: Type.Optional(Type.String()) }, { additionalProperties: true }),
        response: { 200: Accepted, 400: Err, 403: Err, 404: Err, 413: Err, 429: Err },
      },
    },
    async (request) => {
      const { key } = request.params as { key: string };
      const target = /^[a-z0-9]{32}$/.test(key) ? await ingest.resolveKey(key, 'email') : null;
      if (!target) throw new VigilError('not_found', ['the key in the URL is not the key of an email integration']);
      const m = postmarkMessage(request.body);
      if (!m.ok) throw new VigilError('invalid_input', m.errors);
      if (!senderAllowedFor(target, m.sender)) throw new VigilError('forbidden', [`'From' ${m.sender} is not an allowed sender of this email integration`]);
      return answer(await submitEmail(ingest, target, m.message, 'postmark'));
    },
  );
}
