import { describe, expect, it } from 'vitest';
import type { RuleEvent } from './event.js';
import { compileCondition, PclError } from './pcl.js';

const AT = Date.parse('2026-03-02T09:00:00Z');

const event: RuleEvent = {
  summary: 'Disk almost full on db-7 (93%)',
  source: 'db-7.prod.example',
  severity: 'warning',
  component: 'postgres',
  group: 'storage',
  class: 'disk',
  custom_details: {
    region: 'eu-west-3',
    disk: { used_pct: 93, free_gb: '12.5', mount: '/var/lib' },
    tags: ['prod', 'db'],
    hosts: [{ name: 'db-7a' }, { name: 'db-7b', role: 'replica' }],
    flag: true,
    nothing: null,
    'odd-key': 'x',
  },
  links: [{ href: 'https://runbooks.example/disk', text: 'Runbook' }, { href: 'https://grafana.example/d/1' }],
  timestamp: Date.parse('2026-03-01T22:30:00Z'),
  dedup_key: 'disk-db-7',
  client: 'Prometheus',
};

const bare: RuleEvent = { summary: 'ping', source: null, severity: 'info', timestamp: AT };

const holds = (expression: string, e: RuleEvent = event, now = AT) => compileCondition(expression)(e, now);

describe('PCL: operators on every field', () => {
  const cases: [string, boolean][] = [
    // matches (equality), case-sensitive
    ["event.summary matches 'Disk almost full on db-7 (93%)'", true],
    ["event.summary matches 'disk almost full on db-7 (93%)'", false],
    ["event.summary matches 'Disk'", false],
    ["event.source matches 'db-7.prod.example'", true],
    ["event.severity matches 'warning'", true],
    ["event.component matches 'postgres'", true],
    ["event.group matches 'storage'", true],
    ["event.class matches 'disk'", true],
    ["event.dedup_key matches 'disk-db-7'", true],
    ["event.client matches 'Prometheus'", true],
    ['event.severity matches "warning"', true],
    // matches part (contains)
    ["event.summary matches part 'almost full'", true],
    ["event.summary matches part 'ALMOST'", false],
    ["event.source matches part '.prod.'", true],
    // starts with (Vigil extension)
    ["event.source starts with 'db-'", true],
    ["event.source starts with 'prod'", false],
    ["event.source does not start with 'prod'", true],
    // regex: RE2, unanchored; (?i) ignores case
    ["event.source matches regex 'db-[0-9]+'", true],
    ["event.source matches regex '^db-[0-9]+\\.prod'", true],
    ["event.source matches regex '^prod'", false],
    ["event.summary matches regex '(?i)DISK ALMOST'", true],
    ["event.summary matches regex '\\d+%'", true],
    ["event.summary does not match regex '\\d+%'", false],
    // negations are exact complements
    ["event.severity does not match 'critical'", true],
    ["event.severity does not match 'warning'", false],
    ["event.summary does not match part 'full'", false],
    ["event.summary does not match part 'empty'", true],
    // exists
    ['event.component exists', true],
    ['event.component does not exist', false],
    ['event.custom_details.region exists', true],
    ['event.custom_details.nothing exists', false],
    ['event.custom_details.nothing does not exist', true],
    ['event.custom_details.missing.deeper exists', false],
    ['event.custom_details exists', true],
    ['event.links exists', true],
    // custom_details paths: nested objects, lists (any element), indexes
    ["event.custom_details.region matches 'eu-west-3'", true],
    ["event.custom_details.disk.mount matches '/var/lib'", true],
    ["event.custom_details.disk.used_pct matches '93'", true],
    ["event.custom_details.tags matches 'db'", true],
    ["event.custom_details.tags[0] matches 'prod'", true],
    ["event.custom_details.tags[0] matches 'db'", false],
    ["event.custom_details.tags does not match 'staging'", true],
    ["event.custom_details.hosts.name matches 'db-7b'", true],
    ["event.custom_details.hosts[1].role matches 'replica'", true],
    ["event.custom_details.hosts.role matches 'replica'", true],
    ["event.custom_details.flag matches 'true'", true],
    ["event.custom_details.odd-key matches 'x'", true],
    ["event.custom_details.disk matches part '\"used_pct\":93'", true],
    ["event.custom_details matches part 'eu-west-3'", true],
    // prototype keys are not fields
    ['event.custom_details.constructor exists', false],
    ['event.custom_details.__proto__ exists', false],
    ['event.custom_details.region.length exists', false],
    // links: text and href, any link
    ["event.links matches 'Runbook'", true],
    ["event.links matches part 'grafana'", true],
    ["event.links.href matches regex 'runbooks\\.example'", true],
    ["event.links.text matches 'Runbook'", true],
    ["event.links[1].href starts with 'https://grafana'", true],
    ["event.links[1].text exists", false],
    // timestamp: ISO text, epoch milliseconds for numbers
    ["event.timestamp matches part '2026-03-01T22:30'", true],
    [`event.timestamp >= ${Date.parse('2026-03-01T22:30:00Z')}`, true],
    [`event.timestamp < ${Date.parse('2026-03-01T22:30:00Z')}`, false],
    // numeric comparisons (Vigil extension): numbers and numeric strings
    ['event.custom_details.disk.used_pct > 90', true],
    ['event.custom_details.disk.used_pct > 93', false],
    ['event.custom_details.disk.used_pct >= 93', true],
    ['event.custom_details.disk.used_pct < 93.5', true],
    ['event.custom_details.disk.used_pct <= 92', false],
    ['event.custom_details.disk.used_pct == 93', true],
    ['event.custom_details.disk.used_pct != 93', false],
    ['event.custom_details.disk.free_gb < 20', true],
    ['event.custom_details.disk.free_gb == 12.5', true],
    ['event.custom_details.disk.used_pct>90', true],
    ['event.custom_details.disk.used_pct > -1', true],
    ['event.custom_details.disk.used_pct > 9e1', true],
    // non-numeric and missing values compare false, != included
    ['event.custom_details.region > 1', false],
    ['event.custom_details.region != 1', false],
    ['event.custom_details.missing != 1', false],
    ['event.summary == 5', false],
    // and / or / not / parentheses
    ["event.severity matches 'warning' and event.component matches 'postgres'", true],
    ["event.severity matches 'warning' and event.component matches 'mysql'", false],
    ["event.severity matches 'critical' or event.component matches 'postgres'", true],
    ["event.severity matches 'critical' or event.component matches 'mysql'", false],
    ["event.severity matches 'critical' or event.severity matches 'error' or event.severity matches 'warning'", true],
    ["not event.severity matches 'info'", true],
    ["not (event.severity matches 'warning' or event.severity matches 'info')", false],
    ["event.source exists and not (event.severity matches 'info' or event.severity matches 'warning')", false],
    ["(event.component matches 'postgres' and event.severity matches 'critical') or (event.source matches part 'db' and event.class matches 'disk')", true],
    // and binds tighter than or
    ["event.severity matches 'critical' and event.class matches 'x' or event.class matches 'disk'", true],
    ["event.class matches 'disk' or event.severity matches 'critical' and event.class matches 'x'", true],
    ["(event.class matches 'disk' or event.severity matches 'critical') and event.class matches 'x'", false],
  ];
  it.each(cases)('%s → %s', (expression, expected) => {
    expect(holds(expression)).toBe(expected);
  });
});

describe('PCL: missing fields', () => {
  const cases: [string, boolean][] = [
    ["event.component matches 'x'", false],
    ["event.component does not match 'x'", true],
    ["event.component matches part ''", false],
    ["event.component matches regex '.*'", false],
    ["event.source matches regex '.*'", false],
    ['event.source exists', false],
    ['event.source does not exist', true],
    ['event.custom_details.region exists', false],
    ["event.custom_details.region does not match 'eu'", true],
    ['event.custom_details.cpu > 0', false],
    ['event.custom_details.cpu < 0', false],
    ['event.links exists', false],
    ["event.links matches part 'x'", false],
    ['event.dedup_key exists', false],
    ['event.client does not exist', true],
  ];
  it.each(cases)('%s → %s', (expression, expected) => {
    expect(holds(expression, bare)).toBe(expected);
  });

  it('custom_details that is not an object has no keys, but the whole value still reads', () => {
    const e: RuleEvent = { ...bare, custom_details: 'free text details' };
    expect(holds('event.custom_details.region exists', e)).toBe(false);
    expect(holds("event.custom_details matches part 'free text'", e)).toBe(true);
  });
});

describe('PCL: time windows in a zone, across daylight saving time', () => {
  const weekdays = (zone: string) => `now in Mon,Tue,Wed,Thu,Fri 09:00:00 to 17:00:00 ${zone}`;
  const cases: [string, string, boolean][] = [
    // Europe/Paris: CET (UTC+1) until Sunday 2026-03-29 01:00Z, CEST (UTC+2) after.
    [weekdays('Europe/Paris'), '2026-03-27T08:00:00Z', true], // Fri 09:00 CET
    [weekdays('Europe/Paris'), '2026-03-27T07:59:59Z', false], // Fri 08:59:59
    [weekdays('Europe/Paris'), '2026-03-27T16:00:00Z', true], // Fri 17:00:00, the end is inclusive
    [weekdays('Europe/Paris'), '2026-03-27T16:00:01Z', false],
    [weekdays('Europe/Paris'), '2026-03-28T10:00:00Z', false], // Saturday
    [weekdays('Europe/Paris'), '2026-03-30T07:00:00Z', true], // Mon 09:00 CEST
    [weekdays('Europe/Paris'), '2026-03-30T06:59:59Z', false], // Mon 08:59:59 CEST (09:59 would have been CET)
    [weekdays('Europe/Paris'), '2026-03-30T15:00:00Z', true], // Mon 17:00 CEST
    [weekdays('Europe/Paris'), '2026-03-30T15:30:00Z', false],
    // ...and back to CET on Sunday 2026-10-25 01:00Z.
    [weekdays('Europe/Paris'), '2026-10-23T07:00:00Z', true], // Fri 09:00 CEST
    [weekdays('Europe/Paris'), '2026-10-26T07:00:00Z', false], // Mon 08:00 CET
    [weekdays('Europe/Paris'), '2026-10-26T08:00:00Z', true], // Mon 09:00 CET
    [weekdays('Europe/Paris'), '2026-10-26T16:00:00Z', true], // Mon 17:00 CET
    [weekdays('Europe/Paris'), '2026-10-26T16:00:01Z', false],
    // America/New_York: EST (UTC−5) until Sunday 2026-03-08 07:00Z, EDT (UTC−4) until 2026-11-01 06:00Z.
    [weekdays('America/New_York'), '2026-03-06T14:00:00Z', true], // Fri 09:00 EST
    [weekdays('America/New_York'), '2026-03-06T13:59:59Z', false],
    [weekdays('America/New_York'), '2026-03-09T13:00:00Z', true], // Mon 09:00 EDT
    [weekdays('America/New_York'), '2026-03-09T12:59:59Z', false],
    [weekdays('America/New_York'), '2026-03-09T21:00:00Z', true], // Mon 17:00 EDT
    [weekdays('America/New_York'), '2026-03-09T21:00:01Z', false],
    [weekdays('America/New_York'), '2026-10-30T13:00:00Z', true], // Fri 09:00 EDT
    [weekdays('America/New_York'), '2026-11-02T13:00:00Z', false], // Mon 08:00 EST
    [weekdays('America/New_York'), '2026-11-02T14:00:00Z', true], // Mon 09:00 EST
    [weekdays('America/New_York'), '2026-11-02T22:00:00Z', true], // Mon 17:00 EST
    // A window that runs overnight belongs to the day it starts on.
    ['now in Fri 22:00:00 to 06:00:00 Europe/Paris', '2026-01-02T21:00:00Z', true], // Fri 22:00 CET
    ['now in Fri 22:00:00 to 06:00:00 Europe/Paris', '2026-01-03T04:59:00Z', true], // Sat 05:59
    ['now in Fri 22:00:00 to 06:00:00 Europe/Paris', '2026-01-03T05:01:00Z', false], // Sat 06:01
    ['now in Fri 22:00:00 to 06:00:00 Europe/Paris', '2026-01-02T04:00:00Z', false], // Fri 05:00: Thursday's night, not listed
    ['now in Fri 22:00:00 to 06:00:00 Europe/Paris', '2026-01-01T21:30:00Z', false], // Thu 22:30
    ['now in Sat,Sun 00:00:00 to 23:59:59 UTC', '2026-03-01T23:59:59Z', true],
    ['now in Sat,Sun 00:00:00 to 23:59:59 UTC', '2026-03-02T00:00:00Z', false],
    ['now in mon 09:00:00 to 17:00:00 UTC', '2026-03-02T12:00:00Z', true],
    ["not (now in Mon,Tue,Wed,Thu,Fri 09:00:00 to 17:00:00 Europe/Paris) and event.severity matches 'warning'", '2026-03-28T10:00:00Z', true],
  ];
  it.each(cases)('%s at %s → %s', (expression, at, expected) => {
    expect(holds(expression, event, Date.parse(at))).toBe(expected);
  });

  it('uses the clock it is given, and the event timestamp when asked (Vigil extension)', () => {
    const c = compileCondition('event.timestamp in Sun 23:00:00 to 23:59:59 Europe/Paris');
    // The event's timestamp is Sunday 2026-03-01 22:30Z = 23:30 CET, whatever the evaluation clock says.
    expect(c(event, Date.parse('2026-03-04T12:00:00Z'))).toBe(true);
    expect(c({ ...event, timestamp: Date.parse('2026-03-01T21:30:00Z') }, Date.parse('2026-03-01T22:30:00Z'))).toBe(false);
  });

  function minutesIn(expression: string, fromIso: string, hours: number): number {
    const c = compileCondition(expression);
    let n = 0;
    for (let t = Date.parse(fromIso); t < Date.parse(fromIso) + hours * 3_600_000; t += 60_000) if (c(event, t)) n++;
    return n;
  }

  it('an hour skipped when clocks go forward never happens; an hour repeated when they go back happens twice', () => {
    expect(minutesIn('now in Sun 02:00:00 to 02:59:59 Europe/Paris', '2026-03-28T22:00:00Z', 24)).toBe(0);
    expect(minutesIn('now in Sun 02:00:00 to 02:59:59 Europe/Paris', '2026-10-24T22:00:00Z', 24)).toBe(120);
    expect(minutesIn('now in Sun 02:00:00 to 02:59:59 America/New_York', '2026-03-08T00:00:00Z', 24)).toBe(0);
    expect(minutesIn('now in Sun 01:00:00 to 01:59:59 America/New_York', '2026-11-01T00:00:00Z', 24)).toBe(120);
    // A whole local day is 23 hours in spring and 25 in autumn.
    expect(minutesIn('now in Sun 00:00:00 to 23:59:59 Europe/Paris', '2026-03-28T12:00:00Z', 48)).toBe(23 * 60);
    expect(minutesIn('now in Sun 00:00:00 to 23:59:59 Europe/Paris', '2026-10-24T12:00:00Z', 48)).toBe(25 * 60);
  });
});

describe('PCL: errors name the position and the problem', () => {
  const cases: [string, string][] = [
    ["event.foo matches 'x'", 'unknown field event.foo at 1'],
    ["not (event.foo matches 'x')", 'unknown field event.foo at 6'],
    ["summary matches 'x'", 'unknown field summary (fields start with event.) at 1'],
    ["event.summary matchez 'x'", 'unknown operator "matchez" after event.summary'],
    ['event.summary matches', 'expected a quoted string after event.summary matches, got the end of the condition at 22'],
    ["event.summary matches 'x", 'unterminated string at 23'],
    ["event.summary matches part 'x' and", 'expected a condition (event.<field> … or now in …), got the end of the condition at 35'],
    ["(event.summary matches 'x'", 'expected ")" to close the "(" at 1, got the end of the condition at 27'],
    ["event.summary matches 'x' event.source exists", 'expected "and", "or" or the end of the condition, got "event.source" at 27'],
    ["event.summary = 'x'", 'unexpected "=" (comparisons are ==, !=, >, >=, <, <=) at 15'],
    ["event.custom_details.cpu > 'high'", "expected a number after >, got the string 'high' (compare text with matches) at 28"],
    ['event.custom_details.cpu > high', 'expected a number after >, got "high"'],
    ["event.summary does match 'x'", 'expected "not" after "does", got "match" at 20'],
    ["event.summary does not equal 'x'", 'expected match, match part, match regex, exist or start with after "does not", got "equal" at 24'],
    ["event.summary in Mon 09:00:00 to 17:00:00 UTC", '"in" applies to now and event.timestamp only at 15'],
    ['raw_event.foo exists', 'raw_event fields are not supported'],
    ["event.event_action matches 'resolve'", 'event.event_action: conditions cannot read the event action'],
    ['event.images exists', 'unknown field event.images at 1'],
    ['cache_var.count > 5', 'cache variables are not supported'],
    ['event.summary.length > 5', 'event.summary has no fields'],
    ["event.links.url matches 'x'", 'a link has href and text'],
    ["event.custom_details..x matches 'x'", 'malformed field path event.custom_details..x at 1'],
    ['now in Mon 09:00 to 17:00:00 UTC', 'expected a time HH:MM:SS after the days, got "09:00" at 12'],
    ['now in Mon 09:00:00 to 25:00:00 UTC', 'expected a time HH:MM:SS after "to", got "25:00:00" at 24'],
    ['now in Mon 09:00:00 until 17:00:00 UTC', 'expected "to" after the start time, got "until" at 21'],
    ['now in Mon 09:00:00 to 17:00:00 Mars/Olympus_Mons', 'unknown time zone Mars/Olympus_Mons at 33'],
    ['now in Mon 09:00:00 to 17:00:00', 'expected a time zone (e.g. Europe/Paris), got the end of the condition at 32'],
    ['now in Funday 09:00:00 to 17:00:00 UTC', 'expected a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun), got "Funday" at 8'],
    ['now in Mon, 09:00:00 to 17:00:00 UTC', 'expected a day'],
    ['now in Mon 09:00:00 to 09:00:00 UTC', 'the window is empty: start and end times are equal at 24'],
    ['now Mon 09:00:00 to 17:00:00 UTC', 'expected "in" after "now", got "Mon" at 5'],
    ['', 'the expression is empty at 1'],
    ['   ', 'the expression is empty at 1'],
    // Regexes RE2 cannot run in linear time are refused, with the position of the pattern.
    ["event.summary matches regex '(a)\\1'", 'invalid regular expression (RE2 syntax: no backreferences, lookahead or lookbehind): invalid escape sequence: `\\1` at 29'],
    ["event.summary matches regex '(?=a)b'", 'invalid or unsupported Perl syntax: `(?=` at 29'],
    ["event.summary matches regex '(?<!a)b'", 'invalid regular expression'],
    ["event.summary matches regex '(?<=a)b'", 'invalid regular expression'],
    ["event.summary matches regex 'a{2,1}'", 'invalid regular expression'],
    ["event.summary matches regex '(unclosed'", 'missing closing ): `(unclosed` at 29'],
  ];
  it.each(cases)('%s', (expression, message) => {
    let err: unknown;
    try {
      compileCondition(expression);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PclError);
    expect((err as PclError).message).toContain(message);
  });

  it('refuses more than 64 and/or operators, nesting deeper than 32, and expressions over 2048 characters', () => {
    const ors = Array.from({ length: 66 }, (_, i) => `event.class matches '${i}'`).join(' or ');
    expect(() => compileCondition(ors)).toThrow(/more than 64 and\/or operators at \d+/);
    expect(() => compileCondition(Array.from({ length: 65 }, (_, i) => `event.class matches '${i}'`).join(' or '))).not.toThrow();
    expect(() => compileCondition('('.repeat(40) + "event.class matches 'x'" + ')'.repeat(40))).toThrow(/nested more than 32 levels deep at 33/);
    expect(() => compileCondition('not '.repeat(40) + 'event.class exists')).toThrow(/nested more than 32 levels deep/);
    expect(() => compileCondition(`event.summary matches '${'x'.repeat(2100)}'`)).toThrow(/longer than 2048 characters/);
  });
});

describe('PCL: strings and escapes', () => {
  it('unescapes \\\\ and the quote; keeps other backslashes, so a regex may be written either way', () => {
    const e: RuleEvent = { ...bare, summary: "it's 5\\6 done" };
    expect(holds("event.summary matches 'it\\'s 5\\\\6 done'", e)).toBe(true);
    expect(holds('event.summary matches "it\'s 5\\\\6 done"', e)).toBe(true);
    expect(holds("event.summary matches regex '\\d\\\\\\\\\\d'", e)).toBe(true);
    expect(holds("event.summary matches regex '\\\\d\\\\\\\\\\\\d'", e)).toBe(true);
  });
});

describe('PCL: a hostile regular expression cannot stall evaluation', () => {
  it('(a+)+$ against 50,000 a then ! runs in well under 100 ms (RE2 is linear)', () => {
    const c = compileCondition("event.custom_details.body matches regex '(a+)+$' or event.summary matches regex '(x+x+)+y'");
    const body = 'a'.repeat(50_000) + '!';
    const e: RuleEvent = { ...bare, summary: 'x'.repeat(50_000), custom_details: { body } };
    c(e, AT); // first run builds the DFA's states
    const started = performance.now();
    const result = c(e, AT);
    const ms = performance.now() - started;
    expect(result).toBe(false);
    expect(ms).toBeLessThan(100);
  });
});
