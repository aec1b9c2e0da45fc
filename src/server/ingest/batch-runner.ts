/**
 * One ingest batch: every job in ONE transaction (group-commit.ts's contract). Locks the
 * batch's organizations, runs the rules stage (rules-of-batch.ts), records requests and
 * forward copies, then each job's incident work (trigger.service.ts). Inside the batch, each
 * trigger's plan (alert-plan.ts) adds what the service decides: its urgency rule at this
 * instant, its grouping, its auto-pause, and whether it is in a maintenance window.
 * Runs on the main thread or on the writer thread (batch.worker.ts), with the same code;
 * time is the caller's (`now`), never read here.
 */
import type { Kysely } from 'kysely';
import type { IncidentChange } from '../lib/bus.js';
import { newId } from '../lib/ids.js';
import { hasRowLocks, isRetryableTxError, lockOrganization } from '../storage/dialect.js';
import type { Database, ServiceTable } from '../storage/schema.js';
import { insertChangeEvent } from '../incident/log-entry.store.js';
import type { AgentRef } from '../incident/incident.js';
import { acknowledgeAlert, resolveAlert } from '../incident/incident.service.js';
import type { Tx } from '../incident/timeline.js';
import { JoinNoticeMemo, NeedsExclusiveLock, flushBatch, flushTriggers, newBatch, queueTrigger, storeUnrouted, triggerAlert, type AlertInput } from '../incident/trigger.service.js';
import { servicePlan, type AlertPlan } from '../incident/alert-plan.js';
import { servicesInMaintenance } from '../maintenance/maintenance.store.js';
import { readServiceContext, type ServiceContext } from './batch-context.store.js';
import type { RuleMatch } from '../rules/rules.js';
import type { RuleDecision } from './rules-stage.js';
import { recordRequest } from './opsgenie/request.store.js';
import { recordMappingError } from './generic-webhook/mapping-error.store.js';
import { queueForward } from '../notify/forward.js';
import { say } from '../lib/i18n/translate.js';
import { decideRules, RulesOfBatch } from './rules-of-batch.js';
import type { IngestJob, KeyTarget, ResolvedIntegration, RouterKey } from './job.js';

/** A trigger after the rules stage: routed to its service (or unrouted, kept suppressed), with what the rules decided. */
type StagedTrigger = Extract<IngestJob, { kind: 'trigger' }> & { target: ResolvedIntegration; decision: RuleDecision };
type UnroutedTrigger = Omit<Extract<IngestJob, { kind: 'trigger' }>, 'kind'> & { kind: 'unrouted'; target: RouterKey; decision: RuleDecision };
type BatchJob = Exclude<IngestJob, { kind: 'trigger' }> | StagedTrigger | UnroutedTrigger | { kind: 'dropped'; target: KeyTarget };

/** What a committed batch reports: each job's incident changes (published on the bus), and the rules that dropped events. */
export interface BatchResult {
  perJob: IncidentChange[][];
  dropped: RuleMatch[][];
}

/** Where an ingest service's batches run: this thread (IngestBatchRunner) or the writer thread (writer-thread.ts). */
export interface BatchWriter {
  run(jobs: IngestJob[], now: number): Promise<BatchResult>;
  /** Batches worth handing over at once; unset: as many as the database takes writes at once (storage/dialect.ts). */
  readonly concurrency?: number;
  close(): Promise<void>;
}

/** Runs batches on one connection; keeps what its committed batches saw (the open-incident guess, quiet join notices). */
export class IngestBatchRunner implements BatchWriter {
  /** Services this runner's batches last saw with an open incident, until when: only a guess of the lock a batch needs. */
  private readonly openServices = new Map<string, number>();
  /** Join notices committed batches found quiet (trigger.service.ts). */
  private readonly joinNotices = new JoinNoticeMemo();

  constructor(private readonly db: Kysely<Database>) {}

  /** The connection is its owner's to close. */
  async close(): Promise<void> {}

  /**
   * Runs `jobs` in one transaction at `now` (the caller's clock: the same instant for every
   * attempt); returns once it committed, or throws having committed nothing. Deadlocks and
   * serialization failures between concurrent batches (PostgreSQL, several nodes) are simply run again.
   */
  async run(jobs: IngestJob[], now: number): Promise<BatchResult> {
    // With row locks (PostgreSQL), a batch of triggers for services this node last saw with an open incident
    // first tries with its organizations shared (see IngestBatch.shared); one that will likely
    // open an incident goes straight to the exclusive lock instead of trying twice. A stale
    // guess costs one retry, never correctness: the shared batch itself checks.
    let shared =
      hasRowLocks(this.db) &&
      jobs.every((j) => j.kind === 'change' || j.kind === 'mapping_error' || (j.kind === 'trigger' && !j.target.router && (j.target.service.status === 'disabled' || (this.openServices.get(j.target.service.id) ?? 0) > now)));
    for (let attempt = 1; ; attempt++) {
      let perJob: IncidentChange[][];
      let dropped: RuleMatch[][];
      try {
        ({ perJob, dropped } = await this.runOnce(jobs, shared, now));
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
      return { perJob, dropped };
    }
  }

  private async runOnce(jobs: IngestJob[], shared: boolean, now: number): Promise<BatchResult> {
    let open: Iterable<string> = [];
    let quiet: readonly string[] = [];
    const perJob: IncidentChange[][] = [];
    const dropped: RuleMatch[][] = [];
    await this.db.transaction().execute(async (trx) => {
      // Lock every organization of the batch first, in one fixed order (a no-op without row locks): shared
      // for a batch that only adds alerts to open incidents (such batches then run side by
      // side; flushTriggers takes their alert keys in one sorted order), exclusive otherwise.
      // Batches that could deadlock (org lock against an uncommitted alert, or two alert keys
      // taken in opposite orders) queue on that row lock instead: a deadlock would cost
      // deadlock_timeout (1 s) before the retry, right in an alert storm.
      for (const orgId of [...new Set(jobs.map((j) => j.target.integration.org_id))].sort()) await lockOrganization(trx, orgId, shared ? 'shared' : 'exclusive');
      const batch = newBatch(shared, this.joinNotices.quiet);
      // The rules stage reads each path's version in the batch's transaction: an edit is seen by the next batch, on every node.
      // Those versions and the maintenance windows are read together, one statement per organization with triggers.
      const context = await serviceContextOf(trx, jobs);
      const rules = new RulesOfBatch(trx, context);
      const staged: BatchJob[] = [];
      for (const job of jobs) {
        const s = job.kind === 'trigger' ? await stage(rules, job, now) : job;
        if ('drop' in s) dropped.push(s.drop);
        staged.push('drop' in s ? { kind: 'dropped', target: job.target } : s);
      }
      // Requests a sender will ask about, under the key the rules left (a dropped event's request failed).
      for (const [i, job] of jobs.entries()) {
        const s = staged[i]!;
        if (job.kind === 'change' || job.kind === 'mapping_error' || !job.request) continue;
        const dropped = s.kind === 'dropped';
        await recordRequest(trx, { org_id: job.target.integration.org_id, id: job.request.id, integration_id: job.target.integration.id, action: job.request.action, dedup_key: 'dedupKey' in s ? s.dedupKey : job.dedupKey, alert_id: null, success: dropped ? 0 : null, status: dropped ? 'Dropped by an event rule' : null, created_at: now });
      }
      // Copies for another tool (running both during a move): every accepted event, in the transaction that holds it.
      for (const job of jobs) if (job.forward && job.target.integration.forward_url) await queueForward(trx, now, job.target.integration.org_id, job.target.integration.id, job.forward);
      const maintenance = await maintenanceOf(trx, staged, context);
      for (const job of staged) {
        const tx: Tx = { trx, now, changes: [], batch, db: this.db };
        perJob.push(tx.changes);
        if (job.kind === 'dropped') continue;
        if (job.kind === 'trigger' && (await this.queue(tx, job, maintenance))) continue;
        // Anything but a queued trigger runs after the queued ones, and may change open incidents.
        await flushTriggers(trx, batch);
        if (job.kind !== 'trigger') {
          batch.openIncidents.clear();
          batch.assignees.clear();
        }
        await this.apply(tx, job, maintenance);
      }
      await flushBatch(trx, batch);
      open = batch.openIncidents.keys();
      quiet = batch.newlyQuiet;
    });
    this.joinNotices.add(quiet, now);
    // Committed: these services have an open incident (until a resolve, which the guess does not need to see).
    if (this.openServices.size > 10_000) this.openServices.clear();
    for (const slot of open) this.openServices.set(slot.split('\u0000')[0]!, now + 60_000);
    return { perJob, dropped };
  }

  /** A trigger for a service whose open incident is known joins the batch's multi-row write. */
  private async queue(tx: Tx, job: StagedTrigger, maintenance: ReadonlySet<string>): Promise<boolean> {
    // A disabled service takes no new alerts (PagerDuty semantics): `apply` skips it.
    if (job.target.service.status === 'disabled') return false;
    return queueTrigger(tx, this.alertInput(job, maintenance, tx.now));
  }

  private alertInput(job: StagedTrigger, maintenance: ReadonlySet<string>, now: number): AlertInput {
    const { integration, service } = job.target;
    const agent: AgentRef = { id: integration.id, type: 'integration_reference', summary: integration.name };
    return { orgId: integration.org_id, integrationId: integration.id, dedupKey: job.dedupKey, agent, channel: job.channel, service, summary: job.summary, severity: job.severity, source: job.source, details: job.details, plan: planOf(service, job, maintenance.has(service.id), now), note: job.note ?? null };
  }

  private async apply(tx: Tx, job: BatchJob, maintenance: ReadonlySet<string>): Promise<void> {
    const { integration } = job.target;
    const orgId = integration.org_id;
    if (job.kind === 'dropped') return;
    if (job.kind === 'unrouted') {
      const agent: AgentRef = { id: integration.id, type: 'integration_reference', summary: integration.name };
      await storeUnrouted(tx, { orgId, integrationId: integration.id, dedupKey: job.dedupKey, agent, channel: job.channel, summary: job.summary, severity: job.severity, source: job.source, details: job.details, ruleMatch: job.decision.matched });
      return;
    }
    if (job.kind === 'mapping_error') {
      await recordMappingError(tx.trx, { org_id: orgId, id: newId(tx.now), integration_id: integration.id, error: job.error, payload: job.payload, created_at: tx.now });
      return;
    }
    if (job.kind === 'change') {
      const service = job.target.service;
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
    if (job.kind === 'trigger' && job.target.service.status === 'disabled') return;
    const agent: AgentRef = { id: integration.id, type: 'integration_reference', summary: integration.name };
    const base = { orgId, integrationId: integration.id, dedupKey: job.dedupKey, agent, channel: job.channel, ...(job.kind !== 'trigger' && job.note ? { note: job.note } : {}) };
    if (job.kind === 'trigger') {
      await triggerAlert(tx, this.alertInput(job, maintenance, tx.now));
    } else if (job.kind === 'acknowledge') {
      await acknowledgeAlert(tx, base);
    } else {
      await resolveAlert(tx, base);
    }
  }
}

/** By organization, what its triggers' services need before the rules stage (batch-context.store.ts): read once per batch. */
async function serviceContextOf(trx: Kysely<Database>, jobs: readonly IngestJob[]): Promise<Map<string, ServiceContext>> {
  const byOrg = new Map<string, string[]>();
  for (const j of jobs) {
    if (j.kind !== 'trigger') continue;
    const ids = byOrg.get(j.target.integration.org_id) ?? [];
    // A router key's service is known only after routing: its rules' version is read then.
    if (!j.target.router) ids.push(j.target.service.id);
    byOrg.set(j.target.integration.org_id, ids);
  }
  const out = new Map<string, ServiceContext>();
  for (const [orgId, ids] of byOrg) out.set(orgId, await readServiceContext(trx, orgId, ids));
  return out;
}

/** The batch's services that are in a maintenance window now: from the batch's context (an organization's every service), else one query per organization. */
async function maintenanceOf(trx: Kysely<Database>, jobs: readonly BatchJob[], context: ReadonlyMap<string, ServiceContext>): Promise<Set<string>> {
  const byOrg = new Map<string, Set<string>>();
  for (const j of jobs) if (j.kind === 'trigger') byOrg.set(j.target.integration.org_id, (byOrg.get(j.target.integration.org_id) ?? new Set()).add(j.target.service.id));
  const out = new Set<string>();
  for (const [orgId, ids] of byOrg) {
    const known = context.get(orgId)?.inMaintenance;
    for (const id of known ? [...ids].filter((i) => known.has(i)) : await servicesInMaintenance(trx, orgId, [...ids])) out.add(id);
  }
  return out;
}

/** A trigger's plan: the service's decisions at `now`, overridden by what its rules decided, suppressed in a maintenance window. */
function planOf(service: ServiceTable, job: StagedTrigger, inMaintenance: boolean, now: number): AlertPlan {
  const base = servicePlan(service, job.severity, now);
  const d = job.decision;
  const matched = d.matched.at(-1);
  return {
    ...base,
    urgency: d.urgency ?? base.urgency,
    suppressed: d.suppress ? 'rule' : inMaintenance ? 'maintenance' : null,
    pauseSeconds: d.pauseSeconds ?? base.pauseSeconds,
    pausedBy: d.pauseSeconds ? (matched?.label ?? matched?.rule ? say('timeline.pausedBy.rule', { rule: (matched?.label ?? matched?.rule)! }) : say('timeline.pausedBy.anyRule')) : base.pausedBy,
    priorityId: d.priorityId ?? job.priorityId ?? null,
    notes: d.notes,
    ruleMatch: d.matched.length ? d.matched : null,
  };
}

/** The rules stage for one trigger of a batch (decideRules); `drop`: a rule dropped it (the rules that matched, for the count). */
async function stage(rules: RulesOfBatch, job: Extract<IngestJob, { kind: 'trigger' }>, now: number): Promise<BatchJob | { drop: RuleMatch[] }> {
  const orgId = job.target.integration.org_id;
  const t = job.target;
  const v = await decideRules(rules, orgId, t.router ? { orchestrationId: t.router.orchestrationId } : { service: t.service }, job, now);
  if (v.kind === 'drop') return { drop: v.matched };
  if (v.kind === 'unrouted') {
    if (!t.router) throw new Error('unreachable: only a router key leaves an event unrouted');
    return { ...job, ...v.fields, kind: 'unrouted', target: t, decision: v.decision };
  }
  const target: ResolvedIntegration = t.router ? { integration: { ...t.integration, service_id: v.service.id }, service: v.service } : t;
  if (v.decision.resolve) return { kind: 'resolve', target, channel: job.channel, dedupKey: v.fields.dedupKey };
  return { ...job, ...v.fields, target, decision: v.decision };
}
