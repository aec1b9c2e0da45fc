import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { classifySmtpError, EmailChannel, messageIdFor, renderEmail, type SmtpSettings } from '../../src/server/notify/channels/email/email.js';
import { closedPort, incident, message } from './helpers.js';

interface Mailbox {
  port: number;
  mails: ParsedMail[];
  envelopes: { from: string; to: string[] }[];
  close(): Promise<void>;
}

const open: Mailbox[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((m) => m.close()));
});

async function mailbox(extra: Partial<SMTPServerOptions> = {}): Promise<Mailbox> {
  const mails: ParsedMail[] = [];
  const envelopes: Mailbox['envelopes'] = [];
  const server = new SMTPServer({
    // No certificate here: the channel is told ignoreTLS, and the server offers no STARTTLS.
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    allowInsecureAuth: true,
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          mails.push(mail);
          envelopes.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
          });
          callback();
        })
        .catch(callback);
    },
    ...extra,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  const box: Mailbox = { port, mails, envelopes, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  open.push(box);
  return box;
}

const settings = (port: number, over: Partial<SmtpSettings> = {}): SmtpSettings => ({
  host: '127.0.0.1',
  port,
  secure: false,
  ignoreTLS: true,
  from: '"Vigil" <vigil@helpline.example>',
  connectionTimeoutMs: 1000,
  greetingTimeoutMs: 1000,
  socketTimeoutMs: 2000,
  ...over,
});

function smtpError(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

describe('EmailChannel against a real SMTP server', () => {
  it('delivers a page with subject, labelled ack/resolve links, impact line and a Message-ID from the idempotency key', async () => {
    const box = await mailbox();
    const channel = new EmailChannel(settings(box.port));
    const msg = message({ recipientName: 'Ada Lovelace', incidents: [incident({ impactLine: 'About 40 people affected' })] });
    const result = await channel.send({ address: 'ada@helpline.example' }, msg);
    channel.close();
    expect(result).toEqual({ kind: 'sent', providerId: '<01JNOTIFY0000000000000000A@vigil>' });

    expect(box.mails).toHaveLength(1);
    expect(box.envelopes[0]).toEqual({ from: 'vigil@helpline.example', to: ['ada@helpline.example'] });
    const mail = box.mails[0]!;
    expect(mail.subject).toBe('[Vigil] #42 TRIGGERED: Chat queue not answering (Crisis chat)');
    expect(mail.messageId).toBe('<01JNOTIFY0000000000000000A@vigil>');
    expect(mail.headers.get('auto-submitted')).toBe('auto-generated');
    expect(mail.from?.text).toContain('vigil@helpline.example');

    const text = mail.text ?? '';
    expect(text).toContain('Acknowledge incident #42: https://vigil.example.org/a/ack-token-PINC042');
    expect(text).toContain('Resolve incident #42: https://vigil.example.org/a/resolve-token-PINC042');
    expect(text).toContain('View incident #42: https://vigil.example.org/incidents/PINC042');
    expect(text).toContain('About 40 people affected');
    expect(text).toContain('Hello Ada Lovelace,');

    const html = String(mail.html);
    expect(html).toContain('<html lang="en">');
    expect(html).toMatch(/<a href="https:\/\/vigil\.example\.org\/a\/ack-token-PINC042"[^>]*>Acknowledge incident #42<\/a>/);
    expect(html).toMatch(/<a href="https:\/\/vigil\.example\.org\/a\/resolve-token-PINC042"[^>]*>Resolve incident #42<\/a>/);
    expect(html).toContain('About 40 people affected');
  });

  it('sending the same message twice gives the same Message-ID, so the copy is recognizable', async () => {
    const box = await mailbox();
    const channel = new EmailChannel(settings(box.port));
    await channel.send({ address: 'ada@helpline.example' }, message());
    await channel.send({ address: 'ada@helpline.example' }, message());
    channel.close();
    expect(box.mails.map((m) => m.messageId)).toEqual(['<01JNOTIFY0000000000000000A@vigil>', '<01JNOTIFY0000000000000000A@vigil>']);
  });

  it('lists every incident of a bundle', async () => {
    const box = await mailbox();
    const channel = new EmailChannel(settings(box.port));
    const msg = message({
      incidents: [incident({ id: 'PINC1', number: 41, title: 'Disk full' }), incident({ id: 'PINC2', number: 42 }), incident({ id: 'PINC3', number: 43, title: 'Phone line down', status: 'acknowledged' })],
    });
    expect((await channel.send({ address: 'ada@helpline.example' }, msg)).kind).toBe('sent');
    channel.close();
    const mail = box.mails[0]!;
    expect(mail.subject).toBe('[Vigil] 3 incidents TRIGGERED: #41 Disk full and 2 more (Crisis chat)');
    for (const n of [41, 42]) expect(mail.text).toContain(`Acknowledge incident #${n}:`);
    expect(mail.text).toContain('#43 TRIGGERED: Phone line down');
    // Already acknowledged: only resolve is offered.
    expect(mail.text).not.toContain('Acknowledge incident #43');
    expect(mail.text).toContain('Resolve incident #43: https://vigil.example.org/a/resolve-token-PINC3');
    expect(String(mail.html).match(/<h2/g)).toHaveLength(3);
  });

  it('a verification message carries the code', async () => {
    const box = await mailbox();
    const channel = new EmailChannel(settings(box.port));
    await channel.send({ address: 'ada@helpline.example' }, message({ kind: 'verification', incidents: [], code: '482913', idempotencyKey: 'verify-1' }));
    channel.close();
    const mail = box.mails[0]!;
    expect(mail.subject).toBe('[Vigil] Verification code 482913');
    expect(mail.text).toContain('Your Vigil verification code is 482913');
    expect(String(mail.html)).toContain('482913');
    expect(mail.messageId).toBe('<verify-1@vigil>');
  });

  it('authenticates when given credentials', async () => {
    const seen: string[] = [];
    const box = await mailbox({
      authOptional: false,
      onAuth(auth, _session, callback) {
        seen.push(`${auth.username}:${auth.password}`);
        if (auth.username === 'vigil' && auth.password === 's3cret') return callback(null, { user: 'vigil' });
        return callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
    });
    const ok = new EmailChannel(settings(box.port, { auth: { user: 'vigil', pass: 's3cret' } }));
    expect((await ok.send({ address: 'ada@helpline.example' }, message())).kind).toBe('sent');
    ok.close();
    const bad = new EmailChannel(settings(box.port, { auth: { user: 'vigil', pass: 'wrong' } }));
    expect(await bad.send({ address: 'ada@helpline.example' }, message())).toMatchObject({ kind: 'permanent', reason: 'smtp_535' });
    bad.close();
    expect(seen).toEqual(['vigil:s3cret', 'vigil:wrong']);
  });

  it('RCPT rejected with 550: permanent', async () => {
    const box = await mailbox({
      onRcptTo(_address, _session, callback) {
        callback(smtpError('Mailbox unavailable', 550));
      },
    });
    const channel = new EmailChannel(settings(box.port));
    const result = await channel.send({ address: 'nobody@helpline.example' }, message());
    channel.close();
    expect(result).toMatchObject({ kind: 'permanent', reason: 'smtp_550' });
    expect(box.mails).toHaveLength(0);
  });

  it('RCPT deferred with 451: retryable', async () => {
    const box = await mailbox({
      onRcptTo(_address, _session, callback) {
        callback(smtpError('Try again later', 451));
      },
    });
    const channel = new EmailChannel(settings(box.port));
    const result = await channel.send({ address: 'ada@helpline.example' }, message());
    channel.close();
    expect(result).toMatchObject({ kind: 'retryable', reason: 'smtp_451' });
  });

  it('a server that is down: retryable', async () => {
    const port = await closedPort();
    const channel = new EmailChannel(settings(port));
    const result = await channel.send({ address: 'ada@helpline.example' }, message());
    channel.close();
    expect(result.kind).toBe('retryable');
  });

  it('an already aborted send does not connect', async () => {
    const box = await mailbox();
    const channel = new EmailChannel(settings(box.port));
    const ac = new AbortController();
    ac.abort();
    expect(await channel.send({ address: 'ada@helpline.example' }, message(), ac.signal)).toEqual({ kind: 'retryable', reason: 'aborted' });
    channel.close();
    expect(box.mails).toHaveLength(0);
  });
});

describe('email rendering and classification', () => {
  it('escapes titles in HTML and keeps them on one line in the subject', () => {
    const r = renderEmail(message({ incidents: [incident({ title: '<script>x</script> & "q"\r\nBcc: evil@example.com' })] }));
    expect(r.subject).toBe('[Vigil] #42 TRIGGERED: <script>x</script> & "q" Bcc: evil@example.com (Crisis chat)');
    expect(r.html).not.toContain('<script>');
    expect(r.html).toContain('&lt;script&gt;x&lt;/script&gt; &amp; &quot;q&quot;');
  });

  it('offers no action links on a resolved incident', () => {
    const r = renderEmail(message({ eventType: 'incident.resolved', incidents: [incident({ status: 'resolved' })], agent: { id: 'PUSR001', type: 'user_reference', name: 'Ada' } }));
    expect(r.subject).toBe('[Vigil] #42 RESOLVED: Chat queue not answering (Crisis chat)');
    expect(r.text).not.toContain('Acknowledge');
    expect(r.text).not.toContain('Resolve incident');
    expect(r.text).toContain('By Ada.');
  });

  it('Message-IDs stay valid and distinct for any key', () => {
    expect(messageIdFor('01JNOTIFY')).toBe('<01JNOTIFY@vigil>');
    expect(messageIdFor('page:42 <x>@y')).toBe('<page%3A42%20%3Cx%3E%40y@vigil>');
    expect(messageIdFor('a.b')).toBe('<a%2Eb@vigil>');
    expect(messageIdFor('a%2Eb')).not.toBe(messageIdFor('a.b'));
    expect(messageIdFor('é')).toBe('<%C3%A9@vigil>');
  });

  it('classifies nodemailer errors by reply code first, then by failure class', () => {
    expect(classifySmtpError(Object.assign(new Error('x'), { code: 'EENVELOPE', responseCode: 550 }))).toMatchObject({ kind: 'permanent', reason: 'smtp_550' });
    expect(classifySmtpError(Object.assign(new Error('x'), { code: 'EENVELOPE', responseCode: 452 }))).toMatchObject({ kind: 'retryable', reason: 'smtp_452' });
    expect(classifySmtpError(Object.assign(new Error('x'), { code: 'ECONNECTION' }))).toMatchObject({ kind: 'retryable' });
    expect(classifySmtpError(Object.assign(new Error('x'), { code: 'ETIMEDOUT' }))).toMatchObject({ kind: 'retryable' });
    expect(classifySmtpError(Object.assign(new Error('x'), { code: 'EDNS' }))).toMatchObject({ kind: 'retryable' });
    expect(classifySmtpError(Object.assign(new Error('x'), { code: 'ETLS' }))).toMatchObject({ kind: 'permanent' });
    expect(classifySmtpError(Object.assign(new Error('x'), { code: 'EAUTH' }))).toMatchObject({ kind: 'permanent' });
    expect(classifySmtpError(new Error('who knows'))).toMatchObject({ kind: 'retryable', reason: 'smtp_error' });
  });
});
