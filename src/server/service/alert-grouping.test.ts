import { describe, expect, it } from 'vitest';
import { chooseIncident, fieldValue, groupTarget, groupUntil, openGroupOf, parseGrouping, type AlertGrouping, type GroupedEvent } from './alert-grouping.js';

const ev = (source: string | null, details: Record<string, unknown> = {}, summary = 'Chat queue not answering'): GroupedEvent => ({ summary, source, severity: 'critical', details });
const MIN = 60_000;

describe('parseGrouping: PagerDuty’s alert_grouping_parameters', () => {
  const ok: [unknown, AlertGrouping][] = [
    [null, { type: null }],
    [{ type: null }, { type: null }],
    [{ type: 'time', config: { timeout: 0 } }, { type: 'time', config: { timeout: 0 } }],
    [{ type: 'time', config: { timeout: 2 } }, { type: 'time', config: { timeout: 2 } }],
    [{ type: 'content_based', config: { aggregate: 'all', fields: ['source', 'custom_details.region'], time_window: 300 } }, { type: 'content_based', config: { aggregate: 'all', fields: ['source', 'custom_details.region'], time_window: 300 } }],
    [{ type: 'content_based', config: { aggregate: 'any', fields: ['component'], time_window: 0 } }, { type: 'content_based', config: { aggregate: 'any', fields: ['component'], time_window: 0 } }],
  ];
  for (const [input, value] of ok) it(`accepts ${JSON.stringify(input)}`, () => expect(parseGrouping(input, 'g')).toEqual({ value, errors: [] }));

  const bad: [unknown, RegExp][] = [
    [{ type: 'time', config: { timeout: 1441 } }, /g\.config\.timeout must be an integer number of minutes/],
    [{ type: 'time', config: { timeout: 5, window: 3 } }, /g\.config\.window is not a field of time grouping/],
    [{ type: 'content_based', config: { aggregate: 'some', fields: ['source'] } }, /g\.config\.aggregate must be "all" or "any"/],
    [{ type: 'content_based', config: { aggregate: 'all', fields: [] } }, /g\.config\.fields must list at least one field/],
    [{ type: 'content_based', config: { aggregate: 'all', fields: ['hostname'] } }, /g\.config\.fields\[0\] must be one of summary, source/],
    [{ type: 'content_based', config: { aggregate: 'all', fields: ['source'], time_window: 60 } }, /g\.config\.time_window must be a number of seconds from 300/],
    [{ type: 'intelligent' }, /"intelligent" is not available/],
    [{ type: 'magic' }, /g\.type must be null, "time" or "content_based"/],
    [{ type: 'time', config: { timeout: 1 }, extra: 1 }, /g\.extra is not a field/],
    [[1], /g must be an object/],
  ];
  for (const [input, message] of bad) it(`refuses ${JSON.stringify(input)}`, () => expect(parseGrouping(input, 'g').errors.join('; ')).toMatch(message));
});

describe('which incident a new alert joins', () => {
  const time0: AlertGrouping = { type: 'time', config: { timeout: 0 } };
  const time10: AlertGrouping = { type: 'time', config: { timeout: 10 } };
  const bySourceAll: AlertGrouping = { type: 'content_based', config: { aggregate: 'all', fields: ['source', 'custom_details.region'], time_window: 600 } };
  const byAny: AlertGrouping = { type: 'content_based', config: { aggregate: 'any', fields: ['source', 'component'], time_window: 600 } };

  it('no grouping: always an incident of its own', () => expect(groupTarget({ type: null }, ev('gw-1'))).toBeNull());

  it('time: one group per service; the window closes timeout minutes after the incident opened (0: never)', () => {
    expect(groupTarget(time0, ev('a'))).toEqual(groupTarget(time10, ev('b')));
    expect(groupUntil(time0, 0, 5 * MIN)).toBeNull();
    expect(groupUntil(time10, 0, 5 * MIN)).toBe(10 * MIN);
    const open = { id: 'i1', group_until: 10 * MIN, group_fields: null };
    expect(chooseIncident(time10, groupTarget(time10, ev('a'))!, [open], 9 * MIN).join).toBe(open);
    const later = chooseIncident(time10, groupTarget(time10, ev('a'))!, [open], 10 * MIN);
    expect(later).toEqual({ join: null, expired: [open] });
  });

  it('content, all: same values share a key; any difference is another group', () => {
    const a = groupTarget(bySourceAll, ev('gw-1', { custom_details: { region: 'eu' } }))!;
    const b = groupTarget(bySourceAll, ev('gw-1', { custom_details: { region: 'eu' } }, 'another summary'))!;
    const c = groupTarget(bySourceAll, ev('gw-1', { custom_details: { region: 'us' } }))!;
    expect(a.key).toBe(b.key);
    expect(a.key).not.toBe(c.key);
    expect(a.prefix).toBe(false);
    expect(a.fields).toEqual({ source: 'gw-1', 'custom_details.region': 'eu' });
  });

  it('content: the window rolls from the last alert it took', () => {
    expect(groupUntil(bySourceAll, 0, 7 * MIN)).toBe(17 * MIN);
  });

  it('content, any: one key per incident under a prefix; joins the incident sharing a non-empty value', () => {
    const t = groupTarget(byAny, ev('gw-2', { component: 'sms' }))!;
    expect(t.prefix).toBe(true);
    expect(openGroupOf(t, 'INC1')).toBe('any:INC1');
    const sms = { id: 'i1', group_until: 20 * MIN, group_fields: JSON.stringify({ source: 'gw-1', component: 'sms' }) };
    const chat = { id: 'i2', group_until: 20 * MIN, group_fields: JSON.stringify({ source: 'gw-9', component: 'chat' }) };
    expect(chooseIncident(byAny, t, [chat, sms], MIN).join).toBe(sms);
    const nothingShared = groupTarget(byAny, ev('gw-3', { component: 'voice' }))!;
    expect(chooseIncident(byAny, nothingShared, [chat, sms], MIN).join).toBeNull();
    // An absent field never matches an absent field.
    const empty = groupTarget(byAny, ev(null))!;
    expect(chooseIncident(byAny, empty, [{ id: 'i3', group_until: null, group_fields: JSON.stringify({ source: null, component: null }) }], MIN).join).toBeNull();
  });

  it('reads PagerDuty’s fields: component, group and class from the payload, custom_details by path', () => {
    const e = ev('gw', { component: 'sms', group: 'prod', class: 'queue', custom_details: { site: { city: 'Lyon' }, n: 3 } });
    expect(['component', 'group', 'class', 'custom_details.site.city', 'custom_details.n', 'custom_details.missing', 'summary'].map((f) => fieldValue(e, f))).toEqual(['sms', 'prod', 'queue', 'Lyon', '3', null, 'Chat queue not answering']);
  });
});
