import type pg from 'pg';

/**
 * PostgreSQL texts of the hand-written hot-path statements (storage/prepared.ts, and the
 * organization lock in dialect.ts), each with a name: they run as named prepared statements,
 * parsed and planned once per connection instead of on every call. A batch's 20-row INSERT of
 * alerts has 360 parameters; planning it each time took PostgreSQL's CPU from the same cores
 * (docs/benchmarks.md, stop 31). Only these texts, a fixed set, are named, so a connection's
 * statements stay bounded; Kysely's queries stay unnamed. A pooler in transaction mode needs to support
 * protocol-level prepared statements (PgBouncer ≥ 1.21, `max_prepared_statements`).
 */
const namedStatements = new Map<string, string>();
export function nameOnPostgres(text: string): void {
  if (!namedStatements.has(text)) namedStatements.set(text, `vigil_${namedStatements.size + 1}`);
}

/** node-postgres's Client, running the texts named by nameOnPostgres as named prepared statements. */
export function namingClient(base: typeof pg.Client): typeof pg.Client {
  return class NamingClient extends base {
    override query(...args: any[]): any {
      const [text, values] = args;
      const name = typeof text === 'string' && Array.isArray(values) ? namedStatements.get(text) : undefined;
      if (name) args = [{ name, text, values }, ...args.slice(2)];
      return (super.query as (...a: any[]) => any)(...args);
    }
  } as typeof pg.Client;
}
