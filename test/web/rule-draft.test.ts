import { describe, expect, it } from 'vitest';
import {
  describeMatches,
  describeOutcome,
  describeRoute,
  fingerprint,
  keptActions,
  newRule,
  outcomeOf,
  parseSample,
  placeErrors,
  SAMPLE_EVENT,
  templateOf,
  toDraft,
  toWire,
  withOutcome,
  withTemplate,
  type Draft,
} from '../../src/web/data/rule-draft';
import type { OrchestrationPath, ServiceTestResult } from '../../src/web/data/types';

const path: OrchestrationPath = {
  type: 'service',
  parent: { id: 'PSVC', type: 'service_reference' },
  self: 'http://x/api/v1/event_orchestrations/services/PSVC',
  version: '3',
  sets: [
    {
      id: 'start',
      rules: [
        { id: 'a1', label: 'flapping', disabled: false, conditions: [{ expression: "event.summary matches part 'flapping'" }], actions: { suppress: true } },
        {
          id: 'b2',
          disabled: true,
          conditions: [],
          actions: {
            route_to: 'disk',
            variables: [{ name: 'host', path: 'event.source', type: 'regex', value: '^([^.]+)' }],
            extractions: [
              { target: 'event.custom_details.host', source: 'event.source', regex: '^([^.]+)' },
              { target: 'event.summary', template: '[{{event.custom_details.region}}] {{event.summary}}' },
            ],
          },
        },
      ],
    },
    { id: 'disk', rules: [] },
  ],
  catch_all: { actions: { severity: 'warning' } },
};

describe('rules editor model', () => {
  it('reads a path into a draft and writes back what it read, read-only fields left out', () => {
    const d = toDraft(path);
    expect(d.sets.map((s) => s.rules.map((r) => r.label))).toEqual([['flapping', ''], []]);
    expect(toWire(d)).toEqual({
      type: 'service',
      sets: [
        {
          id: 'start',
          rules: [
            { id: 'a1', label: 'flapping', disabled: false, conditions: [{ expression: "event.summary matches part 'flapping'" }], actions: { suppress: true } },
            { id: 'b2', disabled: true, conditions: [], actions: path.sets[0]!.rules[1]!.actions },
          ],
        },
        { id: 'disk', rules: [] },
      ],
      catch_all: { actions: { severity: 'warning' } },
    });
  });

  it('sends a new rule without id or label, and without its blank conditions', () => {
    const d = toDraft(path);
    const r = { ...newRule(), conditions: ['  ', "event.source matches 'gw-1'", ''], actions: { urgency: 'low' as const, annotate: '' } };
    d.sets[1]!.rules.push(r);
    expect(toWire(d).sets![1]!.rules).toEqual([{ disabled: false, conditions: [{ expression: "event.source matches 'gw-1'" }], actions: { urgency: 'low' } }]);
  });

  it('keeps the key of each rule across a save, by position', () => {
    const before = toDraft(path);
    const after = toDraft(path, before);
    expect(after.sets[0]!.rules.map((r) => r.key)).toEqual(before.sets[0]!.rules.map((r) => r.key));
    expect(toDraft(path).sets[0]!.rules[0]!.key).not.toBe(before.sets[0]!.rules[0]!.key);
  });

  it('tells a tested draft from a changed one, but not from the same rules once saved (with ids)', () => {
    const d = toDraft(path);
    const unsaved = toWire({ ...d, sets: d.sets.map((s) => ({ ...s, rules: s.rules.map(({ id: _id, ...r }) => r) })) });
    expect(fingerprint(unsaved)).toBe(fingerprint(toWire(d)));
    const r = d.sets[0]!.rules[1]!;
    r.actions = Object.fromEntries(Object.entries(r.actions).reverse()); // as a save may give them back
    expect(fingerprint(unsaved)).toBe(fingerprint(toWire(d)));
    d.sets[0]!.rules[0]!.disabled = true;
    expect(fingerprint(unsaved)).not.toBe(fingerprint(toWire(d)));
  });

  it('edits the title and dedup templates in place, leaving other extractions alone', () => {
    const a = path.sets[0]!.rules[1]!.actions;
    expect(templateOf(a, 'event.summary')).toBe('[{{event.custom_details.region}}] {{event.summary}}');
    expect(templateOf(a, 'event.dedup_key')).toBe('');
    const b = withTemplate(withTemplate(a, 'event.summary', '{{event.source}} down'), 'event.dedup_key', '{{event.source}}');
    expect(b.extractions).toEqual([
      { target: 'event.custom_details.host', source: 'event.source', regex: '^([^.]+)' },
      { target: 'event.summary', template: '{{event.source}} down' },
      { target: 'event.dedup_key', template: '{{event.source}}' },
    ]);
    expect(withTemplate(b, 'event.summary', '').extractions).toHaveLength(2);
    expect(keptActions(a)).toEqual(['1 other extraction', '1 variable']);
  });

  it('turns the outcome into suppress or drop_event, one at a time', () => {
    expect(withOutcome({ suppress: true, severity: 'info' }, 'drop')).toEqual({ drop_event: true, severity: 'info' });
    expect(withOutcome({ drop_event: true }, 'suppress')).toEqual({ suppress: true });
    expect(withOutcome({ suppress: true }, 'open')).toEqual({});
    expect([outcomeOf({}), outcomeOf({ suppress: true }), outcomeOf({ suppress: true, drop_event: true })]).toEqual(['open', 'suppress', 'drop']);
  });

  it("puts each of the server's messages next to the field it names", () => {
    const d: Draft = toDraft(path);
    d.sets[0]!.rules[0]!.conditions = ['', "event.foo matches 'x'"]; // the blank one is not sent: the server's conditions[0] is the form's 2nd
    const { fields, other } = placeErrors(
      [
        'orchestration_path.sets[0].rules[0].conditions[0].expression: unknown field event.foo at 1',
        'orchestration_path.sets[0].rules[1].actions.suspend must be a whole number of seconds from 0 to 86400, got 1.5',
        'orchestration_path.sets[0].rules[1].actions.extractions[1].template: unknown variable x',
        'orchestration_path.sets[0].rules[1].actions.extractions[0].regex: invalid regular expression',
        'orchestration_path.sets[0].rules[1].actions.drop_event must be true or false',
        'orchestration_path.sets[0].rules[1].actions.route_to: no set nope in this orchestration path',
        'orchestration_path.sets[0].rules[1].label must be a string of at most 255 characters',
        'orchestration_path.sets[1].id must be 1 to 64 letters, digits, - or _',
        'orchestration_path.catch_all.actions.priority: priority P9 not found in this organization',
        'event.payload.severity must be one of critical, error, warning, info, got "bad"',
        'Something else went wrong',
      ],
      d,
    );
    expect(fields).toEqual({
      's0.r0.cond1': ['Unknown field event.foo at 1'],
      's0.r1.suspend': ['Must be a whole number of seconds from 0 to 86400, got 1.5'],
      's0.r1.title': ['Unknown variable x'],
      's0.r1': ['Invalid regular expression'],
      's0.r1.outcome': ['Must be true or false'],
      's0.r1.route_to': ['No set nope in this orchestration path'],
      's0.r1.label': ['Must be a string of at most 255 characters'],
      s1: ['Must be 1 to 64 letters, digits, - or _'],
      'catch.priority': ['Priority P9 not found in this organization'],
      event: ['event.payload.severity must be one of critical, error, warning, info, got "bad"'],
    });
    expect(other).toEqual(['Something else went wrong']);
  });

  it('reads the sample event: a whole Events API v2 body, or its payload alone', () => {
    const s = parseSample(SAMPLE_EVENT);
    expect(s.ok && s.event).toEqual({ payload: JSON.parse(SAMPLE_EVENT).payload, dedup_key: 'db-7-disk' });
    expect(parseSample('{"summary": "x", "severity": "info"}')).toEqual({ ok: true, event: { payload: { summary: 'x', severity: 'info' } } });
    expect(parseSample('{"payload": {"summary": "x"}}')).toMatchObject({ ok: false, error: expect.stringMatching(/severity/) });
    expect(parseSample('{')).toMatchObject({ ok: false, error: expect.stringMatching(/not valid JSON/) });
  });

  it('says in plain words what a test found', () => {
    const base: ServiceTestResult = {
      draft: true,
      active: true,
      matched: [{ set_id: 'start', rule_id: 'a1', label: 'flapping', catch_all: false }],
      actions: { drop_event: false, suppress: true, suspend: null, priority: null, severity: null, urgency: null, event_action: null, annotations: [] },
      event: { payload: { summary: 's', source: null, severity: 'error', timestamp: '2026-03-02T00:00:00.000Z' }, dedup_key: null, links: [], client: null },
    };
    expect(describeMatches(base.matched)).toEqual(['Rule “flapping” matched.']);
    expect(describeMatches([{ set_id: 'disk', rule_id: null, label: null, catch_all: true }])).toEqual(['No rule matched in set disk: the catch-all applies.']);
    expect(describeOutcome(base)).toEqual(['Suppressed: the alert is stored and shown, but opens no incident and pages nobody.']);
    expect(
      describeOutcome({ ...base, actions: { ...base.actions, suppress: false, suspend: 300, urgency: 'low', priority: { id: 'P1', type: 'priority_reference', summary: 'P1' }, annotations: ['runbook: x'] } }),
    ).toEqual([
      'Opens an incident (or joins the open one with the same dedup key).',
      'Notifications paused 5 min: someone is paged only if the alert is still open then.',
      'Urgency: low.',
      'Priority: P1.',
      'Note added: “runbook: x”',
    ]);
    expect(describeOutcome({ ...base, actions: { ...base.actions, drop_event: true } })).toEqual(['Dropped: the event is counted and nothing is stored.']);
    expect(describeRoute({ draft: true, matched: [], route_to: { id: 'S', type: 'service_reference', summary: 'Crisis chat' }, unrouted: false })).toMatch(/Crisis chat/);
    expect(describeRoute({ draft: true, matched: [], route_to: null, unrouted: true })).toMatch(/^Unrouted/);
  });
});
