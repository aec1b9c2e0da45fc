/**
 * Tolerant ISO 8601: PagerDuty's own examples use offsets without a colon
 * (`+0000`) and short offsets (`-07`), which `Date.parse` rejects.
 */
const ISO_RE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|z|[+-]\d{2}(:?\d{2})?)?$/;

export function parseTimestamp(s: string): number | null {
  const t = s.trim();
  if (!ISO_RE.test(t)) return null;
  let norm = t.replace(' ', 'T').replace(/([+-]\d{2})(\d{2})$/, '$1:$2').replace(/([+-]\d{2})$/, '$1:00');
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(norm)) norm += 'Z';
  const ms = Date.parse(norm);
  return Number.isFinite(ms) ? ms : null;
}
