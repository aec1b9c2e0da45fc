import { IANAZone } from 'luxon';

/**
 * Schedules as pure data (DESIGN §3): the final schedule is computed from
 * these, never stored. Instants are epoch milliseconds; intervals are
 * half-open [start, end).
 */
export interface Schedule {
  /** IANA zone in which handoffs and restrictions are read. */
  timeZone: string;
  /** Ordered: where two layers both cover an instant, the LATER one wins. */
  layers: Layer[];
  /** Win over every layer; where overrides overlap, the later one in the array wins. */
  overrides: Override[];
}

export interface Layer {
  id: string;
  /** The layer applies from here... */
  start: number;
  /** ...until here (exclusive); null or absent means forever. */
  end?: number | null;
  /**
   * A handoff instant: users[0]'s turn starts here. For 'days' and 'weeks'
   * every handoff is at this same local wall-clock time in the schedule's zone.
   */
  rotationVirtualStart: number;
  turnLength: TurnLength;
  /** Rotation order; empty means the layer covers nothing. */
  users: string[];
  /** When non-empty, the layer covers only the union of these windows. */
  restrictions: Restriction[];
  /**
   * An open-shift layer (volunteers): its turns are slots nobody holds
   * until someone claims them. Its users must be empty, so it covers nothing
   * here; a claim is stored as an override (volunteer/open-shifts.ts).
   */
  open?: boolean;
}

export type TurnUnit = 'hours' | 'days' | 'weeks';

export interface TurnLength {
  unit: TurnUnit;
  count: number;
}

/**
 * PagerDuty-style restriction windows, read in the schedule's zone. A window
 * may cross midnight (22:00:00 for 36000 s ends 08:00 next day). The end is a
 * wall-clock time too, so "22:00 for 10 h" ends at 08:00 even on a DST night.
 */
export type Restriction = DailyRestriction | WeeklyRestriction;

export interface DailyRestriction {
  type: 'daily_restriction';
  /** 'HH:MM:SS', 24-hour local time. */
  startTimeOfDay: string;
  /** 1 s to 1 day. */
  durationSeconds: number;
}

export interface WeeklyRestriction {
  type: 'weekly_restriction';
  /** ISO weekday: Monday = 1 … Sunday = 7. */
  startDayOfWeek: number;
  startTimeOfDay: string;
  /** 1 s to 1 week. */
  durationSeconds: number;
}

export interface Override {
  id: string;
  userId: string;
  start: number;
  end: number;
}

export interface TimeRange {
  since: number;
  until: number;
}

/** One turn of one layer, clipped to the range and to restriction windows. */
export interface LayerEntry {
  start: number;
  end: number;
  userId: string;
  /** Turn index k: userId is users[k mod n]; negative before rotationVirtualStart. */
  turn: number;
}

/** A piece of the final schedule; userId null is a coverage GAP. */
export interface FinalEntry {
  start: number;
  end: number;
  userId: string | null;
}

export interface OnCallShift {
  userId: string;
  start: number;
  end: number;
}

export interface ValidationIssue {
  /** Path into the input, e.g. `layers[0].turnLength.count`. */
  field: string;
  message: string;
}

export const SECONDS_PER_DAY = 86_400;
export const SECONDS_PER_WEEK = 7 * SECONDS_PER_DAY;
/** Keeps every handoff computation within exact float range. */
export const MAX_TURN_COUNT = 10_000;
/** The range of a JS Date. */
const MAX_INSTANT = 8.64e15;

const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d):([0-5]\d)$/;

/** Seconds after local midnight, or null when not 'HH:MM:SS'. */
export function parseTimeOfDay(text: string): number | null {
  const m = TIME_OF_DAY.exec(text);
  if (!m) return null;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

/**
 * Every problem with an untrusted schedule, each naming its field; empty when
 * valid. The render functions assume a valid schedule.
 */
export function validateSchedule(input: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const add = (field: string, message: string) => issues.push({ field, message });
  if (!isRecord(input)) {
    add('', 'must be an object');
    return issues;
  }

  if (typeof input.timeZone !== 'string' || !IANAZone.isValidZone(input.timeZone)) {
    add('timeZone', 'must be a known IANA time zone such as "Europe/Berlin"');
  }

  if (!Array.isArray(input.layers)) add('layers', 'must be an array');
  else {
    checkUniqueIds(input.layers, 'layers', add);
    input.layers.forEach((layer, i) => validateLayer(layer, `layers[${i}]`, add));
  }

  if (!Array.isArray(input.overrides)) add('overrides', 'must be an array');
  else {
    checkUniqueIds(input.overrides, 'overrides', add);
    input.overrides.forEach((o, i) => validateOverride(o, `overrides[${i}]`, add));
  }
  return issues;
}

type Add = (field: string, message: string) => void;

function validateLayer(layer: unknown, path: string, add: Add): void {
  if (!isRecord(layer)) return add(path, 'must be an object');
  checkId(layer.id, `${path}.id`, add);
  const startOk = checkInstant(layer.start, `${path}.start`, add);
  if (layer.end !== undefined && layer.end !== null) {
    const endOk = checkInstant(layer.end, `${path}.end`, add);
    if (startOk && endOk && (layer.end as number) <= (layer.start as number)) {
      add(`${path}.end`, 'must be after start');
    }
  }
  checkInstant(layer.rotationVirtualStart, `${path}.rotationVirtualStart`, add);

  const turn = layer.turnLength;
  if (!isRecord(turn)) add(`${path}.turnLength`, 'must be an object');
  else {
    if (turn.unit !== 'hours' && turn.unit !== 'days' && turn.unit !== 'weeks') {
      add(`${path}.turnLength.unit`, 'must be "hours", "days" or "weeks"');
    }
    if (!Number.isInteger(turn.count) || (turn.count as number) < 1 || (turn.count as number) > MAX_TURN_COUNT) {
      add(`${path}.turnLength.count`, `must be an integer from 1 to ${MAX_TURN_COUNT}`);
    }
  }

  if (!Array.isArray(layer.users)) add(`${path}.users`, 'must be an array');
  else {
    layer.users.forEach((u, i) => checkId(u, `${path}.users[${i}]`, add));
    if (layer.open === true && layer.users.length > 0) add(`${path}.users`, 'must be empty in an open-shift layer (its turns are claimed by volunteers)');
  }
  if (layer.open !== undefined && typeof layer.open !== 'boolean') add(`${path}.open`, 'must be a boolean');

  if (!Array.isArray(layer.restrictions)) add(`${path}.restrictions`, 'must be an array');
  else {
    layer.restrictions.forEach((r, i) => validateRestriction(r, `${path}.restrictions[${i}]`, add));
  }
}

function validateRestriction(r: unknown, path: string, add: Add): void {
  if (!isRecord(r)) return add(path, 'must be an object');
  let maxSeconds: number;
  if (r.type === 'daily_restriction') maxSeconds = SECONDS_PER_DAY;
  else if (r.type === 'weekly_restriction') {
    maxSeconds = SECONDS_PER_WEEK;
    if (!Number.isInteger(r.startDayOfWeek) || (r.startDayOfWeek as number) < 1 || (r.startDayOfWeek as number) > 7) {
      add(`${path}.startDayOfWeek`, 'must be an ISO weekday from 1 (Monday) to 7 (Sunday)');
    }
  } else {
    return add(`${path}.type`, 'must be "daily_restriction" or "weekly_restriction"');
  }
  if (typeof r.startTimeOfDay !== 'string' || parseTimeOfDay(r.startTimeOfDay) === null) {
    add(`${path}.startTimeOfDay`, 'must be a 24-hour time "HH:MM:SS"');
  }
  const d = r.durationSeconds;
  if (!Number.isInteger(d) || (d as number) < 1 || (d as number) > maxSeconds) {
    add(`${path}.durationSeconds`, `must be an integer from 1 to ${maxSeconds}`);
  }
}

function validateOverride(o: unknown, path: string, add: Add): void {
  if (!isRecord(o)) return add(path, 'must be an object');
  checkId(o.id, `${path}.id`, add);
  checkId(o.userId, `${path}.userId`, add);
  const startOk = checkInstant(o.start, `${path}.start`, add);
  const endOk = checkInstant(o.end, `${path}.end`, add);
  if (startOk && endOk && (o.end as number) <= (o.start as number)) add(`${path}.end`, 'must be after start');
}

function checkId(value: unknown, field: string, add: Add): void {
  if (typeof value !== 'string' || value.length === 0) add(field, 'must be a non-empty string');
}

function checkInstant(value: unknown, field: string, add: Add): boolean {
  if (Number.isSafeInteger(value) && Math.abs(value as number) <= MAX_INSTANT) return true;
  add(field, 'must be an instant in epoch milliseconds (an integer)');
  return false;
}

function checkUniqueIds(items: unknown[], path: string, add: Add): void {
  const seen = new Set<unknown>();
  items.forEach((item, i) => {
    if (!isRecord(item) || typeof item.id !== 'string') return;
    if (seen.has(item.id)) add(`${path}[${i}].id`, `duplicates the id "${item.id}"`);
    seen.add(item.id);
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
