/**
 * The rules stage's reads and decision for one trigger: compiled rules and routed services,
 * memoized per batch (inside its transaction), and what the rules decide (decideRules).
 * Used by an ingest batch (batch-runner.ts) and the paging path's sample event.
 */
import type { Kysely } from 'kysely';
import type { Database, ServiceTable } from '../storage/schema.js';
import { getService } from '../service/service.store.js';
import type { ServiceContext } from './batch-context.store.js';
import { loadRouter, loadServiceRules, loadUnrouted } from '../rules/orchestration.service.js';
import { applyServiceRules, routeEvent, type CompiledRouter, type CompiledServiceRules, type RuleMatch } from '../rules/rules.js';
import { applyOutcome, NO_DECISION, ruleEventOf, type RuleDecision, type TriggerFields } from './rules-stage.js';

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
