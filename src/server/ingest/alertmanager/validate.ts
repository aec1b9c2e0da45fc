/**
 * Alertmanager's webhook payload (`version: "4"`, BRIEF.md §8), pure. Each alert
 * becomes a trigger or a resolve keyed by its fingerprint.
 */
import { createHash } from 'node:crypto';
import { SEVERITIES } from '../../incident/incident.js';
import { MAX_DEPTH, nestsDeeperThan, type Validated } from '../events-v2/validate.js';

export interface AmAlert {
  action: 'trigger' | 'resolve';
  dedupKey: string;
  summary: string;
  severity: string;
  source: string | null;
  details: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const MAX_ALERTS = 1000;

function stringMap(v: unknown, path: string, errors: string[]): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) {
    errors.push(`'${path}' must be an object of strings`);
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string') errors.push(`'${path}.${k}' must be a string`);
    else if (val.includes('\u0000') || k.includes('\u0000')) errors.push(`'${path}.${k}' must not contain NUL characters`);
    else out[k] = val;
  }
  return out;
}

/** Alertmanager's fingerprint when a sender omits it: a stable hash of the sorted label set. */
export function labelFingerprint(labels: Record<string, string>): string {
  const canon = Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join('\u0000');
  return createHash('sha256').update(canon).digest('hex').slice(0, 16);
}

function severityOf(labels: Record<string, string>): string {
  const s = (labels.severity ?? '').toLowerCase();
  if ((SEVERITIES as readonly string[]).includes(s)) return s;
  if (s === 'page' || s === 'high') return 'critical';
  if (s === 'warn') return 'warning';
  if (s === 'none' || s === 'low' || s === 'informational') return 'info';
  return 'error';
}

export function validateAlertmanager(body: unknown): Validated<{ alerts: AmAlert[]; groupKey: string | null }> {
  if (!isObject(body)) return { ok: false, errors: ['payload must be a JSON object'] };
  if (nestsDeeperThan(body, MAX_DEPTH)) return { ok: false, errors: [`payload is nested more than ${MAX_DEPTH} levels deep`] };
  const errors: string[] = [];
  if (body.version !== '4') errors.push(`'version' must be "4" (Alertmanager webhook payload version), got ${JSON.stringify(body.version ?? null)}`);
  if (!Array.isArray(body.alerts)) errors.push("'alerts' must be an array");
  const raw = Array.isArray(body.alerts) ? body.alerts : [];
  if (raw.length > MAX_ALERTS) errors.push(`'alerts' has too many items (maximum is ${MAX_ALERTS})`);
  const commonAnnotations = isObject(body.commonAnnotations) ? body.commonAnnotations : {};
  const alerts: AmAlert[] = [];
  raw.slice(0, MAX_ALERTS).forEach((a, i) => {
    if (!isObject(a)) return void errors.push(`'alerts[${i}]' must be an object`);
    const status = a.status;
    if (status !== 'firing' && status !== 'resolved') errors.push(`'alerts[${i}].status' must be firing or resolved`);
    const labels = stringMap(a.labels, `alerts[${i}].labels`, errors);
    const annotations = stringMap(a.annotations, `alerts[${i}].annotations`, errors);
    let fp: string;
    if (a.fingerprint === undefined || a.fingerprint === null || a.fingerprint === '') fp = labelFingerprint(labels);
    else if (typeof a.fingerprint !== 'string' || a.fingerprint.length > 255 || a.fingerprint.includes('\u0000')) return void errors.push(`'alerts[${i}].fingerprint' must be a string of at most 255 characters`);
    else fp = a.fingerprint;
    const name = labels.alertname ?? 'alert';
    const text = annotations.summary ?? annotations.description ?? (typeof commonAnnotations.summary === 'string' ? commonAnnotations.summary : '');
    const where = labels.instance ?? labels.job ?? labels.service ?? null;
    const summary = [name, where ? `on ${where}` : '', text ? `: ${text}` : ''].join(' ').replace(/\s+:/, ':').replace(/\s+/g, ' ').trim().slice(0, 1024);
    if (status === 'firing' || status === 'resolved') {
      alerts.push({
        action: status === 'firing' ? 'trigger' : 'resolve',
        dedupKey: fp,
        summary,
        severity: severityOf(labels),
        source: where,
        details: { labels, annotations, startsAt: a.startsAt ?? null, endsAt: a.endsAt ?? null, generatorURL: a.generatorURL ?? null },
      });
    }
  });
  if (errors.length) return { ok: false, errors };
  return { ok: true, value: { alerts, groupKey: typeof body.groupKey === 'string' ? body.groupKey : null } };
}
