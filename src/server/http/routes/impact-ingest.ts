/**
 * Impact counts in (`POST /v1/impact`), answered in the Events API's shape. Only counts
 * are stored.
 */
import { Type } from 'typebox';
import { EventsError } from '../../../contract/common.js';
import { VigilError } from '../../errors.js';
import { validateImpactBody } from '../../impact/ingest.js';
import { recordSamples } from '../../impact/impact.service.js';
import type { App, AppDeps } from '../deps.js';

/** Up to 10,000 samples of about 100 bytes each. */
export const IMPACT_BODY_LIMIT = 4 * 1024 * 1024;

const Recorded = Type.Object({ status: Type.String(), message: Type.String(), samples: Type.Integer(), ignored: Type.Integer(), minutes: Type.Integer() });
const skipValidation = () => () => true;

const ImpactSampleDoc = Type.Object({
  routing_key: Type.String({ description: 'The key of an impact integration' }),
  count: Type.Optional(Type.Integer({ minimum: 0, description: 'Units completed in the interval' })),
  interval_start: Type.Optional(Type.String({ description: 'ISO 8601, on a whole minute' })),
  interval_seconds: Type.Optional(Type.Integer({ minimum: 60, multipleOf: 60 })),
  counter: Type.Optional(Type.Integer({ minimum: 0, description: 'A monotonic counter (resets are detected)' })),
  at: Type.Optional(Type.String({ description: 'When the counter was read' })),
  offered: Type.Optional(Type.Integer({ minimum: 0 })),
  answered: Type.Optional(Type.Integer({ minimum: 0 })),
  samples: Type.Optional(Type.Array(Type.Any(), { maxItems: 10_000, description: 'Batch form (backfill): samples without routing_key' })),
});

export function impactIngestRoutes(app: App, deps: AppDeps): void {
  const { db, clock } = deps;

  app.post(
    '/v1/impact',
    {
      bodyLimit: IMPACT_BODY_LIMIT,
      config: { errorStyle: 'events', permission: 'public' },
      validatorCompiler: skipValidation,
      schema: {
        summary:
          'Send impact counts: {count, interval_start, interval_seconds} per interval, or {counter, at} from a monotonic counter, optionally with offered/answered; or {samples: [...]} to backfill history. Only counts are stored.',
        tags: ['ingest'],
        body: ImpactSampleDoc,
        response: { 202: Recorded, 400: EventsError, 413: EventsError, 429: EventsError },
      },
    },
    async (request, reply) => {
      const now = clock.now();
      const v = validateImpactBody(request.body, now);
      if (!v.ok) {
        deps.ingest.count('rejected', 'invalid');
        throw new VigilError('invalid_input', v.errors);
      }
      const target = await deps.ingest.resolveKey(v.routingKey, 'impact');
      if (!target) {
        deps.ingest.count('rejected', 'invalid');
        throw new VigilError('invalid_input', ["'routing_key' is not a known impact integration key"]);
      }
      deps.ingest.admit(target.integration.id);
      const r = await recordSamples(db, now, target.integration, v.samples);
      deps.ingest.count('accepted', 'impact');
      const message = r.ignored > 0 ? `Impact counts recorded; ${r.ignored} counter samples were not newer than the last one and were ignored` : 'Impact counts recorded';
      return reply.code(202).send({ status: 'success', message, samples: r.samples, ignored: r.ignored, minutes: r.minutes });
    },
  );
}
