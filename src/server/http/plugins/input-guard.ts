/**
 * Input every route refuses the same way, before its own validation runs:
 * unstorable text (NUL, lone surrogates) in the body, query or path, and a
 * `time_zone` query that is not an IANA zone. Each answers 400 naming the field.
 */
import type { FastifyInstance } from 'fastify';
import { IANAZone } from 'luxon';
import { invalid } from '../../errors.js';
import { cleanBodies, findUnstorableText } from './unstorable-text.js';

export function registerInputGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    for (const [part, value] of [['path', request.params], ['query', request.query], ['body', request.body]] as const) {
      if (value === undefined || value === null) continue;
      // A JSON body whose text was checked when it was parsed (app.ts).
      if (part === 'body' && typeof value === 'object' && cleanBodies.has(value)) continue;
      const bad = findUnstorableText(value, part === 'body' ? '' : part);
      if (bad) throw invalid(`${bad.field || part} ${bad.problem}`);
    }
    const zone = (request.query as Record<string, unknown> | undefined)?.['time_zone'];
    if (zone !== undefined && (typeof zone !== 'string' || !IANAZone.isValidZone(zone))) {
      throw invalid(`time_zone: ${JSON.stringify(zone).slice(0, 64)} is not an IANA time zone (e.g. "America/New_York")`);
    }
  });
}
