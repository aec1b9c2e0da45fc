import path from 'node:path';

export type RoleName = 'api' | 'engine';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | null;
  /** PostgreSQL connection pool: its size, and how long a request waits for a connection before 503 pool_exhausted. */
  dbPool: { size: number; timeoutMs: number };
  roles: RoleName[];
  /** Public base URL, used in links sent to people (email, chat). */
  publicUrl: string;
  logLevel: string;
  /** Outbound email; null disables the email channel. */
  smtp: { host: string; port: number; secure: boolean; user: string | null; pass: string | null; from: string } | null;
  /** A Twilio-compatible SMS/voice provider; null disables SMS and voice. */
  twilio: { baseUrl: string; accountSid: string; authToken: string; from: string } | null;
  /** Verifies Slack/Mattermost interactive button requests. */
  slackSigningSecret: string | null;
  ingest: {
    /** Sustained events per second accepted per integration before 429. */
    ratePerIntegration: number;
    /** Burst allowance per integration. */
    burstPerIntegration: number;
    /** Most events committed in one transaction (group commit). */
    maxBatch: number;
  };
}

function intEnv(env: NodeJS.ProcessEnv, name: string, dflt: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got ${JSON.stringify(raw)}`);
  return n;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const port = intEnv(env, 'PORT', 8080);
  const host = env.HOST || '127.0.0.1';
  const databaseUrl = env.DATABASE_URL && /^postgres(ql)?:\/\//.test(env.DATABASE_URL) ? env.DATABASE_URL : null;
  const roles = (env.VIGIL_ROLES || 'api,engine').split(',').map((r) => r.trim()).filter(Boolean) as RoleName[];
  for (const r of roles) if (r !== 'api' && r !== 'engine') throw new Error(`unknown role ${r}: use api, engine or both`);
  return {
    port,
    host,
    dataDir: path.resolve(env.VIGIL_DATA_DIR || './data'),
    databaseUrl,
    dbPool: { size: intEnv(env, 'VIGIL_DB_POOL_SIZE', 10), timeoutMs: intEnv(env, 'VIGIL_DB_POOL_TIMEOUT_MS', 5_000) },
    roles,
    publicUrl: (env.VIGIL_PUBLIC_URL || `http://${host}:${port}`).replace(/\/$/, ''),
    logLevel: env.LOG_LEVEL || 'info',
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
    twilio:
      env.VIGIL_TWILIO_ACCOUNT_SID && env.VIGIL_TWILIO_AUTH_TOKEN && env.VIGIL_TWILIO_FROM
        ? { baseUrl: (env.VIGIL_TWILIO_BASE_URL || 'https://api.twilio.com').replace(/\/$/, ''), accountSid: env.VIGIL_TWILIO_ACCOUNT_SID, authToken: env.VIGIL_TWILIO_AUTH_TOKEN, from: env.VIGIL_TWILIO_FROM }
        : null,
    slackSigningSecret: env.VIGIL_SLACK_SIGNING_SECRET || null,
    ingest: {
      ratePerIntegration: intEnv(env, 'VIGIL_INGEST_RATE', 500),
      burstPerIntegration: intEnv(env, 'VIGIL_INGEST_BURST', 5000),
      maxBatch: intEnv(env, 'VIGIL_INGEST_BATCH', 200),
    },
    ...overrides,
  };
}
