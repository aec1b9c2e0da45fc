/**
 * Prometheus metrics. Counters are updated where things happen; gauges that
 * need the database (outbox depth) or other objects (ingest queue, engine lag)
 * are read when /metrics is scraped.
 */
import client from 'prom-client';
import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.js';
import { outboxDepth } from '../notify/outbox.store.js';
import type { DeliveryMetrics } from '../engine/deliver/module.js';
import type { Engine } from '../engine/engine.js';
import type { IngestService } from '../ingest/ingest.service.js';

export class Metrics implements DeliveryMetrics {
  readonly registry = new client.Registry();
  private readonly deliveries: client.Counter<'channel' | 'outcome' | 'reason'>;
  private readonly latency: client.Histogram<'channel'>;
  private engine: Engine | null = null;

  constructor(db: Kysely<Database>, ingest: IngestService) {
    client.collectDefaultMetrics({ register: this.registry, prefix: 'vigil_process_' });
    const self = this;
    new client.Gauge({
      name: 'vigil_ingest_events_total',
      help: 'Events accepted (202) and rejected (4xx) by ingest, by kind',
      labelNames: ['result', 'kind'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [k, v] of Object.entries(ingest.metrics.accepted)) this.set({ result: 'accepted', kind: k }, v);
        for (const [k, v] of Object.entries(ingest.metrics.rejected)) this.set({ result: 'rejected', kind: k }, v);
      },
    });
    new client.Gauge({
      name: 'vigil_ingest_batch_size_avg',
      help: 'Average events per group commit',
      registers: [this.registry],
      collect() {
        this.set(ingest.metrics.batches ? ingest.metrics.batchedJobs / ingest.metrics.batches : 0);
      },
    });
    new client.Gauge({
      name: 'vigil_ingest_queue_depth',
      help: 'Events waiting for the next group commit',
      registers: [this.registry],
      collect() {
        this.set(ingest.queueDepth);
      },
    });
    new client.Gauge({
      name: 'vigil_outbox_depth',
      help: 'Notifications waiting to be sent, by status',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const r of await outboxDepth(db).catch(() => [])) this.set({ status: r.status }, r.n);
      },
    });
    new client.Gauge({
      name: 'vigil_engine_lag_seconds',
      help: 'Delay between an engine wake-up and the start of each module',
      labelNames: ['module'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [m, s] of self.engine?.stats ?? []) this.set({ module: m }, s.lastLagMs / 1000);
      },
    });
    new client.Gauge({
      name: 'vigil_engine_module_failures',
      help: 'Engine module runs that failed, by module',
      labelNames: ['module'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [m, s] of self.engine?.stats ?? []) this.set({ module: m }, s.failures);
      },
    });
    this.deliveries = new client.Counter({ name: 'vigil_deliveries_total', help: 'Delivery attempts by channel, outcome and reason', labelNames: ['channel', 'outcome', 'reason'], registers: [this.registry] });
    this.latency = new client.Histogram({
      name: 'vigil_delivery_latency_seconds',
      help: 'From when a notification was due to when its channel accepted it',
      labelNames: ['channel'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [this.registry],
    });
  }

  attachEngine(engine: Engine): void {
    this.engine = engine;
  }

  record(channel: string, outcome: 'sent' | 'retryable' | 'permanent', reason: string | null, latencyMs: number | null): void {
    // Reasons are free text from receivers; keep the label set small by its first words.
    const r = reason ? reason.replace(/[0-9]+/g, 'N').split(/[:(]/)[0]!.trim().slice(0, 40) : '';
    this.deliveries.inc({ channel, outcome, reason: r });
    if (latencyMs !== null) this.latency.observe({ channel }, Math.max(0, latencyMs) / 1000);
  }
}
