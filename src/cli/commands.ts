/**
 * `vigil serve | migrate | backup | restore | copy | doctor | init | import`. Configuration comes from the environment
 * (PORT, HOST, VIGIL_DATA_DIR, DATABASE_URL; see README), flags override it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { restoreBackup, takeBackup } from '../server/storage/backup.js';
import type { CopyEvent } from '../server/storage/copy.js';
import { openDatabase } from '../server/storage/dialect.js';
import { loadConfig, type RoleName } from '../server/config/config.js';
import { openConfiguredDatabase, startServer } from '../server/main.js';
import { migrateToLatest } from '../server/storage/migrate.js';
import { initOrganization } from '../server/org/org.service.js';
import { systemClock } from '../server/lib/clock.js';
import { VigilError } from '../server/errors.js';
import { Presenter } from '../server/http/presenters/index.js';
import { firstAccess } from '../server/account/account.service.js';
import { passwordProblem } from '../server/account/password.js';
import { targetRegistry } from '../server/main.js';
import { OutboundPolicy } from '../server/lib/outbound-policy.js';
import { releaseYoungGeneration } from '../server/lib/young-generation.js';

const USAGE = `Usage:
  vigil serve [--roles api,engine] [--port N] [--host H]   start the server
  vigil migrate                                              run database migrations
  vigil backup FILE                                          a consistent copy of the database while Vigil runs
                                                             (SQLite: its backup API; PostgreSQL: pg_dump's custom format)
  vigil restore FILE                                         put a backup into an empty data directory (or empty
                                                             PostgreSQL database), then migrate it to this version
  vigil copy --to postgres://USER@HOST/DB [--batch-size N] [--json]
                                                             copy every organization's data from this database (the
                                                             SQLite file) into an empty PostgreSQL database: migrates
                                                             it, copies in batches (a rerun resumes), then verifies
                                                             each table's row count and checksum; stop Vigil first
  vigil doctor [--json]                                      check configuration, database, disk, clock, SMTP and the SMS
                                                             provider, and say what to fix (exit 1 if anything fails)
  vigil init --org NAME --email EMAIL [--name NAME] [--time-zone ZONE] [--password PW] [--json]
                                                             create an organization, its owner and an API token;
                                                             the owner signs in to the web UI with PW, or sets a
                                                             password through the one-time link printed
  vigil import opsgenie --api-url URL --token KEY [--dry-run] [--invite] [--org ORG_ID] [--json]
                                                             read users, schedules, escalations, teams and API
                                                             integrations from Opsgenie (GenieKey with read and
                                                             configuration access) and create or update them here;
                                                             --dry-run prints the plan and what cannot be mapped
  vigil import pagerduty --api-url URL --token KEY [--dry-run] [--invite] [--org ORG_ID] [--json]
                                                             the same from PagerDuty's REST API v2 (a read-only or
                                                             full-access API key): users with contact methods and
                                                             notification rules, schedules with overrides, escalation
                                                             policies, services and Events API v2 integrations, whose
                                                             integration keys keep working as Vigil routing keys
  vigil import grafana-oncall --api-url URL --token TOKEN [--dry-run] [--invite] [--org ORG_ID] [--json]
                                                             the same from Grafana OnCall's public API (the API URL
                                                             shown under OnCall Settings, and an OnCall API token):
                                                             users, schedules and shifts, escalation chains and
                                                             integrations (Alertmanager ones keep their URL path);
                                                             --invite (any source) emails each imported member who has
                                                             no password an invitation, once (needs SMTP)
  vigil export --api-url URL --token TOKEN [-o FILE]        the organization's services, integrations (never their keys),
                                                             event rules, schedules, escalation policies, maintenance
                                                             windows and volunteer pools as a YAML file, by name
  vigil apply -f FILE --api-url URL --token TOKEN [--dry-run] [--prune]
                                                             check FILE against docs/vigil-config.schema.json, print the
                                                             plan (create, update with the fields that differ, delete
                                                             with --prune) and carry it out; new integration keys are
                                                             printed once; applying the same file again: 0 changes
Environment: PORT (8080), HOST (127.0.0.1), VIGIL_DATA_DIR (./data), DATABASE_URL (postgres://... switches to PostgreSQL),
  VIGIL_BACKUP_DIR (DATA_DIR/backups), VIGIL_BACKUP_EVERY (e.g. 24h; unset: no scheduled backups), VIGIL_BACKUP_KEEP (7),
  VIGIL_BACKUP_BEFORE_MIGRATE (on; "off" migrates without a backup)`;

async function main(argv: string[]): Promise<number> {
  // `vigil --help` and `vigil -h` ask for the usage as `vigil help` does.
  const [command, ...rest] = argv[0] === '--help' || argv[0] === '-h' ? ['help', ...argv.slice(1)] : argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      roles: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      org: { type: 'string' },
      email: { type: 'string' },
      name: { type: 'string' },
      'time-zone': { type: 'string' },
      password: { type: 'string' },
      json: { type: 'boolean' },
      'api-url': { type: 'string' },
      token: { type: 'string' },
      'dry-run': { type: 'boolean' },
      invite: { type: 'boolean' },
      to: { type: 'string' },
      'batch-size': { type: 'string' },
      file: { type: 'string', short: 'f' },
      output: { type: 'string', short: 'o' },
      prune: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (!command || values.help || command === 'help') {
    process.stdout.write(USAGE + '\n');
    return command ? 0 : 1;
  }
  const env = { ...process.env, ...(values.port ? { PORT: values.port } : {}), ...(values.host ? { HOST: values.host } : {}), ...(values.roles ? { VIGIL_ROLES: values.roles } : {}) };
  const config = loadConfig(env);
  // Only a server idles afterwards; a one-off command (a copy, an import) gets V8's usual sizing now.
  if (command !== 'serve') releaseYoungGeneration();

  if (command === 'serve') {
    const running = await startServer(config);
    // Started: V8 sizes the young generation as usual again, for the load to come.
    releaseYoungGeneration();
    const stop = async (signal: string) => {
      process.stderr.write(`vigil: ${signal}, stopping\n`);
      await running.stop();
      process.exit(0);
    };
    process.once('SIGTERM', () => void stop('SIGTERM'));
    process.once('SIGINT', () => void stop('SIGINT'));
    return -1;
  }

  const fileArg = (): string | null => {
    if (positionals.length !== 1) {
      process.stderr.write(`vigil ${command} needs one FILE argument\n`);
      return null;
    }
    return path.resolve(positionals[0]!);
  };

  if (command === 'backup') {
    const file = fileArg();
    if (!file) return 2;
    const handle = openConfiguredDatabase(config);
    try {
      const r = await takeBackup(handle, file, systemClock);
      process.stdout.write(values.json ? JSON.stringify(r) + '\n' : `backup written to ${r.file} (${r.bytes} bytes, ${r.tookMs} ms), checked\n`);
    } finally {
      await handle.close();
    }
    return 0;
  }

  if (command === 'restore') {
    const file = fileArg();
    if (!file) return 2;
    const r = await restoreBackup(file, config.databaseUrl ? { open: () => openConfiguredDatabase(config) } : { sqliteTarget: path.join(config.dataDir, 'vigil.db') });
    process.stdout.write(`restored ${file}${r.migrated.length ? `; migrated: ${r.migrated.join(', ')}` : ''}\n`);
    return 0;
  }

  if (command === 'copy') return copyCommand(config, values, positionals);
  if ((command === 'export' || command === 'apply') && !positionals.length) return (await import('./config-code/command.js')).configCommand(command, values);
  if (values.file !== undefined || values.output !== undefined || values.prune !== undefined) {
    process.stderr.write(`vigil ${command}: -f, -o and --prune belong to vigil apply and vigil export\n`);
    return 2;
  }

  if (command === 'import') {
    const [source, ...more] = positionals;
    if ((source !== 'opsgenie' && source !== 'pagerduty' && source !== 'grafana-oncall') || more.length) {
      process.stderr.write('vigil import needs a source: opsgenie, pagerduty or grafana-oncall\n');
      return 2;
    }
    if (!values['api-url'] || !values.token) {
      process.stderr.write(
        source === 'opsgenie'
          ? 'vigil import opsgenie needs --api-url URL (e.g. https://api.opsgenie.com or https://api.eu.opsgenie.com) and --token KEY\n'
          : source === 'pagerduty'
            ? 'vigil import pagerduty needs --api-url URL (e.g. https://api.pagerduty.com or https://api.eu.pagerduty.com) and --token KEY (a REST API key)\n'
            : 'vigil import grafana-oncall needs --api-url URL (OnCall Settings → API URL, e.g. https://oncall-prod-us-central-0.grafana.net/oncall) and --token TOKEN\n',
      );
      return 2;
    }
    const handle = openConfiguredDatabase(config);
    try {
      await migrateToLatest(handle);
      // The importers are loaded by the command that uses them, not by every `vigil` start (docs/benchmarks.md, "Start-up").
      const { formatReport, importTarget, inviteImportedMembers, runOpsgenieImport } = await import('../server/import/import.service.js');
      const orgId = await importTarget(handle.db, values.org);
      const log = (line: string) => process.stderr.write(line + '\n');
      const deps = { db: handle.db, clock: systemClock, targets: targetRegistry(), outbound: new OutboundPolicy(config.outboundAllow), log };
      const dryRun = values['dry-run'] === true;
      const clientOpts = { apiUrl: values['api-url'], token: values.token, log, policy: deps.outbound };
      // Kept keys are secrets: the JSON report says whether one was kept, never the key.
      const hideKeys = (k: string, v: unknown) => (k === 'apiKey' || k === 'key' ? (v ? 'kept' : null) : v);
      let text: string;
      if (source === 'opsgenie') {
        const { OpsgenieClient } = await import('../server/import/opsgenie-client.js');
        const report = await runOpsgenieImport(deps, new OpsgenieClient(clientOpts), orgId, { dryRun });
        text = values.json ? JSON.stringify(report, hideKeys, 2) : formatReport(report);
      } else if (source === 'pagerduty') {
        const { PagerDutyClient } = await import('../server/import/pagerduty-client.js');
        const { formatPagerDutyReport, runPagerDutyImport } = await import('../server/import/pagerduty-import.service.js');
        const report = await runPagerDutyImport(deps, new PagerDutyClient(clientOpts), orgId, { dryRun });
        // The plan hides kept keys; a new Vigil key (the PagerDuty key was not readable) is shown once, like any new key.
        text = values.json ? JSON.stringify({ ...report, plan: JSON.parse(JSON.stringify(report.plan, hideKeys)) }, null, 2) : formatPagerDutyReport(report);
      } else {
        const { GrafanaOnCallClient } = await import('../server/import/grafana-oncall-client.js');
        const { formatGrafanaOnCallReport, runGrafanaOnCallImport } = await import('../server/import/grafana-oncall-import.js');
        const report = await runGrafanaOnCallImport(deps, new GrafanaOnCallClient(clientOpts), orgId, { dryRun });
        text = values.json ? JSON.stringify(report, (k, v) => (k === 'token' ? (v ? 'kept' : null) : v), 2) : formatGrafanaOnCallReport(report);
      }
      if (values.invite && !dryRun) {
        // Only after the import succeeded: a failed run invites nobody (the next run resumes and invites then).
        const { mailerFromConfig } = await import('../server/account/mailer.js');
        const inv = await inviteImportedMembers(handle.db, systemClock, mailerFromConfig(config.smtp), config.publicUrl, orgId, source);
        const lines = [`invitations: ${inv.sent.length} emailed${inv.sent.length ? ` (${inv.sent.join(', ')})` : ''}`];
        if (inv.notSent.length) lines.push(`not emailed (${config.smtp ? 'the SMTP relay refused' : 'no SMTP configured: VIGIL_SMTP_HOST'}): ${inv.notSent.join(', ')}; invite them from People (Invite)`);
        text = values.json ? JSON.stringify({ ...JSON.parse(text), invitations: inv }, null, 2) : `${text}\n${lines.join('\n')}`;
      } else if (values.invite && !values.json) text += '\ninvitations: none in a dry run (run without --dry-run to email them)';
      await handle.sync();
      process.stdout.write(text + '\n');
    } finally {
      await handle.close();
    }
    return 0;
  }

  if (positionals.length) {
    process.stderr.write(`vigil ${command} takes no arguments (got ${positionals.join(' ')})\n`);
    return 2;
  }

  if (command === 'doctor') {
    const { doctor, formatChecks } = await import('./doctor.js');
    const checks = await doctor(config);
    process.stdout.write(values.json ? JSON.stringify({ checks }, null, 2) + '\n' : formatChecks(checks) + '\n');
    return checks.some((c) => c.verdict === 'fail') ? 1 : 0;
  }

  if (command === 'migrate') {
    const handle = openConfiguredDatabase(config);
    try {
      const applied = await migrateToLatest(handle);
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'already up to date\n');
    } finally {
      await handle.close();
    }
    return 0;
  }

  if (command === 'init') {
    if (!values.org || !values.email) {
      process.stderr.write('vigil init needs --org NAME and --email EMAIL\n');
      return 2;
    }
    const weak = values.password !== undefined ? passwordProblem(values.password) : null;
    if (weak) {
      process.stderr.write(`vigil init: ${weak}\n`);
      return 2;
    }
    const handle = openConfiguredDatabase(config);
    try {
      await migrateToLatest(handle);
      const r = await initOrganization(handle.db, systemClock, { orgName: values.org, email: values.email, ...(values.name ? { userName: values.name } : {}), ...(values['time-zone'] ? { timeZone: values['time-zone'] } : {}) });
      const p = new Presenter(config.publicUrl);
      const web = await firstAccess(handle.db, systemClock, r.org.id, r.user.id, config.publicUrl, values.password, config.passwordCost);
      // The token is shown once: only after it is on disk.
      await handle.sync();
      if (values.json) process.stdout.write(JSON.stringify({ org: p.organization(r.org), user: p.user(r.user), token: r.token, password_set: web.passwordSet, ...(web.link ? { password_link: web.link } : {}) }, null, 2) + '\n');
      else {
        process.stdout.write(`Created ${r.org.name} (${r.org.id}) with owner ${r.user.email}.\nAPI token (shown once, keep it safe):\n  ${r.token}\n`);
        process.stdout.write(web.link ? `Web UI: choose a password at this one-time link (valid 7 days):\n  ${web.link}\n` : `Web UI: sign in at ${config.publicUrl}/login with ${r.user.email} and the password given.\n`);
      }
    } finally {
      await handle.close();
    }
    return 0;
  }

  process.stderr.write(`unknown command ${command}\n${USAGE}\n`);
  return 2;
}

/** `vigil copy --to URL`: this database (normally the SQLite file) into an empty PostgreSQL database; storage/copy.ts. */
async function copyCommand(config: ReturnType<typeof loadConfig>, values: { to?: string | undefined; 'batch-size'?: string | undefined; json?: boolean | undefined }, positionals: string[]): Promise<number> {
  const fail = (why: string) => {
    process.stderr.write(`vigil copy: ${why}\n`);
    return 2;
  };
  if (positionals.length) return fail(`takes no arguments (got ${positionals.join(' ')})`);
  if (!values.to) return fail('needs --to postgres://USER@HOST:PORT/DATABASE (an empty database)');
  if (!/^postgres(ql)?:\/\//.test(values.to)) return fail('--to must be a PostgreSQL URL (postgres://…)');
  const batch = values['batch-size'] === undefined ? undefined : Number(values['batch-size']);
  if (batch !== undefined && (!/^\d+$/.test(values['batch-size']!) || batch < 1 || batch > 100_000)) return fail('--batch-size must be a whole number from 1 to 100000');
  if (config.databaseUrl === values.to) return fail('--to names the database Vigil is configured to use; copy into another one');
  const sqliteFile = path.join(config.dataDir, 'vigil.db');
  if (!config.databaseUrl && !fs.existsSync(sqliteFile)) return fail(`there is no database at ${sqliteFile} (set VIGIL_DATA_DIR to the data directory)`);
  const json = values.json === true;
  const show = (e: CopyEvent) => {
    if (json) process.stderr.write(JSON.stringify(e) + '\n');
    else if (e.phase === 'migrated') process.stderr.write(e.applied.length ? `target migrated: ${e.applied.join(', ')}\n` : 'target schema up to date\n');
    else if (e.phase === 'start') process.stderr.write(`${e.resumed ? 'resuming the interrupted copy' : 'copying'}: ${e.rows} rows in ${e.tables} tables\n`);
    else if (e.phase === 'copy') {
      if (e.total > 0) process.stderr.write(`  ${e.table}: ${e.copied}/${e.total}\n`);
    } else if (e.phase === 'verify') {
      if (!e.ok || e.rows > 0) process.stderr.write(`  verify ${e.table}: ${e.rows} rows ${e.ok ? 'ok' : 'MISMATCH'}\n`);
    }
  };
  const source = openConfiguredDatabase(config);
  const target = openDatabase({ postgresUrl: values.to, poolSize: 2 });
  try {
    const { copyDatabase, formatCopyReport } = await import('../server/storage/copy.js');
    const report = await copyDatabase(source, target, { clock: systemClock, ...(batch ? { batchSize: batch } : {}), onProgress: show });
    process.stdout.write((json ? JSON.stringify(report, null, 2) : formatCopyReport(report)) + '\n');
    if (!json && !config.secretKey && fs.existsSync(path.join(config.dataDir, 'secret.key'))) {
      process.stdout.write(`The nodes on PostgreSQL need this installation's secret key to read the sealed secrets: copy ${path.join(config.dataDir, 'secret.key')} into each node's VIGIL_DATA_DIR.\n`);
    }
  } finally {
    await source.close();
    await target.close();
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    if (err instanceof VigilError) process.stderr.write(`vigil: ${err.errors.join('; ') || err.message}\n`);
    else process.stderr.write(`vigil: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);

export type { RoleName };
