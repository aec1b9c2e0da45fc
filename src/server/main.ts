/**
 * parse config → open db → migrate → start roles (api, engine). Returns a handle
 * that stops everything in order; SIGTERM/SIGINT call it.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { Config } from './config/config.js';
import { Bus } from './lib/bus.js';
import { OutboundPolicy } from './lib/outbound-policy.js';
import { installKeyring, loadKeyring } from './lib/secret-box.js';
import { resealContactMethods } from './notify/contact.store.js';
import { resealSubscriptions } from './notify/subscription.store.js';
import { resealTelegramBots } from './notify/telegram.store.js';
import { resealSmsProviders } from './notify/sms-provider.store.js';
import { resealMatrixSyncs } from './notify/matrix-sync.store.js';
import { resealOidcConfigs } from './account/oidc.store.js';
import { resealStatusSubscribers } from './status-page/subscription.store.js';
import { resealIntegrationForwards } from './service/service.store.js';
import { systemClock, type Clock } from './lib/clock.js';
import { openDatabase, type DbHandle } from './storage/dialect.js';
import { checkReadiness } from './observability/readiness.js';
import { migrateToLatest } from './storage/migrate.js';
import { BackupScheduler, backupBeforeMigrations } from './storage/backup.js';
import { IngestService } from './ingest/ingest.service.js';
import { WriterThread } from './ingest/writer-thread.js';
import { Presenter } from './http/presenters/index.js';
import { countOrganizations } from './org/org.store.js';
import type { AppDeps } from './http/deps.js';
import { Metrics } from './observability/metrics.js';
import { queueVerification } from './notify/contact.service.js';
import { buildChannels, ChannelRegistry } from './notify/channels/registry.js';
import { TargetRegistry } from './escalation/targets.js';
import { userTarget } from './escalation/user.target.js';
import { scheduleTarget } from './schedule/schedule.target.js';
import { volunteerCareGate, volunteerPoolTarget } from './volunteer/pool.target.js';
import { buildEngine, type SelfCheckSetup } from './engine/build.js';
import { StorageNotice } from './engine/self-check/storage-notice.js';
import { listen, notifier } from './storage/wake.js';
import type { Engine } from './engine/engine.js';
import { SmtpListener } from './ingest/email/smtp.js';

export interface Running {
  app: FastifyInstance | null;
  /** Vigil's SMTP listener (VIGIL_SMTP_LISTEN, api role), or null. */
  smtp: SmtpListener | null;
  deps: AppDeps;
  handle: DbHandle;
  url: string | null;
  stop(): Promise<void>;
}

/** Configured channels: webhook, Slack, ntfy and Web Push always; email with SMTP settings; SMS and voice with a Twilio-compatible provider. */
export function channelsFromConfig(config: Config): ChannelRegistry {
  return buildChannels({
    policy: new OutboundPolicy(config.outboundAllow),
    ...(config.smtp
      ? { smtp: { host: config.smtp.host, port: config.smtp.port, secure: config.smtp.secure, from: config.smtp.from, ...(config.smtp.user && config.smtp.pass ? { auth: { user: config.smtp.user, pass: config.smtp.pass } } : {}) } }
      : {}),
    ...(config.twilio ? { twilio: { ...config.twilio, statusCallbackUrl: `${config.publicUrl}/v1/twilio/status` }, voiceKeypressUrl: `${config.publicUrl}/v1/twilio/voice` } : {}),
    push: { subject: config.vapidSubject, baseUrl: config.publicUrl },
  });
}

/** Every escalation target type and the gate that holds back volunteers past their care limits: one line each. */
export function targetRegistry(): TargetRegistry {
  return new TargetRegistry([userTarget, scheduleTarget, volunteerPoolTarget], [volunteerCareGate]);
}

/** Inbound email over SMTP (docs/sources.md, "Email"), when VIGIL_SMTP_LISTEN is set. */
export async function startSmtpListener(deps: AppDeps, config: Config, logger: Logger): Promise<SmtpListener | null> {
  const e = config.inboundEmail;
  if (!e.listen) return null;
  const tls = e.tls ? { cert: fs.readFileSync(e.tls.certFile), key: fs.readFileSync(e.tls.keyFile) } : null;
  const smtp = new SmtpListener(deps.ingest, { host: e.listen.host, port: e.listen.port, domain: e.domain, maxBytes: e.maxBytes, tls, sync: deps.sync, log: logger });
  await smtp.start();
  logger.info({ host: e.listen.host, port: smtp.port, domain: e.domain, maxBytes: e.maxBytes, starttls: tls !== null }, 'SMTP listener for inbound email');
  return smtp;
}

/** `serving`: for `vigil serve`, whose SQLite checkpoints run on their own thread (storage/wal-checkpointer.ts). */
export function openConfiguredDatabase(config: Config, serving?: { logger: Logger }): DbHandle {
  if (config.databaseUrl) return openDatabase({ postgresUrl: config.databaseUrl, poolSize: config.dbPool.size, poolTimeoutMs: config.dbPool.timeoutMs });
  fs.mkdirSync(config.dataDir, { recursive: true });
  const checkpointThread = serving ? { onError: (error: string) => serving.logger.warn({ error }, 'SQLite checkpoint failed; the next one retries') } : false;
  return openDatabase({ sqliteFile: path.join(config.dataDir, 'vigil.db'), checkpointThread });
}

export function makeDeps(handle: DbHandle, config: Config, clock: Clock = systemClock, channels: ChannelRegistry = new ChannelRegistry([])): AppDeps {
  const bus = new Bus();
  // The writer thread needs a second connection to the same file: SQLite on a file only (handle.file).
  const writer = config.ingest.writer === 'thread' && handle.file ? new WriterThread(handle.file, () => handle.wal?.noteCommit()) : undefined;
  const ingest = new IngestService(handle.db, clock, bus, config.ingest, writer);
  return {
    db: handle.db,
    dialect: handle.dialect,
    clock,
    bus,
    config,
    ingest,
    presenter: new Presenter(config.publicUrl, config.inboundEmail.domain),
    metrics: new Metrics(handle.db, ingest),
    channels,
    outbound: new OutboundPolicy(config.outboundAllow),
    targets: targetRegistry(),
    // Verification codes go out through the engine's outbox like any message (the bus wakes it).
    sendVerification: async (orgId, contactMethodId, code) => {
      await queueVerification(handle.db, clock, orgId, contactMethodId, code);
      bus.poke();
    },
    sync: () => handle.sync(),
    syncPending: () => handle.wal?.pending ?? false,
    inbound: { slackSigningSecret: config.slackSigningSecret, twilioAuthToken: config.twilio?.authToken ?? null },
    ready: () => checkReadiness(handle),
  };
}

/**
 * The self-checks' wiring (docs/operating.md, "Self-checks"), or null when they are off:
 * thresholds, this node's probes (its data directory on SQLite, its backups, storage
 * health), and the direct storage notice, which storage failing raises at once.
 */
export function selfCheckSetup(config: Config, handle: Pick<DbHandle, 'db' | 'health'>, channels: ChannelRegistry, clock: Clock, logger: Pick<Logger, 'warn' | 'error'>, backupError: () => string | null = () => null, node = os.hostname()): SelfCheckSetup | null {
  if (!config.selfChecks) return null;
  const notice = new StorageNotice(handle.db, channels, clock, config.selfChecks.storageNoticeEveryMs, node, logger);
  handle.health.onChange((p) => {
    if (p) notice.raise(p);
  });
  return { thresholds: config.selfChecks, probes: { node, dataDir: config.databaseUrl ? null : config.dataDir, backupError, storage: handle.health }, notice };
}

/** The process logger: pino's JSON lines, or its pretty transport for a person at a terminal (config.logFormat). */
export function processLogger(config: Pick<Config, 'logLevel' | 'logFormat'>): Logger {
  if (config.logFormat === 'json') return pino({ level: config.logLevel });
  return pino({ level: config.logLevel, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' } } });
}

export async function startServer(config: Config, logger: Logger = processLogger(config)): Promise<Running> {
  installKeyring(loadKeyring(config.secretKey, config.dataDir));
  const handle = openConfiguredDatabase(config, { logger });
  if (config.backup.beforeMigrate) {
    try {
      const pre = await backupBeforeMigrations(handle, config.backup.dir, systemClock);
      if (pre) logger.info({ file: pre.file, bytes: pre.bytes }, 'backup taken before migrating');
    } catch (err) {
      await handle.close();
      throw new Error(`could not back up the database before migrating it (${err instanceof Error ? err.message : String(err)}); fix that, or start with VIGIL_BACKUP_BEFORE_MIGRATE=off to migrate without a backup`);
    }
  }
  const applied = await migrateToLatest(handle);
  if (applied.length) logger.info({ applied }, 'migrations applied');
  // Plaintext secrets from before, and secrets sealed with a key rotated out, are sealed with the current key.
  const resealed = (await resealContactMethods(handle.db)) + (await resealSubscriptions(handle.db)) + (await resealTelegramBots(handle.db)) + (await resealSmsProviders(handle.db)) + (await resealMatrixSyncs(handle.db)) + (await resealOidcConfigs(handle.db)) + (await resealIntegrationForwards(handle.db)) + (await resealStatusSubscribers(handle.db));
  if (resealed) logger.info({ resealed }, 'secrets sealed with the current key');
  const deps = makeDeps(handle, config, systemClock, channelsFromConfig(config));
  if ((await countOrganizations(handle.db)) === 0) {
    const msg = 'No organization yet. Create one (and its owner and first API token) with:\n  npx vigil init --org "Harbor Crisis Line" --email you@example.org --json';
    logger.warn(msg);
    process.stderr.write(`\n${msg}\n\n`);
  }
  let engine: Engine | null = null;
  let unlisten: (() => Promise<void>) | null = null;
  // Names this process in its NOTIFYs, so its own LISTEN ignores them.
  const node = randomUUID();
  if (config.databaseUrl) deps.bus.onWork(notifier(handle.db, node));
  let backups: BackupScheduler | null = null;
  if (config.backup.everyMs && config.roles.includes('engine')) {
    backups = new BackupScheduler(handle, { dir: config.backup.dir, everyMs: config.backup.everyMs, keep: config.backup.keep }, systemClock, logger);
  }
  const selfCheck = selfCheckSetup(config, handle, deps.channels, systemClock, logger, () => backups?.lastError ?? null);
  if (config.roles.includes('engine')) {
    engine = buildEngine(deps, deps.channels, logger, selfCheck ? { selfCheck } : {});
    deps.bus.onWork((w) => engine!.wake(w));
    if (config.databaseUrl) unlisten = listen(config.databaseUrl, () => engine!.wake(), logger, node);
    engine.start();
    logger.info({ channels: deps.channels.types() }, 'engine started');
  }
  backups?.start();
  let app: FastifyInstance | null = null;
  let url: string | null = null;
  if (config.roles.includes('api')) {
    app = await buildApp(deps, { logger });
    url = await app.listen({ port: config.port, host: config.host });
    logger.info({ url, dialect: handle.dialect, roles: config.roles }, 'vigil listening');
  }
  const smtp = config.roles.includes('api') ? await startSmtpListener(deps, config, logger) : null;
  return {
    app,
    smtp,
    deps,
    handle,
    url,
    async stop() {
      if (smtp) await smtp.stop();
      if (app) {
        // Requests in flight finish; a keep-alive connection is closed as soon as it falls
        // idle. Without the sweep, one that was busy when the stop began stays open until the
        // client lets it go (undici keeps it for Fastify's 72 s keep-alive hint), and the stop
        // waits that long (found by test/crash/three-nodes.test.ts).
        const server = app.server;
        const sweep = setInterval(() => server.closeIdleConnections(), 100);
        try {
          await app.close();
        } finally {
          clearInterval(sweep);
        }
      }
      if (engine) await engine.stop();
      if (backups) await backups.stop();
      if (unlisten) await unlisten();
      await deps.ingest.close();
      await handle.close();
    },
  };
}
