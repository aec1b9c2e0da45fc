/**
 * The small pages a one-click link opens — a page's acknowledge or resolve link (`/a/:token`)
 * and a scheduled test page's confirm link (`/t/:token`) — in the member's language. Served by
 * Vigil itself, without the web app: no script, one button that posts (GET changes nothing,
 * since mail scanners and link previews fetch links).
 */
import { format, languageOf } from '../../lib/i18n/translate.js';

export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function pageHtml(locale: string, title: string, body: string): string {
  return `<!doctype html><html lang="${languageOf(locale)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${esc(title)} · Vigil</title>
<style>body{font:18px/1.5 system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#111;background:#fff}h1{font-size:1.4rem}button{font:inherit;font-weight:600;padding:.9rem 1.4rem;border:0;border-radius:.5rem;background:#0b5394;color:#fff;min-width:12rem;cursor:pointer}button:focus{outline:3px solid #f1c232;outline-offset:2px}.muted{color:#444}</style></head>
<body><main>${body}</main></body></html>`;
}

export type Unusable = 'used' | 'expired' | 'unknown' | 'used_or_expired';
const WHY = { used: 'oneClick.used', expired: 'oneClick.expired', unknown: 'oneClick.unknown', used_or_expired: 'oneClick.usedOrExpired' } as const;

/** A link that cannot act (any more); `openVigil` adds where to act instead. */
export function unusablePage(locale: string, why: Unusable, openVigil = false): string {
  const more = openVigil ? ` ${format(locale, 'oneClick.openVigil')}` : '';
  return pageHtml(locale, format(locale, 'oneClick.unusableTitle'), `<h1>${esc(format(locale, 'oneClick.unusable'))}</h1><p class="muted">${esc(format(locale, WHY[why]))}${esc(more)}</p>`);
}

/** What the link would do, and the one button that does it. */
export function incidentAskPage(locale: string, action: 'acknowledge' | 'resolve', incident: { number: number; title: string; status: string }): string {
  const v = { action, number: Number(incident.number) };
  return pageHtml(
    locale,
    format(locale, 'oneClick.title', v),
    `<h1>${esc(format(locale, 'oneClick.ask', v))}</h1><p>${esc(incident.title)}</p><p class="muted">${esc(format(locale, 'oneClick.statusNow', { status: incident.status }))}</p><form method="post"><button type="submit">${esc(format(locale, 'oneClick.button', v))}</button></form>`,
  );
}

/** What acting did (the shape of incident/respond.service.ts `RespondOutcome`). */
export type IncidentOutcome = { ok: true; done: 'acknowledged' | 'resolved' | 'already_acknowledged'; incident: { number: number; title: string } } | { ok: false; reason: 'not_member' | 'already_resolved'; number: number };

/** The sentence for what acting did (or why nothing did), as on the page and in a chat answer. */
export function outcomeText(locale: string, out: IncidentOutcome): string {
  return out.ok ? format(locale, 'oneClick.outcome', { done: out.done, number: Number(out.incident.number) }) : format(locale, 'oneClick.refused', { reason: out.reason, number: Number(out.number) });
}

export function incidentOutcomePage(locale: string, out: IncidentOutcome): string {
  if (!out.ok) return pageHtml(locale, format(locale, 'oneClick.nothingTitle'), `<h1>${esc(format(locale, 'oneClick.nothingTitle'))}</h1><p>${esc(outcomeText(locale, out))}</p>`);
  return pageHtml(locale, format(locale, 'oneClick.doneTitle'), `<h1>${esc(outcomeText(locale, out))}</h1><p>${esc(out.incident.title)}</p>`);
}

export function testPageAskPage(locale: string): string {
  return pageHtml(
    locale,
    format(locale, 'testPageLink.title'),
    `<h1>${esc(format(locale, 'testPageLink.ask'))}</h1><p class="muted">${esc(format(locale, 'testPageLink.why'))}</p><form method="post"><button type="submit">${esc(format(locale, 'testPageLink.button'))}</button></form>`,
  );
}

export function testPageConfirmedPage(locale: string): string {
  return pageHtml(locale, format(locale, 'testPageLink.confirmedTitle'), `<h1>${esc(format(locale, 'testPageLink.confirmedTitle'))}</h1><p>${esc(format(locale, 'testPageLink.confirmed'))}</p>`);
}
