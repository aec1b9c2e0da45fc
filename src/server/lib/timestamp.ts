/**
 * Tolerant ISO 8601: PagerDuty's own examples use offsets without a colon
 * (`+0000`) and short offsets (`-07`), which `Date.parse` rejects. Strict about
 * the calendar: `Date.parse` rolls `2026-02-30` over into March, so every field
 * is checked against its range first (a leap second `:60` is not accepted).
 */
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|z|[+-](\d{2})(?::?(\d{2}))?)?$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** True when every field of a matched timestamp is in range (month 1–12, the month's days, 00–23, 00–59, offset ≤ 23:59). */
function inRange(m: RegExpExecArray): boolean {
  const [, y, mo, d, hh, mi, ss, , zone, oh, om] = m;
  const year = Number(y);
  const month = Number(mo);
  if (month < 1 || month > 12) return false;
  const day = Number(d);
  if (day < 1 || day > daysInMonth(year, month)) return false;
  if (hh !== undefined && Number(hh) > 23) return false;
  if (mi !== undefined && Number(mi) > 59) return false;
  if (ss !== undefined && Number(ss) > 59) return false;
  if (zone && oh !== undefined && (Number(oh) > 23 || (om !== undefined && Number(om) > 59))) return false;
  return true;
}

export function parseTimestamp(s: string): number | null {
  const t = s.trim();
  const m = ISO_RE.exec(t);
  if (!m || !inRange(m)) return null;
  let norm = t.replace(' ', 'T').replace(/([+-]\d{2})(\d{2})$/, '$1:$2').replace(/([+-]\d{2})$/, '$1:00');
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(norm)) norm += 'Z';
  const ms = Date.parse(norm);
  return Number.isFinite(ms) ? ms : null;
}
