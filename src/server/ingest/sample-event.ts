/**
 * "Who gets paged" for a sample event: the event (PagerDuty Events API v2 shape) goes
 * through the same rules decision the ingest applies (decideRules: the orchestration's
 * router when one is named, then the service's rules), against the rules stored now.
 * Nothing is written: no alert, no incident, no count.
 */
import type { Kysely } from 'kysely';
import { invalid } from '../errors.js';
import { parseTimestamp } from '../lib/timestamp.js';
import { SEVERITIES } from '../rules/event.js';
import type { SampleEvent } from '../rules/orchestration.service.js';
import type { Database, ServiceTable } from '../storage/schema.js';
import { decideRules, RulesOfBatch, type RulesVerdict } from './rules-of-batch.js';
import type { TriggerFields } from './rules-stage.js';

/** The sample as the ingest's trigger fields; a bad field is refused by its name under `field`. */
export function sampleFields(sample: SampleEvent, field: string): TriggerFields {
  const p = sample.payload;
  const errors: string[] = [];
  if (!(SEVERITIES as readonly string[]).includes(p.severity)) errors.push(`${field}.payload.severity must be one of ${SEVERITIES.join(', ')}, got ${JSON.stringify(p.severity).slice(0, 40)}`);
  if (p.timestamp !== undefined && parseTimestamp(p.timestamp) === null) errors.push(`${field}.payload.timestamp must be an ISO 8601 date-time, got ${JSON.stringify(p.timestamp).slice(0, 64)}`);
  if (!p.summary.trim()) errors.push(`${field}.payload.summary must not be blank`);
  if (errors.length) throw invalid(...errors);
  const details: Record<string, unknown> = {};
  for (const k of ['component', 'group', 'class', 'custom_details', 'timestamp'] as const) if (p[k] !== undefined) details[k] = p[k];
  if (sample.links !== undefined) details.links = sample.links;
  if (sample.client !== undefined) details.client = sample.client;
  return { dedupKey: sample.dedup_key ?? 'sample', summary: p.summary, severity: p.severity, source: p.source ?? null, details };
}

/** Where the rules put the sample (routed through `orchestrationId`'s router when given, else straight to `service`). */
export async function sampleVerdict(db: Kysely<Database>, orgId: string, via: { orchestrationId: string } | { service: ServiceTable }, fields: TriggerFields, now: number): Promise<RulesVerdict> {
  return decideRules(new RulesOfBatch(db), orgId, via, fields, now);
}
