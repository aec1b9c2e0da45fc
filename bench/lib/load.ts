/**
 * Load: ~1 KB Events API v2 trigger events (and the same alerts in Alertmanager's
 * /api/v2/alerts shape), sent with autocannon from this process. Every run is
 * bounded in time (duration) and in count (maxOverallRequests), and a watchdog
 * stops a run that overstays.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';

/** Pads custom_details so the serialized event is ~1,024 bytes with a 32-char dedup key. */
const PAD = 'x'.repeat(504);

export function eventBody(routingKey: string, dedupKey: string): string {
  return JSON.stringify({
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    client: 'bench',
    payload: {
      summary: 'Chat queue not answering: 42 conversations waiting longer than 5 minutes',
      source: 'chat-gw-1.harbor.example',
      severity: 'critical',
      component: 'chat-gateway',
      group: 'crisis-chat',
      class: 'queue-latency',
      custom_details: { queue_depth: 42, oldest_wait_seconds: 318, region: 'us-east-1', runbook: 'https://wiki.harbor.example/runbooks/chat-queue', note: PAD },
    },
  });
}

/** One Alertmanager alert (API v2), padded to the same ~1 KB. */
export function amAlertBody(instance: string, extraLabels: Record<string, string> = {}): string {
  return JSON.stringify([
    {
      labels: { alertname: 'ChatQueueNotAnswering', severity: 'critical', service: 'crisis-chat', instance, ...extraLabels },
      annotations: {
        summary: 'Chat queue not answering: 42 conversations waiting longer than 5 minutes',
        source: 'chat-gw-1.harbor.example',
        runbook: 'https://wiki.harbor.example/runbooks/chat-queue',
        note: PAD + 'x'.repeat(30),
      },
      generatorURL: 'http://prometheus.harbor.example/graph?g0.expr=chat_queue_depth',
    },
  ]);
}

export interface LoadResult {
  /** 2xx answers per second over the run's actual duration. */
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  seconds: number;
}

export interface LoadSpec {
  url: string;
  /** One body repeated (with `[<id>]` replaced by a unique id per request when `unique`), or several bodies cycled per connection. */
  bodies: string[];
  unique?: boolean;
  seconds: number;
  connections: number;
  /** Requests per second across all connections (autocannon overallRate); unset = as fast as the server answers. */
  rate?: number;
}

export async function load(spec: LoadSpec): Promise<LoadResult> {
  const maxOverallRequests = Math.ceil(spec.seconds * 100_000);
  const opts = {
    url: spec.url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    connections: spec.connections,
    duration: spec.seconds,
    timeout: 10,
    maxOverallRequests,
    ...(spec.rate ? { overallRate: Math.max(1, Math.floor(spec.rate)) } : {}),
    ...(spec.bodies.length === 1 ? { body: spec.bodies[0]!, idReplacement: !!spec.unique } : { requests: spec.bodies.map((body) => ({ method: 'POST', body })), idReplacement: !!spec.unique }),
  };
  const instance = autocannon(opts);
  const watchdog = setTimeout(() => instance.stop(), (spec.seconds + 20) * 1000);
  try {
    const r = await instance;
    const seconds = Math.max(0.001, (r.finish.getTime() - r.start.getTime()) / 1000);
    const statusCodes = Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, v.count]));
    return { rps: r['2xx'] / seconds, p50: r.latency.p50, p99: r.latency.p99, ok: r['2xx'], non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts, statusCodes, seconds };
  } finally {
    clearTimeout(watchdog);
  }
}

/**
 * Probes for the end-to-end figures: `count` events sent at `perSecond`, each
 * stamped with the wall-clock instant just before its request is written. Returns
 * key → send time, and how many were not answered 2xx.
 */
export async function sendProbes(url: string, bodies: { key: string; body: string }[], perSecond: number): Promise<{ sent: Map<string, number>; failed: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const sent = new Map<string, number>();
  let failed = 0;
  const target = new URL(url);
  const started = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < bodies.length; i++) {
    const due = started + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const { key, body } = bodies[i]!;
    inflight.push(
      new Promise<void>((resolve) => {
        const req = http.request(
          { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, timeout: 10_000 },
          (res) => {
            if (res.statusCode! < 200 || res.statusCode! >= 300) failed++;
            res.resume();
            res.on('end', resolve);
          },
        );
        req.on('error', () => {
          failed++;
          resolve();
        });
        req.on('timeout', () => req.destroy(new Error('timeout')));
        sent.set(key, performance.timeOrigin + performance.now());
        req.end(body);
      }),
    );
  }
  await Promise.all(inflight);
  agent.destroy();
  return { sent, failed };
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[idx]!;
}
