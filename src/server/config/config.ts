import { isIP } from 'node:net';
import path from 'node:path';

export type RoleName = 'api' | 'engine';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | null;
  roles: RoleName[];
  /** Public base URL, used in links sent to people (email, chat). */
  publicUrl: string;
  logLevel: string;
  /** Outbound email; null disables the email channel. */
  smtp: { host: string; port: number; secure: boolean; user: string | null; pass: string | null; from: string } | null;
  /** A Twilio-compatible SMS/voice provider; null disables SMS and voice. */
  twilio: { baseUrl: string; accountSid: string; authToken: string; from: string } | null;
  /**
   * Which proxies in front of Vigil to believe about the client's address (X-Forwarded-For),
   * from VIGIL_TRUST_PROXY: false (the default: the socket's address is the client), a number
   * of hops, or a list of proxy addresses and CIDRs. Passed to Fastify's `trustProxy`; the
   * sign-in throttles key on the address it yields (docs/security.md).
   */
  trustProxy: false | number | string[];
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
    trustProxy: parseTrustProxy(env.VIGIL_TRUST_PROXY),
    slackSigningSecret: env.VIGIL_SLACK_SIGNING_SECRET || null,
    ingest: {
      ratePerIntegration: intEnv(env, 'VIGIL_INGEST_RATE', 500),
      burstPerIntegration: intEnv(env, 'VIGIL_INGEST_BURST', 5000),
      maxBatch: intEnv(env, 'VIGIL_INGEST_BATCH', 200),
    },
    ...overrides,
  };
}
