/**
 * Incident priorities (PagerDuty's `/priorities`), pure: the defaults a new organization
 * starts with, what a priority may hold, and where each one ranks. Rank 1 is the most
 * severe; the live priorities of an organization always rank 1..n with no gap, so a
 * rank given on a write is a position in that list.
 */

/** P1–P5, as migration 0008 gave the organizations that existed then. */
export const DEFAULT_PRIORITIES: readonly { name: string; description: string }[] = [
  { name: 'P1', description: 'Critical: people cannot be served now' },
  { name: 'P2', description: 'High: service degraded for many' },
  { name: 'P3', description: 'Moderate: degraded for some' },
  { name: 'P4', description: 'Low: minor, no one is blocked' },
  { name: 'P5', description: 'Informational' },
];

export const MAX_NAME = 50;
export const MAX_DESCRIPTION = 1000;
/** PagerDuty writes colours as six hex digits without '#'. */
const COLOR_RE = /^#?([0-9a-fA-F]{6})$/;

/** What a write may set; the read-only fields of the answer may be sent back as they are (a GET edited and PUT) and are left alone. */
const WRITABLE = ['name', 'description', 'color', 'rank'];
const READ_ONLY = ['id', 'type', 'summary', 'self', 'html_url', 'created_at', 'updated_at'];

export interface PriorityInput {
  name?: string | undefined;
  description?: string | null | undefined;
  color?: string | null | undefined;
  rank?: number | undefined;
}

export interface PriorityFields {
  name?: string;
  description?: string | null;
  color?: string | null;
  rank?: number;
}

/**
 * Check and normalize a write. `others` are the names of the organization's other live
 * priorities (unique, case-insensitive); `slots` is the highest rank allowed (n + 1 when
 * creating, n when changing). Every problem is named, field by field.
 */
export function checkPriority(input: PriorityInput, ctx: { creating: boolean; others: string[]; slots: number }): { ok: true; fields: PriorityFields } | { ok: false; errors: string[] } {
  const errors: string[] = [];
  const fields: PriorityFields = {};
  for (const k of Object.keys(input)) if (!WRITABLE.includes(k) && !READ_ONLY.includes(k)) errors.push(`priority.${k}: unknown field`);
  if (input.name !== undefined) {
    const name = input.name.trim();
    if (!name || name.length > MAX_NAME) errors.push(`priority.name: must be 1 to ${MAX_NAME} characters`);
    else if (ctx.others.some((o) => o.toLowerCase() === name.toLowerCase())) errors.push(`priority.name: a priority named ${name} already exists`);
    else fields.name = name;
  } else if (ctx.creating) errors.push('priority.name: is required');
  if (input.description !== undefined) {
    const d = input.description === null ? null : input.description.trim();
    if (d !== null && d.length > MAX_DESCRIPTION) errors.push(`priority.description: at most ${MAX_DESCRIPTION} characters`);
    else fields.description = d || null;
  }
  if (input.color !== undefined) {
    const m = input.color === null ? null : COLOR_RE.exec(input.color.trim());
    if (input.color !== null && !m) errors.push('priority.color: six hex digits, such as a8171c');
    else fields.color = m ? m[1]!.toLowerCase() : null;
  }
  if (input.rank !== undefined) {
    if (!Number.isInteger(input.rank) || input.rank < 1 || input.rank > ctx.slots) errors.push(`priority.rank: must be an integer from 1 to ${ctx.slots}`);
    else fields.rank = input.rank;
  }
  return errors.length ? { ok: false, errors } : { ok: true, fields };
}

/**
 * The ranks after placing `id` at `rank` (1-based) among `ordered` (most severe first; `id`
 * may be new, or absent to close a gap after a removal), renumbered 1..n. Returns only the
 * ranks that change.
 */
export function rerank(ordered: readonly { id: string; rank: number }[], place?: { id: string; rank: number }): Map<string, number> {
  const ids = ordered.map((p) => p.id).filter((x) => x !== place?.id);
  if (place) ids.splice(Math.min(Math.max(place.rank, 1), ids.length + 1) - 1, 0, place.id);
  const was = new Map(ordered.map((p) => [p.id, p.rank]));
  const out = new Map<string, number>();
  ids.forEach((id, i) => {
    if (was.get(id) !== i + 1) out.set(id, i + 1);
  });
  return out;
}
