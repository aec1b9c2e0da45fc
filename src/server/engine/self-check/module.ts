/**
 * Self-checks (issue 18): Vigil watches itself and pages each organization's owners and
 * admins on its built-in "Vigil health" service (created on first need, service/
 * ensureHealthService) when something is wrong with Vigil itself: its engine lags, messages
 * sit in the outbox too long, a channel fails for most of its recent messages, the data
 * directory's disk runs low, or a scheduled backup failed. Each check is an alert with its
 * own dedup key (checks.ts), opened when the check starts to hold and resolved when it
 * clears, so each trouble is one incident however long it lasts.
 *
 * Theory: every `everyMs` of the injected clock the module reads this node's facts (its
 * lag, its disk, its backups) and each organization's rows (the outbox), lets the pure
 * `evaluate` decide, and reconciles the open alerts on "Vigil health" in one transaction
 * under the organization's lock (two nodes never open the same check twice). Idempotent:
 * a second run at the same instant changes nothing.
 *
 * The health incidents page through the normal outbox with the last resort (the service
 * has no policy); the escalate module leaves out a channel that an open
 * `channel_failing:<channel>` alert names, for anyone who has another method
 * (engine/escalate/paging.ts). While storage refuses writes nothing here can be recorded:
 * the module then only asks the storage notice (storage-notice.ts) to tell the admins by
 * email directly.
 */
import fs from 'node:fs';
import type { Kysely } from 'kysely';
import type { Database } from '../../storage/schema.js';
import type { IncidentChange } from '../../lib/bus.js';
import type { StorageHealth } from '../../storage/health.js';
import { lockOrganization } from '../../storage/dialect.js';
import { listOrganizations } from '../../org/org.store.js';
import { channelOutcomesSince, unsentOlderThan } from '../../notify/outbox.store.js';
import { openAlertsOfIntegration } from '../../incident/alert.store.js';
import { resolveAlert } from '../../incident/incident.service.js';
import { triggerAlert } from '../../incident/trigger.service.js';
import { servicePlan } from '../../incident/alert-plan.js';
import { findBuiltInService } from '../../service/service.store.js';
import { ensureHealthService } from '../../service/service.service.js';
import type { Tx } from '../../incident/timeline.js';
import type { EngineModule } from '../engine.js';
import { evaluate, ownsKey, SELF_CHECK_INTEGRATION, type Finding, type NodeFacts, type SelfCheckThresholds } from './checks.js';
import { noticeRecipients, type StorageNotice } from './storage-notice.js';


const AGENT = { id: SELF_CHECK_INTEGRATION, type: 'integration_reference' as const, summary: 'Vigil self-check' };

export interface SelfCheckProbes {
  /** This node's name (host name): node checks' keys carry it. */
  node: string;
  /** The engine's lag as of its last pass (ms). */
  lagMs(): number;
  /** The SQLite data directory (its filesystem's free space is checked); null on PostgreSQL. */
  dataDir: string | null;
  /** The last scheduled backup's failure on this node, or null. */
  backupError(): string | null;
  /** Whether storage takes writes (storage/health.ts). */
  storage: Pick<StorageHealth, 'problem'>;
}

export class SelfCheckModule implements EngineModule {
  readonly name = 'self_check';
  private nextAt = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly t: SelfCheckThresholds,
    private readonly probes: SelfCheckProbes,
    private readonly notice: StorageNotice | null,
    private readonly publish: (c: IncidentChange[]) => void,
  ) {}

  async tick(now: number): Promise<number> {
    const problem = this.probes.storage.problem;
    if (problem) {
      this.notice?.raise(problem);
      return 0;
    }
    if (now < this.nextAt) return 0;
    this.nextAt = now + this.t.everyMs;
    const node = this.nodeFacts();
    let work = 0;
    for (const org of await listOrganizations(this.db)) work += await this.checkOrganization(org.id, node, now);
    if (this.notice) this.notice.remember(await noticeRecipients(this.db));
    return work;
  }

  private nodeFacts(): NodeFacts {
    let disk: NodeFacts['disk'] = null;
    if (this.probes.dataDir && fs.existsSync(this.probes.dataDir)) {
      const s = fs.statfsSync(this.probes.dataDir);
      disk = { dir: this.probes.dataDir, freeBytes: Number(s.bavail) * Number(s.bsize), totalBytes: Number(s.blocks) * Number(s.bsize) };
    }
    return { node: this.probes.node, lagMs: this.probes.lagMs(), disk, backupError: this.probes.backupError() };
  }

  /** Reconcile one organization's open self-check alerts with what holds now; returns alerts opened and resolved. */
  private async checkOrganization(orgId: string, node: NodeFacts, now: number): Promise<number> {
    const facts = { unsent: await unsentOlderThan(this.db, orgId, now - this.t.outboxAgeMs), channels: await channelOutcomesSince(this.db, orgId, now - this.t.channelWindowMs) };
    const findings = evaluate(now, this.t, node, facts);
    const existing = await findBuiltInService(this.db, orgId, 'vigil_health');
    if (!existing && !findings.length) return 0;
    const changes: IncidentChange[] = [];
    const n = await this.db.transaction().execute(async (trx) => {
      await lockOrganization(trx, orgId);
      const tx: Tx = { trx, now, changes };
      const service = findings.length ? await ensureHealthService(trx, now, orgId) : existing!;
      const open = await openAlertsOfIntegration(trx, orgId, service.id, SELF_CHECK_INTEGRATION);
      const openKeys = new Set(open.map((a) => a.dedup_key));
      const holding = new Set(findings.map((f) => f.key));
      let done = 0;
      for (const f of findings) if (!openKeys.has(f.key) && (await this.open(tx, orgId, service, f))) done++;
      for (const a of open) {
        if (holding.has(a.dedup_key) || !ownsKey(a.dedup_key, node.node)) continue;
        if (await resolveAlert(tx, { orgId, integrationId: SELF_CHECK_INTEGRATION, dedupKey: a.dedup_key, agent: AGENT, channel: { type: 'auto', reason: 'self-check cleared' } })) done++;
      }
      return done;
    });
    this.publish(changes);
    return n;
  }

  private async open(tx: Tx, orgId: string, service: Awaited<ReturnType<typeof ensureHealthService>>, f: Finding): Promise<boolean> {
    const r = await triggerAlert(tx, {
      orgId,
      service,
      integrationId: SELF_CHECK_INTEGRATION,
      agent: AGENT,
      channel: { type: 'auto', reason: 'self-check' },
      dedupKey: f.key,
      summary: f.summary,
      severity: 'critical',
      source: 'vigil',
      details: { custom_details: { check: f.key, ...f.details } },
      plan: servicePlan(service, 'critical', tx.now),
    });
    return r.created !== 'none';
  }
}
