/**
 * Generic webhook integrations: any JSON or form-encoded POST to `/v1/webhook/<key>` becomes
 * events through the integration's JSONata mapping (service/webhook-mapping.ts). Each mapped
 * event is an ingest job like an Events API v2 event (the rules stage, group commit: 202 means
 * on disk). A payload the mapping fails on is still committed, raw, with the error
 * (`webhook_mapping_errors`, listed for admins), and the sender still gets 202: a monitoring
 * tool must never retry forever for Vigil's mistake.
 */
import type { Kysely } from 'kysely';
import { createHash } from 'node:crypto';
import sjson from 'secure-json-parse';
import type { Database, IntegrationTable, WebhookMappingErrorTable } from '../../storage/schema.js';
import { evaluateMapping, storedMapping, type MappingResult, type MappedEvent, type WebhookConfig } from '../../service/webhook-mapping.js';
import { webhookConfig } from '../../service/service.service.js';
import { MAX_DEPTH, nestsDeeperThan } from '../events-v2/validate.js';
import type { IngestJob, ResolvedIntegration } from '../ingest.service.js';
import { listMappingErrors } from './mapping-error.store.js';

export type ParsedBody = { ok: true; payload: unknown; text: string } | { ok: false; error: string };

/**
 * The body as an object: JSON whatever the content type says (tools often send JSON as
 * text/plain), else form fields when the content type is form-encoded. Anything else is refused.
 */
export function parseWebhookBody(raw: string, contentType: string | undefined): ParsedBody {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (!raw.trim()) return { ok: false, error: 'the body is empty: send a JSON or form-encoded payload' };
  if (raw.includes('\u0000')) return { ok: false, error: 'the body must not contain NUL characters' };
  let payload: unknown;
  try {
    payload = sjson.parse(raw, { protoAction: 'error', constructorAction: 'error' });
  } catch (err) {
    if (type !== 'application/x-www-form-urlencoded') return { ok: false, error: `the body is not JSON (${err instanceof Error ? err.message : String(err)}) and not form-encoded (Content-Type: application/x-www-form-urlencoded)` };
    const fields: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
    for (const [k, v] of new URLSearchParams(raw)) {
      if (k === '__proto__' || k === 'constructor' || k === 'prototype') return { ok: false, error: `the form field ${k} is refused` };
      const had = fields[k];
      fields[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
    }
    payload = { ...fields };
    return { ok: true, payload, text: JSON.stringify(payload) };
  }
  if (payload === null || typeof payload !== 'object') return { ok: false, error: 'the body must be a JSON object or array' };
  if (nestsDeeperThan(payload, MAX_DEPTH)) return { ok: false, error: `the body is nested more than ${MAX_DEPTH} levels deep` };
  return { ok: true, payload, text: raw };
}

/** An event without a dedup key gets one from its summary and source, so a repeat joins the same alert. */
function dedupOf(e: MappedEvent): string {
  return e.dedup_key ?? createHash('sha256').update(`${e.summary}\u0000${e.source ?? ''}`).digest('hex').slice(0, 32);
}

/** The jobs one payload becomes: its mapped events, or one mapping error carrying the raw payload. */
export async function webhookJobs(target: ResolvedIntegration, body: { payload: unknown; text: string }, nowMs: number): Promise<{ jobs: IngestJob[]; result: MappingResult }> {
  const stored = storedMapping(target.integration.webhook_mapping);
  const result: MappingResult = stored ? await evaluateMapping(stored.compiled, body.payload, nowMs) : { ok: false, error: 'this integration has no mapping: set one (PUT its mapping or preset)' };
  if (!result.ok) return { jobs: [{ kind: 'mapping_error', target, error: result.error, payload: body.text }], result };
  const channel = { type: 'events_api_v2' as const, client: `Generic webhook${stored?.config.preset ? ` (${stored.config.preset})` : ''}` };
  const jobs: IngestJob[] = result.events.map((e) => {
    const dedupKey = dedupOf(e);
    if (e.action !== 'trigger') return { kind: e.action, target, channel, dedupKey };
    const details = { custom_details: e.custom_details, links: e.links.length ? e.links : undefined };
    return { kind: 'trigger', target, channel, dedupKey, summary: e.summary, severity: e.severity, source: e.source, details };
  });
  return { jobs, result };
}

/**
 * `POST …/integrations/{id}/test_mapping`: the events a sample payload would give, with the
 * stored mapping or one given to try (merged as a PUT would), writing nothing.
 */
export async function testMapping(integration: IntegrationTable, input: { payload: unknown; preset?: unknown; mapping?: unknown }, nowMs: number): Promise<{ config: WebhookConfig; result: { ok: true; events: (MappedEvent & { dedup_key: string })[] } | { ok: false; error: string } }> {
  const config = input.preset !== undefined || input.mapping !== undefined || !integration.webhook_mapping ? webhookConfig(input.preset, input.mapping, integration.webhook_mapping) : (JSON.parse(integration.webhook_mapping) as WebhookConfig);
  const stored = storedMapping(JSON.stringify(config))!;
  const result = await evaluateMapping(stored.compiled, input.payload, nowMs);
  if (!result.ok) return { config, result };
  return { config, result: { ok: true, events: result.events.map((e) => ({ ...e, dedup_key: dedupOf(e) })) } };
}

export async function mappingErrorsOf(db: Kysely<Database>, orgId: string, integrationId: string, limit: number, offset: number): Promise<{ rows: WebhookMappingErrorTable[]; total: number }> {
  return listMappingErrors(db, orgId, integrationId, limit, offset);
}


