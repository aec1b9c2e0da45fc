/**
 * From a validated event to committed rows. Looks up the key by its hash (a service's
 * integration or an organization's router; cached briefly), applies the per-integration
 * rate limit, runs the rules stage (rules-stage.ts: the router picks the service, the
 * service's rules act), and hands the event to the group committer; resolves once the
 * batch holding it committed. Inside the batch, each trigger's plan (alert-plan.ts) adds
 * what the service decides: its urgency rule at this instant, its grouping, its auto-pause,
 * and whether it is in a maintenance window.
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
import { JoinNoticeMemo, NeedsExclusiveLock, flushBatch, flushTriggers, newBatch, queueTrigger, storeUnrouted, triggerAlert, type AlertInput } from '../incident/trigger.service.js';
import { servicePlan, type AlertPlan } from '../incident/alert-plan.js';
import { servicesInMaintenance } from '../maintenance/maintenance.store.js';
import { readServiceContext, type ServiceContext } from './batch-context.store.js';
import { findOrchestrationByKeyHash, getOrchestrationName, loadRouter, loadServiceRules, loadUnrouted } from '../rules/orchestration.service.js';
import { applyServiceRules, routeEvent, type CompiledRouter, type CompiledServiceRules, type RuleMatch } from '../rules/rules.js';
import { applyOutcome, NO_DECISION, ruleEventOf, type RuleDecision, type TriggerFields } from './rules-stage.js';
import { GroupCommitter } from './group-commit.js';
import { RateLimiter } from './rate-limit.js';
import { recordRequest } from './opsgenie/request.store.js';
import { recordMappingError } from './generic-webhook/mapping-error.store.js';
import { queueForward, type ForwardCopy } from '../notify/forward.js';
import { say } from '../lib/i18n/translate.js';

export interface ResolvedIntegration {
  integration: IntegrationTable;
  service: ServiceTable;
  router?: undefined;
}

/**
 * An organization-wide key: an event orchestration's integration. Events are routed to a
 * service by the router's rules; alerts are deduplicated by this key like a service's.
 */
export interface RouterKey {
  router: { orchestrationId: string };
  /** The orchestration's integration, as the alert's integration (dedup scope, agent). */
  integration: IntegrationTable;
  service: null;
}

export type KeyTarget = ResolvedIntegration | RouterKey;

/**
 * A request the sender will ask about later (Opsgenie's request id): recorded in the batch's
 * transaction, so every accepted request has a status (ingest/opsgenie/request.store.ts).
 */
export interface RequestTag {
  id: string;
  action: string;
}

/**
 * `forward`: the event as received, when its integration forwards to another tool
 * (notify/forward.ts); its copy is queued in the batch's transaction, whatever the rules decide.
 */
export type IngestJob = { forward?: ForwardCopy } & (
  | {
      kind: 'trigger';
      target: KeyTarget;
      channel: Channel;
      dedupKey: string;
      summary: string;
      severity: string;
      source: string | null;
      details: unknown;
      decision?: RuleDecision;
      /** The sender's priority (Opsgenie P1–P5, resolved to the organization's priority); an event rule's priority wins. */
      priorityId?: string | null;
      note?: string;
      request?: RequestTag;
    }
  | { kind: 'acknowledge' | 'resolve'; target: KeyTarget; channel: Channel; dedupKey: string; note?: string; request?: RequestTag }
  | { kind: 'change'; target: ResolvedIntegration; summary: string; source: string | null; timestamp: number; details: unknown }
  /** A generic webhook payload its mapping failed on: kept raw with the error, for admins (ingest/generic-webhook/). */
  | { kind: 'mapping_error'; target: ResolvedIntegration; error: string; payload: string }
);

/** A trigger after the rules stage: routed to its service (or unrouted, kept suppressed), with what the rules decided. */
type StagedTrigger = Extract<IngestJob, { kind: 'trigger' }> & { target: ResolvedIntegration; decision: RuleDecision };
type UnroutedTrigger = Omit<Extract<IngestJob, { kind: 'trigger' }>, 'kind'> & { kind: 'unrouted'; target: RouterKey; decision: RuleDecision };
type BatchJob = Exclude<IngestJob, { kind: 'trigger' }> | StagedTrigger | UnroutedTrigger | { kind: 'dropped'; target: KeyTarget };

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

  /** Services this node's batches last saw with an open incident, until when: only a guess of the lock a batch needs. */
  private readonly openServices = new Map<string, number>();
  /** Join notices committed batches found quiet (trigger.service.ts). */
  private readonly joinNotices = new JoinNoticeMemo();
  readonly metrics: IngestMetrics = { accepted: {}, rejected: {}, dropped: {}, batches: 0, batchedJobs: 0 };

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
    const integration = await findIntegrationByKeyHash(this.db, hash);
    if (integration) {
      const service = await getService(this.db, integration.org_id, integration.service_id);
      return service ? { integration, service } : null;
    }
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

  /** Deadlocks and serialization failures between concurrent batches (PostgreSQL, several nodes) are simply run again. */
  private async runBatch(jobs: IngestJob[]): Promise<IncidentChange[][]> {
    // With row locks (PostgreSQL), a batch of triggers for services this node last saw with an open incident
    // first tries with its organizations shared (see IngestBatch.shared); one that will likely
    // open an incident goes straight to the exclusive lock instead of trying twice. A stale
    // guess costs one retry, never correctness: the shared batch itself checks.
    const now = this.clock.now();
    let shared =
      hasRowLocks(this.db) &&
      jobs.every((j) => j.kind === 'change' || j.kind === 'mapping_error' || (j.kind === 'trigger' && !j.target.router && (j.target.service.status === 'disabled' || (this.openServices.get(j.target.service.id) ?? 0) > now)));
    for (let attempt = 1; ; attempt++) {
      let perJob: IncidentChange[][];
      let dropped: RuleMatch[][];
      try {
        ({ perJob, dropped } = await this.runBatchOnce(jobs, shared));
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
  }

  private async runBatchOnce(jobs: IngestJob[], shared: boolean): Promise<{ perJob: IncidentChange[][]; dropped: RuleMatch[][] }> {
    let open: Iterable<string> = [];
    let quiet: readonly string[] = [];
    const now = this.clock.now();
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
        const tx: Tx = { trx, now, changes: [], batch };
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

  private countDrop(matched: RuleMatch[]): void {
    const rule = matched.at(-1);
    const label = rule ? `${rule.set}/${rule.rule ?? 'catch_all'}` : 'unknown';
    this.metrics.dropped[label] = (this.metrics.dropped[label] ?? 0) + 1;
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

/** Compiled rules and routed services, read once per batch (inside its transaction). */
export class RulesOfBatch implements RuleSource {
  private readonly memo = new Map<string, Promise<unknown>>();
  /** `context`: rule versions the batch already read, by organization (serviceContextOf). */
  constructor(
    readonly db: Kysely<Database>,
    private readonly context: ReadonlyMap<string, ServiceContext> = new Map(),
  ) {}
  private once<T>(key: string, load: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) this.memo.set(key, (p = load()));
    return p;
  }
  service(orgId: string, id: string): Promise<ServiceTable | null> {
    return this.once(`s/${orgId}/${id}`, async () => (await getService(this.db, orgId, id)) ?? null);
  }
  serviceRules(orgId: string, serviceId: string) {
    const read = this.context.get(orgId)?.rules.get(serviceId);
    return this.once(`r/${orgId}/${serviceId}`, () => loadServiceRules(this.db, orgId, serviceId, read));
  }
  router(orgId: string, orchestrationId: string) {
    return this.once(`o/${orgId}/${orchestrationId}`, async () => ({ router: await loadRouter(this.db, orgId, orchestrationId), unrouted: await loadUnrouted(this.db, orgId, orchestrationId) }));
  }
}

/** What the rules stage reads: compiled rules and routed services (memoized per batch by RulesOfBatch). */
export interface RuleSource {
  service(orgId: string, id: string): Promise<ServiceTable | null>;
  serviceRules(orgId: string, serviceId: string): Promise<CompiledServiceRules | null>;
  router(orgId: string, orchestrationId: string): Promise<{ router: CompiledRouter | null; unrouted: CompiledServiceRules | null }>;
}

/** Where the rules put a trigger: dropped, unrouted (kept suppressed, in no service), or on a service with the fields and decision. */
export type RulesVerdict = { kind: 'drop'; matched: RuleMatch[] } | { kind: 'unrouted'; fields: TriggerFields; decision: RuleDecision } | { kind: 'service'; service: ServiceTable; fields: TriggerFields; decision: RuleDecision };

/**
 * The rules for one trigger: a router key's rules pick the service (none: unrouted, kept
 * suppressed after the unrouted path's rules); then the service's rules act. Writes
 * nothing: ingest applies the verdict, the paging path shows it for a sample event.
 */
export async function decideRules(rules: RuleSource, orgId: string, via: { orchestrationId: string } | { service: ServiceTable }, input: TriggerFields, now: number): Promise<RulesVerdict> {
  let fields = input;
  let decision = NO_DECISION;
  let service: ServiceTable;
  if ('orchestrationId' in via) {
    const { router, unrouted } = await rules.router(orgId, via.orchestrationId);
    const routed = router ? routeEvent(router, ruleEventOf(fields, now), now) : { routeTo: null, matched: [] };
    // A router may name a service deleted since it was saved: the event is then unrouted, never lost.
    const target = routed.routeTo ? await rules.service(orgId, routed.routeTo) : null;
    if (!target) {
      const o = unrouted ? applyServiceRules(unrouted, ruleEventOf(fields, now), now) : null;
      if (o?.drop) return { kind: 'drop', matched: [...routed.matched, ...o.matched] };
      const after = o ? applyOutcome(fields, o) : { fields, decision: NO_DECISION };
      return { kind: 'unrouted', fields: after.fields, decision: { ...after.decision, suppress: true, matched: [...routed.matched, ...after.decision.matched] } };
    }
    service = target;
    decision = { ...NO_DECISION, matched: routed.matched };
  } else service = via.service;
  const compiled = await rules.serviceRules(orgId, service.id);
  if (compiled) {
    const o = applyServiceRules(compiled, ruleEventOf(fields, now), now);
    if (o.drop) return { kind: 'drop', matched: [...decision.matched, ...o.matched] };
    const after = applyOutcome(fields, o);
    fields = after.fields;
    decision = { ...after.decision, matched: [...decision.matched, ...after.decision.matched] };
  }
  return { kind: 'service', service, fields, decision };
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
