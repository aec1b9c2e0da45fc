import { describe, expect, it } from 'vitest';
import { layout } from '../../src/web/data/schedules';
import { alertmanagerSnippet, curlSnippet } from '../../src/web/data/services';
import { groupOncalls } from '../../src/web/data/oncall';
import { match } from '../../src/web/app/router';

const H = 3_600_000;
const at = (h: number) => new Date(Date.UTC(2026, 2, 2) + h * H).toISOString();

describe('web data layer (pure parts)', () => {
  it('lays a schedule on a bar and turns uncovered time into explicit gaps', () => {
    const since = Date.parse(at(0));
    const segs = layout(
      [
        { start: at(-2), end: at(6), user: { id: 'a', summary: 'Ada' } },
        { start: at(8), end: at(12), user: { id: 'b', summary: 'Bo' } },
        { start: at(12), end: at(18), user: null },
      ],
      since,
      since + 24 * H,
    );
    expect(segs.map((s) => [Math.round(s.left), Math.round(s.width), s.gap, s.entry.user?.summary ?? null])).toEqual([
      [0, 25, false, 'Ada'],
      [25, 8, true, null],
      [33, 17, false, 'Bo'],
      [50, 25, true, null],
      [75, 25, true, null],
    ]);
    expect(layout([], since, since + H)).toHaveLength(1);
  });

  it('writes snippets that point at this server with the key', () => {
    const key = 'k'.repeat(32);
    expect(curlSnippet('https://vigil.example', key)).toContain(`curl -sS -X POST https://vigil.example/v2/enqueue`);
    expect(curlSnippet('https://vigil.example', key)).toContain(`"routing_key":"${key}"`);
    expect(alertmanagerSnippet('https://vigil.example', key)).toContain(`- url: https://vigil.example/v2/enqueue\n        routing_key: ${key}`);
  });

  it('groups on-call entries by policy and level, one person once', () => {
    const g = groupOncalls([
      { user: { id: 'u1', summary: 'Ada' }, schedule: null, escalation_policy: { id: 'p', summary: 'Chat' }, escalation_level: 1, start: null, end: null },
      { user: { id: 'u1', summary: 'Ada' }, schedule: null, escalation_policy: { id: 'p', summary: 'Chat' }, escalation_level: 1, start: null, end: null },
      { user: { id: 'u2', summary: 'Bo' }, schedule: null, escalation_policy: { id: 'p', summary: 'Chat' }, escalation_level: 2, start: null, end: null },
    ]);
    expect(g.map((x) => [x.where, x.level, x.people.map((p) => p.name)])).toEqual([
      ['Chat', 1, ['Ada']],
      ['Chat', 2, ['Bo']],
    ]);
  });

  it('matches page paths', () => {
    expect(match('/incidents/:id', '/incidents/01ABC')).toEqual({ id: '01ABC' });
    expect(match('/incidents/:id', '/incidents')).toBeNull();
    expect(match('/status/:slug', '/status/harbor%20line')).toEqual({ slug: 'harbor line' });
  });
});
