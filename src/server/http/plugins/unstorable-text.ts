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

/** The first unstorable string in a parsed JSON value, keys included: `{field, problem}` or null. Depth-first, bounded by the body limit. */
export function findUnstorableText(value: unknown, path: string): { field: string; problem: string } | null {
  if (typeof value === 'string') {
    const p = problem(value);
    return p ? { field: path, problem: p } : null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const r = findUnstorableText(value[i], `${path}[${i}]`);
      if (r) return r;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const field = path ? `${path}.${k}` : k;
      const kp = problem(k);
      if (kp) return { field: path ? `${path} key` : 'key', problem: `a key ${kp}` };
      const r = findUnstorableText(v, field);
      if (r) return r;
    }
  }
  return null;
}
