import { isIP } from 'node:net';
import path from 'node:path';
import { OutboundPolicy } from '../lib/outbound-policy.js';

export type RoleName = 'api' | 'engine';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | null;
  /** PostgreSQL connection pool: its size, and how long a request waits for a connection before 503 pool_exhausted. */
  dbPool: { size: number; timeoutMs: number };
  /** SQLite: the longest a response that changed something waits for the disk to confirm it (fsync), before 503 storage_slow. */
  durableWaitMs: number;
  roles: RoleName[];
  /** Public base URL, used in links sent to people (email, chat). */
  publicUrl: string;
  logLevel: string;
  /** `pretty` (human-readable, for a terminal) or `json` (one object per line, for a log collector). */
  logFormat: 'pretty' | 'json';
  /** Outbound email; null disables the email channel. */
  smtp: { host: string; port: number; secure: boolean; user: string | null; pass: string | null; from: string } | null;
  /**
   * Inbound email (docs/sources.md, "Email"): the domain of integrations' addresses
   * (`<key>@<domain>`, VIGIL_EMAIL_DOMAIN, default the public URL's host name) and Vigil's own
   * SMTP listener (VIGIL_SMTP_LISTEN host:port; null: none, the provider webhooks still work),
   * its message size limit and the certificate that enables STARTTLS.
   */
  inboundEmail: { domain: string; listen: { host: string; port: number } | null; maxBytes: number; tls: { certFile: string; keyFile: string } | null };
  /** A Twilio-compatible SMS/voice provider; null disables SMS and voice. */
  twilio: { baseUrl: string; accountSid: string; authToken: string; from: string } | null;
  /**
   * Which proxies in front of Vigil to believe about the client's address (X-Forwarded-For),
   * from VIGIL_TRUST_PROXY: false (the default: the socket's address is the client), a number
   * of hops, or a list of proxy addresses and CIDRs. Passed to Fastify's `trustProxy`; the
   * sign-in throttles key on the address it yields (docs/security.md).
   */
  trustProxy: false | number | string[];
  /** VIGIL_PASSWORD_COST: log2 of scrypt's N for new password hashes (account/password.ts), 12–20, default 15. */
  passwordCost: number;
  /** Verifies Slack/Mattermost interactive button requests. */
  slackSigningSecret: string | null;
  /** Web Push VAPID contact (`sub`): a mailto: or https: URL push services can reach the operator at. */
  vapidSubject: string;
  /** VIGIL_OUTBOUND_ALLOW: CIDRs, addresses or host names outbound HTTP may reach besides public addresses. */
  outboundAllow: string[];
  /** VIGIL_METRICS_TOKEN: the bearer token /metrics requires; null turns /metrics off (404). */
  metricsToken: string | null;
  /** VIGIL_SECRET_KEY: base64 keys of 32 bytes, comma-separated, the first seals (lib/secret-box.ts); null: `<dataDir>/secret.key`. */
  secretKey: string | null;
  /** VIGIL_CHROMIUM: the Chromium that renders PDF reports (default /usr/bin/chromium, Debian's `chromium`). */
  chromiumPath: string;
  /**
   * A host name (e.g. `api.vigil.example.com`) on which every request is PagerDuty's REST API
   * at the root (`/incidents` is `/api/v1/incidents`). Null: only requests carrying PagerDuty's
   * `Accept: application/vnd.pagerduty+json` header are served at the root.
   */
  pagerDutyApiHost?: string | null;
  ingest: {
    /** Sustained events per second accepted per integration before 429. */
    ratePerIntegration: number;
    /** Burst allowance per integration. */
    burstPerIntegration: number;
    /** Most events committed in one transaction (group commit). */
    maxBatch: number;
    /**
     * VIGIL_INGEST_WRITER: where ingest batches run on SQLite. `thread`: a writer thread with its
     * own connection (ingest/writer-thread.ts); `main`: the main thread. PostgreSQL: always `main`.
     */
    writer?: IngestWriter;
  };
  /** Outbound heartbeat (docs/operating.md): the engine pings this URL every period while it runs. */
  watchdog: { url: string; everyMs: number } | null;
  /**
   * Self-checks (docs/operating.md, "Self-checks"): thresholds over which the engine opens an
   * incident on each organization's built-in "Vigil health" service. Null: off.
   */
  selfChecks: {
    everyMs: number;
    lagMs: number;
    outboxAgeMs: number;
    channelFailureRate: number;
    channelMinAttempts: number;
    channelWindowMs: number;
    diskFreeBytes: number;
    diskFreePercent: number;
    storageNoticeEveryMs: number;
  } | null;
  /** Backups (docs/operating.md): where they go, how often the server takes one, how many it keeps. */
  backup: {
    dir: string;
    /** Null: no scheduled backups (`vigil backup` still works). */
    everyMs: number | null;
    keep: number;
    /** Take a backup before a migration changes an existing database's schema. */
    beforeMigrate: boolean;
  };
}

function heartbeatUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error(`VIGIL_HEARTBEAT_URL must be an http(s) URL, got ${JSON.stringify(raw)}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`VIGIL_HEARTBEAT_URL must be an http(s) URL, got ${JSON.stringify(raw)}`);
  return u.toString();
}

function durationEnv(env: NodeJS.ProcessEnv, name: string, dflt: number): number {
  const raw = env[name];
  return raw === undefined || raw === '' ? dflt : parseDuration(name, raw);
}

/** The self-checks' thresholds (docs/operating.md), or null with VIGIL_SELF_CHECKS=off. */
function selfChecks(env: NodeJS.ProcessEnv): Config['selfChecks'] {
  const on = env.VIGIL_SELF_CHECKS ?? 'on';
  if (on !== 'on' && on !== 'off') throw new Error(`VIGIL_SELF_CHECKS must be on or off, got ${JSON.stringify(on)}`);
  if (on === 'off') return null;
  const rate = intEnv(env, 'VIGIL_SELF_CHECK_CHANNEL_FAILURE_RATE', 0.5);
  if (rate <= 0 || rate >= 1) throw new Error(`VIGIL_SELF_CHECK_CHANNEL_FAILURE_RATE must be a share between 0 and 1 (0.5: half the messages failed), got ${JSON.stringify(env.VIGIL_SELF_CHECK_CHANNEL_FAILURE_RATE)}`);
  const percent = intEnv(env, 'VIGIL_SELF_CHECK_DISK_FREE_PERCENT', 5);
  if (percent > 100) throw new Error(`VIGIL_SELF_CHECK_DISK_FREE_PERCENT must be at most 100, got ${JSON.stringify(env.VIGIL_SELF_CHECK_DISK_FREE_PERCENT)}`);
  return {
    everyMs: durationEnv(env, 'VIGIL_SELF_CHECK_EVERY', 60_000),
    lagMs: intEnv(env, 'VIGIL_SELF_CHECK_LAG_MS', 60_000),
    outboxAgeMs: durationEnv(env, 'VIGIL_SELF_CHECK_OUTBOX_AGE', 15 * 60_000),
    channelFailureRate: rate,
    channelMinAttempts: Math.max(1, Math.round(intEnv(env, 'VIGIL_SELF_CHECK_CHANNEL_MIN', 3))),
    channelWindowMs: durationEnv(env, 'VIGIL_SELF_CHECK_CHANNEL_WINDOW', 15 * 60_000),
    diskFreeBytes: intEnv(env, 'VIGIL_SELF_CHECK_DISK_FREE_MB', 512) * 1024 * 1024,
    diskFreePercent: percent,
    storageNoticeEveryMs: durationEnv(env, 'VIGIL_STORAGE_NOTICE_EVERY', 15 * 60_000),
  };
}

/** VIGIL_LOG_FORMAT, or by default pretty when standard output is a terminal and JSON otherwise. */
function logFormat(raw: string | undefined): 'pretty' | 'json' {
  if (raw === 'pretty' || raw === 'json') return raw;
  if (raw) throw new Error(`VIGIL_LOG_FORMAT must be pretty or json, got ${JSON.stringify(raw)}`);
  return process.stdout.isTTY ? 'pretty' : 'json';
}

/** `90s`, `30m`, `24h`, `7d`, or plain seconds. */
export function parseDuration(name: string, raw: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)?$/.exec(raw.trim());
  if (!m) throw new Error(`${name} must be a duration such as 30m, 24h or 7d, got ${JSON.stringify(raw)}`);
  const ms = Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  if (ms < 60_000) throw new Error(`${name} must be at least one minute, got ${JSON.stringify(raw)}`);
  return ms;
}

/** VIGIL_VAPID_SUBJECT, or the public URL when it is https, else mailto:vigil@<its host>. */
function vapidSubject(value: string | undefined, publicUrl: string): string {
  if (value) {
    if (!/^(mailto:[^@\s]+@[^@\s]+|https:\/\/\S+)$/.test(value)) throw new Error('VIGIL_VAPID_SUBJECT must be a mailto: address or an https: URL');
    return value;
  }
  const url = new URL(publicUrl);
  return url.protocol === 'https:' && url.hostname !== 'localhost' ? url.origin : `mailto:vigil@${url.hostname}`;
}

/** VIGIL_SMTP_LISTEN: `host:port`, `:port` or `port` (host 0.0.0.0); IPv6 hosts in brackets. */
export function parseListen(raw: string): { host: string; port: number } {
  const m = /^(?:(?:\[([^\]]+)\]|([^:[\]]*)):)?(\d{1,5})$/.exec(raw.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new Error(`VIGIL_SMTP_LISTEN must be host:port (e.g. 0.0.0.0:2525), got ${JSON.stringify(raw)}`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

function inboundEmail(env: NodeJS.ProcessEnv, publicUrl: string): Config['inboundEmail'] {
  const domain = (env.VIGIL_EMAIL_DOMAIN || new URL(publicUrl).hostname).trim().toLowerCase();
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(domain)) throw new Error(`VIGIL_EMAIL_DOMAIN must be a domain name, got ${JSON.stringify(domain)}`);
  const cert = env.VIGIL_SMTP_TLS_CERT || null;
  const key = env.VIGIL_SMTP_TLS_KEY || null;
  if ((cert === null) !== (key === null)) throw new Error('VIGIL_SMTP_TLS_CERT and VIGIL_SMTP_TLS_KEY go together: give both files (STARTTLS) or neither');
  const maxBytes = intEnv(env, 'VIGIL_SMTP_MAX_BYTES', 10 * 1024 * 1024);
  if (maxBytes < 1024) throw new Error('VIGIL_SMTP_MAX_BYTES must be at least 1024');
  return { domain, listen: env.VIGIL_SMTP_LISTEN ? parseListen(env.VIGIL_SMTP_LISTEN) : null, maxBytes: Math.floor(maxBytes), tls: cert && key ? { certFile: cert, keyFile: key } : null };
}

export type IngestWriter = 'main' | 'thread';

function ingestWriter(raw: string | undefined): IngestWriter {
  if (raw === undefined || raw === '') return 'main';
  if (raw === 'main' || raw === 'thread') return raw;
  throw new Error(`VIGIL_INGEST_WRITER must be main or thread, got ${JSON.stringify(raw)}`);
}

function intEnv(env: NodeJS.ProcessEnv, name: string, dflt: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got ${JSON.stringify(raw)}`);
  return n;
}

/**
 * VIGIL_TRUST_PROXY: empty or `false` trusts nobody; a whole number trusts that many hops
 * in front of Vigil; otherwise a comma-separated list of IP addresses and CIDRs (or
 * proxy-addr's names loopback, linklocal, uniquelocal). `true` (trust every hop) is refused:
 * then any client could claim any address.
 */
export function parseTrustProxy(raw: string | undefined): false | number | string[] {
  const v = (raw ?? '').trim();
  if (v === '' || v === 'false' || v === '0') return false;
  if (/^\d+$/.test(v)) return Number(v);
  if (v === 'true') throw new Error('VIGIL_TRUST_PROXY=true would let any client claim any address: give the number of proxies in front of Vigil, or their addresses (CIDRs)');
  const items = v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) {
    const [addr, bits, extra] = item.split('/');
    const named = ['loopback', 'linklocal', 'uniquelocal'].includes(item);
    const family = isIP(addr ?? '');
    const okBits = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (!named && (family === 0 || !okBits || extra !== undefined)) throw new Error(`VIGIL_TRUST_PROXY: ${JSON.stringify(item)} is not a hop count, an IP address or a CIDR`);
  }
  return items;
}

/** log2 of scrypt's N for password hashes (account/password.ts): the default, and the range VIGIL_PASSWORD_COST may choose from. */
export const PASSWORD_COST = { default: 15, min: 12, max: 20 } as const;

export function parsePasswordCost(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return PASSWORD_COST.default;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < PASSWORD_COST.min || n > PASSWORD_COST.max) throw new Error(`VIGIL_PASSWORD_COST must be a whole number from ${PASSWORD_COST.min} to ${PASSWORD_COST.max} (log2 of scrypt's N; default ${PASSWORD_COST.default}), got ${JSON.stringify(raw)}`);
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const port = intEnv(env, 'PORT', 8080);
  const host = env.HOST || '127.0.0.1';
  const databaseUrl = env.DATABASE_URL && /^postgres(ql)?:\/\//.test(env.DATABASE_URL) ? env.DATABASE_URL : null;
  const roles = (env.VIGIL_ROLES || 'api,engine').split(',').map((r) => r.trim()).filter(Boolean) as RoleName[];
  for (const r of roles) if (r !== 'api' && r !== 'engine') throw new Error(`unknown role ${r}: use api, engine or both`);
  const outboundAllow = (env.VIGIL_OUTBOUND_ALLOW || '').split(',').map((s) => s.trim()).filter(Boolean);
  new OutboundPolicy(outboundAllow); // throws on an entry that is neither a CIDR, an address nor a host name
  return {
    port,
    host,
    dataDir: path.resolve(env.VIGIL_DATA_DIR || './data'),
    databaseUrl,
    dbPool: { size: intEnv(env, 'VIGIL_DB_POOL_SIZE', 10), timeoutMs: intEnv(env, 'VIGIL_DB_POOL_TIMEOUT_MS', 5_000) },
    durableWaitMs: intEnv(env, 'VIGIL_DURABLE_WAIT_MS', 10_000),
    roles,
    publicUrl: (env.VIGIL_PUBLIC_URL || `http://${host}:${port}`).replace(/\/$/, ''),
    logLevel: env.LOG_LEVEL || 'info',
    logFormat: logFormat(env.VIGIL_LOG_FORMAT),
    smtp: env.VIGIL_SMTP_HOST
      ? {
          host: env.VIGIL_SMTP_HOST,
          port: intEnv(env, 'VIGIL_SMTP_PORT', 587),
          secure: env.VIGIL_SMTP_SECURE === 'true',
          user: env.VIGIL_SMTP_USER || null,
          pass: env.VIGIL_SMTP_PASS || null,
          from: env.VIGIL_SMTP_FROM || 'Vigil <vigil@localhost>',
        }
      : null,
    inboundEmail: inboundEmail(env, (env.VIGIL_PUBLIC_URL || `http://${host}:${port}`).replace(/\/$/, '')),
    twilio:
      env.VIGIL_TWILIO_ACCOUNT_SID && env.VIGIL_TWILIO_AUTH_TOKEN && env.VIGIL_TWILIO_FROM
        ? { baseUrl: (env.VIGIL_TWILIO_BASE_URL || 'https://api.twilio.com').replace(/\/$/, ''), accountSid: env.VIGIL_TWILIO_ACCOUNT_SID, authToken: env.VIGIL_TWILIO_AUTH_TOKEN, from: env.VIGIL_TWILIO_FROM }
        : null,
    trustProxy: parseTrustProxy(env.VIGIL_TRUST_PROXY),
    passwordCost: parsePasswordCost(env.VIGIL_PASSWORD_COST),
    slackSigningSecret: env.VIGIL_SLACK_SIGNING_SECRET || null,
    vapidSubject: vapidSubject(env.VIGIL_VAPID_SUBJECT, env.VIGIL_PUBLIC_URL || `http://${host}:${port}`),
    outboundAllow,
    metricsToken: env.VIGIL_METRICS_TOKEN || null,
    secretKey: env.VIGIL_SECRET_KEY || null,
    chromiumPath: env.VIGIL_CHROMIUM || '/usr/bin/chromium',
    pagerDutyApiHost: env.VIGIL_PAGERDUTY_API_HOST ? env.VIGIL_PAGERDUTY_API_HOST.toLowerCase() : null,
    ingest: {
      ratePerIntegration: intEnv(env, 'VIGIL_INGEST_RATE', 500),
      burstPerIntegration: intEnv(env, 'VIGIL_INGEST_BURST', 5000),
      maxBatch: intEnv(env, 'VIGIL_INGEST_BATCH', 200),
      writer: ingestWriter(env.VIGIL_INGEST_WRITER),
    },
    watchdog: env.VIGIL_HEARTBEAT_URL ? { url: heartbeatUrl(env.VIGIL_HEARTBEAT_URL), everyMs: env.VIGIL_HEARTBEAT_EVERY ? parseDuration('VIGIL_HEARTBEAT_EVERY', env.VIGIL_HEARTBEAT_EVERY) : 60_000 } : null,
    selfChecks: selfChecks(env),
    backup: {
      dir: path.resolve(env.VIGIL_BACKUP_DIR || path.join(env.VIGIL_DATA_DIR || './data', 'backups')),
      everyMs: env.VIGIL_BACKUP_EVERY ? parseDuration('VIGIL_BACKUP_EVERY', env.VIGIL_BACKUP_EVERY) : null,
      keep: Math.max(1, intEnv(env, 'VIGIL_BACKUP_KEEP', 7)),
      beforeMigrate: env.VIGIL_BACKUP_BEFORE_MIGRATE !== 'off',
    },
    ...overrides,
  };
}
