/**
 * One plain sentence for an evaluation (DESIGN §8: an incident "explains itself in one
 * sentence (expected, observed, how unlikely)"; RESEARCH §2.4 "One-line explanation").
 *
 * "How unlikely" is said as a recurrence time: a window of length w with tail probability p
 * is that low by chance about once in w/p of its length, which people grasp better than p.
 */
import { DateTime } from 'luxon';
import type { DetectionWindow, Evaluation, WindowResult } from './detect.js';

export function explain(result: Evaluation): string {
  const name = result.metricName;
  switch (result.mode) {
    case 'learning':
      return (
        `${name} has ${plural(result.cleanWeeks, 'clean week')} of history so far; ` +
        `silent-drop detection starts once ${plural(result.neededWeeks, 'clean week')} are available.`
      );
    case 'insufficient_volume':
      return `${name} is too small to test for silent drops: ${lowerFirst(result.suggestion)}`;
    case 'active': {
      const w = result.worst;
      if (w === null) {
        const reason = result.windows.some((x) => x.ineligibleReason === 'maintenance')
          ? 'a maintenance window covers the recent minutes'
          : result.windows.some((x) => x.ineligibleReason === 'missing_data')
            ? 'some recent minutes have no reported data'
            : result.windows.some((x) => x.ineligibleReason === 'no_baseline')
              ? 'this time of week has no baseline yet'
              : `fewer than ${result.minExpected} are expected in every window`;
        return `${name} cannot be tested for a silent drop right now: ${reason}.`;
      }
      const numbers = `${formatCount(w.observed)} ${windowPhrase(w.minutes)} against ${formatCount(w.expected)} expected`;
      const source = sourcePhrase(w, result.level, result.timeZone);
      const dropped = w.breachWatch || w.drop >= w.minDrop;
      if (dropped) {
        return `${name} dropped to ${numbers}${source}; a drop this large happens by chance ${chancePhrase(w)}.`;
      }
      if (w.observed > w.expected) {
        return `${name} reached ${numbers}${source}, above the usual level (rises never page).`;
      }
      return `${name} stayed at ${numbers}${source}, within the usual range.`;
    }
  }
}

function sourcePhrase(w: WindowResult, level: number, timeZone: string): string {
  if (w.sourceWeeks.length === 0) return '';
  const dates = w.sourceWeeks.map((t) => DateTime.fromMillis(t, { zone: timeZone }).setLocale('en-GB').toFormat('d LLL'));
  const pct = Math.round((level - 1) * 100);
  const scaled = pct === 0 ? '' : `, scaled ${pct > 0 ? '+' : '−'}${Math.abs(pct)}% for the recent level`;
  return ` (median of the weeks of ${list(dates)}${scaled})`;
}

function chancePhrase(w: WindowResult): string {
  if (w.p <= 0) return 'practically never (less than once in a trillion hours)';
  const hours = w.minutes / 60 / w.p;
  if (hours >= 1e12) return 'practically never (less than once in a trillion hours)';
  if (hours < 1.5) return 'about once an hour';
  return `about once in ${roughNumber(hours)} hours`;
}

/** 2 significant digits in words people read aloud: 350, 35,000, 2.4 million, 3 billion. */
export function roughNumber(x: number): string {
  const sig = (v: number) => {
    const digits = Math.floor(Math.log10(v));
    const f = 10 ** Math.max(0, digits - 1);
    return Math.round(v / f) * f;
  };
  const withUnit = (v: number, unit: string) => {
    const r = Number(v.toPrecision(2));
    return `${r.toLocaleString('en-US')} ${unit}`;
  };
  if (x >= 1e9) return withUnit(x / 1e9, 'billion');
  if (x >= 1e6) return withUnit(x / 1e6, 'million');
  return sig(x).toLocaleString('en-US');
}

export function windowPhrase(minutes: number): string {
  if (minutes === 60) return 'in the last hour';
  if (minutes % 60 === 0) return `in the last ${minutes / 60} hours`;
  return `in the last ${minutes} minutes`;
}

/** "12-hour", "15-minute": a window as an adjective. */
export function formatWindow(w: DetectionWindow): string {
  if (w.minutes % 60 === 0) return `${w.minutes / 60}-hour`;
  return `${w.minutes}-minute`;
}

/** Whole numbers from 10 up, one decimal below (expected counts are fractional). */
export function formatCount(x: number): string {
  if (x >= 9.95) return Math.round(x).toLocaleString('en-US');
  return String(Math.round(x * 10) / 10);
}

function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function lowerFirst(s: string): string {
  return s.length === 0 ? s : s[0]!.toLowerCase() + s.slice(1);
}
