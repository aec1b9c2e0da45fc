/**
 * A test event: a real trigger for one integration of a service, through the
 * same rate limit, group commit, dedup and escalation as any event. Resolves
 * with its dedup key once committed; 404 for an unknown service or an
 * integration of another service, 429 when the integration is flooding.
 */
import type { Kysely } from 'kysely';
import { notFound } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { getIntegration, getService } from '../service/service.store.js';
import type { Database } from '../storage/schema.js';
import type { IngestService } from './ingest.service.js';

export async function sendTestEvent(
  db: Kysely<Database>,
  clock: Clock,
  ingest: IngestService,
  sender: { orgId: string; name: string; email: string },
  serviceId: string,
  integrationId: string,
): Promise<string> {
  const service = await getService(db, sender.orgId, serviceId);
  if (!service) throw notFound(`service ${serviceId}`);
  const integration = await getIntegration(db, sender.orgId, service.id, integrationId);
  if (!integration) throw notFound(`integration ${integrationId}`);
  ingest.admit(integration.id);
  const dedupKey = `vigil-test-${newId(clock.now()).toLowerCase()}`;
  await ingest.submit({
    kind: 'trigger',
    target: { integration, service },
    channel: { type: 'web_ui' },
    dedupKey,
    summary: `Test event for ${service.name} (sent by ${sender.name} from the Vigil web UI)`,
    severity: 'info',
    source: 'vigil-web',
    details: { custom_details: { note: 'A test event. Resolve the incident when you have seen the page arrive.', sent_by: sender.email } },
  });
  return dedupKey;
}
