/**
 * CSV answers: a route answers CSV when asked by `?format=csv` or `Accept: text/csv`
 * (`?format=json` forces JSON whatever the Accept header says).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

export function wantsCsv(request: FastifyRequest): boolean {
  const format = (request.query as { format?: string } | undefined)?.format;
  if (format === 'csv') return true;
  if (format === 'json') return false;
  return /\btext\/csv\b/i.test(String(request.headers.accept ?? ''));
}

export function sendCsv(reply: FastifyReply, filename: string, body: string): FastifyReply {
  return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`).send(body);
}
