/**
 * From a validated event to committed rows. Looks up the key by its hash (a service's
 * integration or an organization's router; cached briefly), applies the per-integration
 * rate limit, and hands the event to the group committer; resolves once the batch holding
 * it committed. The batch itself (batch-runner.ts: rules stage, incident work) runs on this
 * thread or on the writer thread (writer-thread.ts), at this service's clock's time; its
 * incident changes are published on this thread's bus once committed.
 */
import type { Kysely } from 'kysely';
import { VigilError } from '../errors.js';
import type { Bus, IncidentChange } from '../lib/bus.js';
import type { Clock } from '../lib/clock.js';
import { hashSecret } from '../lib/secrets.js';
import { writeConcurrency } from '../storage/dialect.js';
import type { Database, IntegrationTable } from '../storage/schema.js';
import { findIntegrationByKeyHash } from '../service/service.store.js';
import { findOrchestrationByKeyHash, getOrchestrationName } from '../rules/orchestration.service.js';
import type { RuleMatch } from '../rules/rules.js';
import { GroupCommitter } from './group-commit.js';
import { RateLimiter } from './rate-limit.js';
import { IngestBatchRunner, type BatchWriter } from './batch-runner.js';
import { WriterLost } from './writer-lost.js';
import type { IngestJob, KeyTarget, ResolvedIntegration } from './job.js';

export type { IngestJob, KeyTarget, RequestTag, ResolvedIntegration, RouterKey } from './job.js';
export type { RulesVerdict } from './rules-of-batch.js';

export interface IngestMetrics {
  accepted: Record<string, number>;
  rejected: Record<string, number>;
  /** Events an event rule dropped (counted, nothing stored), by rule. */
  dropped: Record<string, number>;
  batches: number;
  batchedJobs: number;
}

export class IngestService {
  private readonly committer: GroupCommitter<IngestJob, IncidentChange[]>;
  private readonly limiter: RateLimiter;
  /** Keys as sent (in memory only, for seconds; the database keeps hashes) → what they resolved to. */
  private readonly cache = new Map<string, { value: KeyTarget | null; expires: number }>();
  readonly metrics: IngestMetrics = { accepted: {}, rejected: {}, dropped: {}, batches: 0, batchedJobs: 0 };

  /** `writer`: where batches run (this thread by default; writer-thread.ts: the writer thread). */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly bus: Bus,
    opts: { ratePerIntegration: number; burstPerIntegration: number; maxBatch: number },
    readonly writer: BatchWriter = new IngestBatchRunner(db),
  ) {
    this.limiter = new RateLimiter(opts.ratePerIntegration, opts.burstPerIntegration);
    // A lost writer thread fails its batch's callers: the batch may have committed, so its jobs are not run again one by one.
    this.committer = new GroupCommitter((jobs) => this.runBatch(jobs), { maxBatch: opts.maxBatch, concurrency: writer.concurrency ?? writeConcurrency(db), retryAlone: (err) => !(err instanceof WriterLost) });
  }

  get queueDepth(): number {
    return this.committer.depth;
  }

  count(kind: 'accepted' | 'rejected', label: string): void {
    this.metrics[kind][label] = (this.metrics[kind][label] ?? 0) + 1;
  }

  /**
   * The integration or router a key belongs to, or null. Same answer for a key that exists in
   * no organization and one that was deleted. An organization-wide (router) key is an Events
   * API key: it is found for `events_v2`.
   */
  async resolveKey(routingKey: string, type: 'events_v2', opts: { routers: true }): Promise<KeyTarget | null>;
  async resolveKey(routingKey: string, type: IntegrationTable['type'] | 'any'): Promise<ResolvedIntegration | null>;
  async resolveKey(routingKey: string, type: IntegrationTable['type'] | 'any', opts: { routers?: boolean } = {}): Promise<KeyTarget | null> {
    const now = this.clock.now();
    // Cached under the key as sent, so a hit costs no hash: only a miss hashes it to look it up.
    const hit = this.cache.get(routingKey);
    let value: KeyTarget | null;
    if (hit && hit.expires > now) value = hit.value;
    else {
      value = await this.lookUp(hashSecret(routingKey));
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(routingKey, { value, expires: now + (value ? 5_000 : 1_000) });
    }
    if (value?.router) return opts.routers && type === 'events_v2' ? value : null;
    if (value && type !== 'any' && value.integration.type !== type) return null;
    return value;
  }

  private async lookUp(hash: string): Promise<KeyTarget | null> {
    const found = await findIntegrationByKeyHash(this.db, hash);
    if (found) return found;
    const key = await findOrchestrationByKeyHash(this.db, hash);
    if (!key) return null;
    const orchestration = await getOrchestrationName(this.db, key.orgId, key.orchestrationId);
    if (orchestration === null) return null;
    return { router: { orchestrationId: key.orchestrationId }, service: null, integration: routerIntegration(key, orchestration) };
  }

  /** Forget cached keys (after an integration or service is deleted on this node). */
  invalidate(): void {
    this.cache.clear();
  }

  /** Throws a 429 VigilError when this integration is flooding. */
  admit(integrationId: string): void {
    const wait = this.limiter.take(integrationId, this.clock.now());
    if (wait > 0) throw new VigilError('rate_limited', ['too many events for this integration; retry later'], { retryAfterSeconds: wait });
  }

  /** Commit the event; resolves once it is on disk (or an event rule dropped it: counted, nothing stored). */
  async submit(job: IngestJob): Promise<void> {
    await this.committer.submit(job);
  }

  /** Stop the writer (the writer thread's connection closes); batches still queued fail. */
  close(): Promise<void> {
    return this.writer.close();
  }

  private async runBatch(jobs: IngestJob[]): Promise<IncidentChange[][]> {
    const { perJob, dropped } = await this.writer.run(jobs, this.clock.now());
    // Committed: from here nothing may throw, or the committer would run these jobs again.
    for (const matched of dropped) this.countDrop(matched);
    this.metrics.batches++;
    this.metrics.batchedJobs += jobs.length;
    try {
      this.bus.publish(perJob.flat());
    } catch {
      // A failing listener loses a live update, never an event (the engine's backstop tick still runs).
    }
    return perJob;
  }

  private countDrop(matched: RuleMatch[]): void {
    const rule = matched.at(-1);
    const label = rule ? `${rule.set}/${rule.rule ?? 'catch_all'}` : 'unknown';
    this.metrics.dropped[label] = (this.metrics.dropped[label] ?? 0) + 1;
  }
}

/** The orchestration's integration as an alert's integration: its id scopes dedup keys, its label names the agent. */
function routerIntegration(key: { orgId: string; integrationId: string }, orchestrationName: string): IntegrationTable {
  return {
    org_id: key.orgId,
    id: key.integrationId,
    service_id: '',
    type: 'events_v2',
    name: `Event orchestration ${orchestrationName}`,
    key_hash: '',
    key_hint: '',
    created_at: 0,
    deleted_at: null,
    heartbeat_interval: null,
    heartbeat_next_due: null,
    heartbeat_state: null,
    forward_url: null,
    forward_kind: null,
    forward_key: null,
    webhook_mapping: null,
    email_config: null,
  };
}
