/**
 * Account email (invitations, password resets). The paging EmailChannel renders
 * incident Messages only, so these few messages go out through the same SMTP
 * settings with nodemailer directly. Returns whether the relay accepted the message;
 * never throws, and never logs the link (it is a credential).
 */
import type nodemailer from 'nodemailer';
import { lazyRequire } from '../lib/lazy-require.js';

/** Loaded when SMTP is configured and a mailer is built, not at start. */
const loadNodemailer = lazyRequire<typeof nodemailer>('nodemailer');
import type { Config } from '../config/config.js';

export interface MailOut {
  to: { name: string; address: string };
  subject: string;
  text: string;
  html: string;
}

export interface AccountMailer {
  readonly configured: boolean;
  send(mail: MailOut): Promise<boolean>;
}

export const noMailer: AccountMailer = { configured: false, send: async () => false };

export function mailerFromConfig(smtp: Config['smtp']): AccountMailer {
  if (!smtp) return noMailer;
  const transport = loadNodemailer().createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(smtp.user && smtp.pass ? { auth: { user: smtp.user, pass: smtp.pass } } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    configured: true,
    async send(mail) {
      try {
        const info = await transport.sendMail({
          from: smtp.from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
        });
        return info.rejected.length === 0;
      } catch {
        return false;
      }
    },
  };
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function accountEmail(kind: 'invite' | 'reset', v: { name: string; email: string; orgName: string; url: string; inviter?: string | null; ttlText: string }): MailOut {
  const subject = kind === 'invite' ? `[Vigil] You are invited to ${v.orgName}` : `[Vigil] Reset your password for ${v.orgName}`;
  const lead =
    kind === 'invite'
      ? `${v.inviter ? `${v.inviter} invited you` : 'You are invited'} to join ${v.orgName} on Vigil, where on-call responders see and answer incidents.`
      : `Someone (probably you) asked to reset the Vigil password of ${v.email} for ${v.orgName}. If it was not you, ignore this message: nothing changes.`;
  const action = kind === 'invite' ? 'Choose your password' : 'Choose a new password';
  const text = [`Hello ${v.name},`, '', lead, '', `${action}: ${v.url}`, '', `The link works once and expires in ${v.ttlText}.`, '', `Sent by Vigil for ${v.orgName}.`].join('\n');
  const html = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${esc(subject)}</title></head><body style="font-family:sans-serif;font-size:16px;line-height:1.5;color:#111;background:#fff"><p>Hello ${esc(v.name)},</p><p>${esc(lead)}</p><p><a href="${esc(v.url)}" style="display:inline-block;padding:10px 16px;border-radius:4px;background:#1a4fa3;color:#fff;font-weight:bold">${esc(action)}</a></p><p>The link works once and expires in ${esc(v.ttlText)}.</p><p>Sent by Vigil for ${esc(v.orgName)}.</p></body></html>`;
  return { to: { name: v.name, address: v.email }, subject, text, html };
}

/** Tells a member that a manager removed their two-factor authentication (issue 14 item 9). */
export function twoFactorResetEmail(v: { name: string; email: string; orgName: string; by: string }): MailOut {
  const subject = `[Vigil] Two-factor authentication removed for ${v.orgName}`;
  const lead = `${v.by} removed the two-factor authentication of your Vigil account ${v.email} for ${v.orgName}. You now sign in with your password alone until you enrol an authenticator again.`;
  const tail = 'If you did not ask for this, tell the owners of your organization at once.';
  const text = [`Hello ${v.name},`, '', lead, '', tail, '', `Sent by Vigil for ${v.orgName}.`].join('\n');
  const html = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${esc(subject)}</title></head><body style="font-family:sans-serif;font-size:16px;line-height:1.5;color:#111;background:#fff"><p>Hello ${esc(v.name)},</p><p>${esc(lead)}</p><p>${esc(tail)}</p><p>Sent by Vigil for ${esc(v.orgName)}.</p></body></html>`;
  return { to: { name: v.name, address: v.email }, subject, text, html };
}
