import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS } from '../../src/server/errors.js';

describe('error catalogue', () => {
  it('docs/errors.md lists exactly the kinds, statuses and codes of src/server/errors.ts', () => {
    const md = fs.readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    const rows = [...md.matchAll(/^\| `([a-z_]+)` \| (\d+) \| (\d+) \| (.+) \|$/gm)].map((m) => [m[1], Number(m[2]), Number(m[3]), m[4]]);
    expect(rows).toEqual(Object.entries(ERRORS).map(([k, v]) => [k, v.status, v.code, v.message]));
  });

  it('codes are unique', () => {
    const codes = Object.values(ERRORS).map((e) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
  });
});
