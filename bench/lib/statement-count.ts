/**
 * Reads back what bench/lib/statement-trace.ts wrote in a Vigil child: how many PostgreSQL
 * statements a page takes, and in how many serial waits (statements that overlap in time
 * count once).
 */

/** Per page (from one `IN` to the first `OUT` after it, with no other `IN` between): statements and serial waits. */
export function countPages(text: string): { pages: number; statements: number[]; waits: number[] } {
  type Ev = { at: number; kind: string; dur: number };
  const evs: Ev[] = [];
  for (const line of text.split('\n')) {
    const [kind, at, dur] = line.split(' ');
    if (kind === 'Q' || kind === 'IN' || kind === 'OUT') evs.push({ kind, at: Number(at), dur: Number(dur ?? 0) });
  }
  evs.sort((a, b) => a.at - b.at);
  const statements: number[] = [];
  const waits: number[] = [];
  for (let i = 0; i < evs.length; i++) {
    if (evs[i]!.kind !== 'IN') continue;
    const qs: Ev[] = [];
    let done = false;
    for (const e of evs.slice(i + 1)) {
      if (e.kind === 'IN') break;
      if (e.kind === 'OUT') {
        done = true;
        break;
      }
      qs.push(e);
    }
    if (!done) continue;
    let n = 0;
    let end = -1;
    for (const q of qs) {
      if (q.at >= end) n++;
      end = Math.max(end, q.at + q.dur);
    }
    statements.push(qs.length);
    waits.push(n);
  }
  return { pages: statements.length, statements, waits };
}
