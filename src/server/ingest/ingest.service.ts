/**
 * From a validated event to committed rows. Looks up the integration by the hash
 * of its key (cached briefly), applies the per-integration rate limit, and hands
 * the event to the group committer; resolves once the batch holding it committed.
 */
import type { Kysely } from 'kysely';
import { VigilError } from '../errors.js';
import type { Bus, IncidentChange } from '../lib/bus.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { hashSecret } from '../lib/secrets.js';
import { hasRowLocks, isRetryableTxError, lockOrganization, writeConcurrency } from '../storage/dialect.js';
import type { Database, IntegrationTable, ServiceTable } from '../storage/schema.js';
import { findIntegrationByKeyHash, getService } from '../service/service.store.js';
import { insertChangeEvent } from '../incident/incident.store.js';
import type { AgentRef, Channel } from '../incident/incident.js';
import { acknowledgeAlert, resolveAlert } from '../incident/incident.service.js';
import type { Tx } from '../incident/timeline.js';
import { NeedsExclusiveLock, flushBatch, flushTriggers, newBatch, queueTrigger, triggerAlert, type AlertInput } from '../incident/trigger.service.js';
import { servicePlan } from '../incident/alert-plan.js';
import { GroupCommitter } from './group-commit.js';
import { RateLimiter } from './rate-limit.js';

export interface ResolvedIntegration {
  integration: IntegrationTable;
  service: ServiceTable;
}

export type IngestJob =
  | { kind: 'trigger'; target: ResolvedIntegration; channel: Channel; dedupKey: string; summary: string; severity: string; source: string | null; details: unknown }
  | { kind: 'acknowledge' | 'resolve'; target: ResolvedIntegration; channel: Channel; dedupKey: string }
  | { kind: 'change'; target: ResolvedIntegration; summary: string; source: string | null; timestamp: number; details: unknown };

export interface IngestMetrics {
  accepted: Record<string, number>;
  rejected: Record<string, number>;
  batches: number;
  batchedJobs: number;
}

export class IngestService {
  private readonly committer: GroupCommitter<IngestJob, IncidentChange[]>;
  private readonly limiter: RateLimiter;
  private readonly cache = new Map<string, { value: ResolvedIntegration | null; expires: number }>();
  /** Services this node's batches last saw with an open incident, until when: only a guess of the lock a batch needs. */
  private readonly openServices = new Map<string, number>();
  readonly metrics: IngestMetrics = { accepted: {}, rejected: {}, batches: 0, batchedJobs: 0 };

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly bus: Bus,
    opts: { ratePerIntegration: number; burstPerIntegration: number; maxBatch: number },
  ) {
    this.limiter = new RateLimiter(opts.ratePerIntegration, opts.burstPerIntegration);
    this.committer = new GroupCommitter((jobs) => this.runBatch(jobs), { maxBatch: opts.maxBatch, concurrency: writeConcurrency(db) });
  }

  get queueDepth(): number {
    return this.committer.depth;
  }

  count(kind: 'accepted' | 'rejected', label: string): void {
    this.metrics[kind][label] = (this.metrics[kind][label] ?? 0) + 1;
  }

  /** The integration a key belongs to, or null. Same answer for a key that exists in no organization and one that was deleted. */
  async resolveKey(routingKey: string, type: IntegrationTable['type'] | 'any'): Promise<ResolvedIntegration | null> {
    const hash = hashSecret(routingKey);
    const now = this.clock.now();
    const hit = this.cache.get(hash);
    let value: ResolvedIntegration | null;
    if (hit && hit.expires > now) value = hit.value;
    else {
      const integration = await findIntegrationByKeyHash(this.db, hash);
      const service = integration ? await getService(this.db, integration.org_id, integration.service_id) : undefined;
      value = integration && service ? { integration, service } : null;
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(hash, { value, expires: now + (value ? 5_000 : 1_000) });
    }
    if (value && type !== 'any' && value.integration.type !== type) return null;
    return value;
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

  async submit(job: IngestJob): Promise<void> {
    await this.committer.submit(job);
  }

  /** Deadlocks and serialization failures between concurrent batches (PostgreSQL, several nodes) are simply run again. */
  private async runBatch(jobs: IngestJob[]): Promise<IncidentChange[][]> {
    // With row locks (PostgreSQL), a batch of triggers for services this node last saw with an open incident
    // first tries with its organizations shared (see IngestBatch.shared); one that will likely
    // open an incident goes straight to the exclusive lock instead of trying twice. A stale
    // guess costs one retry, never correctness: the shared batch itself checks.
    const now = this.clock.now();
    let shared =
      hasRowLocks(this.db) &&
      jobs.every((j) => j.kind === 'change' || (j.kind === 'trigger' && (j.target.service.status === 'disabled' || (this.openServices.get(j.target.service.id) ?? 0) > now)));
    for (let attempt = 1; ; attempt++) {
      let perJob: IncidentChange[][];
      try {
        perJob = await this.runBatchOnce(jobs, shared);
      } catch (err) {
        if (err instanceof NeedsExclusiveLock && shared) {
          this.openServices.clear();
          shared = false;
          attempt--;
          continue;
        }
        if (attempt >= 4 || !isRetryableTxError(err)) throw err;
        await new Promise((r) => setTimeout(r, 5 * attempt * Math.random()));
        continue;
      }
      // Committed: from here nothing may throw, or the committer would run these jobs again.
      this.metrics.batches++;
      this.metrics.batchedJobs += jobs.length;
      try {
        this.bus.publish(perJob.flat());
      } catch {
        // A failing listener loses a live update, never an event (the engine's backstop tick still runs).
      }
      return perJob;
    }
  }

  private async runBatchOnce(jobs: IngestJob[], shared: boolean): Promise<IncidentChange[][]> {
    let open: Iterable<string> = [];
    const now = this.clock.now();
    const perJob: IncidentChange[][] = [];
    await this.db.transaction().execute(async (trx) => {
      // Lock every organization of the batch first, in one fixed order (a no-op without row locks): shared
      // for a batch that only adds alerts to open incidents (such batches then run side by
      // side; flushTriggers takes their alert keys in one sorted order), exclusive otherwise.
      // Batches that could deadlock (org lock against an uncommitted alert, or two alert keys
      // taken in opposite orders) queue on that row lock instead: a deadlock would cost
      // deadlock_timeout (1 s) before the retry, right in an alert storm.
      for (const orgId of [...new Set(jobs.map((j) => j.target.integration.org_id))].sort()) await lockOrganization(trx, orgId, shared ? 'shared' : 'exclusive');
      const batch = newBatch(shared);
      for (const job of jobs) {
        const tx: Tx = { trx, now, changes: [], batch };
        perJob.push(tx.changes);
        if (job.kind === 'trigger' && (await this.queue(tx, job))) continue;
        // Anything but a queued trigger runs after the queued ones, and may change open incidents.
        await flushTriggers(trx, batch);
        if (job.kind !== 'trigger') batch.openIncidents.clear();
        await this.apply(tx, job);
      }
      await flushBatch(trx, batch);
      open = batch.openIncidents.keys();
    });
    // Committed: these services have an open incident (until a resolve, which the guess does not need to see).
    if (this.openServices.size > 10_000) this.openServices.clear();
    for (const serviceId of open) this.openServices.set(serviceId, now + 60_000);
    return perJob;
  }

  /** A trigger for a service whose open incident is known joins the batch's multi-row write. */
  private async queue(tx: Tx, job: Extract<IngestJob, { kind: 'trigger' }>): Promise<boolean> {
    // A disabled service takes no new alerts (PagerDuty semantics): `apply` skips it.
    if (job.target.service.status === 'disabled') return false;
    return queueTrigger(tx, this.alertInput(job));
  }

  private alertInput(job: Extract<IngestJob, { kind: 'trigger' }>): AlertInput {
    const { integration, service } = job.target;
    const agent: AgentRef = { id: integration.id, type: 'integration_reference', summary: integration.name };
    return { orgId: integration.org_id, integrationId: integration.id, dedupKey: job.dedupKey, agent, channel: job.channel, service, summary: job.summary, severity: job.severity, source: job.source, details: job.details, plan: servicePlan(service, job.severity, this.clock.now()) };
  }

  private async apply(tx: Tx, job: IngestJob): Promise<void> {
    const { integration, service } = job.target;
    const orgId = integration.org_id;
    if (job.kind === 'change') {
      await insertChangeEvent(tx.trx, {
        org_id: orgId,
        id: newId(tx.now),
        service_id: service.id,
        integration_id: integration.id,
        summary: job.summary,
        source: job.source,
        timestamp: job.timestamp,
        details: JSON.stringify(job.details ?? {}),
        created_at: tx.now,
      });
      return;
    }
    // A disabled service takes no new alerts (PagerDuty semantics); ack and resolve still apply.
    if (job.kind === 'trigger' && service.status === 'disabled') return;
    const agent: AgentRef = { id: integration.id, type: 'integration_reference', summary: integration.name };
    const base = { orgId, integrationId: integration.id, dedupKey: job.dedupKey, agent, channel: job.channel };
    if (job.kind === 'trigger') {
      await triggerAlert(tx, this.alertInput(job));
    } else if (job.kind === 'acknowledge') {
      await acknowledgeAlert(tx, base);
    } else {
      await resolveAlert(tx, base);
    }
  }
}
