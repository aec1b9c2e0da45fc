/**
 * `npm run bench [-- --quick] [-- --runs N] [-- --only bare,sqlite,postgres,scale,alertmanager,schedule,rules,push,channels,analytics,startup] [-- --cpu-prof]`
 *
 * Measures the figures of DESIGN.md §10 in one run, side by side: Vigil on SQLite
 * and on PostgreSQL, a bare node:http server that only parses the same JSON, and
 * Prometheus Alertmanager where it is installed. Every server is a child process
 * on 127.0.0.1; the load (autocannon) runs in this process. Every load is bounded
 * in time and count. Each figure is the median of N runs (3; 1 with --quick), with
 * min and max. Prints one markdown table and writes bench/results/latest.json.
 *
 * Vigil runs as shipped (`node dist/cli/main.js serve`, default log level,
 * SQLite WAL flushed before every answer) except VIGIL_INGEST_RATE=0: the per-integration rate limit
 * (500/s) would otherwise answer 429 to the load itself.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { benchScheduleRender } from './schedule-render.js';
import { benchRules } from './rules.js';
import { benchPushLatency } from './push.js';
import { BENCH_CHANNELS, benchChannelLatency } from './channels.js';
import { benchAnalytics } from './analytics.js';
import { IDLE_MS, SHIPPED_ENV, benchStartup } from './startup.js';
import { alertmanagerBinary, startAlertmanager } from './lib/alertmanager.js';
import { amAlertBody, eventBody, load, percentile, sendProbes, type LoadResult } from './lib/load.js';
import { BENCH_DIST, REPO, freePort, memoryOf, sleep, spawnChild, waitReady, type Child } from './lib/proc.js';
import { armTimers, countOpenAlerts, createBenchDb, PG_ADMIN_URL, postgresReachable, seedFixture, seedOpenAlerts, seedOpenIncidents, tempRoot, timerLateness, type BenchDb, type Fixture } from './lib/seed.js';
import type { DialectName } from '../src/server/storage/dialect.js';
import { sql } from 'kysely';
import pg from 'pg';

const { values: argv } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    seconds: { type: 'string' },
    only: { type: 'string' },
    'cpu-prof': { type: 'boolean', default: false },
    /** Extra node/V8 flags for every `vigil serve` the bench starts (e.g. to price a memory flag). */
    'node-args': { type: 'string' },
    'no-alertmanager': { type: 'boolean', default: false },
    'open-incidents': { type: 'string' },
    'open-alerts': { type: 'string' },
  },
  strict: true,
});

const QUICK = argv.quick!;
const CFG = {
  runs: Number(argv.runs ?? (QUICK ? 1 : 3)),
  /** Seconds of each throughput / latency load. */
  seconds: Number(argv.seconds ?? (QUICK ? 2 : 8)),
  warmupSeconds: QUICK ? 0.5 : 3,
  connections: 64,
  /** End-to-end probes: events per second, and seconds per run. */
  probeRate: 20,
  probeSeconds: QUICK ? 2 : 10,
  /** Escalation timers: open incidents, how many come due during the window, and the window. */
  openIncidents: Number(argv['open-incidents'] ?? 10_000),
  timersDuePerSecond: 100,
  timerWindowSeconds: QUICK ? 3 : 20,
  openAlerts: Number(argv['open-alerts'] ?? 100_000),
  /** With --quick, only SQLite (the default) is seeded with the open alerts, and Alertmanager's memory is not measured: each takes 10–25 s here. */
  openAlertsOn: (d: DialectName) => !QUICK || d === 'sqlite',
  alertmanagerMemory: !QUICK,
  repeatedKeys: 16,
};
const ONLY = new Set((argv.only ?? 'schedule,rules,push,channels,analytics,startup,bare,sqlite,postgres,scale,alertmanager').split(',').map((s) => s.trim()));
const RESULTS_DIR = path.join(REPO, 'bench', 'results');
const PROF_DIR = path.join(RESULTS_DIR, 'prof');

const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

// ---------- statistics ----------

interface Stat {
  median: number;
  min: number;
  max: number;
  values: number[];
}
function stat(values: number[]): Stat | null {
  const v = values.filter((x) => Number.isFinite(x));
  if (!v.length) return null;
  const s = [...v].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, values: v };
}

// ---------- result model ----------

type Column = 'sqlite' | 'postgres' | 'bare' | 'alertmanager';
interface Row {
  id: string;
  label: string;
  unit: string;
  cells: Partial<Record<Column, Stat | null>>;
  /** Free text per column when a cell is not a number (e.g. "not installed"). */
  notes?: Partial<Record<Column, string>>;
  target?: string;
  met?: string;
}
const rows: Row[] = [];
const raw: Record<string, unknown> = {};
const problems: string[] = [];

function row(id: string, label: string, unit: string, target?: string): Row {
  let r = rows.find((x) => x.id === id);
  if (!r) {
    r = { id, label, unit, cells: {}, ...(target ? { target } : {}) };
    rows.push(r);
  }
  return r;
}

// ---------- children ----------

let TMP = '';
const children: Child[] = [];

async function startVigil(name: string, db: BenchDb, extraEnv: Record<string, string> = {}): Promise<{ child: Child; url: string }> {
  const port = await freePort();
  const nodeArgs = [...(argv['node-args'] ?? '').split(' ').filter(Boolean), ...(argv['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${PROF_DIR}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`] : [])];
  const child = spawnChild(name, process.execPath, [...nodeArgs, path.join(REPO, 'dist/cli/main.js'), 'serve', '--port', String(port)], {
    ...db.env,
    VIGIL_INGEST_RATE: '0',
    // As shipped: `npm start` and the systemd unit set it (bench/startup.ts).
    ...SHIPPED_ENV,
    // The bench's webhook receiver listens on loopback, which the outbound policy refuses by default.
    VIGIL_OUTBOUND_ALLOW: '127.0.0.1',
    // Every node of a PostgreSQL run must seal secrets with the same key.
    VIGIL_SECRET_KEY: Buffer.alloc(32, 9).toString('base64'),
    VIGIL_PUBLIC_URL: `http://127.0.0.1:${port}`,
    ...extraEnv,
  }, TMP);
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(child, `${url}/readyz`);
  return { child, url };
}

async function startScript(name: string, script: string): Promise<{ child: Child; url: string }> {
  const port = await freePort();
  const child = spawnChild(name, process.execPath, [path.join(BENCH_DIST, script), String(port)], {}, TMP);
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(child, `${url}/healthz`);
  return { child, url };
}

async function stopAll(): Promise<void> {
  await Promise.all(children.map((c) => c.stop().catch(() => {})));
}

// ---------- phases ----------

interface Target {
  column: Column;
  /** Where events are POSTed. */
  ingestUrl: string;
  distinctBody: string;
  repeatedBodies: string[];
  /** Probe events for the end-to-end figures: key → body, posted to probeUrl. */
  probe?: { url: string; make: (key: string, i: number) => string };
  pid: number;
}

/**
 * Between loads: wait until the server answers a cheap request promptly again, so a
 * run does not start behind the previous run's backlog (bounded: 15 s).
 */
async function settle(url: string): Promise<void> {
  const origin = new URL(url).origin;
  const path = url.includes('/api/v2/alerts') ? '/-/healthy' : '/healthz';
  const deadline = Date.now() + 15_000;
  let quick = 0;
  while (Date.now() < deadline && quick < 2) {
    const t0 = performance.now();
    const ok = await fetch(origin + path, { signal: AbortSignal.timeout(5_000) }).then((r) => r.ok, () => false);
    quick = ok && performance.now() - t0 < 25 ? quick + 1 : 0;
    await sleep(100);
  }
}

async function measured(spec: Parameters<typeof load>[0]): Promise<LoadResult> {
  await settle(spec.url);
  const r = await load(spec);
  if (r.ok < 200) problems.push(`a ${spec.seconds}s load on ${spec.url} got only ${r.ok} answers: the server was too slow (or the machine too busy) for a reliable figure`);
  return r;
}

async function ingestFigures(t: Target): Promise<{ max: number }> {
  log(`${t.column}: warm-up ${CFG.warmupSeconds}s`);
  await load({ url: t.ingestUrl, bodies: [t.distinctBody], unique: true, seconds: CFG.warmupSeconds, connections: CFG.connections });
  const distinct: LoadResult[] = [];
  const repeated: LoadResult[] = [];
  for (let i = 0; i < CFG.runs; i++) {
    distinct.push(await measured({ url: t.ingestUrl, bodies: [t.distinctBody], unique: true, seconds: CFG.seconds, connections: CFG.connections }));
    log(`${t.column}: distinct keys run ${i + 1}: ${distinct.at(-1)!.rps.toFixed(0)} req/s, p99 ${distinct.at(-1)!.p99} ms, non-2xx ${distinct.at(-1)!.non2xx}, errors ${distinct.at(-1)!.errors}`);
    repeated.push(await measured({ url: t.ingestUrl, bodies: t.repeatedBodies, seconds: CFG.seconds, connections: CFG.connections }));
    log(`${t.column}: repeated keys run ${i + 1}: ${repeated.at(-1)!.rps.toFixed(0)} req/s, p99 ${repeated.at(-1)!.p99} ms, non-2xx ${repeated.at(-1)!.non2xx}`);
  }
  for (const [name, rs] of [['distinct', distinct], ['repeated', repeated]] as const) {
    const bad = rs.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0);
    if (bad) problems.push(`${t.column} ${name}-key load: ${bad} answers were not 2xx (status codes ${JSON.stringify(rs.map((r) => r.statusCodes))})`);
  }
  raw[`${t.column}.ingest.distinct`] = distinct;
  raw[`${t.column}.ingest.repeated`] = repeated;
  row('ingest.distinct', 'Ingest throughput, distinct dedup keys (1 KB events, 64 connections)', 'req/s').cells[t.column] = stat(distinct.map((r) => r.rps));
  row('ingest.repeated', `Ingest throughput, ${CFG.repeatedKeys} repeated dedup keys`, 'req/s').cells[t.column] = stat(repeated.map((r) => r.rps));
  row('latency.max.p50', 'Ingest latency p50 at maximum load (distinct keys)', 'ms').cells[t.column] = stat(distinct.map((r) => r.p50));
  row('latency.max.p99', 'Ingest latency p99 at maximum load (distinct keys)', 'ms').cells[t.column] = stat(distinct.map((r) => r.p99));
  const max = stat(distinct.map((r) => r.rps))!.median;

  const half: LoadResult[] = [];
  for (let i = 0; i < CFG.runs; i++) {
    half.push(await measured({ url: t.ingestUrl, bodies: [t.distinctBody], unique: true, seconds: CFG.seconds, connections: CFG.connections, rate: max / 2 }));
    log(`${t.column}: half load (${(max / 2).toFixed(0)}/s) run ${i + 1}: ${half.at(-1)!.rps.toFixed(0)} req/s, p50 ${half.at(-1)!.p50} ms, p99 ${half.at(-1)!.p99} ms`);
  }
  raw[`${t.column}.ingest.half`] = half;
  row('latency.half.p50', 'Ingest latency p50 at half of maximum load', 'ms').cells[t.column] = stat(half.map((r) => r.p50));
  row('latency.half.p99', 'Ingest latency p99 at half of maximum load', 'ms', '< 20 ms').cells[t.column] = stat(half.map((r) => r.p99));
  return { max };
}

async function endToEnd(t: Target, receiverUrl: string, max: number, tag: string): Promise<void> {
  if (!t.probe) return;
  const probe = t.probe;
  const perRun = CFG.probeRate * CFG.probeSeconds;
  let seq = 0;
  const oneRun = async (withLoad: boolean) => {
    const keys = Array.from({ length: perRun }, () => `probe-${tag}-${withLoad ? 'h' : 's'}-${seq++}`);
    const bodies = keys.map((key, i) => ({ key, body: probe.make(key, i) }));
    await settle(t.ingestUrl);
    const background = withLoad ? load({ url: t.ingestUrl, bodies: [t.distinctBody], unique: true, seconds: CFG.probeSeconds + 1, connections: CFG.connections, rate: max / 2 }) : null;
    if (background) await sleep(500);
    const { sent, failed } = await sendProbes(probe.url, bodies, CFG.probeRate);
    const bg = background ? await background : null;
    const deadline = Date.now() + 15_000;
    let arrivals: Record<string, number> = {};
    while (Date.now() < deadline) {
      arrivals = (await (await fetch(`${receiverUrl}/arrivals`)).json()) as Record<string, number>;
      if (keys.every((k) => k in arrivals || !sent.has(k))) break;
      await sleep(200);
    }
    const lat = keys.filter((k) => sent.has(k) && k in arrivals).map((k) => arrivals[k]! - sent.get(k)!);
    const missing = keys.length - lat.length;
    return { p50: percentile(lat, 50), p99: percentile(lat, 99), max: Math.max(...lat), n: lat.length, missing, failed, background: bg ? { rps: bg.rps, p99: bg.p99, non2xx: bg.non2xx } : null };
  };
  for (const withLoad of [false, true]) {
    const runs = [];
    for (let i = 0; i < CFG.runs; i++) {
      const r = await oneRun(withLoad);
      runs.push(r);
      log(`${t.column}: trigger→webhook ${withLoad ? `at half load (${(max / 2).toFixed(0)}/s)` : `at ${CFG.probeRate}/s`} run ${i + 1}: p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(1)} ms, n ${r.n}, missing ${r.missing}, failed sends ${r.failed}`);
      if (r.missing || r.failed) problems.push(`${t.column} end-to-end ${withLoad ? 'at half load' : 'steady'}: ${r.missing} probes never reached the receiver within 15 s, ${r.failed} probe sends failed`);
    }
    raw[`${t.column}.e2e.${withLoad ? 'half' : 'steady'}`] = runs;
    if (withLoad) {
      row('e2e.half.p50', 'Trigger → webhook p50 at half of maximum load (+20/s probes)', 'ms').cells[t.column] = stat(runs.map((r) => r.p50));
      row('e2e.half.p99', 'Trigger → webhook p99 at half of maximum load', 'ms', '≤ 250 ms').cells[t.column] = stat(runs.map((r) => r.p99));
    } else {
      row('e2e.steady.p50', `Trigger → webhook p50 at a steady ${CFG.probeRate} events/s`, 'ms', '≤ 10 ms').cells[t.column] = stat(runs.map((r) => r.p50));
      row('e2e.steady.p99', `Trigger → webhook p99 at a steady ${CFG.probeRate} events/s`, 'ms', '≤ 25 ms').cells[t.column] = stat(runs.map((r) => r.p99));
    }
  }
}

/** Ingest throughput on a service with 200 event rules that match nothing, beside the plain load service's (DESIGN §10: under 10%). */
async function rulesCost(t: Target, ruledBody: string): Promise<void> {
  const runs: LoadResult[] = [];
  await load({ url: t.ingestUrl, bodies: [ruledBody], unique: true, seconds: CFG.warmupSeconds, connections: CFG.connections });
  for (let i = 0; i < CFG.runs; i++) {
    runs.push(await measured({ url: t.ingestUrl, bodies: [ruledBody], unique: true, seconds: CFG.seconds, connections: CFG.connections }));
    log(`${t.column}: distinct keys, 200 rules, run ${i + 1}: ${runs.at(-1)!.rps.toFixed(0)} req/s`);
  }
  raw[`${t.column}.ingest.rules200`] = runs;
  const bad = runs.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0);
  if (bad) problems.push(`${t.column} 200-rule load: ${bad} answers were not 2xx`);
  row('ingest.rules200', 'Ingest throughput, distinct keys, 200 event rules on the service (none matching)', 'req/s').cells[t.column] = stat(runs.map((r) => r.rps));
  const plain = row('ingest.distinct', '', '').cells[t.column];
  if (plain) row('ratio.rules200', 'Cost of 200 event rules (1 − ruled / plain throughput)', '×', '< 0.10').cells[t.column] = stat(runs.map((r) => 1 - r.rps / plain.median));
}

/** Probe services needed per dialect: one per probe event. */
const probesNeeded = () => CFG.runs * CFG.probeRate * CFG.probeSeconds * 2;

async function vigilPhase(dialect: DialectName, receiverUrl: string, bareMax: number | null): Promise<void> {
  const column: Column = dialect;
  const db = await createBenchDb(dialect, TMP);
  try {
    log(`${dialect}: seeding fixture, ${probesNeeded()} probe services, ${CFG.openIncidents} open incidents, ${CFG.openAlertsOn(dialect) ? CFG.openAlerts : 0} open alerts`);
    const h = db.open();
    let fx: Fixture;
    let firstTimer: number;
    try {
      fx = await seedFixture(h, `${receiverUrl}/hook`, probesNeeded());
      ({ firstNumber: firstTimer } = await seedOpenIncidents(h, fx, CFG.openIncidents));
      if (CFG.openAlerts > 0 && CFG.openAlertsOn(dialect)) await seedOpenAlerts(h, fx, CFG.openAlerts, 100);
      // The seed leaves a large WAL (SQLite) or dirty buffers (PostgreSQL): flush them now, so the
      // first measured load does not pay for the seeding's checkpoint.
      await sql.raw(dialect === 'sqlite' ? 'PRAGMA wal_checkpoint(TRUNCATE)' : 'CHECKPOINT').execute(h.db);
    } finally {
      await h.close();
    }
    const { child, url } = await startVigil(`vigil-${dialect}`, db);
    const t: Target = {
      column,
      ingestUrl: `${url}/v2/enqueue`,
      distinctBody: eventBody(fx.loadKey, '[<id>]'),
      repeatedBodies: Array.from({ length: CFG.repeatedKeys }, (_, i) => eventBody(fx.loadKey, `storm-repeat-${i}`)),
      probe: { url: `${url}/v2/enqueue`, make: (key, i) => eventBody(fx.probeKeys[probeCursor[dialect]++ % fx.probeKeys.length]!, key) },
      pid: child.pid,
    };
    const { max } = await ingestFigures(t);
    await rulesCost(t, eventBody(fx.rulesKey, '[<id>]'));
    if (bareMax) row('ratio.bare', 'Ratio to the bare node:http server (Vigil distinct keys / bare server capacity)', '×', 'SQLite ≥ 0.30, PostgreSQL ≥ 0.25').cells[column] = ratioStat(row('ingest.distinct', '', '').cells[column], bareMax);
    await endToEnd(t, receiverUrl, max, dialect);

    // Escalation timers: CFG.openIncidents open incidents at level 2; some come due during the window.
    const due = CFG.timersDuePerSecond * CFG.timerWindowSeconds;
    const h2 = db.open();
    try {
      await settle(t.ingestUrl);
      const t0 = Date.now() + 1_500;
      await armTimers(h2, fx, firstTimer, due, t0, 1000 / CFG.timersDuePerSecond);
      log(`${dialect}: ${due} of ${CFG.openIncidents} open incidents come due over ${CFG.timerWindowSeconds}s`);
      const deadline = t0 + CFG.timerWindowSeconds * 1000 + 30_000;
      let late: number[] = [];
      while (Date.now() < deadline) {
        await sleep(500);
        late = await timerLateness(h2, fx);
        if (late.length >= due && Date.now() > t0 + CFG.timerWindowSeconds * 1000) break;
      }
      const missed = due - late.length;
      if (missed > 0) problems.push(`${dialect} escalation timers: ${missed} of ${due} due steps had not fired 30 s after the window`);
      raw[`${column}.timers`] = { due, fired: late.length, p50: percentile(late, 50), p99: percentile(late, 99), max: Math.max(...late) };
      log(`${dialect}: timers fired ${late.length}/${due}: lateness p50 ${percentile(late, 50)} ms, p99 ${percentile(late, 99)} ms, max ${Math.max(...late)} ms`);
      const dueLabel = `${CFG.timersDuePerSecond}/s due among ${CFG.openIncidents.toLocaleString('en')} open incidents`;
      row('timers.p50', `Escalation timer lateness p50 (${dueLabel})`, 'ms').cells[column] = stat([percentile(late, 50)]);
      row('timers.p99', 'Escalation timer lateness p99', 'ms').cells[column] = stat([percentile(late, 99)]);
      row('timers.max', 'Escalation timer lateness max', 'ms', '≤ 1,000 ms').cells[column] = stat([Math.max(...late)]);

      // Memory: after everything above, with the seeded open alerts plus those the load added:
      // 3 s after the last load, and idle (60 s after it; the full run only).
      await sleep(3_000);
      const open = await countOpenAlerts(h2.db);
      const mem = memoryOf(child.pid);
      log(`${dialect}: ${open} open alerts, RSS ${mem?.rssMiB.toFixed(0)} MiB 3 s after the load, peak ${mem?.peakMiB.toFixed(0)} MiB`);
      row('memory.after', `Resident memory 3 s after the last load, with ${CFG.openAlerts.toLocaleString('en')} open alerts seeded`, 'MiB').cells[column] = stat([mem?.rssMiB ?? NaN]);
      let idle = NaN;
      if (!QUICK) {
        await sleep(IDLE_MS - 3_000);
        idle = memoryOf(child.pid)?.rssMiB ?? NaN;
        log(`${dialect}: RSS ${idle.toFixed(0)} MiB idle, ${IDLE_MS / 1000} s after the load`);
      }
      raw[`${column}.memory`] = { openAlerts: open, ...mem, idleRssMiB: idle };
      row('memory.rss', `Idle resident memory after the load (${IDLE_MS / 1000} s after it), with ${CFG.openAlerts.toLocaleString('en')} open alerts seeded`, 'MiB', '< 200 MiB').cells[column] = stat([idle]);
      row('memory.peak', 'Peak resident memory over the whole run (VmHWM)', 'MiB').cells[column] = stat([mem?.peakMiB ?? NaN]);
      (row('memory.rss', '', '').notes ??= {})[column] = QUICK ? 'full run only' : `${open.toLocaleString('en')} open alerts`;
      (row('memory.after', '', '').notes ??= {})[column] = CFG.openAlertsOn(dialect) ? `${open.toLocaleString('en')} open alerts` : `only ${open.toLocaleString('en')} open alerts: --quick seeds SQLite only`;
    } finally {
      await h2.close();
    }
    await child.stop();
  } finally {
    await db.drop().catch((e: unknown) => log(`drop failed: ${String(e)}`));
  }
}
const probeCursor: Record<DialectName, number> = { sqlite: 0, postgres: 0 };

function ratioStat(s: Stat | null | undefined, denominator: number): Stat | null {
  if (!s || !denominator) return null;
  return stat(s.values.map((v) => v / denominator));
}

async function barePhase(): Promise<number> {
  const { child, url } = await startScript('bare', 'bare-server.js');
  const key = 'r'.repeat(32);
  const { max } = await ingestFigures({
    column: 'bare',
    ingestUrl: `${url}/v2/enqueue`,
    distinctBody: eventBody(key, '[<id>]'),
    repeatedBodies: Array.from({ length: CFG.repeatedKeys }, (_, i) => eventBody(key, `storm-repeat-${i}`)),
    pid: child.pid,
  });
  const mem = memoryOf(child.pid);
  raw['bare.memory'] = mem;
  await child.stop();
  // The bare server does the same work whatever the dedup key; its distinct-key figure is
  // lower only because autocannon rebuilds every request to give it a fresh id (the load
  // generator shares the machine). Its capacity is the better of the two figures.
  const repeated = row('ingest.repeated', '', '').cells.bare?.median ?? 0;
  return Math.max(max, repeated);
}

async function scalePhase(): Promise<void> {
  const db = await createBenchDb('postgres', TMP);
  try {
    const h = db.open();
    let fx: Fixture;
    try {
      fx = await seedFixture(h, 'http://127.0.0.1:9/unused', 0);
    } finally {
      await h.close();
    }
    // One node alone first (a second node's engine would wake on every NOTIFY of the first), then two.
    const body = eventBody(fx.loadKey, '[<id>]');
    const a = await startVigil('vigil-node-a', db);
    await load({ url: `${a.url}/v2/enqueue`, bodies: [body], unique: true, seconds: CFG.warmupSeconds, connections: CFG.connections });
    const one: number[] = [];
    const two: number[] = [];
    const check = (r: LoadResult) => {
      if (r.non2xx || r.errors) problems.push(`scale-out: ${r.non2xx} non-2xx, ${r.errors} errors (${JSON.stringify(r.statusCodes)})`);
    };
    for (let i = 0; i < CFG.runs; i++) {
      const r1 = await measured({ url: `${a.url}/v2/enqueue`, bodies: [body], unique: true, seconds: CFG.seconds, connections: CFG.connections });
      check(r1);
      one.push(r1.rps);
      log(`scale-out run ${i + 1}: one node ${r1.rps.toFixed(0)} req/s`);
    }
    const b = await startVigil('vigil-node-b', db);
    await Promise.all([a, b].map((n) => load({ url: `${n.url}/v2/enqueue`, bodies: [body], unique: true, seconds: CFG.warmupSeconds, connections: CFG.connections / 2 })));
    for (let i = 0; i < CFG.runs; i++) {
      await settle(`${a.url}/v2/enqueue`);
      await settle(`${b.url}/v2/enqueue`);
      const [ra, rb] = await Promise.all([a, b].map((n) => load({ url: `${n.url}/v2/enqueue`, bodies: [body], unique: true, seconds: CFG.seconds, connections: CFG.connections / 2 })));
      check(ra!);
      check(rb!);
      two.push(ra!.rps + rb!.rps);
      log(`scale-out run ${i + 1}: two nodes ${ra!.rps.toFixed(0)} + ${rb!.rps.toFixed(0)} = ${(ra!.rps + rb!.rps).toFixed(0)} req/s`);
    }
    raw['scale'] = { one, two };
    row('scale.one', 'PostgreSQL, one node (api+engine): ingest throughput', 'req/s').cells.postgres = stat(one);
    row('scale.two', 'PostgreSQL, two nodes (api+engine) on one database, load split across both', 'req/s').cells.postgres = stat(two);
    row('scale.ratio', 'Two nodes / one node', '×', '≥ 1.5').cells.postgres = stat(two.map((v, i) => v / one[i]!));
    await Promise.all([a.child.stop(), b.child.stop()]);
  } finally {
    await db.drop().catch(() => {});
  }
}

async function alertmanagerPhase(receiverUrl: string, bareMax: number | null): Promise<void> {
  const bin = alertmanagerBinary();
  if (!bin || argv['no-alertmanager']) {
    const why = bin ? 'skipped (--no-alertmanager)' : 'not installed (apt-get install prometheus-alertmanager)';
    log(`alertmanager: ${why}`);
    (row('ingest.distinct', '', '').notes ??= {}).alertmanager = why;
    return;
  }
  const version = (() => {
    try {
      return execFileSync(bin, ['--version'], { encoding: 'utf8' }).split('\n')[0]!.trim();
    } catch {
      return 'unknown version';
    }
  })();
  raw['alertmanager.version'] = version;
  const { child, url } = await startAlertmanager(bin, TMP, `${receiverUrl}/am`);
  children.push(child);
  const t: Target = {
    column: 'alertmanager',
    ingestUrl: `${url}/api/v2/alerts`,
    distinctBody: amAlertBody('[<id>]'),
    repeatedBodies: Array.from({ length: CFG.repeatedKeys }, (_, i) => amAlertBody(`storm-repeat-${i}`)),
    probe: { url: `${url}/api/v2/alerts`, make: (key) => amAlertBody(key, { alertname: 'Probe', probe: key }) },
    pid: child.pid,
  };
  const { max } = await ingestFigures(t);
  if (bareMax) row('ratio.bare', '', '').cells.alertmanager = ratioStat(row('ingest.distinct', '', '').cells.alertmanager, bareMax);
  for (const c of ['sqlite', 'postgres'] as const) {
    const v = row('ingest.distinct', '', '').cells[c];
    if (v) row('ratio.am', 'Ratio to Alertmanager (durable vs in memory, distinct keys)', '×', '≥ 1.0').cells[c] = ratioStat(v, max);
  }
  await endToEnd(t, receiverUrl, max, 'am');
  // Memory: alerts pushed in batches of 1,000 per request, then idle.
  if (!CFG.alertmanagerMemory) {
    (row('memory.after', '', '').notes ??= {}).alertmanager = 'full run only';
    await child.stop();
    return;
  }
  let pushed = 0;
  const batch = 1_000;
  const started = Date.now();
  while (pushed < CFG.openAlerts && Date.now() - started < 60_000) {
    const alerts = Array.from({ length: batch }, (_, i) => JSON.parse(amAlertBody(`mem-${pushed + i}`))[0]);
    const r = await fetch(`${url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
    if (r.status !== 200) {
      problems.push(`alertmanager memory seeding: HTTP ${r.status}`);
      break;
    }
    pushed += batch;
  }
  await sleep(3_000);
  const mem = memoryOf(child.pid);
  raw['alertmanager.memory'] = { pushed, ...mem };
  log(`alertmanager: ${pushed} alerts pushed for memory, RSS ${mem?.rssMiB.toFixed(0)} MiB, peak ${mem?.peakMiB.toFixed(0)} MiB`);
  row('memory.after', '', '').cells.alertmanager = stat([mem?.rssMiB ?? NaN]);
  (row('memory.after', '', '').notes ??= {}).alertmanager = `${pushed.toLocaleString('en')} alerts + the load's, in memory`;
  row('memory.peak', '', '').cells.alertmanager = stat([mem?.peakMiB ?? NaN]);
  await child.stop();
}

// ---------- output ----------

function fmtNum(v: number, unit: string): string {
  if (unit === '×') return v.toFixed(2);
  if (unit === 'req/s') return Math.round(v).toLocaleString('en');
  if (unit === 'MiB') return v.toFixed(0);
  return v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString('en');
}
function fmt(s: Stat | null | undefined, unit: string): string {
  if (!s) return '—';
  if (s.values.length < 2) return fmtNum(s.median, unit);
  return `${fmtNum(s.median, unit)} (${fmtNum(s.min, unit)}–${fmtNum(s.max, unit)})`;
}

function judge(r: Row): string {
  const m = (c: Column) => r.cells[c]?.median;
  const both = (pred: (v: number, c: Column) => boolean) => {
    const cols = (['sqlite', 'postgres'] as Column[]).filter((c) => m(c) !== undefined);
    if (!cols.length) return '';
    return cols.map((c) => `${c === 'sqlite' ? 'SQLite' : 'PG'} ${pred(m(c)!, c) ? 'met' : 'NOT met'}`).join(', ');
  };
  switch (r.id) {
    case 'ratio.bare':
      return both((v, c) => v >= (c === 'sqlite' ? 0.3 : 0.25));
    case 'ratio.am':
      return both((v) => v >= 1);
    case 'latency.half.p99':
      return both((v) => v < 20);
    case 'e2e.steady.p50':
      return both((v) => v <= 10);
    case 'e2e.steady.p99':
      return both((v) => v <= 25);
    case 'e2e.half.p99':
      return both((v) => v <= 250);
    case 'timers.max':
      return both((v) => v <= 1000);
    case 'memory.rss':
      return both((v) => v < 200);
    case 'startup.ready.seeded':
      return both((v) => v < 2000);
    case 'startup.idle.empty':
    case 'startup.idle.seeded':
      return both((v) => v < 100);
    case 'scale.ratio':
      return m('postgres') === undefined ? '' : m('postgres')! >= 1.5 ? 'met' : 'NOT met';
    default:
      return '';
  }
}

const ORDER = ['ingest.distinct', 'ingest.repeated', 'ratio.bare', 'ratio.am', 'latency.max.p50', 'latency.max.p99', 'latency.half.p50', 'latency.half.p99', 'e2e.steady.p50', 'e2e.steady.p99', 'e2e.half.p50', 'e2e.half.p99', 'timers.p50', 'timers.p99', 'timers.max', 'memory.after', 'memory.rss', 'memory.peak', 'startup.ready.empty', 'startup.ready.seeded', 'startup.rss.empty', 'startup.idle.empty', 'startup.rss.seeded', 'startup.idle.seeded', 'scale.one', 'scale.two', 'scale.ratio'];
const rank = (id: string) => (ORDER.includes(id) ? ORDER.indexOf(id) : ORDER.length);

function table(): string {
  rows.sort((a, b) => rank(a.id) - rank(b.id));
  const head = '| Figure | Vigil, SQLite | Vigil, PostgreSQL | bare node:http | Alertmanager (in memory) | Target (§10) | Met |';
  const sep = '|---|---:|---:|---:|---:|---|---|';
  const lines = [head, sep];
  for (const r of rows) {
    const cell = (c: Column) => {
      const v = fmt(r.cells[c], r.unit);
      const n = r.notes?.[c];
      return n ? (v === '—' ? n : `${v} (${n})`) : v;
    };
    lines.push(`| ${r.label} [${r.unit}] | ${cell('sqlite')} | ${cell('postgres')} | ${cell('bare')} | ${cell('alertmanager')} | ${r.target ?? ''} | ${judge(r)} |`);
  }
  return lines.join('\n');
}

/** How long one synced SQLite commit takes on the disk under the temp dir (median of 200): the floor under every durable figure. */
async function syncedCommitMs(dir: string): Promise<number> {
  const { default: SQLite } = await import('better-sqlite3');
  const file = path.join(dir, 'fsync-probe.db');
  const conn = new SQLite(file);
  try {
    conn.pragma('journal_mode = WAL');
    conn.pragma('synchronous = FULL');
    conn.exec('CREATE TABLE t (v TEXT)');
    const st = conn.prepare('INSERT INTO t VALUES (?)');
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      st.run('x'.repeat(1024));
      times.push(performance.now() - t0);
    }
    return stat(times)!.median;
  } finally {
    conn.close();
  }
}

/**
 * How long one PostgreSQL round trip takes on this machine (`SELECT 1` over TCP to the bench's
 * server, median of 1,000 after 100 to warm up), or null when it is not reachable: with the
 * synced SQLite commit, the floor under the PostgreSQL figures. A page on PostgreSQL waits for
 * about 23 statements one after another (docs/benchmarks.md), so this figure, more than the
 * code, says what its trigger → webhook time can be on a given machine.
 */
async function postgresRoundTripMs(): Promise<number | null> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2_000 });
  try {
    await c.connect();
    const times: number[] = [];
    for (let i = 0; i < 1_100; i++) {
      const t0 = performance.now();
      await c.query('SELECT 1');
      if (i >= 100) times.push(performance.now() - t0);
    }
    return stat(times)!.median;
  } catch {
    return null;
  } finally {
    await c.end().catch(() => {});
  }
}

function machine() {
  const cpu = /model name\s*:\s*(.+)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  return { node: process.version, nproc: os.availableParallelism(), memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1), cpu, loadavg: os.loadavg(), kernel: os.release() };
}

// ---------- main ----------

async function main(): Promise<number> {
  if (!fs.existsSync(path.join(REPO, 'dist/cli/main.js'))) throw new Error('dist/cli/main.js is missing: run `npm run build` first (npm run bench does)');
  TMP = tempRoot();
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  if (argv['cpu-prof']) fs.mkdirSync(PROF_DIR, { recursive: true });
  const started = Date.now();
  const m = { ...machine(), syncedCommitMs: await syncedCommitMs(TMP), postgresRoundTripMs: await postgresRoundTripMs() };
  const pgRoundTrip = m.postgresRoundTripMs === null ? 'PostgreSQL not reachable' : `one PostgreSQL round trip (SELECT 1, TCP) ${m.postgresRoundTripMs.toFixed(3)} ms`;
  log(`mode ${QUICK ? 'quick' : 'full'}: ${CFG.runs} run(s) of ${CFG.seconds}s per figure; node ${m.node}, ${m.nproc} cores, load average ${m.loadavg.map((x) => x.toFixed(2)).join(' ')}, one synced SQLite commit ${m.syncedCommitMs.toFixed(2)} ms, ${pgRoundTrip}`);
  const schedule: { name: string; ms: number }[] = [];
  try {
    if (ONLY.has('schedule')) {
      for (const s of await benchScheduleRender()) {
        schedule.push(s);
        row(`schedule.${schedule.length}`, s.name.replace(/^schedule: /, 'Schedule: '), 'ms').cells.sqlite = stat([s.ms]);
        (row(`schedule.${schedule.length}`, '', '').notes ??= {}).sqlite = 'pure code, no database';
      }
      log(`schedule render: ${schedule.map((s) => s.ms.toFixed(1) + ' ms').join(', ')}`);
    }
    if (ONLY.has('rules')) {
      const figures = benchRules();
      figures.forEach((f, i) => {
        row(`rules.${i + 1}`, f.name.replace(/^rules: /, 'Event rules: ') + ', one core', 'events/s').cells.sqlite = stat([f.eventsPerSecond]);
        (row(`rules.${i + 1}`, '', '').notes ??= {}).sqlite = `pure code, no database; ${f.microsecondsPerEvent.toFixed(1)} µs per event`;
      });
      log(`event rules: ${figures.map((f) => `${Math.round(f.eventsPerSecond)}/s`).join(', ')}`);
    }
    if (ONLY.has('push')) {
      const runs: Awaited<ReturnType<typeof benchPushLatency>>[] = [];
      for (let i = 0; i < CFG.runs; i++) {
        runs.push(await benchPushLatency(QUICK ? 40 : 100, 10));
        log(`push: trigger→push request run ${i + 1}: p50 ${runs.at(-1)!.p50.toFixed(1)} ms, p99 ${runs.at(-1)!.p99.toFixed(1)} ms, n ${runs.at(-1)!.n}, missing ${runs.at(-1)!.missing}`);
      }
      row('push.p50', 'Trigger → Web Push request at a local push service p50 (10 events/s)', 'ms').cells.sqlite = stat(runs.map((r) => r.p50));
      row('push.p99', 'Trigger → Web Push request p99', 'ms').cells.sqlite = stat(runs.map((r) => r.p99));
    }
    if (ONLY.has('channels')) {
      // One Vigil, one person per probe with ntfy, Telegram, SMS and email at 0 minutes: each trigger fans out to all four.
      const runs: Awaited<ReturnType<typeof benchChannelLatency>>[] = [];
      // Bounded: one run (about 90 s with --quick, 2 minutes without: a minute of it waits out the SMS throttle after verification).
      for (let i = 0; i < 1; i++) {
        const r = await benchChannelLatency(QUICK ? 10 : 20, 2);
        runs.push(r);
        log(`channels run ${i + 1}: ${BENCH_CHANNELS.map((c) => `${c} p50 ${r[c].p50.toFixed(0)} / p99 ${r[c].p99.toFixed(0)} ms (n ${r[c].n}, missing ${r[c].missing})`).join('; ')}`);
        for (const c of BENCH_CHANNELS) if (r[c].missing) problems.push(`channels: ${r[c].missing} ${c} pages never reached the local provider within 20 s`);
      }
      const NAMES = { ntfy: 'ntfy publish', telegram: 'Telegram sendMessage', sms: 'SMS (Twilio Messages.json)', email: 'email (SMTP DATA)' } as const;
      for (const c of BENCH_CHANNELS) {
        row(`channels.${c}.p50`, `Trigger → ${NAMES[c]} at a local provider p50 (2 events/s, 4 channels per page)`, 'ms').cells.sqlite = stat(runs.map((r) => r[c].p50));
        row(`channels.${c}.p99`, `Trigger → ${NAMES[c]} p99`, 'ms').cells.sqlite = stat(runs.map((r) => r[c].p99));
      }
    }
    if (ONLY.has('analytics')) {
      // 100,000 incidents and about 1,000,000 log entries (10,000 and 100,000 with --quick), seeded through the incident store.
      const n = QUICK ? 10_000 : 100_000;
      for (const dialect of ['sqlite', 'postgres'] as const) {
        if (dialect === 'postgres' && !(await postgresReachable())) continue;
        const r = await benchAnalytics(dialect, n, log, QUICK ? 3 : 5);
        r.figures.forEach((f, i) => {
          row(`analytics.${i + 1}`, f.name + ' (p50 and max of the runs)', 'ms').cells[dialect] = stat(f.runs);
          (row(`analytics.${i + 1}`, '', '').notes ??= {})[dialect] = `${n.toLocaleString('en')} incidents, ${r.logEntries.toLocaleString('en')} log entries`;
        });
        log(`analytics (${dialect}): seeded in ${r.seedSeconds.toFixed(1)} s; ${r.figures.map((f) => `${f.ms.toFixed(0)}/${f.maxMs.toFixed(0)} ms`).join(', ')}`);
      }
    }
    if (ONLY.has('startup')) {
      // 100,000 incidents (10,000 with --quick) in a SQLite data directory; 3 starts each (1 with --quick).
      const n = QUICK ? 10_000 : 100_000;
      // The idle reading (60 s after ready) is taken on the full run only.
      const figures = await benchStartup(n, QUICK ? 1 : 3, log, 5_000, !QUICK);
      raw['startup'] = figures;
      for (const f of figures) {
        const key = f.incidents ? 'seeded' : 'empty';
        row(`startup.ready.${key}`, `Start-up: \`vigil serve\` to first /readyz 200, SQLite, ${f.database}`, 'ms', f.incidents >= 100_000 ? '< 2,000 ms' : undefined).cells.sqlite = stat(f.readyMs);
        row(`startup.rss.${key}`, `Start-up: resident memory 5 s after ready, SQLite, ${f.database}`, 'MiB').cells.sqlite = stat(f.rssMiB);
        row(`startup.idle.${key}`, `Idle resident memory after start (60 s after ready), SQLite, ${f.database}`, 'MiB', '< 100 MiB').cells.sqlite = stat(f.idleRssMiB);
      }
    }
    const receiver = await startScript('receiver', 'receiver.js');
    let bareMax: number | null = null;
    if (ONLY.has('bare')) bareMax = await barePhase();
    if (ONLY.has('sqlite')) await vigilPhase('sqlite', receiver.url, bareMax);
    const pgUp = await postgresReachable();
    if (!pgUp && (ONLY.has('postgres') || ONLY.has('scale'))) {
      problems.push('PostgreSQL unreachable at BENCH_PG_URL / 127.0.0.1:5432: PostgreSQL figures skipped');
      log('!!! PostgreSQL unreachable: PostgreSQL figures skipped');
    }
    if (pgUp && ONLY.has('postgres')) await vigilPhase('postgres', receiver.url, bareMax);
    if (pgUp && ONLY.has('scale')) await scalePhase();
    if (ONLY.has('alertmanager')) await alertmanagerPhase(receiver.url, bareMax);
  } finally {
    await stopAll();
    fs.rmSync(TMP, { recursive: true, force: true });
  }
  const out = table();
  process.stdout.write(`\n${out}\n\n`);
  if (problems.length) process.stdout.write(`Problems seen during the run:\n${problems.map((p) => `- ${p}`).join('\n')}\n\n`);
  const elapsed = (Date.now() - started) / 1000;
  process.stdout.write(`${QUICK ? 'Quick' : 'Full'} run: ${CFG.runs} run(s) per figure, ${CFG.seconds}s loads, ${elapsed.toFixed(0)}s in all. Machine: ${m.nproc} cores, ${m.cpu}, node ${m.node}, load average at start ${m.loadavg.map((x) => x.toFixed(2)).join(' ')}, one synced SQLite commit (1 KB, WAL, synchronous=FULL) ${m.syncedCommitMs.toFixed(2)} ms, ${pgRoundTrip}.\n`);
  const json = { takenAt: new Date().toISOString(), mode: QUICK ? 'quick' : 'full', config: CFG, machine: m, elapsedSeconds: elapsed, rows, schedule, raw, problems, table: out };
  fs.writeFileSync(path.join(RESULTS_DIR, 'latest.json'), JSON.stringify(json, null, 2) + '\n');
  log(`wrote ${path.relative(REPO, path.join(RESULTS_DIR, 'latest.json'))}`);
  return 0;
}

const hardStop = setTimeout(() => {
  log('bench exceeded its time limit (30 min): stopping');
  void stopAll().finally(() => process.exit(2));
}, 30 * 60_000);
hardStop.unref();
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void stopAll().finally(() => process.exit(130)));

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    await stopAll();
    process.exit(1);
  },
);
