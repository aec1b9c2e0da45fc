/**
 * The legacy-rule mapping is exact: any legacy conditions (every operator, joined by and or
 * or, values with quotes, backslashes and the joiner words themselves) become one PCL
 * condition that compiles, and read back as the same conditions; a condition of another form
 * reads back as none.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conditionsToPcl, pclToConditions } from './legacy-rules.js';
import { compileCondition } from './pcl.js';

const OPERATORS = ['equals', 'nequals', 'contains', 'ncontains', 'matches', 'nmatches', 'exists', 'nexists'];
const text = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', "'", '\\', 'and', ' or ', 'x', '.', '-', 'é'), maxLength: 12 });
const path = fc.constantFrom('summary', 'source', 'severity', 'class', 'component', 'group', 'custom_details.region', 'custom_details.a.b');

describe('legacy service event rules ↔ PCL', () => {
  it('round-trips every operator and value through a PCL condition that compiles', () => {
    const sub = fc.record({ operator: fc.constantFrom(...OPERATORS), path, value: text });
    fc.assert(
      fc.property(fc.constantFrom('and' as const, 'or' as const), fc.array(sub, { minLength: 1, maxLength: 5 }), (operator, subs) => {
        // Regex operators need a valid RE2 pattern: escape the text.
        const subconditions = subs.map((s) => ({ operator: s.operator, parameters: { path: s.path, value: s.operator.endsWith('exists') ? '' : s.operator.endsWith('matches') ? s.value.replace(/[\\.^$|?*+()[\]{}]/g, '\\$&') : s.value } }));
        const errors: string[] = [];
        const pcl = conditionsToPcl({ operator, subconditions }, 'rule.conditions', errors);
        expect(errors).toEqual([]);
        expect(() => compileCondition(pcl!)).not.toThrow();
        expect(pclToConditions(pcl!)).toEqual({ operator: subconditions.length > 1 ? operator : 'and', subconditions });
      }),
      { numRuns: 300 },
    );
  });

  it('reads a condition of another form as none, and names what it refuses', () => {
    for (const e of ["not (event.summary matches 'x')", "event.summary matches 'a' and event.source exists or event.class exists", 'event.cpu > 3', "(event.summary matches 'a')", "event.summary matches 'a' and"]) expect(pclToConditions(e), e).toBeUndefined();
    const errors: string[] = [];
    conditionsToPcl({ operator: 'and', subconditions: [{ operator: 'exists', parameters: { path: 'raw_event.x' } }, { operator: 'exists', parameters: { path: 'summary', value: 'y' } }] }, 'rule.conditions', errors);
    expect(errors).toEqual(['rule.conditions.subconditions[0].parameters.path: unknown field event.raw_event.x', 'rule.conditions.subconditions[1].parameters.value: exists takes no value']);
  });
});
