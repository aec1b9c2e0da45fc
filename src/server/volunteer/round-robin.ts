/**
 * Fairness among qualifying pool members: least recently paged first. Someone never
 * paged comes before everyone who has been; ties (never paged, or paged in the same
 * millisecond) are broken by when they joined the pool, then by id, so the order is
 * stable and the same on every node. Pure.
 *
 * The guarantee this gives (tested with fast-check): when someone is paged for the
 * (k+1)-th time, everyone who qualified at that moment has been paged since that
 * person's k-th page. With everyone always available, page counts never differ by
 * more than one.
 */
export interface Candidate {
  userId: string;
  /** Their last page by any pool of the organization; null if never paged. */
  lastPagedAt: number | null;
  /** When they joined the pool (the tie-break). */
  joinedAt: number;
}

export function compareCandidates(a: Candidate, b: Candidate): number {
  const la = a.lastPagedAt ?? -Infinity;
  const lb = b.lastPagedAt ?? -Infinity;
  if (la !== lb) return la < lb ? -1 : 1;
  if (a.joinedAt !== b.joinedAt) return a.joinedAt - b.joinedAt;
  return a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0;
}

export function roundRobinOrder<T extends Candidate>(candidates: readonly T[]): T[] {
  return [...candidates].sort(compareCandidates);
}

/** The next one to page, skipping those already tried for this step. */
export function pickNext<T extends Candidate>(candidates: readonly T[], tried: ReadonlySet<string> = new Set()): T | null {
  return roundRobinOrder(candidates.filter((c) => !tried.has(c.userId)))[0] ?? null;
}
