import { describe, expect, it } from 'vitest';
import { statement } from './prepared.js';

describe('hand-written statements', () => {
  it('number PostgreSQL placeholders in order, squeeze whitespace, and add the PostgreSQL-only suffix', () => {
    const s = statement(`SELECT * FROM incidents
      WHERE org_id = ? AND service_id = ?`, 'FOR KEY SHARE');
    expect(s.sqlite).toBe('SELECT * FROM incidents WHERE org_id = ? AND service_id = ?');
    expect(s.postgres).toBe('SELECT * FROM incidents WHERE org_id = $1 AND service_id = $2 FOR KEY SHARE');
    expect(statement('UPDATE t SET a = ?').postgres).toBe('UPDATE t SET a = $1');
  });
});
