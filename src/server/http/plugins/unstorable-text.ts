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
