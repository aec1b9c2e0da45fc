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
    roles,
    publicUrl: (env.VIGIL_PUBLIC_URL || `http://${host}:${port}`).replace(/\/$/, ''),
    logLevel: env.LOG_LEVEL || 'info',
    ingest: {
      ratePerIntegration: intEnv(env, 'VIGIL_INGEST_RATE', 500),
      burstPerIntegration: intEnv(env, 'VIGIL_INGEST_BURST', 5000),
      maxBatch: intEnv(env, 'VIGIL_INGEST_BATCH', 200),
    },
    ...overrides,
  };
}
