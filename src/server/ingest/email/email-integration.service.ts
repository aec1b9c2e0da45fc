/**
 * Creating and changing integrations with PagerDuty's email fields: the email settings are
 * checked here (email-config.ts, which needs the rules' RE2 engine) and handed to
 * service/service.service.ts as the stored JSON; the other fields go through unchanged.
 */
import type { Kysely } from 'kysely';
import { invalid } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import { sealSecret } from '../../lib/secret-box.js';
import type { Database, IntegrationTable, ServiceTable } from '../../storage/schema.js';
import { createIntegration, integrationType, updateIntegration } from '../../service/service.service.js';
import { DEFAULT_EMAIL_CONFIG, EMAIL_FIELDS, parseEmailConfig, readEmailConfig } from './email-config.js';

function split(input: Record<string, unknown>): { rest: Record<string, unknown>; email: Record<string, unknown> | null } {
  if (input.integration_email !== undefined) throw invalid('integration.integration_email: Vigil gives each email integration its address, <integration key>@<VIGIL_EMAIL_DOMAIN>; it cannot be chosen');
  const rest: Record<string, unknown> = {};
  const email: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) ((EMAIL_FIELDS as readonly string[]).includes(k) ? email : rest)[k] = v;
  return { rest, email: Object.keys(email).length ? email : null };
}

function checked(email: Record<string, unknown>, current: ReturnType<typeof readEmailConfig>): string {
  const v = parseEmailConfig(email, current, sealSecret);
  if (!v.ok) throw invalid(...v.errors);
  return JSON.stringify(v.config);
}

export async function createAnyIntegration(db: Kysely<Database>, clock: Clock, orgId: string, service: ServiceTable, input: Record<string, unknown> & { type: string }): Promise<{ integration: IntegrationTable; key: string }> {
  const { rest, email } = split(input);
  const isEmail = integrationType(input.type) === 'email';
  if (email && !isEmail) throw invalid(`integration.${Object.keys(email)[0]}: applies to email integrations only (type generic_email_inbound_integration)`);
  const emailConfig = isEmail ? checked(email ?? {}, DEFAULT_EMAIL_CONFIG) : undefined;
  return createIntegration(db, clock, orgId, service, { ...(rest as { type: string; name?: string; heartbeat_interval_seconds?: number }), ...(emailConfig !== undefined ? { email_config: emailConfig } : {}) });
}

export async function updateAnyIntegration(db: Kysely<Database>, orgId: string, integration: IntegrationTable, input: Record<string, unknown>): Promise<IntegrationTable> {
  const { rest, email } = split(input);
  if (email && integration.type !== 'email') throw invalid(`integration.${Object.keys(email)[0]}: applies to email integrations only`);
  return updateIntegration(db, orgId, integration, rest, email ? checked(email, readEmailConfig(integration.email_config)) : undefined);
}
