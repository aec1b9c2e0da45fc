/**
 * Account email (invitations, password resets), in the member's language (lib/i18n). The paging EmailChannel renders
 * incident Messages only, so these few messages go out through the same SMTP
 * settings with nodemailer directly. Returns whether the relay accepted the message;
 * never throws, and never logs the link (it is a credential).
 */
import type nodemailer from 'nodemailer';
import { lazyRequire } from '../lib/lazy-require.js';

/** Loaded when SMTP is configured and a mailer is built, not at start. */
const loadNodemailer = lazyRequire<typeof nodemailer>('nodemailer');
import type { Config } from '../config/config.js';
import { DEFAULT_LOCALE, format, formatDateTime, parseLocale, type MessageId, type Values } from '../lib/i18n/translate.js';

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

/** How long a link lasts, worded by the catalog. */
export type LinkTtl = { minutes: number } | { days: number };

/** An invitation or a password reset, in the member's language (`locale`: theirs, else their organization's). */
export function accountEmail(kind: 'invite' | 'reset', v: { locale: string; name: string; email: string; orgName: string; url: string; inviter?: string | null; ttl: LinkTtl }): MailOut {
  const t = (id: MessageId, values?: Values) => format(v.locale, id, values);
  const org = v.orgName;
  const subject = kind === 'invite' ? t('accountMail.invite.subject', { org }) : t('accountMail.reset.subject', { org });
  const lead = kind === 'invite' ? (v.inviter ? t('accountMail.invite.lead_by', { inviter: v.inviter, org }) : t('accountMail.invite.lead', { org })) : t('accountMail.reset.lead', { email: v.email, org });
  const action = t(kind === 'invite' ? 'accountMail.invite.action' : 'accountMail.reset.action');
  const expires = 'minutes' in v.ttl ? t('accountMail.expires_minutes', { minutes: v.ttl.minutes }) : t('accountMail.expires_days', { days: v.ttl.days });
  const hello = t('accountMail.hello', { name: v.name });
  const sentBy = t('accountMail.sent_by', { org });
  const text = [hello, '', lead, '', t('accountMail.link_line', { action, url: v.url }), '', expires, '', sentBy].join('\n');
  const html = `<!DOCTYPE html><html lang="${esc(htmlLang(v.locale))}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${esc(subject)}</title></head><body style="font-family:sans-serif;font-size:16px;line-height:1.5;color:#111;background:#fff"><p>${esc(hello)}</p><p>${esc(lead)}</p><p><a href="${esc(v.url)}" style="display:inline-block;padding:10px 16px;border-radius:4px;background:#1a4fa3;color:#fff;font-weight:bold">${esc(action)}</a></p><p>${esc(expires)}</p><p>${esc(sentBy)}</p></body></html>`;
  return { to: { name: v.name, address: v.email }, subject, text, html };
}

/** Tells a member that a manager removed their two-factor authentication (issue 14 item 9), in their language. */
export function twoFactorResetEmail(v: { locale: string; name: string; email: string; orgName: string; by: string }): MailOut {
  const t = (id: MessageId, values?: Values) => format(v.locale, id, values);
  const subject = t('accountMail.twoFactor.subject', { org: v.orgName });
  const lead = t('accountMail.twoFactor.lead', { by: v.by, email: v.email, org: v.orgName });
  const tail = t('accountMail.twoFactor.tail');
  const hello = t('accountMail.hello', { name: v.name });
  const sentBy = t('accountMail.sent_by', { org: v.orgName });
  const text = [hello, '', lead, '', tail, '', sentBy].join('\n');
  const html = `<!DOCTYPE html><html lang="${esc(htmlLang(v.locale))}"><head><meta charset="utf-8"><title>${esc(subject)}</title></head><body style="font-family:sans-serif;font-size:16px;line-height:1.5;color:#111;background:#fff"><p>${esc(hello)}</p><p>${esc(lead)}</p><p>${esc(tail)}</p><p>${esc(sentBy)}</p></body></html>`;
  return { to: { name: v.name, address: v.email }, subject, text, html };
}

/** Tells a member, at their old address, that their sign-in email was changed, with the undo link; in their language, dated in their zone. */
export function emailChangedNotice(v: { locale: string; timeZone: string; name: string; orgName: string; oldEmail: string; newEmail: string; by: { self: true } | { self: false; name: string; role: string }; at: number; undoUrl: string; undoDays: number }): { subject: string; text: string } {
  const t = (id: MessageId, values?: Values) => format(v.locale, id, values);
  const by = v.by.self ? t('accountMail.emailChange.by_you') : t('accountMail.emailChange.by', { name: v.by.name, role: v.by.role });
  const text = [
    t('accountMail.hello', { name: v.name }),
    '',
    t('accountMail.emailChange.lead', { org: v.orgName, old_email: v.oldEmail, new_email: v.newEmail, by, date: formatDateTime(v.locale, v.at, v.timeZone) }),
    t('accountMail.emailChange.signed_out'),
    '',
    t('accountMail.emailChange.undo', { old_email: v.oldEmail, days: v.undoDays }),
    v.undoUrl,
    '',
    t('accountMail.emailChange.was_you'),
  ].join('\n');
  return { subject: t('accountMail.emailChange.subject', { org: v.orgName }), text };
}

/** The HTML `lang` of a mail: the locale's canonical tag (`fr-FR`), else English. */
const htmlLang = (locale: string) => parseLocale(locale) ?? DEFAULT_LOCALE;
