import type { Kysely } from 'kysely';
import type { Bus } from '../lib/bus.js';
import type { OutboundPolicy } from '../lib/outbound-policy.js';
import type { Clock } from '../lib/clock.js';
import type { Config } from '../config/config.js';
import type { DialectName } from '../storage/dialect.js';
import type { Readiness } from '../observability/readiness.js';
import type { Database } from '../storage/schema.js';
import type { IngestService } from '../ingest/ingest.service.js';
import type { Presenter } from './presenters/index.js';
import type { Metrics } from '../observability/metrics.js';
import type { ChannelRegistry } from '../notify/channels/registry.js';
import type { TargetRegistry } from '../escalation/targets.js';

/** Everything a route needs, built once by main.ts (or a test) and passed to buildApp. */
export interface AppDeps {
  db: Kysely<Database>;
  dialect: DialectName;
  clock: Clock;
  bus: Bus;
  config: Config;
  ingest: IngestService;
  presenter: Presenter;
  /** Resolves once everything committed so far is on disk (DbHandle.sync). */
  sync: () => Promise<void>;
  /** Whether a commit is waiting for the disk (SQLite's WAL flush); never on PostgreSQL. Absent: assume so. */
  syncPending?: () => boolean;
  /** Checked by /readyz: ready, or why not (storage refusing writes, the database not answering). */
  ready: () => Promise<Readiness>;
  metrics: Metrics;
  /** The configured channels (email, sms, voice, webhook, slack): the engine delivers through them. */
  channels: ChannelRegistry;
  /** Which addresses members' webhook and Slack URLs may point at (checked again on every delivery). */
  outbound: OutboundPolicy;
  /** Escalation target types (users, schedules, volunteer pools): how a policy's targets resolve to people. */
  targets: TargetRegistry;
  /** Inbound secrets for chat buttons and SMS replies (see http/routes/respond.ts). */
  inbound: { slackSigningSecret: string | null; twilioAuthToken: string | null };
  /**
   * Delivers a contact method's verification code on the method's own channel
   * (wired by the engine). Absent: codes are created but sent nowhere.
   */
  sendVerification?: (orgId: string, contactMethodId: string, code: string) => Promise<void>;
}

import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';

/** The Fastify instance every route module receives: TypeBox schemas type request and reply. */
export type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;
