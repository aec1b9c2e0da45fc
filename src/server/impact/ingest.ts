/**
 * Validation of `POST /v1/impact` bodies (pure; the clock is passed in). Three forms:
 *
 *   {"routing_key", "count": 12, "interval_start": "…", "interval_seconds": 300, "offered"?, "answered"?}
 *   {"routing_key", "counter": 123456, "at": "…", "offered"?, "answered"?}     (monotonic counters)
 *   {"routing_key", "samples": [ …either of the two above, without routing_key… ]}  (backfill)
 *
 * Every problem is reported with the field it concerns, in the Events API's style
 * ("'samples[3].interval_seconds' must be …"). Counts must be whole numbers ≥ 0; intervals
 * start on a whole minute and last a whole number of minutes; nothing may lie more than
 * MAX_SKEW_MS in the future. Backfill (the past) is allowed.
 */
import { parseTimestamp } from '../lib/timestamp.js';
import { validateRoutingKey } from '../ingest/events-v2/validate.js';

export const MAX_SKEW_MS = 5 * 60_000;
export const MAX_SAMPLES = 10_000;
/** Samples before this are refused as typos (a year 1970 timestamp, say). */
const EARLIEST = Date.UTC(2000, 0, 1);
const MAX_COUNT = 1e12;

export interface IntervalSample {
  readonly kind: 'interval';
  readonly count: number;
  readonly intervalStart: number;
  readonly intervalSeconds: number;
  readonly offered: number | null;
  readonly answered: number | null;
}

export interface CounterSampleIn {
  readonly kind: 'counter';
  readonly counter: number;
  readonly at: number;
  readonly offered: number | null;
  readonly answered: number | null;
}

export type ImpactSample = IntervalSample | CounterSampleIn;

export type ImpactBody = { ok: true; routingKey: string; samples: ImpactSample[] } | { ok: false; errors: string[] };

const MAX_ERRORS = 20;

export function validateImpactBody(body: unknown, now: number): ImpactBody {
  const errors: string[] = [];
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { ok: false, errors: ['body must be a JSON object'] };
  const b = body as Record<string, unknown>;
  const routingKey = validateRoutingKey(b.routing_key, errors);
  const samples: ImpactSample[] = [];
  if (b.samples !== undefined) {
    for (const f of ['count', 'counter', 'interval_start', 'interval_seconds', 'at', 'offered', 'answered']) {
      if (b[f] !== undefined) errors.push(`'${f}' cannot be given next to 'samples'; put it inside each sample`);
    }
    if (!Array.isArray(b.samples)) errors.push("'samples' must be an array");
    else if (b.samples.length === 0) errors.push("'samples' must not be empty");
    else if (b.samples.length > MAX_SAMPLES) errors.push(`'samples' holds ${b.samples.length} samples; at most ${MAX_SAMPLES} per request`);
    else {
      b.samples.forEach((s, i) => {
        if (errors.length >= MAX_ERRORS) return;
        const v = validateSample(s, `samples[${i}].`, now, errors);
        if (v) samples.push(v);
      });
    }
  } else {
    const v = validateSample(b, '', now, errors);
    if (v) samples.push(v);
  }
  if (errors.length > 0 || routingKey === null) return { ok: false, errors: errors.slice(0, MAX_ERRORS) };
  return { ok: true, routingKey, samples };
}

function validateSample(raw: unknown, prefix: string, now: number, errors: string[]): ImpactSample | null {
  const name = (f: string) => `'${prefix}${f}'`;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    errors.push(`'${prefix.replace(/\.$/, '')}' must be an object`);
    return null;
  }
  const s = raw as Record<string, unknown>;
  const before = errors.length;
  const hasCount = s.count !== undefined && s.count !== null;
  const hasCounter = s.counter !== undefined && s.counter !== null;
  if (hasCount && hasCounter) {
    errors.push(`${name('count')} and ${name('counter')} cannot both be given: send a count per interval, or a counter value`);
    return null;
  }
  if (!hasCount && !hasCounter) {
    errors.push(`${name('count')} (with 'interval_start' and 'interval_seconds') or ${name('counter')} (with 'at') is required`);
    return null;
  }
  const offered = wholeNumber(s.offered, name('offered'), errors, true);
  const answered = wholeNumber(s.answered, name('answered'), errors, true);
  if (hasCount) {
    const count = wholeNumber(s.count, name('count'), errors, false);
    const start = instant(s.interval_start, name('interval_start'), errors);
    if (start !== null && start % 60_000 !== 0) errors.push(`${name('interval_start')} must fall on a whole minute (seconds 00)`);
    let seconds: number | null = null;
    const sec = s.interval_seconds;
    if (sec === undefined || sec === null) errors.push(`${name('interval_seconds')} is required with ${name('count')}`);
    else if (typeof sec !== 'number' || !Number.isInteger(sec) || sec <= 0) errors.push(`${name('interval_seconds')} must be a whole number of seconds > 0`);
    else if (sec % 60 !== 0) errors.push(`${name('interval_seconds')} must be a whole number of minutes (a multiple of 60), got ${sec}`);
    else if (sec > 86_400) errors.push(`${name('interval_seconds')} must be at most 86400 (one day)`);
    else seconds = sec;
    if (start !== null && seconds !== null && start + seconds * 1000 > now + MAX_SKEW_MS) {
      errors.push(`${name('interval_start')} + ${name('interval_seconds')} ends in the future (more than ${MAX_SKEW_MS / 60_000} minutes after the server's clock)`);
    }
    if (offered !== null && answered !== null && answered > offered) errors.push(`${name('answered')} must not exceed ${name('offered')}`);
    if (errors.length > before || count === null || start === null || seconds === null) return null;
    return { kind: 'interval', count, intervalStart: start, intervalSeconds: seconds, offered, answered };
  }
  const counter = wholeNumber(s.counter, name('counter'), errors, false);
  const at = instant(s.at, name('at'), errors);
  if (at !== null && at > now + MAX_SKEW_MS) errors.push(`${name('at')} is in the future (more than ${MAX_SKEW_MS / 60_000} minutes after the server's clock)`);
  if (errors.length > before || counter === null || at === null) return null;
  return { kind: 'counter', counter, at, offered, answered };
}

function wholeNumber(v: unknown, field: string, errors: string[], optional: boolean): number | null {
  if (v === undefined || v === null) {
    if (!optional) errors.push(`${field} is required`);
    return null;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) errors.push(`${field} must be a number, got ${JSON.stringify(v)?.slice(0, 40)}`);
  else if (!Number.isInteger(v)) errors.push(`${field} must be a whole number, got ${v}`);
  else if (v < 0) errors.push(`${field} must not be negative, got ${v}`);
  else if (v > MAX_COUNT) errors.push(`${field} is too large (at most ${MAX_COUNT})`);
  else return v;
  return null;
}

function instant(v: unknown, field: string, errors: string[]): number | null {
  if (v === undefined || v === null || v === '') {
    errors.push(`${field} is required`);
    return null;
  }
  const t = typeof v === 'string' ? parseTimestamp(v) : null;
  if (t === null) {
    errors.push(`${field} must be an ISO 8601 date-time, got ${JSON.stringify(v)?.slice(0, 64)}`);
    return null;
  }
  if (t < EARLIEST) {
    errors.push(`${field} is before 2000-01-01`);
    return null;
  }
  return t;
}
