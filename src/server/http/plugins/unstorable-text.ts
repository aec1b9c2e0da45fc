/**
 * Text that no store can keep faithfully: a NUL character (PostgreSQL refuses it in
 * text, failing the whole request) and a lone UTF-16 surrogate (SQLite stores it,
 * then reads back a replacement character). Both are refused at the door, naming
 * the field, so the two dialects answer the same 400 and nothing is half-written.
 */
const NUL = /\u0000/;
// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function problem(s: string): string | null {
  if (NUL.test(s)) return 'contains a NUL character (\\u0000)';
  if (LONE_SURROGATE.test(s)) return 'contains an unpaired UTF-16 surrogate (not valid Unicode text)';
  return null;
}

/**
 * Whether JSON text could decode to unstorable text: a `\u0000` or surrogate escape, or a
 * raw NUL or lone surrogate (an emoji's raw pair is fine). False means its parsed value
 * holds none, so the walk below can be skipped (two regular expressions over the text
 * instead of a path string per value); true (also for an escaped backslash followed by
 * `u0000`) only means the walk must run.
 */
const ESCAPED = /\\u(?:0000|[dD][89a-fA-F])/;
export function mayHoldUnstorableText(json: string): boolean {
  return ESCAPED.test(json) || problem(json) !== null;
}

/** Parsed JSON bodies whose text held nothing unstorable (see mayHoldUnstorableText), so the input guard skips them. */
export const cleanBodies = new WeakSet<object>();

/**
 * The first unstorable string in a parsed JSON value, keys included: `{field, problem}` or
 * null. Iterative (an explicit stack), so a hostile body nested 100,000 deep is walked
 * without exhausting the call stack; the body limit bounds the work.
 */
export function findUnstorableText(value: unknown, path: string): { field: string; problem: string } | null {
  const stack: { v: unknown; path: string }[] = [{ v: value, path }];
  while (stack.length) {
    const { v, path: at } = stack.pop()!;
    if (typeof v === 'string') {
      const p = problem(v);
      if (p) return { field: at, problem: p };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: `${at}[${i}]` });
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v);
      for (const [k] of entries) {
        const kp = problem(k);
        if (kp) return { field: at ? `${at} key` : 'key', problem: `a key ${kp}` };
      }
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, child] = entries[i]!;
        // Paths are built lazily deep down: cap their length so a deep body costs no more than its size.
        stack.push({ v: child, path: at.length > 200 ? at : at ? `${at}.${k}` : k });
      }
    }
  }
  return null;
}
