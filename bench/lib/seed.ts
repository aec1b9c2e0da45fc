/**
 * Databases for the bench and what is in them, written through Vigil's own stores
 * (the same calls the API makes), before or beside a Vigil child process: an
 * organization; a responder with a verified webhook contact method pointing at the
 * bench's receiver; a two-level policy; a "load" service and many "probe" services
 * (every probe event opens its own incident, so every probe pages); open incidents
 * with escalation timers; open alerts in bulk.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import { systemClock } from '../../src/server/lib/clock.js';
import { Keyring, installKeyring, parseKeys } from '../../src/server/lib/secret-box.js';
import { newId } from '../../src/server/lib/ids.js';
import { openDatabase, type DbHandle, type DialectName } from '../../src/server/storage/dialect.js';
import { execFileSync } from 'node:child_process';
import { REPO } from './proc.js';
import { initOrganization } from '../../src/server/org/org.service.js';
import { insertUser } from '../../src/server/org/org.store.js';
import { insertContactMethod } from '../../src/server/notify/contact.store.js';
import { insertPolicy } from '../../src/server/escalation/policy.store.js';
import { snapshotOf, type EscalationRule } from '../../src/server/escalation/policy.js';
import { createIntegration, createService } from '../../src/server/service/service.service.js';
import { putPath } from '../../src/server/rules/orchestration.service.js';
import { updateService } from '../../src/server/service/service.store.js';

/** The key the bench's `vigil serve` children are started with (run.ts, profile.ts): rows seeded here are sealed with it. */
export const BENCH_SECRET_KEY = Buffer.alloc(32, 9).toString('base64');
installKeyring(new Keyring(parseKeys(BENCH_SECRET_KEY)));
import type { AlertTable, Database, IncidentTable } from '../../src/server/storage/schema.js';

export const PG_ADMIN_URL = process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';

export interface BenchDb {
  dialect: DialectName;
  /** Environment for a `vigil serve` child pointed at this database. */
  env: Record<string, string>;
  open(): DbHandle;
  drop(): Promise<void>;
}

export async function postgresReachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2_000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
}

/**
 * Migrations run through the CLI that serves (`node dist/cli/main.js migrate`), so
 * the schema is exactly the one the Vigil children expect.
 */
function migrate(env: Record<string, string>): void {
  execFileSync(process.execPath, [path.join(REPO, 'dist/cli/main.js'), 'migrate'], { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
}

/** A fresh, migrated database: a SQLite file in a temp dir, or a PostgreSQL database of its own (created and dropped here). */
export async function createBenchDb(dialect: DialectName, tmp: string): Promise<BenchDb> {
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(tmp, 'sqlite-'));
    const file = path.join(dir, 'vigil.db');
    const open = () => openDatabase({ sqliteFile: file });
    migrate({ VIGIL_DATA_DIR: dir });
    return { dialect, env: { VIGIL_DATA_DIR: dir }, open, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `vigil_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  const open = () => openDatabase({ postgresUrl: url.toString(), poolSize: 4 });
  migrate({ DATABASE_URL: url.toString() });
  return {
    dialect,
    env: { DATABASE_URL: url.toString() },
    open,
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface Fixture {
  orgId: string;
  token: string;
  userId: string;
  policyId: string;
  loadKey: string;
  loadServiceId: string;
  /** A service like the load service with 200 event rules none of which matches the load (the rules' cost on ingest). */
  rulesKey: string;
  probeKeys: string[];
  timerServiceId: string;
}

/** Organization, responder with a webhook, policy (level 1 now, level 2 after 5 minutes), load service, `probes` probe services, a timer service. */
export async function seedFixture(h: DbHandle, receiverUrl: string, probes: number): Promise<Fixture> {
  const clock = systemClock;
  const init = await initOrganization(h.db, clock, { orgName: 'Bench Crisis Line', email: 'owner@bench.example', userName: 'Olive Owner' });
  const orgId = init.org.id;
  const now = clock.now();
  const userId = newId(now);
  const policyId = newId(now);
  let loadKey = '';
  let rulesKey = '';
  let rulesServiceId = '';
  let loadServiceId = '';
  let timerServiceId = '';
  const probeKeys: string[] = [];
  await h.db.transaction().execute(async (trx) => {
    await insertUser(trx, { org_id: orgId, id: userId, name: 'Rae Responder', email: 'rae@bench.example', role: 'responder', time_zone: 'UTC', created_at: now, deleted_at: null });
    await insertContactMethod(trx, {
      org_id: orgId,
      id: newId(now),
      user_id: userId,
      type: 'webhook',
      address: receiverUrl,
      label: 'bench receiver',
      verified_at: now,
      verification_code_hash: null,
      verification_expires_at: null,
      verification_attempts: 0,
      secret: 'bench-secret',
      created_at: now,
      deleted_at: null,
    });
    const rules: EscalationRule[] = [
      { id: newId(now), escalation_delay_in_minutes: 5, targets: [{ id: userId, type: 'user_reference' }] },
      { id: newId(now), escalation_delay_in_minutes: 5, targets: [{ id: userId, type: 'user_reference' }] },
    ];
    await insertPolicy(trx, { org_id: orgId, id: policyId, name: 'Chat on-call', description: null, num_loops: 0, rules, created_at: now, updated_at: now, deleted_at: null });
    const service = async (name: string) => {
      // Every alert into the open incident, as before alert grouping existed: figures compare run to run.
      const s = await createService(trx, clock, orgId, { name, alert_grouping_parameters: { type: 'time', config: { timeout: 0 } } });
      await updateService(trx, orgId, s.id, { escalation_policy_id: policyId });
      const { key } = await createIntegration(trx, clock, orgId, { ...s, escalation_policy_id: policyId }, { type: 'events_v2' });
      return { id: s.id, key };
    };
    const load = await service('Crisis chat');
    loadKey = load.key;
    loadServiceId = load.id;
    const ruled = await service('Crisis chat, 200 rules');
    rulesKey = ruled.key;
    rulesServiceId = ruled.id;
    timerServiceId = (await service('Timers')).id;
    for (let i = 0; i < probes; i++) probeKeys.push((await service(`Probe ${i}`)).key);
  });
  // 200 realistic rules: equality, substring, regex and numeric conditions on the load's fields, none matching it.
  const rules = Array.from({ length: 200 }, (_, i) => ({
    label: `rule ${i}`,
    conditions: [
      { expression: [`event.custom_details.check matches 'check-${i}'`, `event.summary matches part 'never-${i}'`, `event.source matches regex '^host-${i}\\.'`, `event.custom_details.queue > ${1_000_000 + i}`][i % 4]! },
    ],
    actions: i % 3 === 0 ? { suppress: true } : { severity: 'warning', annotate: `rule ${i}` },
  }));
  await putPath(h.db, clock, orgId, userId, 'service', rulesServiceId, { sets: [{ id: 'start', rules }] });
  return { orgId, token: init.token, userId, policyId, loadKey, loadServiceId, rulesKey, probeKeys, timerServiceId };
}

/**
 * `count` open incidents on the timer service at level 2 of the frozen policy,
 * their next step far in the future (armed later with armTimers). Written in bulk
 * through the incidents table, as openIncident writes them.
 */
export async function seedOpenIncidents(h: DbHandle, f: Fixture, count: number): Promise<{ firstNumber: number }> {
  const now = Date.now();
  const policy = { id: f.policyId, name: 'Chat on-call', num_loops: 0, rules: [] as EscalationRule[] };
  const row = await h.db.selectFrom('escalation_policies').select('rules').where('org_id', '=', f.orgId).where('id', '=', f.policyId).executeTakeFirstOrThrow();
  policy.rules = JSON.parse(row.rules) as EscalationRule[];
  const snapshot = JSON.stringify(snapshotOf(policy, now));
  let firstNumber = 0;
  await h.db.transaction().execute(async (trx) => {
    const org = await trx.selectFrom('organizations').select('incident_seq').where('id', '=', f.orgId).executeTakeFirstOrThrow();
    firstNumber = Number(org.incident_seq) + 1;
    const rows: IncidentTable[] = [];
    for (let i = 0; i < count; i++) {
      rows.push({
        org_id: f.orgId,
        id: newId(now),
        number: firstNumber + i,
        service_id: f.timerServiceId,
        title: `Timer incident ${i}`,
        status: 'triggered',
        urgency: 'high',
        incident_key: `timer-${i}`,
        open_group: null,
        group_until: null,
        group_fields: null,
        priority_id: null,
        snoozed_until: null,
        paused_until: null,
        body: null,
        created_at: now,
        updated_at: now,
        last_status_change_at: now,
        last_status_change_by: null,
        acknowledged_at: null,
        acknowledged_by: null,
        resolved_at: null,
        resolved_by: null,
        assigned_via: 'escalation_policy',
        escalation_policy_id: f.policyId,
        escalation_snapshot: snapshot,
        escalation_level: 1,
        escalation_loop: 0,
        next_step_at: now + 24 * 3_600_000,
        escalation_epoch: 0,
      });
    }
    for (let i = 0; i < rows.length; i += 200) await trx.insertInto('incidents').values(rows.slice(i, i + 200)).execute();
    await trx.updateTable('organizations').set({ incident_seq: firstNumber + count - 1 }).where('id', '=', f.orgId).execute();
  });
  return { firstNumber };
}

/** Make the first `due` timer incidents due one after another from `t0`, `stepMs` apart (one UPDATE). */
export async function armTimers(h: DbHandle, f: Fixture, firstNumber: number, due: number, t0: number, stepMs: number): Promise<void> {
  await sql`UPDATE incidents SET next_step_at = ${t0} + (number - ${firstNumber}) * ${stepMs}
            WHERE org_id = ${f.orgId} AND service_id = ${f.timerServiceId} AND number < ${firstNumber + due}`.execute(h.db);
}

/** fired_at − due_at of every level-2 step fired on the timer service, and how many are still waiting. */
export async function timerLateness(h: DbHandle, f: Fixture): Promise<number[]> {
  const r = await sql<{ late: number | string }>`
    SELECT s.fired_at - s.due_at AS late FROM escalation_steps s JOIN incidents i ON i.org_id = s.org_id AND i.id = s.incident_id
    WHERE s.org_id = ${f.orgId} AND i.service_id = ${f.timerServiceId} AND s.level = 1`.execute(h.db);
  return r.rows.map((x) => Number(x.late));
}

/** `count` open alerts spread over `incidents` incidents on as many services (one open incident each), in bulk. */
export async function seedOpenAlerts(h: DbHandle, f: Fixture, count: number, incidents: number): Promise<void> {
  const now = Date.now();
  const details = JSON.stringify({ custom_details: { queue_depth: 42, note: 'x'.repeat(400) } });
  const clock = systemClock;
  await h.db.transaction().execute(async (trx) => {
    const org = await trx.selectFrom('organizations').select('incident_seq').where('id', '=', f.orgId).executeTakeFirstOrThrow();
    let number = Number(org.incident_seq);
    const perIncident = Math.ceil(count / incidents);
    let made = 0;
    for (let k = 0; k < incidents && made < count; k++) {
      const s = await createService(trx, clock, f.orgId, { name: `Storm ${k}`, alert_grouping_parameters: { type: 'time', config: { timeout: 0 } } });
      const { integration } = await createIntegration(trx, clock, f.orgId, s, { type: 'events_v2' });
      const incidentId = newId(now);
      await trx
        .insertInto('incidents')
        .values({
          org_id: f.orgId, id: incidentId, number: ++number, service_id: s.id, title: `Storm ${k}`, status: 'triggered', urgency: 'high', incident_key: `storm-${k}`, open_group: 'time', group_until: null, group_fields: null, priority_id: null, snoozed_until: null, paused_until: null, body: null,
          created_at: now, updated_at: now, last_status_change_at: now, last_status_change_by: null, acknowledged_at: null, acknowledged_by: null, resolved_at: null, resolved_by: null,
          assigned_via: 'escalation_policy', escalation_policy_id: null, escalation_snapshot: null, escalation_level: 0, escalation_loop: 0, next_step_at: null, escalation_epoch: 0,
        })
        .execute();
      const rows: AlertTable[] = [];
      for (let j = 0; j < perIncident && made < count; j++, made++) {
        rows.push({
          org_id: f.orgId, id: newId(now), integration_id: integration.id, service_id: s.id, incident_id: incidentId, dedup_key: `storm-${k}-${j}`, open: 1, status: 'triggered',
          severity: 'critical', summary: `Chat queue not answering on gateway ${j}`, source: `chat-gw-${j}.harbor.example`, details, count: 1, first_seen_at: now, last_seen_at: now, resolved_at: null, suppressed_by: null, rule_match: null,
        });
      }
      for (let i = 0; i < rows.length; i += 250) await trx.insertInto('alerts').values(rows.slice(i, i + 250)).execute();
    }
    await trx.updateTable('organizations').set({ incident_seq: number }).where('id', '=', f.orgId).execute();
  });
}

export async function countOpenAlerts(db: Kysely<Database>): Promise<number> {
  const r = await db.selectFrom('alerts').select((eb) => eb.fn.countAll<number>().as('n')).where('open', '=', 1).executeTakeFirstOrThrow();
  return Number(r.n);
}

export function tempRoot(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-'));
}
