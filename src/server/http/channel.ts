import type { FastifyRequest } from 'fastify';
import type { Channel } from '../incident/incident.js';

/** The channel a REST change came through, as the timeline shows it: the web app says so in a header. */
export function channelOf(request: FastifyRequest): Channel {
  const ui = request.headers['x-vigil-client'] === 'web';
  return { type: ui ? 'web_ui' : 'api' };
}
