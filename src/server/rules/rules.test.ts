import { describe, expect, it } from 'vitest';
import type { RuleEvent } from './event.js';
import { applyServiceRules, buildPath, compileRouter, compileServiceRules, routeEvent, type BuildResult, type CompiledRouter, type CompiledServiceRules, type PathType } from './rules.js';

const NOW = Date.parse('2026-03-02T10:00:00Z'); // Monday 11:00 in Paris

const event: RuleEvent = {
  summary: 'CPU high on web-3',
  source: 'web-3.eu.example',
  severity: 'warning',
  component: 'nginx',
  custom_details: { region: 'eu-west-3', cpu: 97, check: 'cpu_load' },
  timestamp: Date.parse('2026-03-02T09:59:00Z'),
};

let seq = 0;
const opts = { newRuleId: () => `r${++seq}` };

function build(type: PathType, path: unknown): BuildResult {
  return buildPath(type, path, opts);
}

function service(path: unknown): CompiledServiceRules {
  const b = build('service', path);
  if (!b.ok) throw new Error(b.errors.join('\n'));
  return b.compiled as CompiledServiceRules;
}

function router(path: unknown): CompiledRouter {
  const b = build('router', path);
  if (!b.ok) throw new Error(b.errors.join('\n'));
  return b.compiled as CompiledRouter;
}

function errorsOf(type: PathType, path: unknown): string[] {
  const b = build(type, path);
  return b.ok ? [] : b.errors;
}

const rule = (expression: string | null, actions: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  conditions: expression === null ? [] : [{ expression }],
  actions,
  ...extra,
});

describe('router', () => {
  const r = router({
    sets: [
      {
        id: 'start',
        rules: [
          rule("event.custom_details.region matches part 'us-'", { route_to: 'SVC_US' }, { label: 'Americas' }),
          rule("event.custom_details.region matches part 'eu-'", { route_to: 'SVC_EU' }, { label: 'Europe' }),
          rule(null, { route_to: 'SVC_NEVER' }, { label: 'disabled catch', disabled: true }),
          rule("event.source matches part '.eu.'", { route_to: 'SVC_EU_2' }),
        ],
      },
    ],
    catch_all: { actions: { route_to: 'unrouted' } },
  });

  it('routes to the service of the first matching rule and records it', () => {
    const out = routeEvent(r, event, NOW);
    expect(out.routeTo).toBe('SVC_EU');
    expect(out.matched).toEqual([{ set: 'start', rule: expect.any(String), label: 'Europe' }]);
  });

  it('skips disabled rules, and falls to the catch-all (unrouted: null) when nothing matches', () => {
    const out = routeEvent(r, { ...event, custom_details: { region: 'ap-south-1' }, source: 'x' }, NOW);
    expect(out).toEqual({ routeTo: null, matched: [{ set: 'start', rule: null, label: null }] });
  });

  it('a catch-all may route to a service; without one it routes to unrouted', () => {
    const toService = router({ sets: [{ id: 'start', rules: [] }], catch_all: { actions: { route_to: 'SVC_DEFAULT' } } });
    expect(routeEvent(toService, event, NOW).routeTo).toBe('SVC_DEFAULT');
    const bare = build('router', { sets: [{ id: 'start', rules: [] }] });
    expect(bare.ok && bare.path.catch_all).toEqual({ actions: { route_to: 'unrouted' } });
    expect(routeEvent(router({}), event, NOW).routeTo).toBeNull();
  });

  it('lists the services it routes to for the caller to check', () => {
    const b = build('router', { sets: [{ id: 'start', rules: [rule(null, { route_to: 'A' }), rule(null, { route_to: 'B' })] }], catch_all: { actions: { route_to: 'C' } } });
    expect(b.ok && b.references.services).toEqual([
      { id: 'A', field: 'orchestration_path.sets[0].rules[0].actions.route_to' },
      { id: 'B', field: 'orchestration_path.sets[0].rules[1].actions.route_to' },
      { id: 'C', field: 'orchestration_path.catch_all.actions.route_to' },
    ]);
  });

  const refused: [string, unknown, string][] = [
    ['two sets', { sets: [{ id: 'start', rules: [] }, { id: 'b', rules: [] }] }, 'orchestration_path.sets: a router has exactly one set, "start"'],
    ['a set not called start', { sets: [{ id: 'first', rules: [] }] }, `orchestration_path.sets[0].id: a router's one set is "start"`],
    ['a rule without route_to', { sets: [{ id: 'start', rules: [rule(null, {})] }] }, 'orchestration_path.sets[0].rules[0].actions.route_to is required: a router rule routes to a service'],
    ['a rule routing to unrouted', { sets: [{ id: 'start', rules: [rule(null, { route_to: 'unrouted' })] }] }, 'orchestration_path.sets[0].rules[0].actions.route_to: a router rule routes to a service; "unrouted" is for the catch_all'],
    ['dynamic routing', { sets: [{ id: 'start', rules: [rule(null, { dynamic_route_to: { lookup_by: 'service_id', source: 'event.source', regex: '(.*)' } })] }] }, 'orchestration_path.sets[0].rules[0].actions.dynamic_route_to: dynamic routing is not supported by Vigil'],
    ['service actions on a router', { sets: [{ id: 'start', rules: [rule(null, { route_to: 'A', suppress: true })] }] }, 'orchestration_path.sets[0].rules[0].actions.suppress: not available in a router rule (available: route_to)'],
    ['a bad condition', { sets: [{ id: 'start', rules: [rule("event.foo matches 'x'", { route_to: 'A' })] }] }, 'orchestration_path.sets[0].rules[0].conditions[0].expression: unknown field event.foo at 1'],
    ['a wrong type', { type: 'service', sets: [{ id: 'start', rules: [] }] }, 'orchestration_path.type must be router here, got "service"'],
  ];
  it.each(refused)('refuses %s, naming the field', (_name, path, message) => {
    const errors = errorsOf('router', path);
    expect(errors.some((e) => e.startsWith(message)), JSON.stringify(errors)).toBe(true);
  });
});

describe('service rules: evaluation', () => {
  it('the first matching rule of a set acts; later rules of that set do not', () => {
    const c = service({
      sets: [
        {
          id: 'start',
          rules: [
            rule("event.severity matches 'critical'", { priority: 'P1' }, { label: 'critical' }),
            rule("event.custom_details.check matches 'cpu_load'", { severity: 'error' }, { label: 'cpu' }),
            rule(null, { severity: 'info' }, { label: 'everything' }),
          ],
        },
      ],
    });
    const out = applyServiceRules(c, event, NOW);
    expect(out.severity).toBe('error');
    expect(out.matched.map((m) => m.label)).toEqual(['cpu']);
  });

  it('a rule matches when ANY of its conditions does; with no conditions it always matches', () => {
    const c = service({
      sets: [{ id: 'start', rules: [{ conditions: [{ expression: "event.summary matches 'nope'" }, { expression: "event.component matches 'nginx'" }], actions: { urgency: 'low' } }] }],
    });
    expect(applyServiceRules(c, event, NOW).urgency).toBe('low');
    expect(applyServiceRules(c, { ...event, component: 'haproxy' }, NOW).urgency).toBeUndefined();
  });

  it('route_to continues in another set; the catch-all applies when a set has no match; scalar actions met later win, notes add up', () => {
    const c = service({
      sets: [
        { id: 'start', rules: [rule("event.component matches 'nginx'", { route_to: 'web', severity: 'error', annotate: 'from start' }, { label: 'web things' })] },
        {
          id: 'web',
          rules: [
            rule("event.custom_details.cpu > 95", { route_to: 'hot', severity: 'critical', annotate: 'cpu {{event.custom_details.cpu}}%' }, { label: 'very hot' }),
            rule(null, { suppress: true }),
          ],
        },
        { id: 'hot', rules: [rule("event.severity matches 'info'", { suppress: true })] },
      ],
      catch_all: { actions: { priority: 'P2', annotate: 'catch-all' } },
    });
    const out = applyServiceRules(c, event, NOW);
    expect(out.matched).toEqual([
      { set: 'start', rule: expect.any(String), label: 'web things' },
      { set: 'web', rule: expect.any(String), label: 'very hot' },
      { set: 'hot', rule: null, label: null },
    ]);
    expect(out.severity).toBe('critical');
    expect(out.priorityId).toBe('P2');
    expect(out.notes).toEqual(['from start', 'cpu 97%', 'catch-all']);
    expect(out.suppress).toBe(false);
    // Below 95 %: the second rule of "web" matches and suppresses; the catch-all does not apply.
    const cool = applyServiceRules(c, { ...event, custom_details: { cpu: 40 } }, NOW);
    expect(cool.suppress).toBe(true);
    expect(cool.priorityId).toBeUndefined();
    expect(cool.matched.map((m) => m.set)).toEqual(['start', 'web']);
  });

  it('a later suppress: false overrides an earlier true (last evaluated wins)', () => {
    const c = service({
      sets: [
        { id: 'start', rules: [rule(null, { suppress: true, route_to: 'next' })] },
        { id: 'next', rules: [rule("event.custom_details.cpu > 90", { suppress: false })] },
      ],
    });
    expect(applyServiceRules(c, event, NOW).suppress).toBe(false);
    expect(applyServiceRules(c, { ...event, custom_details: {} }, NOW).suppress).toBe(true);
  });

  it('disabled rules are kept but never act', () => {
    const b = build('service', { sets: [{ id: 'start', rules: [rule(null, { suppress: true }, { disabled: true, label: 'off' })] }] });
    expect(b.ok).toBe(true);
    if (!b.ok) return;
    expect(b.path.sets[0]!.rules[0]).toMatchObject({ label: 'off', disabled: true, actions: { suppress: true } });
    const out = applyServiceRules(b.compiled as CompiledServiceRules, event, NOW);
    expect(out.suppress).toBe(false);
    expect(out.matched).toEqual([{ set: 'start', rule: null, label: null }]);
  });

  const actions: [string, Record<string, unknown>, Partial<ReturnType<typeof applyServiceRules>>][] = [
    ['suppress', { suppress: true }, { suppress: true }],
    ['suspend (pause notifications)', { suspend: 300 }, { pauseSeconds: 300 }],
    ['suspend 0 pauses nothing', { suspend: 0 }, { pauseSeconds: undefined }],
    ['priority', { priority: 'PRIO1' }, { priorityId: 'PRIO1' }],
    ['severity', { severity: 'critical' }, { severity: 'critical' }],
    ['urgency (Vigil)', { urgency: 'low' }, { urgency: 'low' }],
    ['event_action', { event_action: 'resolve' }, { eventAction: 'resolve' }],
    ['drop_event (Vigil)', { drop_event: true }, { drop: true }],
    ['drop_event false', { drop_event: false }, { drop: false }],
    ['annotate', { annotate: 'See the runbook' }, { notes: ['See the runbook'] }],
    ['annotate from a template', { annotate: '{{event.source}} in {{event.custom_details.region}}: {{event.custom_details.missing}}.' }, { notes: ['web-3.eu.example in eu-west-3: .'] }],
  ];
  it.each(actions)('action %s', (_name, acts, expected) => {
    const out = applyServiceRules(service({ sets: [{ id: 'start', rules: [rule(null, acts)] }] }), event, NOW);
    expect(out).toMatchObject(Object.fromEntries(Object.entries(expected).filter(([, v]) => v !== undefined)));
    for (const [k, v] of Object.entries(expected)) if (v === undefined) expect(out).not.toHaveProperty(k);
  });

  it('a dropped event goes no further', () => {
    const c = service({ sets: [{ id: 'start', rules: [rule(null, { drop_event: true, route_to: 'b' })] }, { id: 'b', rules: [rule(null, { annotate: 'never' })] }] });
    const out = applyServiceRules(c, event, NOW);
    expect(out.drop).toBe(true);
    expect(out.notes).toEqual([]);
    expect(out.matched.map((m) => m.set)).toEqual(['start']);
  });

  it('extractions set the title and the dedup key from templates and regexes, and later sets see them', () => {
    const c = service({
      sets: [
        {
          id: 'start',
          rules: [
            rule(null, {
              route_to: 'after',
              variables: [{ name: 'host', path: 'event.source', type: 'regex', value: '^([^.]+)\\.' }],
              extractions: [
                { target: 'event.summary', template: '[{{event.custom_details.region}}] {{event.summary}} ({{variables.host}})' },
                { target: 'event.dedup_key', template: '{{host}}-{{event.custom_details.check}}' },
                { target: 'event.custom_details.host', source: 'event.source', regex: '^(web)-(\\d+)' },
                { target: 'event.component', source: 'event.summary', regex: 'on \\S+' },
                { target: 'event.group', source: 'event.summary', regex: 'no such thing' },
              ],
            }),
          ],
        },
        { id: 'after', rules: [rule("event.summary starts with '[eu-west-3]'", { annotate: 'saw {{event.dedup_key}}' })] },
      ],
    });
    const out = applyServiceRules(c, event, NOW);
    expect(out.event.summary).toBe('[eu-west-3] CPU high on web-3 (web-3)');
    expect(out.event.dedup_key).toBe('web-3-cpu_load');
    expect(out.event.custom_details).toEqual({ region: 'eu-west-3', cpu: 97, check: 'cpu_load', host: 'web3' });
    expect(out.event.component).toBe('on web-3');
    expect(out.event.group).toBeUndefined();
    expect(out.notes).toEqual(['saw web-3-cpu_load']);
    // The event given is never modified.
    expect(event.summary).toBe('CPU high on web-3');
    expect(event.custom_details).toEqual({ region: 'eu-west-3', cpu: 97, check: 'cpu_load' });
  });

  it('extractions create nested custom_details keys, and cannot write through a non-object', () => {
    const c = service({ sets: [{ id: 'start', rules: [rule(null, { extractions: [{ target: 'event.custom_details.a.b', template: 'x' }] })] }] });
    expect(applyServiceRules(c, { ...event, custom_details: undefined }, NOW).event.custom_details).toEqual({ a: { b: 'x' } });
    expect(applyServiceRules(c, { ...event, custom_details: { a: 'text' } }, NOW).event.custom_details).toEqual({ a: 'text' });
    expect(applyServiceRules(c, { ...event, custom_details: 'plain' }, NOW).event.custom_details).toBe('plain');
  });

  it('a title longer than the Events API allows is cut to 1024 characters, a dedup key to 255', () => {
    const c = service({ sets: [{ id: 'start', rules: [rule(null, { extractions: [{ target: 'event.summary', template: '{{event.custom_details.long}}' }, { target: 'event.dedup_key', template: '{{event.custom_details.long}}' }] })] }] });
    const out = applyServiceRules(c, { ...event, custom_details: { long: 'x'.repeat(5000) } }, NOW);
    expect(out.event.summary).toHaveLength(1024);
    expect(out.event.dedup_key).toHaveLength(255);
  });

  it('time conditions use the clock given: low urgency outside weekday office hours', () => {
    const c = service({ sets: [{ id: 'start', rules: [rule('not (now in Mon,Tue,Wed,Thu,Fri 09:00:00 to 17:00:00 Europe/Paris)', { urgency: 'low' })] }] });
    expect(applyServiceRules(c, event, Date.parse('2026-03-02T10:00:00Z')).urgency).toBeUndefined(); // Monday 11:00
    expect(applyServiceRules(c, event, Date.parse('2026-03-02T18:00:00Z')).urgency).toBe('low'); // Monday 19:00
    expect(applyServiceRules(c, event, Date.parse('2026-03-07T10:00:00Z')).urgency).toBe('low'); // Saturday
  });

  it('the unrouted path: severity and extractions, and its catch-all suppresses', () => {
    const b = build('unrouted', { sets: [{ id: 'start', rules: [rule("event.severity matches 'critical'", { extractions: [{ target: 'event.summary', template: '[Critical Unrouted] {{event.summary}}' }] })] }] });
    expect(b.ok).toBe(true);
    if (!b.ok) return;
    expect(b.path.catch_all.actions).toEqual({ suppress: true });
    const c = compileServiceRules(b.path);
    expect(applyServiceRules(c, { ...event, severity: 'critical' }, NOW).event.summary).toBe('[Critical Unrouted] CPU high on web-3');
    expect(applyServiceRules(c, event, NOW).suppress).toBe(true);
  });
});

describe('service rules: cycles and set routing', () => {
  it('refuses a rule set that routes in a cycle, naming the rule that closes it', () => {
    const errors = errorsOf('service', {
      sets: [
        { id: 'start', rules: [rule(null, { route_to: 'a' })] },
        { id: 'a', rules: [rule("event.severity matches 'info'", { route_to: 'b' })] },
        { id: 'b', rules: [rule(null, { route_to: 'a' }, { disabled: true })] },
      ],
    });
    expect(errors).toEqual(['orchestration_path.sets[2].rules[0].actions.route_to: routing to set a closes a cycle (a → b → a); route_to must lead to a set not already on the way']);
  });

  it('refuses routing back to start and to itself', () => {
    expect(errorsOf('service', { sets: [{ id: 'start', rules: [rule(null, { route_to: 'start' })] }] })).toEqual([
      'orchestration_path.sets[0].rules[0].actions.route_to: routing to set start closes a cycle (start → start); route_to must lead to a set not already on the way',
    ]);
    expect(errorsOf('service', { sets: [{ id: 'start', rules: [rule(null, { route_to: 'b' })] }, { id: 'b', rules: [rule(null, { route_to: 'start' })] }] })[0]).toContain('sets[1].rules[0].actions.route_to: routing to set start closes a cycle (start → b → start)');
  });

  it('accepts a diamond (two routes into one set) and sets nobody routes to', () => {
    expect(
      errorsOf('service', {
        sets: [
          { id: 'start', rules: [rule("event.severity matches 'info'", { route_to: 'a' }), rule(null, { route_to: 'b' })] },
          { id: 'a', rules: [rule(null, { route_to: 'c' })] },
          { id: 'b', rules: [rule(null, { route_to: 'c' })] },
          { id: 'c', rules: [] },
          { id: 'island', rules: [] },
        ],
      }),
    ).toEqual([]);
  });

  it('refuses a route to a set that does not exist, and a path without start', () => {
    expect(errorsOf('service', { sets: [{ id: 'start', rules: [rule(null, { route_to: 'nowhere' })] }] })).toEqual(['orchestration_path.sets[0].rules[0].actions.route_to: no set nowhere in this orchestration path']);
    expect(errorsOf('service', { sets: [{ id: 'other', rules: [] }] })).toEqual(['orchestration_path.sets must include the set "start", where evaluation begins']);
  });
});

describe('validation names every field and problem', () => {
  const cases: [string, unknown, string][] = [
    ['not an object', 'rules', 'orchestration_path must be an object'],
    ['unknown path field', { sets: [{ id: 'start', rules: [] }], colour: 'red' }, 'orchestration_path.colour: unknown field'],
    ['empty sets', { sets: [] }, 'orchestration_path.sets must be a non-empty list (with a "start" set)'],
    ['bad set id', { sets: [{ id: 'start', rules: [] }, { id: 'has space', rules: [] }] }, 'orchestration_path.sets[1].id must be 1 to 64 letters, digits, - or _'],
    ['duplicate set', { sets: [{ id: 'start', rules: [] }, { id: 'start', rules: [] }] }, 'orchestration_path.sets[1].id: set start is defined twice'],
    ['unknown set field', { sets: [{ id: 'start', rules: [], name: 'x' }] }, 'orchestration_path.sets[0].name: unknown field'],
    ['rules not a list', { sets: [{ id: 'start', rules: {} }] }, 'orchestration_path.sets[0].rules must be a list'],
    ['unknown rule field', { sets: [{ id: 'start', rules: [{ ...rule(null, {}), when: 'now' }] }] }, 'orchestration_path.sets[0].rules[0].when: unknown field'],
    ['label type', { sets: [{ id: 'start', rules: [{ ...rule(null, {}), label: 5 }] }] }, 'orchestration_path.sets[0].rules[0].label must be a string of at most 255 characters'],
    ['disabled type', { sets: [{ id: 'start', rules: [{ ...rule(null, {}), disabled: 'yes' }] }] }, 'orchestration_path.sets[0].rules[0].disabled must be true or false'],
    ['conditions type', { sets: [{ id: 'start', rules: [{ conditions: 'x', actions: {} }] }] }, 'orchestration_path.sets[0].rules[0].conditions must be a list of {expression}'],
    ['expression type', { sets: [{ id: 'start', rules: [{ conditions: [{ expression: 5 }], actions: {} }] }] }, 'orchestration_path.sets[0].rules[0].conditions[0].expression must be a PCL condition string'],
    ['unknown condition field', { sets: [{ id: 'start', rules: [{ conditions: [{ expression: 'event.class exists', negate: true }], actions: {} }] }] }, 'orchestration_path.sets[0].rules[0].conditions[0].negate: unknown field'],
    ['too many conditions', { sets: [{ id: 'start', rules: [{ conditions: Array.from({ length: 26 }, () => ({ expression: 'event.class exists' })), actions: {} }] }] }, 'orchestration_path.sets[0].rules[0].conditions: at most 25 conditions'],
    ['bad expression in a later rule', { sets: [{ id: 'start', rules: [rule(null, {}), rule(null, {}), rule("event.severity matches 'x' and event.foo exists", {})] }] }, 'orchestration_path.sets[0].rules[2].conditions[0].expression: unknown field event.foo at 32'],
    ['bad regex', { sets: [{ id: 'start', rules: [rule("event.summary matches regex '(\\w+)\\1'", {})] }] }, 'orchestration_path.sets[0].rules[0].conditions[0].expression: invalid regular expression (RE2 syntax: no backreferences, lookahead or lookbehind): invalid escape sequence: `\\1` at 29'],
    ['unknown action', { sets: [{ id: 'start', rules: [rule(null, { page_everyone: true })] }] }, 'orchestration_path.sets[0].rules[0].actions.page_everyone: unknown action'],
    ['severity', { sets: [{ id: 'start', rules: [rule(null, { severity: 'high' })] }] }, 'orchestration_path.sets[0].rules[0].actions.severity must be one of critical, error, warning, info, got "high"'],
    ['urgency', { sets: [{ id: 'start', rules: [rule(null, { urgency: 'medium' })] }] }, 'orchestration_path.sets[0].rules[0].actions.urgency must be high or low, got "medium"'],
    ['suspend', { sets: [{ id: 'start', rules: [rule(null, { suspend: 1.5 })] }] }, 'orchestration_path.sets[0].rules[0].actions.suspend must be a whole number of seconds from 0 to 86400, got 1.5'],
    ['suspend too long', { sets: [{ id: 'start', rules: [rule(null, { suspend: 90000 })] }] }, 'orchestration_path.sets[0].rules[0].actions.suspend must be a whole number of seconds from 0 to 86400, got 90000'],
    ['suppress', { sets: [{ id: 'start', rules: [rule(null, { suppress: 'yes' })] }] }, 'orchestration_path.sets[0].rules[0].actions.suppress must be true or false'],
    ['event_action', { sets: [{ id: 'start', rules: [rule(null, { event_action: 'acknowledge' })] }] }, 'orchestration_path.sets[0].rules[0].actions.event_action must be trigger or resolve, got "acknowledge"'],
    ['priority', { sets: [{ id: 'start', rules: [rule(null, { priority: 5 })] }] }, 'orchestration_path.sets[0].rules[0].actions.priority must be a priority id'],
    ['note template', { sets: [{ id: 'start', rules: [rule(null, { annotate: 'see {{event.nope}}' })] }] }, 'orchestration_path.sets[0].rules[0].actions.annotate: unknown field event.nope at 5'],
    ['note variable', { sets: [{ id: 'start', rules: [rule(null, { annotate: 'host {{variables.host}}' })] }] }, 'orchestration_path.sets[0].rules[0].actions.annotate: unknown variable variables.host at 6 (define it in this rule\'s variables)'],
    ['unclosed template', { sets: [{ id: 'start', rules: [rule(null, { extractions: [{ target: 'event.summary', template: 'x {{event.summary' }] })] }] }, 'orchestration_path.sets[0].rules[0].actions.extractions[0].template: unclosed "{{" at 3'],
    ['extraction target', { sets: [{ id: 'start', rules: [rule(null, { extractions: [{ target: 'event.timestamp', template: 'x' }] })] }] }, 'orchestration_path.sets[0].rules[0].actions.extractions[0].target: event.timestamp cannot be an extraction target'],
    ['extraction severity target', { sets: [{ id: 'start', rules: [rule(null, { extractions: [{ target: 'event.severity', template: 'x' }] })] }] }, 'orchestration_path.sets[0].rules[0].actions.extractions[0].target: event.severity cannot be an extraction target; use the severity action'],
    ['extraction both kinds', { sets: [{ id: 'start', rules: [rule(null, { extractions: [{ target: 'event.summary', template: 'x', source: 'event.source', regex: '.' }] })] }] }, 'orchestration_path.sets[0].rules[0].actions.extractions[0]: give either template, or source and regex'],
    ['extraction regex', { sets: [{ id: 'start', rules: [rule(null, { extractions: [{ target: 'event.summary', source: 'event.source', regex: '(?=x)' }] })] }] }, 'orchestration_path.sets[0].rules[0].actions.extractions[0].regex: invalid regular expression'],
    ['extraction source', { sets: [{ id: 'start', rules: [rule(null, { extractions: [{ target: 'event.summary', source: 'event.sauce', regex: '.' }] })] }] }, 'orchestration_path.sets[0].rules[0].actions.extractions[0].source: unknown field event.sauce'],
    ['variable type', { sets: [{ id: 'start', rules: [rule(null, { variables: [{ name: 'h', path: 'event.source', type: 'jsonpath', value: '.' }] })] }] }, 'orchestration_path.sets[0].rules[0].actions.variables[0].type must be regex (the only kind of variable)'],
    ['variable name', { sets: [{ id: 'start', rules: [rule(null, { variables: [{ name: '1h', path: 'event.source', type: 'regex', value: '.' }] })] }] }, 'orchestration_path.sets[0].rules[0].actions.variables[0].name must be letters, digits and _, not starting with a digit (at most 64)'],
    ['variable path', { sets: [{ id: 'start', rules: [rule(null, { variables: [{ name: 'h', path: 'source', type: 'regex', value: '.' }] })] }] }, 'orchestration_path.sets[0].rules[0].actions.variables[0].path: unknown field source (fields start with event.)'],
    ['PD escalation policy override', { sets: [{ id: 'start', rules: [rule(null, { escalation_policy: 'PXYZ' })] }] }, 'orchestration_path.sets[0].rules[0].actions.escalation_policy: overriding the escalation policy from a rule is not supported by Vigil'],
    ['PD automation actions', { sets: [{ id: 'start', rules: [rule(null, { automation_actions: [{ name: 'x', url: 'https://x' }] })] }] }, 'orchestration_path.sets[0].rules[0].actions.automation_actions: automation actions (webhooks from rules) are not supported by Vigil; use a webhook subscription'],
    ['PD runbook automation', { sets: [{ id: 'start', rules: [rule(null, { pagerduty_automation_actions: [{ action_id: 'x' }] })] }] }, 'orchestration_path.sets[0].rules[0].actions.pagerduty_automation_actions: PagerDuty automation actions are not supported by Vigil'],
    ['PD custom fields', { sets: [{ id: 'start', rules: [rule(null, { incident_custom_field_updates: [{ id: 'x', value: 'y' }] })] }] }, 'orchestration_path.sets[0].rules[0].actions.incident_custom_field_updates: incident custom fields are not supported by Vigil'],
    ['PD cache variables', { sets: [{ id: 'start', rules: [rule('cache_var.n > 5', {})] }] }, 'orchestration_path.sets[0].rules[0].conditions[0].expression: cache_var.n: cache variables are not supported at 1'],
    ['route_to in a service catch-all', { sets: [{ id: 'start', rules: [] }], catch_all: { actions: { route_to: 'start' } } }, 'orchestration_path.catch_all.actions.route_to: not available in a service catch_all'],
    ['unknown catch_all field', { sets: [{ id: 'start', rules: [] }], catch_all: { actions: {}, when: 'x' } }, 'orchestration_path.catch_all.when: unknown field'],
    ['too many rules', { sets: [{ id: 'start', rules: Array.from({ length: 1001 }, () => rule(null, {})) }] }, 'orchestration_path.sets: at most 1000 rules in all, got 1001'],
  ];
  it.each(cases)('%s', (_name, path, message) => {
    const errors = errorsOf('service', path);
    expect(errors.some((e) => e.startsWith(message)), `${JSON.stringify(errors)}\n does not contain ${message}`).toBe(true);
  });

  it('reports every problem at once', () => {
    const errors = errorsOf('service', { sets: [{ id: 'start', rules: [rule("event.foo matches 'x'", { severity: 'huge', urgency: 'soon' }), rule('now in Mon 9 to 5 UTC', {})] }] });
    expect(errors).toHaveLength(4);
  });

  it('accepts what PagerDuty sends back after a read: read-only fields, and empty values of actions Vigil does not implement', () => {
    const b = build('service', {
      type: 'service',
      parent: { id: 'PSVC', type: 'service_reference', self: 'https://api.pagerduty.com/services/PSVC' },
      self: 'https://api.pagerduty.com/event_orchestrations/services/PSVC',
      version: '3',
      created_at: '2026-01-01T00:00:00Z',
      sets: [
        {
          id: 'start',
          rules: [
            {
              id: 'abc',
              label: 'x',
              disabled: false,
              conditions: [],
              actions: { route_to: null, suppress: false, suspend: null, priority: null, annotate: null, severity: null, event_action: null, variables: [], extractions: [], escalation_policy: null, automation_actions: [], pagerduty_automation_actions: [], incident_custom_field_updates: [], dynamic_route_to: null },
            },
          ],
        },
      ],
      catch_all: { actions: { suppress: false, automation_actions: [] } },
    });
    expect(b.ok, b.ok ? '' : b.errors.join('\n')).toBe(true);
    if (!b.ok) return;
    expect(b.path.sets[0]!.rules[0]!.actions).toEqual({ suppress: false, variables: [], extractions: [] });
  });

  it('keeps rule ids it knows (from the version being replaced) and assigns the others', () => {
    const b = buildPath('service', { sets: [{ id: 'start', rules: [{ id: 'keep', actions: {} }, { id: 'made-up', actions: {} }, { id: 'keep', actions: {} }] }] }, { newRuleId: () => 'fresh' + ++seq, knownRuleIds: new Set(['keep']) });
    expect(b.ok && b.path.sets[0]!.rules.map((r) => r.id)).toEqual(['keep', expect.stringMatching(/^fresh/), expect.stringMatching(/^fresh/)]);
  });
});

describe('stored paths compile back to the same behaviour', () => {
  it('compileRouter and compileServiceRules accept what buildPath stored', () => {
    const r = build('router', { sets: [{ id: 'start', rules: [rule("event.component matches 'nginx'", { route_to: 'WEB' })] }] });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const stored = JSON.parse(JSON.stringify(r.path));
    expect(routeEvent(compileRouter(stored), event, NOW).routeTo).toBe('WEB');
    const s = build('service', { sets: [{ id: 'start', rules: [rule(null, { severity: 'info', route_to: 'b' })] }, { id: 'b', rules: [rule(null, { urgency: 'low' })] }] });
    if (!s.ok) throw new Error('invalid');
    const out = applyServiceRules(compileServiceRules(JSON.parse(JSON.stringify(s.path))), event, NOW);
    expect(out).toMatchObject({ severity: 'info', urgency: 'low' });
    expect(out.matched.map((m) => m.rule)).toEqual(s.path.sets.map((set) => set.rules[0]!.id));
  });
});
