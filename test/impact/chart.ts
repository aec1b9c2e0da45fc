/**
 * A plain SVG chart of an impact series (as served by GET /api/v1/impact/services/:id/series)
 * with its expected 5 %–95 % band, for docs/impact.md. No dependencies.
 */
import { DateTime } from 'luxon';

export interface ChartBucket {
  start: string;
  count: number;
  expected: number | null;
  expected_low: number | null;
  expected_high: number | null;
}

export interface ChartOptions {
  title: string;
  subtitle: string;
  timeZone: string;
  unit: string;
  /** Shaded spans with a label (an incident). */
  marks?: { start: string; end: string; label: string }[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderChart(buckets: readonly ChartBucket[], o: ChartOptions): { svg: string; width: number; height: number } {
  const width = 1200;
  const height = 460;
  const m = { left: 64, right: 24, top: 70, bottom: 70 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const n = buckets.length;
  const t0 = Date.parse(buckets[0]!.start);
  const step = n > 1 ? Date.parse(buckets[1]!.start) - t0 : 3_600_000;
  const t1 = t0 + n * step;
  const x = (t: number) => m.left + ((t - t0) / (t1 - t0)) * w;
  const top = Math.max(...buckets.map((b) => Math.max(b.count, b.expected_high ?? 0)));
  const niceStep = (() => {
    const raw = top / 5;
    const p = 10 ** Math.floor(Math.log10(raw));
    return [1, 2, 2.5, 5, 10].map((k) => k * p).find((s) => s >= raw)!;
  })();
  const yMax = Math.ceil((top * 1.05) / niceStep) * niceStep;
  const y = (v: number) => m.top + h - (v / yMax) * h;
  const mid = (b: ChartBucket) => Date.parse(b.start) + step / 2;

  const parts: string[] = [];
  parts.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  parts.push(`<text x="${m.left}" y="28" font-size="20" font-weight="600" fill="#1b1f24">${esc(o.title)}</text>`);
  parts.push(`<text x="${m.left}" y="50" font-size="13" fill="#57606a">${esc(o.subtitle)}</text>`);
  // Grid and y axis.
  for (let v = 0; v <= yMax + 1e-9; v += niceStep) {
    parts.push(`<line x1="${m.left}" x2="${m.left + w}" y1="${y(v)}" y2="${y(v)}" stroke="#eaeef2" stroke-width="1"/>`);
    parts.push(`<text x="${m.left - 8}" y="${y(v) + 4}" font-size="12" fill="#57606a" text-anchor="end">${v.toLocaleString('en-US')}</text>`);
  }
  parts.push(`<text x="16" y="${m.top + h / 2}" font-size="12" fill="#57606a" transform="rotate(-90 16 ${m.top + h / 2})" text-anchor="middle">${esc(o.unit)} per hour</text>`);
  // Days.
  let d = DateTime.fromMillis(t0, { zone: o.timeZone }).startOf('day');
  while (d.toMillis() < t1) {
    const dx = x(Math.max(d.toMillis(), t0));
    parts.push(`<line x1="${dx}" x2="${dx}" y1="${m.top}" y2="${m.top + h}" stroke="#d0d7de" stroke-width="1"/>`);
    const noon = x(Math.min(d.plus({ hours: 12 }).toMillis(), t1));
    parts.push(`<text x="${noon}" y="${m.top + h + 20}" font-size="13" fill="#1b1f24" text-anchor="middle">${d.toFormat('ccc d LLL')}</text>`);
    d = d.plus({ days: 1 });
  }
  // Marks (incidents).
  for (const mk of o.marks ?? []) {
    const a = x(Date.parse(mk.start));
    const b = x(Date.parse(mk.end));
    parts.push(`<rect x="${a}" y="${m.top}" width="${Math.max(2, b - a)}" height="${h}" fill="#cf222e" fill-opacity="0.12"/>`);
    parts.push(`<text x="${b + 6}" y="${m.top + 16}" font-size="12" fill="#a40e26">${esc(mk.label)}</text>`);
  }
  // Band: a polygon through the hour midpoints, upper edge then lower edge back.
  const runs: ChartBucket[][] = [];
  let run: ChartBucket[] = [];
  for (const b of buckets) {
    if (b.expected === null) {
      if (run.length) runs.push(run);
      run = [];
    } else run.push(b);
  }
  if (run.length) runs.push(run);
  for (const r of runs) {
    const upper = r.map((b) => `${x(mid(b)).toFixed(1)},${y(b.expected_high!).toFixed(1)}`);
    const lower = [...r].reverse().map((b) => `${x(mid(b)).toFixed(1)},${y(b.expected_low!).toFixed(1)}`);
    parts.push(`<polygon points="${[...upper, ...lower].join(' ')}" fill="#54aeff" fill-opacity="0.25" stroke="none"/>`);
    parts.push(`<polyline points="${r.map((b) => `${x(mid(b)).toFixed(1)},${y(b.expected!).toFixed(1)}`).join(' ')}" fill="none" stroke="#0969da" stroke-width="1.5" stroke-dasharray="5 4"/>`);
  }
  // Observed.
  parts.push(`<polyline points="${buckets.map((b) => `${x(mid(b)).toFixed(1)},${y(b.count).toFixed(1)}`).join(' ')}" fill="none" stroke="#1b1f24" stroke-width="1.6"/>`);
  // Axes and legend.
  parts.push(`<line x1="${m.left}" x2="${m.left + w}" y1="${m.top + h}" y2="${m.top + h}" stroke="#57606a"/>`);
  const ly = height - 22;
  parts.push(`<line x1="${m.left}" x2="${m.left + 28}" y1="${ly}" y2="${ly}" stroke="#1b1f24" stroke-width="2"/><text x="${m.left + 36}" y="${ly + 4}" font-size="13" fill="#1b1f24">observed (per hour)</text>`);
  parts.push(`<line x1="${m.left + 200}" x2="${m.left + 228}" y1="${ly}" y2="${ly}" stroke="#0969da" stroke-width="2" stroke-dasharray="5 4"/><text x="${m.left + 236}" y="${ly + 4}" font-size="13" fill="#1b1f24">expected</text>`);
  parts.push(`<rect x="${m.left + 330}" y="${ly - 7}" width="28" height="14" fill="#54aeff" fill-opacity="0.25"/><text x="${m.left + 366}" y="${ly + 4}" font-size="13" fill="#1b1f24">expected band (5 %–95 %)</text>`);
  if (o.marks?.length) parts.push(`<rect x="${m.left + 560}" y="${ly - 7}" width="28" height="14" fill="#cf222e" fill-opacity="0.12"/><text x="${m.left + 596}" y="${ly + 4}" font-size="13" fill="#1b1f24">incident window (impact drop)</text>`);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">${parts.join('')}</svg>`;
  return { svg, width, height };
}
