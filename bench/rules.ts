/**
 * Event rule evaluation, timed alone (pure code, no server, no database): how many
 * events per second one core runs through 200 rules. Two rule sets of 200 rules each,
 * a realistic mix (equality and contains on fields and custom_details, and/or pairs,
 * 10 % regexes, numeric comparisons with a weekday time window), and 1,000 distinct
 * events of about 1 KB:
 *
 * - service: no rule matches, so all 200 are evaluated and the catch-all applies (the
 *   worst case);
 * - router: the event matches the last rule.
 *
 * Each figure is the median of 5 timed runs after a warm-up. Instants are fixed.
 *
 *   npm run bench:build && node dist/bench/bench/rules.js
 */
import { pathToFileURL } from 'node:url';
import { applyServiceRules, buildPath, routeEvent, type CompiledRouter, type CompiledServiceRules, type RuleEvent } from '../src/server/rules/rules.js';

const NOW = Date.parse('2026-03-04T10:30:00Z'); // a Wednesday, inside office hours in Paris
const RULES = 200;
const RUNS = 5;
const RUN_MS = 400;

function expression(i: number): string {
  switch (i % 10) {
    case 4:
      return `event.source matches part 'rack-${i}.'`;
    case 5:
      return `event.summary matches part 'code ${i}:'`;
    case 6:
      return `event.severity matches 'critical' and event.component matches 'svc-${i}'`;
    case 7:
      return `event.custom_details.region matches 'zone-${i}' or event.custom_details.team matches 'team-${i}'`;
    case 8:
      return `event.summary matches regex '^(ERR|WARN)-${i}\\b'`;
    case 9:
      return `event.custom_details.latency_ms > ${100_000 + i} and now in Mon,Tue,Wed,Thu,Fri 09:00:00 to 17:00:00 Europe/Paris`;
    default:
      return `event.custom_details.check matches 'check_${i}'`;
  }
}

function events(n: number): RuleEvent[] {
  return Array.from({ length: n }, (_, k) => ({
    summary: `Checkout latency above SLO on web-${k % 97} (p99 ${800 + (k % 400)} ms)`,
    source: `web-${k % 97}.eu-west-3.prod.example`,
    severity: 'error',
    component: 'checkout',
    group: 'web',
    class: 'latency',
    custom_details: {
      check: 'http_latency_p99',
      region: 'eu-west-3',
      team: 'payments',
      latency_ms: 800 + (k % 400),
      threshold_ms: 800,
      env: 'prod',
      host: `web-${k % 97}`,
      runbook: 'https://runbooks.example/checkout/latency',
      labels: { app: 'checkout', tier: 'frontend', cluster: 'eu-west-3a', pod: `checkout-${k}-7f9c` },
      description: 'The 99th percentile of checkout request latency has been above the SLO threshold for 5 minutes. '.repeat(4),
    },
    links: [{ href: 'https://grafana.example/d/checkout', text: 'Dashboard' }],
    timestamp: NOW - 5_000,
    dedup_key: `checkout-latency-web-${k % 97}`,
    client: 'Prometheus',
  }));
}

function compiled<T>(type: 'router' | 'service', path: unknown, index = true): T {
  let n = 0;
  const built = buildPath(type, path, { newRuleId: () => `r${++n}`, index });
  if (!built.ok) throw new Error(built.errors.join('\n'));
  return built.compiled as T;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Events per second through `run`, cycling over `pool`. */
function rate(pool: RuleEvent[], run: (e: RuleEvent) => unknown): number {
  const rates: number[] = [];
  for (let r = -1; r < RUNS; r++) {
    let n = 0;
    const started = performance.now();
    let elapsed = 0;
    while (elapsed < RUN_MS) {
      for (let i = 0; i < 1000; i++) run(pool[(n + i) % pool.length]!);
      n += 1000;
      elapsed = performance.now() - started;
    }
    if (r >= 0) rates.push((n * 1000) / elapsed);
  }
  return median(rates);
}

export interface RulesBenchFigure {
  name: string;
  eventsPerSecond: number;
  microsecondsPerEvent: number;
}

export function benchRules(): RulesBenchFigure[] {
  const pool = events(1000);
  const servicePath = {
    sets: [{ id: 'start', rules: Array.from({ length: RULES }, (_, i) => ({ label: `rule ${i}`, conditions: [{ expression: expression(i) }], actions: { severity: 'critical', annotate: `rule ${i}` } })) }],
    catch_all: { actions: { urgency: 'low' } },
  };
  const service = compiled<CompiledServiceRules>('service', servicePath);
  const unindexed = compiled<CompiledServiceRules>('service', servicePath, false);
  const router = compiled<CompiledRouter>('router', {
    sets: [
      {
        id: 'start',
        rules: Array.from({ length: RULES }, (_, i) => ({
          conditions: [{ expression: i === RULES - 1 ? "event.custom_details.team matches 'payments'" : expression(i) }],
          actions: { route_to: `SERVICE${i}` },
        })),
      },
    ],
  });
  // The bench measures what it claims: nothing matches the service rules, the router's last rule matches.
  if (applyServiceRules(service, pool[0]!, NOW).matched[0]!.rule !== null) throw new Error('a service rule matched');
  if (routeEvent(router, pool[0]!, NOW).routeTo !== `SERVICE${RULES - 1}`) throw new Error('the router did not reach its last rule');
  const figures = [
    { name: `rules: service, ${RULES} rules, none matches (all evaluated, then the catch-all)`, eps: rate(pool, (e) => applyServiceRules(service, e, NOW)) },
    { name: `rules: router, ${RULES} rules, the last one matches`, eps: rate(pool, (e) => routeEvent(router, e, NOW)) },
    { name: `rules: router then service (${RULES} + ${RULES} rules)`, eps: rate(pool, (e) => applyServiceRules(service, e, routeEvent(router, e, NOW) && NOW)) },
    { name: `rules: service, ${RULES} rules, none matches, every rule tried (no guard index)`, eps: rate(pool, (e) => applyServiceRules(unindexed, e, NOW)) },
  ];
  return figures.map((f) => ({ name: f.name, eventsPerSecond: f.eps, microsecondsPerEvent: 1e6 / f.eps }));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const f of benchRules()) process.stdout.write(`${f.name}: ${Math.round(f.eventsPerSecond).toLocaleString('en-US')} events/s per core (${f.microsecondsPerEvent.toFixed(2)} µs per event)\n`);
}
