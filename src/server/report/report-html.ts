/**
 * The printable HTML of the impact report and of a postmortem, for the PDF renderer (pdf.ts).
 * Self-contained: inline styles, the system's fonts, no image, script or link; every value
 * from the database is escaped. Pure functions.
 */
import { DateTime } from 'luxon';
import type { MonthlyReport } from './impact-report.service.js';

export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const num = (x: number | null, d = 0): string => (x === null ? '—' : x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: 0 }));
/** 45 s, 2 min 36 s, 4 h 05 min. */
export function secs(s: number | null): string {
  if (s === null) return '—';
  const t = Math.round(s);
  if (t < 60) return `${t} s`;
  if (t < 3600) return `${Math.floor(t / 60)} min${t % 60 ? ` ${t % 60} s` : ''}`;
  const m = Math.round(t / 60);
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}
const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(2)} %`);
const day = (ms: number, zone: string): string => DateTime.fromMillis(ms, { zone }).toFormat('d LLLL yyyy');

const STYLE = `
  body { font-family: 'DejaVu Sans', 'Liberation Sans', Arial, sans-serif; font-size: 10pt; color: #111; margin: 0; }
  h1 { font-size: 17pt; margin: 0 0 2pt; } h2 { font-size: 12pt; margin: 14pt 0 4pt; border-bottom: 1px solid #999; }
  .meta { color: #444; margin: 0 0 8pt; }
  table { border-collapse: collapse; width: 100%; page-break-inside: avoid; }
  th, td { text-align: left; padding: 3pt 5pt; border-bottom: 1px solid #ddd; vertical-align: top; }
  td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
  .note { color: #555; font-size: 8.5pt; }
  pre { white-space: pre-wrap; font-family: inherit; }
`;

export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

const table = (head: string[], rows: string[][], numeric: number[] = []): string =>
  `<table><thead><tr>${head.map((h, i) => `<th${numeric.includes(i) ? ' class="n"' : ''}>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th>${c}</th>` : `<td${numeric.includes(i) ? ' class="n"' : ''}>${c}</td>`)).join('')}</tr>`)
    .join('')}</tbody></table>`;

function servicesSection(r: MonthlyReport): string {
  if (!r.services.length) return '<p>No service reports an impact metric yet.</p>';
  const rows = r.services.map((s) => [
    esc(s.serviceName),
    `${num(s.served)} ${esc(s.label)}`,
    s.expected === null ? 'learning' : `${num(s.expected)} (${num(s.expectedLow)}–${num(s.expectedHigh)})`,
    String(s.incidents),
    `${num(s.affected)} (${num(s.affectedLow)}–${num(s.affectedHigh)})`,
    num(s.affectedNet),
    pct(s.availability),
  ]);
  return (
    table(['Service', 'Served', 'Expected (5–95 % band)', 'Incidents', 'People affected (90 % interval)', 'Net of catch-up', 'Availability in people'], rows, [1, 2, 3, 4, 5, 6]) +
    '<p class="note">Availability in people: served / (served + people affected). Intervals add up the incidents’ 90 % intervals.</p>'
  );
}

function responseSection(r: MonthlyReport): string {
  const i = r.incidents;
  const rows = [
    ['Incidents', String(i.incidents)],
    ['Mean time to acknowledge (MTTA)', secs(i.secondsToAck.mean)],
    ['Median / 90th percentile to acknowledge', `${secs(i.secondsToAck.p50)} / ${secs(i.secondsToAck.p90)}`],
    ['Mean time to resolve (MTTR)', secs(i.secondsToResolve.mean)],
    ['Median / 90th percentile to resolve', `${secs(i.secondsToResolve.p50)} / ${secs(i.secondsToResolve.p90)}`],
    ['Incidents in sleep hours (22:00–07:00)', String(i.sleepHourIncidents)],
    ['Postmortems published', String(r.postmortemsPublished.length)],
    ['Action items closed', String(r.actionItemsClosed)],
  ].map(([k, v]) => [esc(k!), v!]);
  const published = r.postmortemsPublished.length
    ? `<table><tbody>${r.postmortemsPublished.map((p) => `<tr><th>${esc(p.title)}</th><td class="n">${esc(day(p.publishedAt, r.timeZone))}</td></tr>`).join('')}</tbody></table>`
    : '';
  return table(['Figure', 'Value'], rows, [1]) + (published ? `<h2>Postmortems published</h2>${published}` : '');
}

function volunteerSection(r: MonthlyReport): string {
  if (!r.volunteerHours.length) return '<p>No volunteer hours in this period.</p>';
  const rows = r.volunteerHours.map((v) => [esc(v.company), String(v.volunteers), num(v.onCallHours, 1), num(v.responseHours, 1), num(v.totalHours, 1)]);
  return table(['Partner company', 'Volunteers', 'On-call hours', 'Response hours', 'Total hours'], rows, [1, 2, 3, 4]);
}

/** The report as one printable page (two when a long list overflows). */
export function impactReportHtml(r: MonthlyReport, orgName: string): string {
  const what = r.kind === 'month' ? DateTime.fromISO(`${r.period}-01`).toFormat('LLLL yyyy') : r.period.split('-').reverse().join(' ');
  const title = `${orgName}: impact report, ${what}`;
  const body = [
    `<h1>${esc(title)}</h1>`,
    `<p class="meta">${esc(day(r.since, r.timeZone))} to ${esc(day(r.until - 1, r.timeZone))}, ${esc(r.timeZone)}</p>`,
    `<h2>People served and affected</h2>${servicesSection(r)}`,
    `<h2>Response</h2>${responseSection(r)}`,
    `<h2>Volunteer hours per partner company</h2>${volunteerSection(r)}`,
  ].join('\n');
  return page(title, body);
}

// ---------------------------------------------------------------------------------------------
// Postmortems: the block structure of the Markdown Vigil writes (headings, lists, pipe tables,
// paragraphs); inline text is escaped and shown as written.

const cells = (line: string): string[] =>
  line
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim().replace(/\\\|/g, '|'));

function markdownBlocks(md: string): string[] {
  const out: string[] = [];
  const lines = md.replace(/<!--[\s\S]*?-->\n?/g, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; ) {
    const line = lines[i]!;
    const h = /^(#{1,4})\s+(.*)$/.exec(line);
    if (h) {
      const level = Math.min(h[1]!.length + 0, 4);
      out.push(`<h${level}>${esc(h[2]!)}</h${level}>`);
      i++;
    } else if (/^\s*[-*]\s+/.test(line)) {
      const items: string[] = [];
      for (; i < lines.length && /^\s*[-*]\s+/.test(lines[i]!); i++) items.push(`<li>${esc(lines[i]!.replace(/^\s*[-*]\s+/, ''))}</li>`);
      out.push(`<ul>${items.join('')}</ul>`);
    } else if (/^\s*\|/.test(line)) {
      const rows: string[][] = [];
      for (; i < lines.length && /^\s*\|/.test(lines[i]!); i++) if (!/^\s*\|?\s*:?-{2,}/.test(lines[i]!)) rows.push(cells(lines[i]!));
      const [head = [], ...body] = rows;
      out.push(`<table><thead><tr>${head.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${body.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`);
    } else if (line.trim() === '') {
      i++;
    } else {
      const para: string[] = [];
      for (; i < lines.length && lines[i]!.trim() !== '' && !/^(#{1,4}\s|\s*[-*]\s|\s*\|)/.test(lines[i]!); i++) para.push(lines[i]!);
      out.push(`<p>${esc(para.join('\n')).replace(/\n/g, '<br>')}</p>`);
    }
  }
  return out;
}

/** A postmortem's exported Markdown (postmortem.ts exportMarkdown) as a printable page. */
export function postmortemHtml(p: { title: string; status: string }, markdown: string, orgName: string): string {
  const meta = `<p class="meta">${esc(orgName)} · postmortem · ${esc(p.status.replace('_', ' '))}</p>`;
  return page(`Postmortem: ${p.title}`, meta + markdownBlocks(markdown).join('\n'));
}
